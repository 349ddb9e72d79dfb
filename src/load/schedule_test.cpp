// SPDX-License-Identifier: Apache-2.0
#include "load/schedule.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "load/users_profile.h"

namespace iuprobe {
namespace {

using namespace std::chrono_literals;

std::vector<Duration> drain(ArrivalSchedule& schedule) {
  std::vector<Duration> times;
  while (auto send = schedule.next()) times.push_back(send->at);
  return times;
}

TEST(ArrivalSchedule, WorkersInterleaveIntoOneEvenStream) {
  auto profile = RateProfile::constant(1000, 1s);
  std::vector<Duration> merged;
  for (unsigned w = 0; w < 3; ++w) {
    ArrivalSchedule s(profile, Arrivals::kUniform, 3, w, 1);
    auto times = drain(s);
    merged.insert(merged.end(), times.begin(), times.end());
  }
  std::sort(merged.begin(), merged.end());
  ASSERT_EQ(merged.size(), 1000u);
  for (std::size_t i = 1; i < merged.size(); ++i) {
    EXPECT_NEAR(to_seconds(merged[i] - merged[i - 1]), 0.001, 1e-9);
  }
}

TEST(ArrivalSchedule, ProcessesSharingOneScheduleSendExactlyItEachTheirKthArrivals) {
  // 3 processes of 2 workers each send what one process of 2 workers sends, arrival for
  // arrival, and process r sends arrivals r, r + 3, r + 6...
  auto profile = RateProfile::steps(std::vector<double>{300, 700}, 1s);
  std::vector<Duration> one;
  for (unsigned w = 0; w < 2; ++w) {
    ArrivalSchedule s(profile, Arrivals::kUniform, 2, w, 1);
    auto times = drain(s);
    one.insert(one.end(), times.begin(), times.end());
  }
  std::sort(one.begin(), one.end());
  ASSERT_EQ(one.size(), 1000u);
  std::vector<Duration> all;
  for (unsigned rank = 0; rank < 3; ++rank) {
    const ScheduleShare share{.index = rank, .of = 3};
    std::vector<Duration> mine;
    for (unsigned w = 0; w < 2; ++w) {
      ArrivalSchedule s(profile, Arrivals::kUniform, share.stripes(2), share.stripe(w), 1);
      auto times = drain(s);
      mine.insert(mine.end(), times.begin(), times.end());
    }
    std::sort(mine.begin(), mine.end());
    for (std::size_t j = 0; j < mine.size(); ++j) EXPECT_EQ(mine[j], one[rank + 3 * j]) << rank;
    all.insert(all.end(), mine.begin(), mine.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, one);
}

TEST(ArrivalSchedule, EachStripeTakesWholeSendWindowsOfTheOneSchedule) {
  // 3 processes of 2 workers (6 stripes) with a 1 ms window: together they send the one
  // schedule, arrival for arrival, in runs of consecutive arrivals that go round the stripes in
  // turn, each run within one window: as many arrivals as the rate puts in a window (8 near
  // the end of the ramp to 9,000/s, 7 in the 7,000/s step), and one at a time below 2,000/s.
  RateProfile profile({RateSegment{.duration = 1s, .rate_begin = 300, .rate_end = 9000},
                       RateSegment{.duration = 1s, .rate_begin = 7000, .rate_end = 7000}});
  ArrivalSchedule whole(profile, Arrivals::kUniform, 1, 0, 1);
  const std::vector<Duration> one = drain(whole);
  std::vector<std::pair<Duration, unsigned>> all;  // (send time, stripe)
  for (unsigned rank = 0; rank < 3; ++rank) {
    const ScheduleShare share{.index = rank, .of = 3};
    for (unsigned w = 0; w < 2; ++w) {
      ArrivalSchedule s(profile, Arrivals::kUniform, share.stripes(2), share.stripe(w), 1, 1ms);
      for (Duration at : drain(s)) all.emplace_back(at, share.stripe(w));
    }
  }
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), one.size());
  for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i].first, one[i]) << i;
  std::size_t run_start = 0;
  std::size_t longest = 0;
  for (std::size_t i = 1; i <= all.size(); ++i) {
    if (i < all.size() && all[i].second == all[run_start].second) continue;
    EXPECT_LT(all[i - 1].first - all[run_start].first, 1ms) << i;
    if (i < all.size()) {
      ASSERT_EQ(all[i].second, (all[run_start].second + 1) % 6) << i;
    }
    longest = std::max(longest, i - run_start);
    if (all[run_start].first < 500ms) {
      EXPECT_LE(i - run_start, 4u);  // below 4,650/s
    }
    run_start = i;
  }
  EXPECT_EQ(longest, 8u);  // the rate reaches 9,000/s only at the ramp's very end
}

