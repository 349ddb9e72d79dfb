// SPDX-License-Identifier: Apache-2.0
#include "plan/plan.h"

#include <gtest/gtest.h>

namespace iuprobe {
namespace {

using namespace std::chrono_literals;

BatchPlan batch(std::uint64_t images, Duration within, double tps_per_iu, Duration startup = {},
                BillingGranularity granularity = BillingGranularity::kMinute) {
  auto plan = plan_batch({.images = images,
                          .deadline = within,
                          .tps_per_iu = tps_per_iu,
                          .startup = startup,
                          .granularity = granularity});
  EXPECT_TRUE(plan) << plan.error().message;
  return *plan;
}

// The examples DESIGN.md and the issue give, exactly.
TEST(Plan, OneIuAtFiveTpsForThreeHoursIs54000ImagesAndThreeIuHours) {
  EXPECT_EQ(images_in(5, 1, 3h), 54000u);
  const BatchPlan plan = batch(54000, 3h, 5);
  EXPECT_EQ(plan.chosen.iu, 1u);
  EXPECT_DOUBLE_EQ(plan.chosen.billed_iu_hours, 3.0);
}

TEST(Plan, A108000ImageBatchInThreeHoursNeedsTwoIusAndSixIuHours) {
  const BatchPlan plan = batch(108000, 3h, 5);
  EXPECT_EQ(plan.chosen.iu, 2u);
  EXPECT_DOUBLE_EQ(plan.chosen.billed_iu_hours, 6.0);
  EXPECT_DOUBLE_EQ(plan.chosen.cost, 24.0);
  EXPECT_EQ(plan.chosen.wall, Duration(3h));
  EXPECT_TRUE(plan.chosen.meets_deadline);
}

TEST(Plan, A54000ImageBatchInOneHourNeedsThreeIusAndThreeIuHours) {
  const BatchPlan plan = batch(54000, 1h, 5);
  EXPECT_EQ(plan.chosen.iu, 3u);
  EXPECT_DOUBLE_EQ(plan.chosen.billed_iu_hours, 3.0);
}

TEST(Plan, RatesRoundUpToWholeIus) {
  EXPECT_EQ(iu_for_rate(15, 5, 0, 1), 3u);
  EXPECT_EQ(iu_for_rate(12, 3, 0, 1), 4u);
  EXPECT_EQ(iu_for_rate(12.01, 3, 0, 1), 5u);
  EXPECT_EQ(iu_for_rate(10, 5, 0.2, 1), 3u);  // 12 TPS with headroom
  EXPECT_EQ(iu_for_rate(1, 5, 0, 2), 2u);     // the availability floor
}

TEST(Plan, RatePlanCostsAtTheGivenPrice) {
  auto plan = plan_for_rate(15, 5, 0, 1, 4.00);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->iu, 3u);
  EXPECT_DOUBLE_EQ(plan->cost_per_hour, 12.0);
  EXPECT_DOUBLE_EQ(plan->cost_per_day, 288.0);
  EXPECT_DOUBLE_EQ(plan->cost_per_month, 12.0 * 730);
  EXPECT_DOUBLE_EQ(plan->utilisation, 1.0);
  auto floored = plan_for_rate(3, 5, 0, 2, 4.00);
  EXPECT_EQ(floored->iu_for_rate, 1u);
  EXPECT_EQ(floored->iu, 2u);
}

TEST(Plan, BadInputIsRefusedWithTheReason) {
  EXPECT_FALSE(plan_for_rate(10, 0, 0, 1, 4));
  EXPECT_FALSE(plan_for_rate(10, -5, 0, 1, 4));
  EXPECT_FALSE(plan_for_rate(0, 5, 0, 1, 4));
  auto no_time = plan_batch({.images = 100, .deadline = 10min, .tps_per_iu = 5, .startup = 15min});
  ASSERT_FALSE(no_time);
  EXPECT_NE(no_time.error().message.find("--startup"), std::string::npos);
}

TEST(Plan, MoreIusThanAnyoneRunsIsRefusedNotWrappedAround) {
  // 1e44 TPS at 5 per IU overflowed the unsigned IU count (found by fuzz/plan_profile).
  auto rate = plan_for_rate(1e44, 5, 0, 1, 4);
  ASSERT_FALSE(rate);
  EXPECT_NE(rate.error().message.find("--target-tps would need 2e+43 IUs"), std::string::npos)
      << rate.error().message;
  EXPECT_TRUE(plan_for_rate(500000, 5, 0, 1, 4));  // 100,000 IUs: the most a plan holds
  EXPECT_FALSE(plan_batch({.images = 1'000'000'000'000, .deadline = 1h, .tps_per_iu = 1}));
  std::vector<double> day(24, 1.0);
  day[7] = 1e44;
  auto profile = plan_profile({.tps = day, .tps_per_iu = 5});
  ASSERT_FALSE(profile);
  EXPECT_NE(profile.error().message.find("the profile's peak"), std::string::npos);
}

TEST(Plan, StartupIsWaitedAndBilledAndGranularityRoundsUp) {
  // 10 min to start, then 54,000 images in 50 min at 3 × 6 TPS = 18/s: 3,000 s.
  const BatchPlan plan = batch(54000, 1h, 6, 10min);
  EXPECT_EQ(plan.chosen.iu, 3u);
  EXPECT_EQ(plan.chosen.wall, Duration(1h));
  EXPECT_DOUBLE_EQ(plan.chosen.billed_iu_hours, 3.0);
  // 61 minutes of work bills 2 hours per IU at hour granularity, 61 minutes at minute granularity.
  EXPECT_DOUBLE_EQ(batch(366, 2h, 0.1, {}, BillingGranularity::kHour).chosen.billed_iu_hours, 2.0);
  EXPECT_NEAR(batch(366, 2h, 0.1, {}, BillingGranularity::kMinute).chosen.billed_iu_hours,
              61.0 / 60, 1e-9);
}

TEST(Plan, BatchAlternativesTradeTimeForCost) {
  const BatchPlan plan = batch(108000, 3h, 5);
  ASSERT_GE(plan.alternatives.size(), 3u);
  EXPECT_EQ(plan.alternatives.front().iu, 1u);
  EXPECT_FALSE(plan.alternatives.front().meets_deadline);
  for (std::size_t i = 1; i < plan.alternatives.size(); ++i)
    EXPECT_LT(plan.alternatives[i].wall, plan.alternatives[i - 1].wall);
}

TEST(Plan, DailyProfileParsesAndNamesBadLines) {
  std::string csv = "hour,tps\n";
  for (int h = 0; h < 24; ++h)
    csv += std::to_string(h) + "," + (h >= 8 && h < 18 ? "12.5" : "0") + "\n";
  auto profile = parse_daily_profile(csv);
  ASSERT_TRUE(profile) << profile.error().message;
  EXPECT_DOUBLE_EQ((*profile)[9], 12.5);
  EXPECT_DOUBLE_EQ((*profile)[3], 0);
  auto missing = parse_daily_profile("0,1\n1,1\n");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("hours missing: 2, 3"), std::string::npos);
  auto twice = parse_daily_profile("hour,tps\n0,1\n0,2\n");
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().message.find("line 3"), std::string::npos);
  EXPECT_FALSE(parse_daily_profile("hour,tps\n0,fast\n"));
  EXPECT_FALSE(parse_daily_profile("0,-1\n"));
  EXPECT_FALSE(parse_daily_profile("24,1\n"));
}

