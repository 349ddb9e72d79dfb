// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace iuprobe {

// A process-wide stop request, set by SIGINT/SIGTERM (or by a Stop button), polled by long
// loops. Polling keeps signal handlers trivial (async-signal-safe) and lets every phase
// — model start, load, model stop — decide for itself how to wind down.
void install_interrupt_handlers();

// Records a stop request as if `signal_number` had arrived. Thread- and signal-safe.
void request_interrupt(int signal_number);

// The first signal that asked us to stop, or 0.
int interrupt_signal();

// How many stop requests arrived; a second one means "stop now, skip the grace period".
int interrupt_count();

// The exit code for a run stopped by `signal_number` (130 for SIGINT, 143 for SIGTERM).
inline int exit_code_for_signal(int signal_number) {
  return 128 + signal_number;
}

// Forgets earlier requests; for tests.
void reset_interrupts();

}  // namespace iuprobe
