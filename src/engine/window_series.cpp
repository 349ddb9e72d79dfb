// SPDX-License-Identifier: Apache-2.0
#include "engine/window_series.h"

#include <algorithm>
#include <cmath>

#include "engine/self_check.h"

namespace iuprobe {
namespace {

// The self-check's threshold, counted into merged points (every caller judges with the default).
const double kSaturatedCpu = GeneratorLimits{}.saturated_cpu;

void merge_summary(LatencySummary& into, const LatencySummary& next) {
  if (next.count == 0) return;
  if (into.count == 0) {
    into = next;
    return;
  }
  const std::uint64_t count = into.count + next.count;
  const double weighted =
      (static_cast<double>(into.mean.count()) * static_cast<double>(into.count) +
       static_cast<double>(next.mean.count()) * static_cast<double>(next.count)) /
      static_cast<double>(count);
  into.mean = Duration{static_cast<Duration::rep>(std::llround(weighted))};
  into.min = std::min(into.min, next.min);
  for (auto member : {&LatencySummary::p50, &LatencySummary::p90, &LatencySummary::p95,
                      &LatencySummary::p99, &LatencySummary::p999, &LatencySummary::max}) {
    into.*member = std::max(into.*member, next.*member);
  }
  into.count = count;
}

}  // namespace

void merge_window_record(WindowRecord& into, const WindowRecord& next, double saturated_cpu) {
  into.cpu_saturated_windows =
      into.saturated_windows(saturated_cpu) + next.saturated_windows(saturated_cpu);
  into.covers += next.covers;
  into.length += next.length;
  for (std::size_t i = 0; i < into.outcomes.size(); ++i) into.outcomes[i] += next.outcomes[i];
  into.scheduled += next.scheduled;
  into.sent += next.sent;
  into.late += next.late;
  into.queued += next.queued;
  into.bytes_sent += next.bytes_sent;
  into.bytes_received += next.bytes_received;
  merge_summary(into.latency, next.latency);
  merge_summary(into.service_latency, next.service_latency);
  into.in_flight = next.in_flight;
  into.connections = next.connections;
  into.peak_worker_cpu = std::max(into.peak_worker_cpu, next.peak_worker_cpu);
}

WindowSeries::WindowSeries(std::size_t capacity)
    : capacity_(capacity == 0 ? 0 : std::max<std::size_t>(capacity, 2)) {
  points_.reserve(capacity_);
}

// Whether `next` can join `into`: the same segment, and room under the current width.
bool WindowSeries::fits(const WindowRecord& into, const WindowRecord& next) const {
  return into.segment == next.segment && into.phase == next.phase &&
         into.covers + next.covers <= width_;
}

bool WindowSeries::merge_into_last(const WindowRecord& window) {
  if (points_.empty() || !fits(points_.back(), window)) return false;
  merge_window_record(points_.back(), window, kSaturatedCpu);
  return true;
}

void WindowSeries::push_back(const WindowRecord& window) {
  if (merge_into_last(window)) return;
  if (capacity_ != 0 && points_.size() == capacity_) {
    halve();
    if (merge_into_last(window)) return;
  }
  points_.push_back(window);
}

// Merges neighbours of the same segment in pairs (a boundary can leave a pair unmerged),
// doubling the width of the points to come.
void WindowSeries::halve() {
  width_ *= 2;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < points_.size(); ++i) {
    if (kept > 0 && fits(points_[kept - 1], points_[i])) {
      merge_window_record(points_[kept - 1], points_[i], kSaturatedCpu);
    } else {
      points_[kept++] = points_[i];
    }
  }
  if (kept == points_.size()) {
    // Every point is a segment of its own: nothing could merge. Such a plan already holds a
    // record per segment; grow rather than lose one.
    width_ /= 2;
    capacity_ *= 2;
    points_.reserve(capacity_);
  }
  points_.resize(kept);
}

}  // namespace iuprobe