TEST(Plan, DailyProfileComparesAlwaysOnScheduledAndAutoScaling) {
  std::vector<double> tps(24);
  for (int h = 8; h < 18; ++h) tps[h] = 10;  // office hours: 10 TPS
  tps[12] = 20;                              // lunch peak
  auto plan = plan_profile(
      {.tps = tps, .tps_per_iu = 5, .min_iu = 1, .startup = 15min, .price_per_iu_hour = 4});
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->options.size(), 3u);
  const auto& always = plan->options[0];
  const auto& scheduled = plan->options[1];
  const auto& scaling = plan->options[2];
  EXPECT_DOUBLE_EQ(always.iu_hours_per_day, 24 * 4);
  // 9 hours at 2 IUs + 1 at 4, and three starts (8:00 with 2, 12:00 with 4, 13:00 with 2).
  EXPECT_DOUBLE_EQ(scheduled.iu_hours_per_day, 9 * 2 + 4 + 0.25 * (2 + 4 + 2));
  EXPECT_EQ(scheduled.iu[3], 0u);
  EXPECT_FALSE(scaling.never_short);
  EXPECT_EQ(plan->recommended, 1u);
  EXPECT_DOUBLE_EQ(scheduled.cost_per_day, scheduled.iu_hours_per_day * 4);
  EXPECT_FALSE(plan_profile({.tps = std::vector<double>(24), .tps_per_iu = 5}));
  EXPECT_FALSE(plan_profile({.tps = std::vector<double>(25, 1.0), .tps_per_iu = 5}));
}

}  // namespace
}  // namespace iuprobe
