// SPDX-License-Identifier: Apache-2.0
#include "load/rate_profile.h"

#include <gtest/gtest.h>

namespace iuprobe {
namespace {

using namespace std::chrono_literals;

TEST(RateProfile, ConstantPlacesArrivalsEvenly) {
  auto p = RateProfile::constant(200, 10s);
  EXPECT_DOUBLE_EQ(p.total_arrivals(), 2000);
  EXPECT_EQ(p.time_of(0)->at, 0ms);
  EXPECT_EQ(p.time_of(1)->at, 5ms);
  EXPECT_EQ(p.time_of(1999)->at, 9995ms);
  EXPECT_FALSE(p.time_of(2000));
}

TEST(RateProfile, StepsReportTheirSegment) {
  const double rates[] = {10, 100};
  auto p = RateProfile::steps(rates, 2s);
  EXPECT_DOUBLE_EQ(p.total_arrivals(), 220);
  EXPECT_EQ(p.time_of(19)->segment, 0u);
  auto first_of_second = p.time_of(20);
  EXPECT_EQ(first_of_second->segment, 1u);
  EXPECT_EQ(first_of_second->at, 2s);
  EXPECT_EQ(p.time_of(21)->at, 2010ms);
}

TEST(RateProfile, RampArrivalsFollowTheIntegralOfTheRate) {
  auto p = RateProfile::ramp(0, 100, 10s);  // N(t) = 5 t^2
  EXPECT_DOUBLE_EQ(p.total_arrivals(), 500);
  EXPECT_NEAR(to_seconds(p.time_of(5)->at), 1.0, 1e-9);
  EXPECT_NEAR(to_seconds(p.time_of(125)->at), 5.0, 1e-9);
  EXPECT_NEAR(p.rate_at(5s), 50.0, 1e-9);
  auto down = RateProfile::ramp(100, 0, 10s);  // N(t) = 100 t - 5 t^2
  EXPECT_NEAR(to_seconds(down.time_of(95)->at), 1.0, 1e-9);
  EXPECT_NEAR(to_seconds(down.time_of(499.95)->at), 9.9, 1e-6);
}

// A schedule takes each send's rate from time_of(), which has the segment at hand, rather than
// looking it up again with rate_at().
TEST(RateProfile, TimeOfGivesTheRateAtTheTimeItFound) {
  const double rates[] = {10, 100, 0, 40};
  const RateProfile profiles[] = {RateProfile::steps(rates, 2s), RateProfile::ramp(0, 100, 10s),
                                  RateProfile::ramp(100, 0, 10s).with_warmup(1s)};
  for (const RateProfile& p : profiles) {
    for (double n = 0; n < p.total_arrivals(); n += 0.7) {
      const auto position = p.time_of(n);
      ASSERT_TRUE(position);
      EXPECT_NEAR(position->rate, p.rate_at(position->at), 1e-9) << n;
    }
  }
}

TEST(RateProfile, WarmupComesFirstAtTheStartingRate) {
  auto p = RateProfile::ramp(10, 50, 4s).with_warmup(2s);
  ASSERT_EQ(p.segments().size(), 2u);
  EXPECT_EQ(p.segments()[0].phase, Phase::kWarmup);
  EXPECT_DOUBLE_EQ(p.segments()[0].rate_begin, 10);
  EXPECT_EQ(p.total_duration(), 6s);
  EXPECT_EQ(p.segment_at(1999ms), 0u);
  EXPECT_EQ(p.segment_at(2s), 1u);
}

TEST(RateProfile, ZeroRateSegmentsAreSkipped) {
  auto p = RateProfile({{.duration = 1s, .rate_begin = 0, .rate_end = 0},
                        {.duration = 1s, .rate_begin = 10, .rate_end = 10}});
  EXPECT_EQ(p.time_of(0)->at, 1s);
  EXPECT_EQ(p.time_of(0)->segment, 1u);
}

}  // namespace
}  // namespace iuprobe
