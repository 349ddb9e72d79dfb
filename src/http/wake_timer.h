// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/asio/posix/basic_stream_descriptor.hpp>

#include "core/clock.h"
#include "http/awaitable.h"

namespace iuprobe {

// A timer with a kernel timerfd of its own, for the one deadline a paced worker sets again at
// every wake-up. An Asio timer shares its reactor's timerfd with every timer of the thread: when
// it expires the reactor sets that timerfd to the next deadline, and setting the timer again
// sets it once more (two timerfd_settime(2) per wake-up, with a timer-queue insertion and
// removal under the reactor's lock). Here each wait sets the timerfd once, to an absolute time
// on the steady clock (CLOCK_MONOTONIC), and waits for it to be readable. The descriptor is
// never read: Asio watches it edge-triggered, and setting a timerfd resets its expiry count, so
// an expiry no wait consumed (a cancelled wait) cannot wake the next one early.
// Not thread-safe: only the executor's own thread may wait and cancel.
class WakeTimer {
 public:
  // Throws boost::system::system_error if the kernel gives no timerfd.
  explicit WakeTimer(LoadExecutor executor);

  // `auto [error] = co_await timer.wait_until(at);` resumes at `at` or later (at once if `at`
  // has passed), or with operation_aborted after cancel(). One wait at a time.
  auto wait_until(TimePoint at) {
    arm(at);
    return descriptor_.async_wait(Descriptor::wait_read, kLoadTuple);
  }
  void cancel();

 private:
  using Descriptor = boost::asio::posix::basic_stream_descriptor<LoadExecutor>;
  void arm(TimePoint at);

  Descriptor descriptor_;
};

}  // namespace iuprobe
