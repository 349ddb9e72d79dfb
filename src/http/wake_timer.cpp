// SPDX-License-Identifier: Apache-2.0
#include "http/wake_timer.h"

#include <sys/timerfd.h>

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <type_traits>

namespace iuprobe {
namespace {

// libstdc++'s steady_clock is CLOCK_MONOTONIC, which the timerfd is set on.
static_assert(std::is_same_v<SteadyClock, std::chrono::steady_clock>);

int new_timerfd() {
  const int fd = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) {
    throw boost::system::system_error(errno, boost::system::system_category(),
                                      "timerfd_create for a worker's send timer");
  }
  return fd;
}

}  // namespace

WakeTimer::WakeTimer(LoadExecutor executor) : descriptor_(std::move(executor), new_timerfd()) {}

void WakeTimer::arm(TimePoint at) {
  using std::chrono::nanoseconds;
  // An it_value of zero would disarm the timer: a time at or before the clock's start (that
  // has passed) is set to its first nanosecond, which has passed as well.
  const auto since_start = std::max<nanoseconds::rep>(
      std::chrono::duration_cast<nanoseconds>(at.time_since_epoch()).count(), 1);
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<std::time_t>(since_start / 1'000'000'000);
  spec.it_value.tv_nsec = static_cast<long>(since_start % 1'000'000'000);
  if (::timerfd_settime(descriptor_.native_handle(), TFD_TIMER_ABSTIME, &spec, nullptr) != 0) {
    throw boost::system::system_error(errno, boost::system::system_category(),
                                      "timerfd_settime for a worker's send timer");
  }
}

void WakeTimer::cancel() {
  boost::system::error_code ignored;
  descriptor_.cancel(ignored);
}

}  // namespace iuprobe
