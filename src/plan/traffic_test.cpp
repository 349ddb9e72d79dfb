// SPDX-License-Identifier: Apache-2.0
#include "plan/traffic.h"

#include <gtest/gtest.h>

#include <cmath>

namespace iuprobe {
namespace {

constexpr std::int64_t kMonday = 1796601600;  // 2026-12-07 00:00 UTC, a Monday

// Per-minute samples over `days` from kMonday: `rate(day, minute_of_day)` requests per second.
template <class Rate>
TrafficHistory history(int days, Rate rate) {
  TrafficHistory h{.start = kMonday, .end = kMonday + days * 86400, .period_s = 60};
  for (int d = 0; d < days; ++d) {
    for (int m = 0; m < 1440; ++m) {
      const double r = rate(d, m);
      if (r > 0) h.requests.push_back({kMonday + d * 86400 + m * 60, r * 60, 0});
    }
  }
  return h;
}

TEST(Traffic, WeekdaysAreCountedFromMonday) {
  EXPECT_EQ(weekday_utc(kMonday), 0u);
  EXPECT_EQ(weekday_utc(kMonday + 5 * 86400 + 3600), 5u);  // Saturday
  EXPECT_EQ(weekday_utc(0), 3u);                           // 1970-01-01, a Thursday
}

TEST(Traffic, EachHourIsThePeakMinuteAndTheMaximumAcrossDays) {
  // 10/s all day, a one-minute burst to 30/s at 09:17 on day 2 only, and nothing at 03:00-04:00.
  auto h = history(3, [](int d, int m) {
    if (m / 60 == 3) return 0.0;
    return d == 2 && m == 9 * 60 + 17 ? 30.0 : 10.0;
  });
  auto p = traffic_profile(h, 100);
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->tps.size(), 24u);
  EXPECT_FALSE(p->weekly);
  EXPECT_DOUBLE_EQ(p->tps[9], 30);
  EXPECT_DOUBLE_EQ(p->tps[10], 10);
  EXPECT_DOUBLE_EQ(p->tps[3], 0);
  // The median across the three days ignores the one burst.
  auto median = traffic_profile(h, 50);
  ASSERT_TRUE(median);
  EXPECT_DOUBLE_EQ(median->tps[9], 10);
  EXPECT_FALSE(traffic_profile(h, 0));
  EXPECT_FALSE(traffic_profile(h, 101));
}

TEST(Traffic, AWeekendDipMakesAWeeklyProfileAndNoiseDoesNot) {
  const auto shape = [](int m) { return 20 + 80 * std::sin(M_PI * (m % 1440) / 1440.0); };
  auto dip = history(14, [&](int d, int m) { return shape(m) * (d % 7 >= 5 ? 0.4 : 1.0); });
  auto weekly = traffic_profile(dip, 100);
  ASSERT_TRUE(weekly);
  ASSERT_TRUE(weekly->weekly) << weekly->why;
  ASSERT_EQ(weekly->tps.size(), 168u);
  EXPECT_NEAR(weekly->tps[12], 100, 0.01);          // Monday noon
  EXPECT_NEAR(weekly->tps[5 * 24 + 12], 40, 0.01);  // Saturday noon
  EXPECT_NE(weekly->why.find("Saturdays"), std::string::npos) << weekly->why;
  // ±5% from day to day: one profile for all days.
  auto noisy = history(14, [&](int d, int m) { return shape(m) * (1 + 0.05 * ((d * 7) % 3 - 1)); });
  auto daily = traffic_profile(noisy, 100);
  ASSERT_TRUE(daily);
  EXPECT_FALSE(daily->weekly) << daily->why;
  EXPECT_NEAR(daily->tps[12], 105, 0.01);
}

TEST(Traffic, AHistoryStartsAtItsFirstData) {
  TrafficHistory h{.start = kMonday, .end = kMonday + 14 * 86400, .period_s = 60};
  EXPECT_EQ(from_first_data(h).start, kMonday);  // nothing recorded: unchanged
  h.requests = {{kMonday + 9 * 86400 + 3 * 3600 + 120, 60, 0}};
  h.in_service = {{kMonday + 9 * 86400 + 2 * 3600 + 3000, 1}};
  const TrafficHistory trimmed = from_first_data(h);
  EXPECT_EQ(trimmed.start, kMonday + 9 * 86400 + 2 * 3600);  // the hour of the first IU point
  EXPECT_EQ(trimmed.end, h.end);
  // Five days: one profile for all days, whatever the weekdays did.
  auto p = traffic_profile(trimmed, 100);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->weekly);
  EXPECT_NE(p->why.find("two weeks"), std::string::npos);
}

TEST(Traffic, ThePastCountsThrottlesIuHoursAndTheWorstHours) {
  TrafficHistory h{.start = kMonday, .end = kMonday + 2 * 86400, .period_s = 60};
  h.requests = {{kMonday + 600, 100, 0},           {kMonday + 3600 * 5, 100, 40},
                {kMonday + 3600 * 5 + 60, 80, 20}, {kMonday + 3600 * 30, 50, 10},
                {kMonday + 3600 * 40, 10, 1},      {kMonday + 3600 * 41, 5, 2},
                {kMonday - 60, 1000, 1000}};  // outside: ignored
  for (int m = 0; m < 2 * 1440; ++m)
    h.in_service.push_back({kMonday + m * 60, m < 1440 ? 2.0 : 1.0});
  const TrafficPast past = traffic_past(h);
  EXPECT_DOUBLE_EQ(past.days, 2);
  EXPECT_DOUBLE_EQ(past.requests, 345);
  EXPECT_DOUBLE_EQ(past.throttled, 73);
  EXPECT_TRUE(past.iu_known);
  EXPECT_NEAR(past.iu_hours, 24 * 2 + 24 * 1, 1e-9);
  EXPECT_DOUBLE_EQ(past.peak_iu, 2);
  ASSERT_EQ(past.worst_hours.size(), 3u);
  EXPECT_EQ(past.worst_hours[0].start, kMonday + 3600 * 5);
  EXPECT_DOUBLE_EQ(past.worst_hours[0].throttled, 60);
  EXPECT_EQ(past.worst_hours[1].start, kMonday + 3600 * 30);
  EXPECT_EQ(past.worst_hours[2].start, kMonday + 3600 * 41);
}

}  // namespace
}  // namespace iuprobe
