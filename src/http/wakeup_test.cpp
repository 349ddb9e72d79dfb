// SPDX-License-Identifier: Apache-2.0
#include "http/wakeup.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <string>

namespace iuprobe {
namespace {

namespace asio = boost::asio;

// A coroutine that waits twice on `wakeup`, noting each step in `steps`, started and run to its
// first wait.
struct Waiting {
  asio::io_context io;
  Wakeup wakeup{io.get_executor()};
  std::string steps;

  Waiting() {
    asio::co_spawn(io, waiter(), asio::detached);
    io.poll();
  }
  LoadTask<> waiter() {
    steps += "a";
    co_await wakeup.wait();
    steps += "b";
    co_await wakeup.wait();
    steps += "c";
  }
};

TEST(Wakeup, WakeNowRunsTheWaiterUntilItsNextWaitBeforeReturning) {
  Waiting w;
  EXPECT_EQ(w.steps, "a");
  EXPECT_TRUE(w.wakeup.waiting());
  asio::post(w.io, [&] {
    w.wakeup.wake_now();
    w.steps += "|";  // after the waiter ran to its second wait
    EXPECT_TRUE(w.wakeup.waiting());
    w.wakeup.wake_now();
    w.steps += "|";
  });
  w.io.poll();
  EXPECT_EQ(w.steps, "ab|c|");
  EXPECT_FALSE(w.wakeup.waiting());
}

TEST(Wakeup, WakeLaterRunsTheWaiterFromTheQueueAfterTheCodeThatWokeIt) {
  Waiting w;
  asio::post(w.io, [&] {
    w.wakeup.wake_later();
    EXPECT_FALSE(w.wakeup.waiting());
    w.steps += "|";
  });
  w.io.poll();
  EXPECT_EQ(w.steps, "a|b");
}

}  // namespace
}  // namespace iuprobe
