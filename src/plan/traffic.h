// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace iuprobe {

// A model's recorded traffic (from CloudWatch), one sample per period where there was any.
struct TrafficSample {
  std::int64_t time = 0;  // epoch seconds (UTC), the period's start
  double requests = 0;    // demand: served, throttled and failed requests in the period
  double throttled = 0;
};
struct IuSample {
  std::int64_t time = 0;
  double iu = 0;  // inference units in service, averaged over the period
};

struct TrafficHistory {
  std::int64_t start = 0, end = 0;  // [start, end): whole hours
  std::int64_t period_s = 60;
  std::vector<TrafficSample> requests;  // by time
  std::vector<IuSample> in_service;     // by time; empty: not known
};

// The history from the hour of its first recorded sample (requests or IUs) on: a model deployed
// after the range began had no traffic before, not zero traffic. Unchanged if nothing is recorded.
TrafficHistory from_first_data(TrafficHistory history);

// The demand to plan for: each hour of the day (24 values, UTC) or, when the days of the week
// differ (which takes two weeks of data to tell), each hour of the week (168 values, Monday
// 00:00 UTC first). An hour's value is, over
// the days of the history, the `peak_percentile` of that hour's peak rate (its busiest period's
// requests ÷ the period).
struct TrafficProfile {
  std::vector<double> tps;
  bool weekly = false;
  std::string why;  // one line: why daily or weekly
  double days = 0;
  double peak_percentile = 100;
};
// `peak_percentile` in (0, 100]; 100 is the maximum across days.
Result<TrafficProfile> traffic_profile(const TrafficHistory& history, double peak_percentile);

// What happened under the setting the model ran with.
struct TrafficPast {
  double days = 0;
  double requests = 0, throttled = 0;
  bool iu_known = false;
  double iu_hours = 0;  // in service over the history
  double peak_iu = 0;
  struct Hour {
    std::int64_t start = 0;
    double requests = 0, throttled = 0;
  };
  std::vector<Hour> worst_hours;  // up to three, the most throttled first
};
TrafficPast traffic_past(const TrafficHistory& history);

// Where a history came from, for people and plan.json.
struct TrafficSource {
  std::string region;
  std::string model;       // project/version
  std::string dimensions;  // "ProjectName=p, VersionName=v"
  bool account_wide = false;
  unsigned calls = 0, retries = 0;
  std::int64_t points = 0;
  double read_s = 0;
  std::int64_t asked_start = 0;  // the range asked for began here (the history may begin later)
  std::string note;              // what counts as demand, and the resolution of the data
};

// The day of the week of an epoch time, Monday 0 … Sunday 6 (UTC).
unsigned weekday_utc(std::int64_t epoch_seconds);

}  // namespace iuprobe
