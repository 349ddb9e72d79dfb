// SPDX-License-Identifier: Apache-2.0
#include "emulator/rate_limiter.h"

#include <gtest/gtest.h>

namespace iuprobe {
namespace {

using namespace std::chrono_literals;
using Time = RateLimiter::Time;

const Time kStart{};

// Requests evenly spaced at `rate` for `seconds` from `start`; returns how many passed.
int send_even(RateLimiter& limiter, double limit, double rate, double seconds, Time start) {
  int passed = 0;
  const int count = static_cast<int>(rate * seconds);
  for (int i = 0; i < count; ++i)
    passed += limiter.admit(start + from_seconds(i / rate), limit) ? 1 : 0;
  return passed;
}

TEST(RateLimiter, KindsHaveNames) {
  EXPECT_EQ(parse_limiter_kind("token-bucket"), LimiterKind::kTokenBucket);
  EXPECT_EQ(parse_limiter_kind("token_bucket"), LimiterKind::kTokenBucket);
  EXPECT_EQ(parse_limiter_kind("sliding-window"), LimiterKind::kSlidingWindow);
  EXPECT_EQ(parse_limiter_kind("fixed_window"), LimiterKind::kFixedWindow);
  EXPECT_EQ(parse_limiter_kind("none"), LimiterKind::kNone);
  EXPECT_FALSE(parse_limiter_kind("token-buckets"));
  EXPECT_FALSE(parse_limiter_kind("leaky"));
}

TEST(RateLimiter, ATokenBucketPassesItsBurstThenItsRate) {
  RateLimiter bucket({LimiterKind::kTokenBucket, 100, 5s, 1s}, kStart);
  // 5 s at 200/s from full: 500 tokens of burst plus 100/s refill, all pass while they last.
  const int passed = send_even(bucket, 100, 200, 5, kStart);
  EXPECT_NEAR(passed, 500 + 500, 2);
  // Empty now: at 2x the rate, half pass.
  EXPECT_NEAR(send_even(bucket, 100, 200, 10, kStart + 5s), 1000, 2);
  // Evenly spaced at the rate, from empty, every request passes.
  RateLimiter empty({LimiterKind::kTokenBucket, 100, 1s, 1s}, kStart);
  send_even(empty, 100, 1000, 1, kStart);
  EXPECT_FALSE(empty.admit(kStart + 1s, 100));
  EXPECT_EQ(send_even(empty, 100, 99, 10, kStart + 1010ms), 990);
}

TEST(RateLimiter, AFixedWindowPassesTwiceItsLimitAcrossAnEdge) {
  RateLimiter window({LimiterKind::kFixedWindow, 100, 1s, 1s}, kStart);
  // 100 in the last 0.1 s of one window and 100 in the first 0.1 s of the next: 200 in 0.2 s.
  EXPECT_EQ(send_even(window, 100, 1000, 0.1, kStart + 900ms), 100);
  EXPECT_EQ(send_even(window, 100, 1000, 0.1, kStart + 1s), 100);
  EXPECT_FALSE(window.admit(kStart + 1100ms, 100));
  // Over-driven at 2x, it serves its limit per window: goodput holds.
  RateLimiter over({LimiterKind::kFixedWindow, 100, 1s, 1s}, kStart);
  EXPECT_EQ(send_even(over, 100, 200, 10, kStart), 1000);
}

TEST(RateLimiter, ASlidingWindowThatCountsRefusalsCollapsesWhenOverDriven) {
  RateLimiter window({LimiterKind::kSlidingWindow, 100, 1s, 1s}, kStart);
  // Just under the limit, evenly spaced: every request passes.
  EXPECT_EQ(send_even(window, 100, 99, 10, kStart), 990);
  // At 2x: the first second fills the window, and every refused request keeps it full.
  RateLimiter over({LimiterKind::kSlidingWindow, 100, 1s, 1s}, kStart);
  const int passed = send_even(over, 100, 200, 10, kStart);
  EXPECT_LE(passed, 101) << "only the first window's worth passes";
  // Idle for a window, it forgets.
  EXPECT_TRUE(over.admit(kStart + 11s + 1ms, 100));
}

TEST(RateLimiter, TheRateIsTheOneGivenAtEachCall) {
  // The model passes per IU × IUs: the configured per-IU rate is not used.
  RateLimiter window({LimiterKind::kFixedWindow, 100, 1s, 1s}, kStart);
  EXPECT_EQ(send_even(window, 200, 300, 1, kStart), 200);
}

}  // namespace
}  // namespace iuprobe
