// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <string>

namespace iuprobe {

// A reason to end a run at once (the model is not running, the credentials were refused), set
// by any worker, polled by the controller. The first reason wins.
class RunAbort {
 public:
  void request(std::string reason) {
    std::lock_guard lock(mutex_);
    if (reason_) return;
    reason_ = std::move(reason);
    requested_.store(true, std::memory_order_release);
  }
  bool requested() const { return requested_.load(std::memory_order_acquire); }
  std::optional<std::string> reason() const {
    std::lock_guard lock(mutex_);
    return reason_;
  }

 private:
  mutable std::mutex mutex_;
  std::optional<std::string> reason_;
  std::atomic<bool> requested_{false};
};

}  // namespace iuprobe
