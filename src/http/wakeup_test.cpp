// SPDX-License-Identifier: Apache-2.0
#include "http/wakeup.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <string>

namespace iuprobe {
namespace {

namespace asio = boost::asio;

// Waits twice, noting each step in `steps`.
LoadTask<> waiter(Wakeup& wakeup, std::string& steps) {
  steps += "a";
  co_await wakeup.wait();
  steps += "b";
  co_await wakeup.wait();
  steps += "c";
}

TEST(Wakeup, WakeNowRunsTheWaiterUntilItsNextWaitBeforeReturning) {
  asio::io_context io;
  Wakeup wakeup(io.get_executor());
  std::string steps;
  asio::co_spawn(io, waiter(wakeup, steps), asio::detached);
  io.poll();
  EXPECT_EQ(steps, "a");
  EXPECT_TRUE(wakeup.waiting());
  asio::post(io, [&] {
    wakeup.wake_now();
    steps += "|";  // after the waiter ran to its second wait
    EXPECT_TRUE(wakeup.waiting());
    wakeup.wake_now();
    steps += "|";
  });
  io.poll();
  EXPECT_EQ(steps, "ab|c|");
  EXPECT_FALSE(wakeup.waiting());
}

TEST(Wakeup, WakeLaterRunsTheWaiterFromTheQueueAfterTheCodeThatWokeIt) {
  asio::io_context io;
  Wakeup wakeup(io.get_executor());
  std::string steps;
  asio::co_spawn(io, waiter(wakeup, steps), asio::detached);
  io.poll();
  asio::post(io, [&] {
    wakeup.wake_later();
    EXPECT_FALSE(wakeup.waiting());
    steps += "|";
  });
  io.poll();
  EXPECT_EQ(steps, "a|b");
}

}  // namespace
}  // namespace iuprobe
