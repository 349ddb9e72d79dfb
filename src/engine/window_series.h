// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <vector>

#include "engine/run_result.h"

namespace iuprobe {

// Merges `next`, the window that follows `into` in the same phase, into it: counts add up, the
// in-flight and connection gauges are the later window's, the CPU peak is the higher one, and
// `cpu_saturated_windows` counts the windows whose peak reached `saturated_cpu`. A latency
// summary cannot be merged exactly: counts add up, min and max are exact, the mean is weighted
// by count, and each percentile is the higher of the two (the worst second it covers).
void merge_window_record(WindowRecord& into, const WindowRecord& next, double saturated_cpu);

// The windows of one plan, one point per window, or in bounded memory however long the plan
// runs: given a capacity, one point per window up to it; when full, neighbouring points of the
// same segment (phase or step) merge in pairs and every later point covers twice as many
// windows, so a run of any length keeps at most `capacity` points (a few hundred bytes each).
// Every point lies within one segment; the counts are exact.
class WindowSeries {
 public:
  // A run's: 5 minutes of seconds, so that its memory stops growing after its first 5 minutes.
  static constexpr std::size_t kRunPoints = 300;

  // 0: every window, one by one.
  explicit WindowSeries(std::size_t capacity = 0);

  void push_back(const WindowRecord& window);

  std::size_t size() const { return points_.size(); }
  bool empty() const { return points_.empty(); }
  const WindowRecord& operator[](std::size_t i) const { return points_[i]; }
  WindowRecord& operator[](std::size_t i) { return points_[i]; }
  const WindowRecord& back() const { return points_.back(); }
  auto begin() const { return points_.begin(); }
  auto end() const { return points_.end(); }
  // How many windows each point covers from now on (a power of two; the first point of a
  // segment may cover fewer).
  std::size_t width() const { return width_; }

 private:
  bool fits(const WindowRecord& into, const WindowRecord& next) const;
  // Into the last point if it fits there.
  bool merge_into_last(const WindowRecord& window);
  void halve();

  std::size_t capacity_;
  std::size_t width_ = 1;
  std::vector<WindowRecord> points_;
};

}  // namespace iuprobe
