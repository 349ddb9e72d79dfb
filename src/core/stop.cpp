// SPDX-License-Identifier: Apache-2.0
#include "core/stop.h"

#include <csignal>

namespace iuprobe {
namespace {

// The one piece of process-wide state: signals have no other way to reach an object.
std::atomic<StopSource*> g_signal_target{nullptr};

extern "C" void on_stop_signal(int signal_number) {
  if (StopSource* source = g_signal_target.load()) source->request(signal_number);
}

}  // namespace

void StopSource::request(int signal_number) {
  int expected = 0;
  signal_.compare_exchange_strong(expected, signal_number, std::memory_order_acq_rel);
  requests_.fetch_add(1, std::memory_order_acq_rel);
}

void route_stop_signals(StopSource& source) {
  g_signal_target.store(&source);
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  // MPI launchers forward SIGUSR1 to every rank at once (mpirun): a graceful stop there.
  sigaction(SIGUSR1, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

}  // namespace iuprobe
