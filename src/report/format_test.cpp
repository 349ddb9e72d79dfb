// SPDX-License-Identifier: Apache-2.0
#include "report/format.h"

#include <gtest/gtest.h>

#include "report/run_summary.h"

namespace iuprobe {
namespace {

using namespace std::chrono_literals;

TEST(Format, CommasGroupThousands) {
  EXPECT_EQ(with_commas(0), "0");
  EXPECT_EQ(with_commas(999), "999");
  EXPECT_EQ(with_commas(1000), "1,000");
  EXPECT_EQ(with_commas(54000), "54,000");
  EXPECT_EQ(with_commas(1234567), "1,234,567");
}

TEST(Format, MillisecondsKeepThreeSignificantDigits) {
  EXPECT_EQ(format_ms(412us), "0.412");
  EXPECT_EQ(format_ms(2345us), "2.35");
  EXPECT_EQ(format_ms(12345us), "12.3");
  EXPECT_EQ(format_ms(1204ms), "1,204");
}

TEST(Format, RatesAndPercents) {
  EXPECT_EQ(format_rate(0.5), "0.50");
  EXPECT_EQ(format_rate(12.5), "12.5");
  EXPECT_EQ(format_rate(4200), "4,200");
  EXPECT_EQ(format_percent(0.0001), "<0.1%");
  EXPECT_EQ(format_percent(0.123), "12.3%");
}

TEST(DescribeShape, SaysWhatWasSent) {
  EXPECT_EQ(describe_shape(OpenLoop{RateProfile::constant(200, 30s)}),
            "constant 200.0/s for 30s, uniform arrivals");
  const double rates[] = {50, 100};
  EXPECT_EQ(
      describe_shape(OpenLoop{RateProfile::steps(rates, 10s).with_warmup(5s), Arrivals::kPoisson}),
      "steps 50.0, 100.0/s x 10s, Poisson arrivals");
  EXPECT_EQ(describe_shape(OpenLoop{RateProfile::ramp(10, 500, 60s)}),
            "ramp 10.0 -> 500.0/s over 1m, uniform arrivals");
  const unsigned users[] = {10, 20};
  EXPECT_EQ(describe_shape(ClosedLoop{UsersProfile::steps(users, 30s, 1s)}),
            "closed loop: users 10, 20 x 30s, pacing 1s");
}

}  // namespace
}  // namespace iuprobe
