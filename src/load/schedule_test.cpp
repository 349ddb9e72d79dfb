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