TEST(ArrivalSchedule, PoissonInSendWindowsIsStillPoisson) {
  // Two stripes draw their own arrivals within their own blocks of 1 ms, at a rate (2,000/s)
  // that puts two arrivals in a block on average: the merged stream has the rate, split evenly,
  // and gaps across the blocks' edges are as exponential as within them.
  auto profile = RateProfile::constant(2000, 20s);
  std::vector<Duration> times;
  for (unsigned w = 0; w < 2; ++w) {
    ArrivalSchedule s(profile, Arrivals::kPoisson, 2, w, 5, 1ms);
    const auto mine = drain(s);
    EXPECT_NEAR(static_cast<double>(mine.size()), 20000.0, 4 * 141.0);  // sd sqrt(20,000)
    times.insert(times.end(), mine.begin(), mine.end());
  }
  std::sort(times.begin(), times.end());
  double sum = 0, sum_sq = 0;
  for (std::size_t i = 1; i < times.size(); ++i) {
    const double gap = to_seconds(times[i] - times[i - 1]);
    sum += gap;
    sum_sq += gap * gap;
  }
  const double n = static_cast<double>(times.size() - 1);
  const double mean = sum / n;
  EXPECT_NEAR(std::sqrt(sum_sq / n - mean * mean) / mean, 1.0, 0.03);
  // Counts per 1 ms are Poisson(2): P(0) = e^-2.
  std::vector<int> per_ms(20000, 0);
  for (Duration at : times) ++per_ms[static_cast<std::size_t>(at / 1ms)];
  const double empty = static_cast<double>(std::count(per_ms.begin(), per_ms.end(), 0));
  EXPECT_NEAR(empty / 20000.0, std::exp(-2.0), 0.01);
}

TEST(ArrivalSchedule, PoissonHasTheRightMeanRateAndVariance) {
  auto profile = RateProfile::constant(500, 60s);
  ArrivalSchedule a(profile, Arrivals::kPoisson, 2, 0, 11);
  ArrivalSchedule b(profile, Arrivals::kPoisson, 2, 1, 11);
  auto times = drain(a);
  auto more = drain(b);
  times.insert(times.end(), more.begin(), more.end());
  // 30,000 expected; a Poisson count has sd sqrt(30000) ~ 173.
  EXPECT_NEAR(static_cast<double>(times.size()), 30000.0, 4 * 173.0);
  std::sort(times.begin(), times.end());
  // Inter-arrival gaps are exponential: coefficient of variation ~1 (uniform would be 0).
  double sum = 0, sum_sq = 0;
  for (std::size_t i = 1; i < times.size(); ++i) {
    double gap = to_seconds(times[i] - times[i - 1]);
    sum += gap;
    sum_sq += gap * gap;
  }
  const double n = static_cast<double>(times.size() - 1);
  const double mean = sum / n;
  const double cv = std::sqrt(sum_sq / n - mean * mean) / mean;
  EXPECT_NEAR(cv, 1.0, 0.05);
}

TEST(ArrivalSchedule, SameSeedSameSchedule) {
  auto profile = RateProfile::constant(100, 2s);
  ArrivalSchedule a(profile, Arrivals::kPoisson, 1, 0, 99);
  ArrivalSchedule b(profile, Arrivals::kPoisson, 1, 0, 99);
  EXPECT_EQ(drain(a), drain(b));
}

TEST(ArrivalSchedule, StepsSendTheirCountInEachStep) {
  const double rates[] = {50, 100, 200};
  auto profile = RateProfile::steps(rates, 2s);
  ArrivalSchedule s(profile, Arrivals::kUniform, 1, 0, 0);
  std::array<int, 3> per_segment{};
  while (auto send = s.next()) ++per_segment[send->segment];
  EXPECT_EQ(per_segment, (std::array<int, 3>{100, 200, 400}));
}

TEST(UsersProfile, SharesUsersAcrossWorkers) {
  EXPECT_EQ(UsersProfile::share(10, 3, 0), 4u);
  EXPECT_EQ(UsersProfile::share(10, 3, 1), 3u);
  EXPECT_EQ(UsersProfile::share(10, 3, 2), 3u);
  EXPECT_EQ(UsersProfile::share(1, 4, 3), 0u);
  const unsigned users[] = {10, 20, 40};
  auto profile = UsersProfile::steps(users, 30s, std::nullopt);
  EXPECT_EQ(profile.total_duration(), 90s);
  EXPECT_EQ(profile.segment_at(45s), 1u);
  EXPECT_EQ(profile.max_users(), 40u);
}

}  // namespace
}  // namespace iuprobe
