// SPDX-License-Identifier: Apache-2.0
#include "load/rate_profile.h"

#include <cassert>
#include <cmath>

namespace iuprobe {
namespace {

double arrivals_in(const RateSegment& s) {
  return to_seconds(s.duration) * (s.rate_begin + s.rate_end) / 2.0;
}

// Seconds into a linear-rate segment at which `m` arrivals have accumulated:
// solves r0*t + (r1-r0)*t^2/(2T) = m in the form that stays stable when r1 ~ r0 or r0 = 0.
double invert_segment(const RateSegment& s, double m) {
  if (m <= 0) return 0;
  const double span = to_seconds(s.duration);
  const double r0 = s.rate_begin;
  // A constant rate, the commonest segment: what the formula below gives, since sqrt(r0 * r0)
  // is r0 exactly, without its square root and two divisions.
  if (s.rate_end == r0) return m / r0;
  const double a = (s.rate_end - r0) / (2.0 * span);
  const double discriminant = std::max(0.0, r0 * r0 + 4.0 * a * m);
  return 2.0 * m / (r0 + std::sqrt(discriminant));
}

// The rate `offset` into segment `s`.
double rate_into(const RateSegment& s, Duration offset) {
  if (s.rate_end == s.rate_begin || s.duration.count() <= 0) return s.rate_begin;
  return s.rate_begin + (s.rate_end - s.rate_begin) * (to_seconds(offset) / to_seconds(s.duration));
}

}  // namespace

RateProfile::RateProfile(std::vector<RateSegment> segments) : segments_(std::move(segments)) {
  start_times_.reserve(segments_.size() + 1);
  start_arrivals_.reserve(segments_.size() + 1);
  start_times_.push_back(Duration{0});
  start_arrivals_.push_back(0);
  for (const RateSegment& s : segments_) {
    assert(s.rate_begin >= 0 && s.rate_end >= 0 && s.duration.count() >= 0);
    start_times_.push_back(start_times_.back() + s.duration);
    start_arrivals_.push_back(start_arrivals_.back() + arrivals_in(s));
  }
}

RateProfile RateProfile::constant(double rate, Duration duration) {
  return RateProfile({RateSegment{.duration = duration, .rate_begin = rate, .rate_end = rate}});
}

RateProfile RateProfile::steps(std::span<const double> rates, Duration step_duration) {
  std::vector<RateSegment> segments;
  for (double rate : rates) {
    segments.push_back({.duration = step_duration, .rate_begin = rate, .rate_end = rate});
  }
  return RateProfile(std::move(segments));
}

RateProfile RateProfile::ramp(double from, double to, Duration duration) {
  return RateProfile({RateSegment{.duration = duration, .rate_begin = from, .rate_end = to}});
}

RateProfile RateProfile::with_warmup(Duration warmup) const {
  if (warmup.count() <= 0 || segments_.empty()) return *this;
  std::vector<RateSegment> segments;
  const double rate = segments_.front().rate_begin;
  segments.push_back(
      {.duration = warmup, .rate_begin = rate, .rate_end = rate, .phase = Phase::kWarmup});
  segments.insert(segments.end(), segments_.begin(), segments_.end());
  return RateProfile(std::move(segments));
}

std::size_t RateProfile::segment_at(Duration t) const {
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    if (t < start_times_[i + 1]) return i;
  }
  return segments_.empty() ? 0 : segments_.size() - 1;
}

double RateProfile::rate_at(Duration t) const {
  if (segments_.empty() || t >= total_duration() || t.count() < 0) return 0;
  const std::size_t i = segment_at(t);
  return rate_into(segments_[i], t - start_times_[i]);
}

std::optional<RateProfile::Position> RateProfile::time_of(double n, std::size_t hint) const {
  for (std::size_t i = hint; i < segments_.size(); ++i) {
    if (n < start_arrivals_[i + 1]) {
      const RateSegment& s = segments_[i];
      const double into = invert_segment(s, n - start_arrivals_[i]);
      const Duration offset = std::min(from_seconds(into), s.duration);
      return Position{.at = start_times_[i] + offset, .segment = i, .rate = rate_into(s, offset)};
    }
  }
  return std::nullopt;
}

}  // namespace iuprobe
