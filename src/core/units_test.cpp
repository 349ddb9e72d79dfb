// SPDX-License-Identifier: Apache-2.0
#include "core/units.h"

#include <gtest/gtest.h>

namespace iuprobe {
namespace {

using namespace std::chrono_literals;

TEST(ParseDuration, AcceptsUnitsAndCompounds) {
  EXPECT_EQ(*parse_duration("250ms"), 250ms);
  EXPECT_EQ(*parse_duration("30s"), 30s);
  EXPECT_EQ(*parse_duration("1.5s"), 1500ms);
  EXPECT_EQ(*parse_duration("2m"), 120s);
  EXPECT_EQ(*parse_duration("1h30m"), 5400s);
  EXPECT_EQ(*parse_duration("90"), 90s);
  EXPECT_EQ(*parse_duration("100us"), 100us);
  EXPECT_EQ(*parse_duration(" 10s "), 10s);
}

TEST(ParseDuration, RejectsNonsenseNamingTheInput) {
  auto abc = parse_duration("abc");
  ASSERT_FALSE(abc);
  EXPECT_NE(abc.error().message.find("'abc'"), std::string::npos);
  auto parsecs = parse_duration("10parsecs");
  ASSERT_FALSE(parsecs);
  EXPECT_NE(parsecs.error().message.find("unknown unit 'parsecs'"), std::string::npos);
  EXPECT_FALSE(parse_duration("-5s"));
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("1m30"));
  EXPECT_FALSE(parse_duration("400d"));
}

TEST(ParseRate, AcceptsPositiveNumbersOnly) {
  EXPECT_DOUBLE_EQ(*parse_rate("200"), 200.0);
  EXPECT_DOUBLE_EQ(*parse_rate("12.5"), 12.5);
  auto negative = parse_rate("-5");
  ASSERT_FALSE(negative);
  EXPECT_NE(negative.error().message.find("negative"), std::string::npos);
  EXPECT_FALSE(parse_rate("0"));
  EXPECT_FALSE(parse_rate("fast"));
  EXPECT_FALSE(parse_rate("10/s"));
  EXPECT_FALSE(parse_rate("nan"));
}

TEST(ParseRateList, SplitsOnCommas) {
  EXPECT_EQ(*parse_rate_list("50,100,200"), (std::vector<double>{50, 100, 200}));
  EXPECT_FALSE(parse_rate_list("50,,200"));
  EXPECT_FALSE(parse_rate_list("50,x"));
}

TEST(ParseSize, UnderstandsDecimalAndBinaryUnits) {
  EXPECT_EQ(*parse_size("512"), 512u);
  EXPECT_EQ(*parse_size("100KB"), 100'000u);
  EXPECT_EQ(*parse_size("4MB"), 4'000'000u);
  EXPECT_EQ(*parse_size("1MiB"), 1'048'576u);
  EXPECT_FALSE(parse_size("4 parsecs"));
  EXPECT_FALSE(parse_size("-1"));
}

TEST(FormatDuration, IsShortAndFaithful) {
  EXPECT_EQ(format_duration(250ms), "250ms");
  EXPECT_EQ(format_duration(1500ms), "1.5s");
  EXPECT_EQ(format_duration(5400s), "1h30m");
  EXPECT_EQ(format_duration(90s), "1m30s");
  EXPECT_EQ(format_duration(0s), "0s");
  EXPECT_EQ(format_duration(2222810us), "2.22s");
  EXPECT_EQ(format_duration(1234567ns), "1.23ms");
}

}  // namespace
}  // namespace iuprobe
