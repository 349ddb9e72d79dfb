// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <cassert>
#include <utility>

#include "http/awaitable.h"

namespace iuprobe {

// Where one coroutine of the load path waits for an event of its own thread: a parked answer
// read by its owner, a send for an idle connection. The waiting coroutine's completion handler
// is kept here, type-erased (Asio's any_completion_handler, from its recycling allocator), and
// called by wake_now() or posted by wake_later(). What it replaces, a timer set to expire
// never and cancelled, cost a timer-queue insertion and removal and two locks per wait; a
// coroutine spawned per event, two frames and two queued completions. A waiting coroutine keeps
// its event loop running as any spawned one does: co_spawn counts it as work until it ends.
// Not thread-safe: only the executor's own thread may wait and wake.
class Wakeup {
 public:
  explicit Wakeup(LoadExecutor executor) : executor_(std::move(executor)) {}
  Wakeup(const Wakeup&) = delete;
  Wakeup& operator=(const Wakeup&) = delete;

  // `co_await wakeup.wait();` suspends until a wake. One waiter at a time.
  auto wait() {
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<LoadExecutor>, void()>(
        [this](auto handler) {
          assert(!handler_);
          // Not `handler_ = ...`: Boost 1.81's move assignment wraps the handler in another
          // any_completion_handler, which wraps it again, until the stack runs out.
          Handler(std::move(handler)).swap(handler_);
        },
        boost::asio::use_awaitable_t<LoadExecutor>{});
  }
  bool waiting() const { return static_cast<bool>(handler_); }

  // Resumes the waiter in place: it runs until it next suspends (or ends) before this returns,
  // as a coroutine spawned here would.
  void wake_now() {
    assert(handler_);
    auto handler = std::move(handler_);  // the waiter may wait again
    std::move(handler)();
  }
  // Resumes the waiter from the event loop's queue, after the code that woke it.
  void wake_later() {
    assert(handler_);
    boost::asio::post(executor_,
                      [handler = std::move(handler_)]() mutable { std::move(handler)(); });
  }

 private:
  using Handler = boost::asio::any_completion_handler<void()>;

  LoadExecutor executor_;
  Handler handler_;
};

}  // namespace iuprobe
