// SPDX-License-Identifier: Apache-2.0
#include "engine/send_timer.h"

#include <sys/timerfd.h>
#include <unistd.h>

#include <boost/system/system_error.hpp>
#include <cerrno>
#include <ctime>
#include <system_error>
#include <type_traits>

namespace iuprobe {
namespace {

namespace asio = boost::asio;

// libstdc++'s steady_clock reads CLOCK_MONOTONIC, whose epoch the timerfd shares.
static_assert(std::is_same_v<SteadyClock, std::chrono::steady_clock>);

int monotonic_timerfd() {
  const int fd = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "timerfd_create");
  return fd;
}

}  // namespace

SendTimer::SendTimer(const LoadExecutor& executor) : timer_(executor) {
  const int fd = monotonic_timerfd();
  boost::system::error_code error;
  timer_.assign(fd, error);  // registers it with the reactor
  if (error) {
    ::close(fd);
    throw boost::system::system_error(error, "registering the send timer");
  }
}

LoadTask<bool> SendTimer::wait_until(TimePoint at) {
  const auto since = at.time_since_epoch();
  const auto seconds = std::chrono::floor<std::chrono::seconds>(since);
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(seconds.count());
  spec.it_value.tv_nsec = static_cast<long>(
      std::chrono::nanoseconds(since - seconds).count());  // NOLINT(google-runtime-int)
  // All zero would disarm the timer instead of firing it: the clock's start is long past anyway.
  if (spec.it_value.tv_sec <= 0 && spec.it_value.tv_nsec <= 0) spec.it_value.tv_nsec = 1;
  // Arming resets the expiry count, so the last expiry, never read, does not end this wait: the
  // reactor is edge-triggered, and only this expiry's event reaches it.
  if (::timerfd_settime(timer_.native_handle(), TFD_TIMER_ABSTIME, &spec, nullptr) != 0) {
    throw std::system_error(errno, std::generic_category(), "timerfd_settime");
  }
  const auto [error] =
      co_await timer_.async_wait(asio::posix::descriptor_base::wait_read, kLoadTuple);
  co_return !error;
}

void SendTimer::cancel() {
  boost::system::error_code ignored;
  timer_.cancel(ignored);
}

}  // namespace iuprobe
