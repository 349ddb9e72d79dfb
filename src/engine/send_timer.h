// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/asio/posix/basic_stream_descriptor.hpp>

#include "core/clock.h"
#include "http/awaitable.h"

namespace iuprobe {

// The open-loop schedule's wake-up: a timer on a timerfd of its own, waited on through the
// io_context's reactor like a socket. An Asio timer costs two timerfd_settime calls per
// wake-up: the reactor re-arms its one timerfd after each expiry (for the next timer, or for
// none) and the next expires_at() re-arms it again, as the new earliest timer. This one is armed
// once per wait, and at a high rate that call is a send window's largest fixed cost after
// epoll_wait. Use it from its io_context's thread only.
class SendTimer {
 public:
  explicit SendTimer(const LoadExecutor& executor);

  // Waits until `at` on the steady clock, or until cancel(): false when cancelled. A time
  // already past ends the wait at the reactor's next poll.
  LoadTask<bool> wait_until(TimePoint at);
  void cancel();

 private:
  boost::asio::posix::basic_stream_descriptor<LoadExecutor> timer_;
};

}  // namespace iuprobe
