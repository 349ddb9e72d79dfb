// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <mutex>
#include <optional>

#include "core/result.h"

namespace iuprobe {

// A reason to end the load at once (the model is not running, the credentials were refused), set
// by any worker, polled by the controller. The first reason wins, for the session's life.
class RunAbort {
 public:
  void request(Error reason) {
    std::lock_guard lock(mutex_);
    if (reason_) return;
    reason_ = std::move(reason);
    requested_.store(true, std::memory_order_release);
  }
  bool requested() const { return requested_.load(std::memory_order_acquire); }
  std::optional<Error> reason() const {
    std::lock_guard lock(mutex_);
    return reason_;
  }

 private:
  mutable std::mutex mutex_;
  std::optional<Error> reason_;
  std::atomic<bool> requested_{false};
};

}  // namespace iuprobe
