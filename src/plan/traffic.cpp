// SPDX-License-Identifier: Apache-2.0
#include "plan/traffic.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace iuprobe {

namespace {

constexpr std::int64_t kHour = 3600, kDay = 86400;

// Nearest-rank percentile of `values` (not empty), p in (0, 100].
double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const auto rank =
      static_cast<std::size_t>(std::ceil(p / 100 * static_cast<double>(values.size())));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

}  // namespace

unsigned weekday_utc(std::int64_t epoch_seconds) {
  // 1970-01-01 was a Thursday (3 from Monday).
  return static_cast<unsigned>((floor_div(epoch_seconds, kDay) % 7 + 7 + 3) % 7);
}

TrafficHistory from_first_data(TrafficHistory h) {
  std::int64_t first = h.end;
  if (!h.requests.empty()) first = std::min(first, h.requests.front().time);
  if (!h.in_service.empty()) first = std::min(first, h.in_service.front().time);
  if (first < h.end) h.start = std::max(h.start, floor_div(first, kHour) * kHour);
  return h;
}

Result<TrafficProfile> traffic_profile(const TrafficHistory& h, double peak_percentile) {
  if (!(peak_percentile > 0 && peak_percentile <= 100))
    return fail(ErrorKind::kUsage, "--peak-percentile {}: give a percentile above 0, up to 100",
                peak_percentile);
  if (h.start % kHour != 0 || h.end % kHour != 0 || h.end <= h.start || h.period_s <= 0)
    return fail(ErrorKind::kInternal, "a traffic history covers whole hours");
  // The peak rate of every hour of the history (0 where nothing was recorded: CloudWatch keeps
  // no point for a period without requests).
  const std::int64_t hours = (h.end - h.start) / kHour;
  std::vector<double> peak(static_cast<std::size_t>(hours), 0.0);
  for (const TrafficSample& s : h.requests) {
    if (s.time < h.start || s.time >= h.end) continue;
    double& cell = peak[static_cast<std::size_t>((s.time - h.start) / kHour)];
    cell = std::max(cell, s.requests / static_cast<double>(h.period_s));
  }
  TrafficProfile out{.days = static_cast<double>(hours) / 24, .peak_percentile = peak_percentile};
  // Hour of the day and of the week of each cell.
  std::vector<std::vector<double>> by_hour(24), by_week_hour(168);
  for (std::int64_t i = 0; i < hours; ++i) {
    const std::int64_t t = h.start + i * kHour;
    const auto hour = static_cast<std::size_t>(floor_div(t, kHour) % 24 + 24) % 24;
    by_hour[hour].push_back(peak[static_cast<std::size_t>(i)]);
    by_week_hour[weekday_utc(t) * 24 + hour].push_back(peak[static_cast<std::size_t>(i)]);
  }
  std::vector<double> daily(24, 0.0);
  for (std::size_t hour = 0; hour < 24; ++hour) {
    if (!by_hour[hour].empty()) daily[hour] = percentile(by_hour[hour], peak_percentile);
  }
  const double daily_peak = *std::max_element(daily.begin(), daily.end());
  out.tps = daily;
  // A day of the week is told from the others only with two of each: one Monday could be a
  // holiday, and at the maximum a single week's profile is never above the daily one.
  if (hours < 14 * 24) {
    out.why = fmt::format(
        "one profile for every day: {:.1f} days of data are too few to tell the days of the week "
        "apart (that takes two weeks)",
        out.days);
    return out;
  }
  // Weekly when some weekday's hour differs from the daily profile by more than a fifth of the
  // daily peak (a weekend dip, a Monday rush); otherwise the days are alike.
  std::vector<double> weekly(168, 0.0);
  double largest = 0;
  std::size_t where = 0;
  for (std::size_t i = 0; i < 168; ++i) {
    if (!by_week_hour[i].empty()) weekly[i] = percentile(by_week_hour[i], peak_percentile);
    const double difference = std::abs(weekly[i] - daily[i % 24]);
    if (difference > largest) {
      largest = difference;
      where = i;
    }
  }
  static constexpr std::string_view kDays[] = {"Mondays", "Tuesdays",  "Wednesdays", "Thursdays",
                                               "Fridays", "Saturdays", "Sundays"};
  if (daily_peak > 0 && largest > 0.2 * daily_peak) {
    out.tps = std::move(weekly);
    out.weekly = true;
    out.why = fmt::format(
        "one profile per day of the week: {} at {:02}:00 UTC peak at {:.1f} TPS against {:.1f} "
        "on the busiest day",
        kDays[where / 24], where % 24, out.tps[where], daily[where % 24]);
  } else {
    out.why = fmt::format(
        "one profile for every day: no day of the week differs from it by more than 20% of the "
        "peak");
  }
  return out;
}

TrafficPast traffic_past(const TrafficHistory& h) {
  TrafficPast out{.days = static_cast<double>(h.end - h.start) / kDay};
  std::map<std::int64_t, TrafficPast::Hour> by_hour;
  for (const TrafficSample& s : h.requests) {
    if (s.time < h.start || s.time >= h.end) continue;
    out.requests += s.requests;
    out.throttled += s.throttled;
    auto& hour = by_hour[floor_div(s.time, kHour) * kHour];
    hour.start = floor_div(s.time, kHour) * kHour;
    hour.requests += s.requests;
    hour.throttled += s.throttled;
  }
  for (const IuSample& s : h.in_service) {
    if (s.time < h.start || s.time >= h.end) continue;
    out.iu_known = true;
    out.iu_hours += s.iu * static_cast<double>(h.period_s) / kHour;
    out.peak_iu = std::max(out.peak_iu, s.iu);
  }
  std::vector<TrafficPast::Hour> hours;
  for (const auto& [start, hour] : by_hour) {
    if (hour.throttled > 0) hours.push_back(hour);
  }
  std::sort(hours.begin(), hours.end(), [](const auto& a, const auto& b) {
    return a.throttled != b.throttled ? a.throttled > b.throttled : a.start < b.start;
  });
  if (hours.size() > 3) hours.resize(3);
  out.worst_hours = std::move(hours);
  return out;
}

}  // namespace iuprobe
