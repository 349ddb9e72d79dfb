// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "core/units.h"
#include "load/phase.h"

namespace iuprobe {

// One piece of a load shape: for `duration`, the offered rate moves linearly from rate_begin
// to rate_end (equal for a constant step). Only measure segments are recorded (see Phase).
struct RateSegment {
  Duration duration{};
  double rate_begin = 0;
  double rate_end = 0;
  Phase phase = Phase::kMeasure;
};

// The offered rate over time. Pure: converts between elapsed time and the expected number of
// arrivals, so a schedule can place the k-th send exactly instead of accumulating rounding.
class RateProfile {
 public:
  RateProfile() : RateProfile(std::vector<RateSegment>{}) {}
  explicit RateProfile(std::vector<RateSegment> segments);

  static RateProfile constant(double rate, Duration duration);
  static RateProfile steps(std::span<const double> rates, Duration step_duration);
  static RateProfile ramp(double from, double to, Duration duration);
  // The same profile with a warm-up segment in front, at the first segment's starting rate.
  RateProfile with_warmup(Duration warmup) const;

  const std::vector<RateSegment>& segments() const { return segments_; }
  Duration total_duration() const { return start_times_.back(); }
  double total_arrivals() const { return start_arrivals_.back(); }
  Duration segment_start(std::size_t segment) const { return start_times_[segment]; }
  double rate_at(Duration t) const;
  std::size_t segment_at(Duration t) const;

  // When the arrival count reaches `n` (n >= 0). nullopt past the end of the profile.
  // `hint` is a segment to start looking from; schedules pass the previous answer's segment.
  struct Position {
    Duration at;
    std::size_t segment;
    double rate;  // rate_at(at), from the segment already found
  };
  std::optional<Position> time_of(double n, std::size_t hint = 0) const;

 private:
  std::vector<RateSegment> segments_;
  std::vector<Duration> start_times_;   // size segments + 1
  std::vector<double> start_arrivals_;  // size segments + 1
};

}  // namespace iuprobe
