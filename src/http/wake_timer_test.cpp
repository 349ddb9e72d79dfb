// SPDX-License-Identifier: Apache-2.0
#include "http/wake_timer.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <optional>
#include <thread>
#include <vector>

namespace iuprobe {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

struct Timed {
  asio::io_context io;
  WakeTimer timer{io.get_executor()};
  // Runs `waits` in a coroutine on the test's thread, 10 s at most.
  template <class Waits>
  void run(Waits waits) {
    asio::co_spawn(io, waits(), asio::detached);
    io.run_for(10s);
  }
};

TEST(WakeTimer, ResumesNoSoonerThanEachDeadlineItIsSetTo) {
  Timed t;
  std::vector<TimePoint> deadlines, woke;
  std::vector<boost::system::error_code> errors;
  t.run([&]() -> LoadTask<> {
    for (const Duration after : {Duration(20ms), Duration(1ms), Duration(30ms)}) {
      deadlines.push_back(SteadyClock::now() + after);
      auto [error] = co_await t.timer.wait_until(deadlines.back());
      errors.push_back(error);
      woke.push_back(SteadyClock::now());
    }
  });
  ASSERT_EQ(woke.size(), 3u);
  for (std::size_t i = 0; i < woke.size(); ++i) {
    EXPECT_FALSE(errors[i]) << errors[i].message();
    EXPECT_GE(woke[i], deadlines[i]) << "wait " << i;
  }
}

TEST(WakeTimer, ADeadlineThatHasPassedResumesAtOnce) {
  Timed t;
  std::optional<boost::system::error_code> result;
  t.run([&]() -> LoadTask<> {
    auto [error] = co_await t.timer.wait_until(TimePoint{});  // the clock's start
    result = error;
  });
  ASSERT_TRUE(result) << "the wait did not end";
  EXPECT_FALSE(*result) << result->message();
}

TEST(WakeTimer, CancelEndsTheWaitAsAborted) {
  Timed t;
  std::optional<boost::system::error_code> result;
  t.run([&]() -> LoadTask<> {
    asio::post(t.io, [&] { t.timer.cancel(); });
    auto [error] = co_await t.timer.wait_until(SteadyClock::now() + 1h);
    result = error;
  });
  ASSERT_TRUE(result) << "the wait did not end";
  EXPECT_EQ(*result, asio::error::operation_aborted);
}

// The timerfd is never read: an expiry that no wait took (its wait was cancelled) must not end
// the next wait before that wait's own deadline.
TEST(WakeTimer, AnExpiryNoWaitTookDoesNotEndTheNextWaitEarly) {
  Timed t;
  std::optional<boost::system::error_code> first, second;
  TimePoint deadline, woke;
  t.run([&]() -> LoadTask<> {
    asio::post(t.io, [&] { t.timer.cancel(); });
    auto [cancelled] = co_await t.timer.wait_until(SteadyClock::now() + 1ms);
    first = cancelled;
    std::this_thread::sleep_for(20ms);  // it expires, unread, and the reactor is not polled
    deadline = SteadyClock::now() + 50ms;
    auto [error] = co_await t.timer.wait_until(deadline);
    second = error;
    woke = SteadyClock::now();
  });
  ASSERT_TRUE(first && second) << "a wait did not end";
  // (A machine that paused past the first deadline before the cancel ran: that expiry was
  // taken, and this run proves nothing.)
  if (*first != asio::error::operation_aborted) GTEST_SKIP() << "the first wait was not cancelled";
  EXPECT_FALSE(*second) << second->message();
  EXPECT_GE(woke, deadline);
}

}  // namespace
}  // namespace iuprobe
