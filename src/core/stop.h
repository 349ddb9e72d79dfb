// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>

namespace iuprobe {

class StopToken;

// A request to stop, owned by the command and handed to whoever may ask (a signal handler, the
// live page's Stop button, a test) and, as a StopToken, to whoever must obey (the load session,
// waits for the model). The first request asks for an orderly stop, a second one for an
// immediate one. Lock-free, so a signal handler may call request().
class StopSource {
 public:
  StopSource() = default;
  StopSource(const StopSource&) = delete;
  StopSource& operator=(const StopSource&) = delete;

  // Records a request as if `signal_number` had arrived (SIGINT for the live page's Stop).
  void request(int signal_number);
  // The first request's signal, 0 if none.
  int signal() const { return signal_.load(std::memory_order_acquire); }
  int requests() const { return requests_.load(std::memory_order_acquire); }
  StopToken token() const;

 private:
  std::atomic<int> signal_{0};
  std::atomic<int> requests_{0};
  static_assert(std::atomic<int>::is_always_lock_free, "signal handlers need lock-free atomics");
};

// The obeying side: cheap to copy, polled by long loops. A default token never asks to stop.
class StopToken {
 public:
  StopToken() = default;
  bool stop_requested() const { return requests() > 0; }
  int requests() const { return source_ != nullptr ? source_->requests() : 0; }
  int signal() const { return source_ != nullptr ? source_->signal() : 0; }

 private:
  friend class StopSource;
  explicit StopToken(const StopSource* source) : source_(source) {}
  const StopSource* source_ = nullptr;
};

inline StopToken StopSource::token() const {
  return StopToken(this);
}

// Routes SIGINT, SIGTERM and SIGUSR1 (which MPI launchers forward to every rank) to `source`
// for the rest of the process's life, and ignores SIGPIPE (a peer closing a socket must be an
// error code on the write, not a dead process). Polling the source keeps the handler trivial
// and lets every phase decide how to wind down.
void route_stop_signals(StopSource& source);

// The exit code for a run stopped by `signal_number` (130 for SIGINT, 143 for SIGTERM).
inline int exit_code_for_signal(int signal_number) {
  return 128 + signal_number;
}

}  // namespace iuprobe
