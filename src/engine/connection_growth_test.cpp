// SPDX-License-Identifier: Apache-2.0
#include "engine/connection_growth.h"

#include <gtest/gtest.h>

namespace iuprobe {
namespace {

using namespace std::chrono_literals;

constexpr Duration kHorizon = 1ms;

// Exchanges that each held a connection for `turnaround`, the last ending at `now`.
ConnectionGrowth with_turnaround(Duration turnaround, TimePoint now) {
  ConnectionGrowth growth(kHorizon);
  for (int i = 0; i < 100; ++i) growth.exchanged(now - turnaround, now);
  return growth;
}

TEST(ConnectionGrowth, BeforeAnyAnswerEachWaitingSendGetsAConnection) {
  const ConnectionGrowth growth(kHorizon);
  const TimePoint now{};
  EXPECT_TRUE(growth.need_more(3, 2, 50, now));
  EXPECT_FALSE(growth.need_more(3, 3, 50, now));
}

TEST(ConnectionGrowth, BusyConnectionsThatAnswerFastServeTheWaitingSends) {
  // 10 busy connections that turn an exchange round in 250 us serve 40 sends within 1 ms.
  const TimePoint now = TimePoint{} + 1s;
  const ConnectionGrowth growth = with_turnaround(250us, now);
  EXPECT_FALSE(growth.need_more(39, 0, 10, now));
  EXPECT_TRUE(growth.need_more(41, 0, 10, now));
  EXPECT_FALSE(growth.need_more(44, 5, 10, now));
  EXPECT_TRUE(growth.need_more(1, 0, 0, now));  // none busy: nothing to wait for
}

TEST(ConnectionGrowth, SlowAnswersDoNotMakeASendWait) {
  // At 200 ms a turn, 100 busy connections serve only half a send within 1 ms.
  const TimePoint now = TimePoint{} + 1s;
  const ConnectionGrowth growth = with_turnaround(200ms, now);
  EXPECT_TRUE(growth.need_more(1, 0, 100, now));
  EXPECT_FALSE(growth.need_more(1, 1, 100, now));
}

TEST(ConnectionGrowth, BusyConnectionsCountOnlyWhileAnswersKeepComing) {
  // The same fast history, but nothing answered for longer than the horizon: a stalled server.
  const TimePoint then = TimePoint{} + 1s;
  ConnectionGrowth growth = with_turnaround(250us, then);
  EXPECT_FALSE(growth.need_more(1, 0, 10, then + kHorizon));
  EXPECT_TRUE(growth.need_more(1, 0, 10, then + kHorizon + 1us));
  // Answers read in a batch count at once, before their exchanges have ended.
  growth.answered(then + 5ms);
  EXPECT_FALSE(growth.need_more(1, 0, 10, then + 5ms));
  EXPECT_TRUE(growth.need_more(1, 0, 10, then + 7ms));
  // A worker that woke late could not hear answers: its own delay is not the server's silence.
  growth.held_up(then + 9ms);
  EXPECT_FALSE(growth.need_more(1, 0, 10, then + 9ms));
}

TEST(ConnectionGrowth, AWorkerHeldUpBeforeAnyAnswerStillOpensForEachWaitingSend) {
  ConnectionGrowth growth(kHorizon);
  const TimePoint now = TimePoint{} + 1s;
  growth.held_up(now);
  EXPECT_TRUE(growth.need_more(3, 2, 50, now));
}

TEST(ConnectionGrowth, TheTurnaroundFollowsRecentExchanges) {
  // After many slow exchanges, a couple of hundred fast ones bring the estimate down.
  const TimePoint now = TimePoint{} + 10s;
  ConnectionGrowth growth = with_turnaround(200ms, now);
  EXPECT_TRUE(growth.need_more(10, 0, 10, now));
  for (int i = 0; i < 200; ++i) growth.exchanged(now - 100us, now);
  EXPECT_FALSE(growth.need_more(10, 0, 10, now));
}

}  // namespace
}  // namespace iuprobe
