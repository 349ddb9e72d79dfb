// SPDX-License-Identifier: Apache-2.0
#include "core/interrupt.h"

#include <atomic>
#include <csignal>

namespace iuprobe {
namespace {

std::atomic<int> g_first_signal{0};
std::atomic<int> g_count{0};

static_assert(std::atomic<int>::is_always_lock_free, "signal handlers need lock-free atomics");

extern "C" void on_stop_signal(int signal_number) {
  request_interrupt(signal_number);
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  // A peer closing a socket must be an error code on the write, not a dead process.
  std::signal(SIGPIPE, SIG_IGN);
}

void request_interrupt(int signal_number) {
  int expected = 0;
  g_first_signal.compare_exchange_strong(expected, signal_number);
  g_count.fetch_add(1);
}

int interrupt_signal() {
  return g_first_signal.load();
}

int interrupt_count() {
  return g_count.load();
}

void reset_interrupts() {
  g_first_signal.store(0);
  g_count.store(0);
}

}  // namespace iuprobe
