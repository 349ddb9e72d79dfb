// SPDX-License-Identifier: Apache-2.0
#include "engine/send_timer.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>
#include <vector>

namespace iuprobe {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;

// Runs `waits` (times after the start) one after another on one SendTimer; notes, for each, the
// clock when it returned and what it returned. A guard timer stops the loop after 10 s, so a
// wait that never ends fails the test instead of hanging it.
struct Waits {
  asio::io_context io{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  SendTimer timer{io.get_executor()};
  TimePoint start = SteadyClock::now();
  std::vector<TimePoint> asked;
  std::vector<TimePoint> returned;
  std::vector<bool> fired;

  void run(std::vector<TimePoint> times) {
    asked = std::move(times);
    asio::co_spawn(io, waiter(), asio::detached);
    LoadTimer guard(io.get_executor());
    guard.expires_after(std::chrono::seconds(10));
    guard.async_wait([this](const boost::system::error_code& error) {
      if (!error) io.stop();
    });
    while (!io.stopped() && returned.size() < asked.size()) io.run_one();
    guard.cancel();
    io.run();
  }
  LoadTask<> waiter() {
    for (const TimePoint at : asked) {
      fired.push_back(co_await timer.wait_until(at));
      returned.push_back(SteadyClock::now());
    }
  }
};

TEST(SendTimer, EachWaitEndsAtItsOwnTimeNotBefore) {
  Waits w;
  // The second wait follows an expiry nobody read from the timer: it must still wait its 30 ms.
  const TimePoint now = SteadyClock::now();
  w.run({now + milliseconds(5), now + milliseconds(35), now + milliseconds(40)});
  ASSERT_EQ(w.returned.size(), 3U);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(w.fired[i]) << i;
    EXPECT_GE(w.returned[i], w.asked[i]) << i;
  }
}

TEST(SendTimer, ATimeAlreadyPastEndsTheWaitAtOnce) {
  Waits w;
  const TimePoint now = SteadyClock::now();
  // Past times, the clock's own start among them (an all-zero time would disarm a timerfd).
  w.run({now - milliseconds(1), TimePoint{}, now + milliseconds(2)});
  ASSERT_EQ(w.returned.size(), 3U);
  EXPECT_TRUE(w.fired[0]);
  EXPECT_TRUE(w.fired[1]);
  EXPECT_GE(w.returned[2], w.asked[2]);
}

TEST(SendTimer, CancelEndsAWaitEarlyAndSaysSo) {
  asio::io_context io{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  SendTimer timer(io.get_executor());
  std::optional<bool> fired;
  asio::co_spawn(
      io,
      [&]() -> LoadTask<> {
        fired = co_await timer.wait_until(SteadyClock::now() + std::chrono::hours(1));
      },
      asio::detached);
  io.poll();
  ASSERT_FALSE(fired.has_value());
  timer.cancel();
  io.run();  // ends: nothing else is waiting
  ASSERT_TRUE(fired.has_value());
  EXPECT_FALSE(*fired);
}

}  // namespace
}  // namespace iuprobe
