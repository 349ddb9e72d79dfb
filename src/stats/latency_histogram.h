// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "core/units.h"

namespace iuprobe {

// Log-linear histogram of durations (HdrHistogram's layout, 64 sub-buckets per power of two).
// Reported values are within 0.8% of the truth from 512 ns to 2^40 ns (18 minutes); larger
// values land in the top bucket (max() stays exact). Fixed size (16 KiB), mergeable.
class LatencyHistogram {
 public:
  LatencyHistogram();

  void record(Duration value);
  void merge(const LatencyHistogram& other);
  void reset();

  std::uint64_t count() const { return total_; }
  Duration min() const;
  Duration max() const;
  Duration mean() const;
  // The value at or below which `percent` of recorded values lie; 0 when empty.
  Duration percentile(double percent) const;

  static constexpr Duration kMaxTracked = Duration{std::int64_t{1} << 40};

  // Everything it holds, compactly (the buckets that are not empty), for another process (an
  // MPI rank) to rebuild it exactly: merging rebuilt histograms gives the same counts, extremes
  // and percentiles as merging the originals.
  struct State {
    std::vector<std::pair<std::uint32_t, std::uint64_t>> buckets;  // (index, count), ascending
    std::uint64_t min_ns = UINT64_MAX;
    std::uint64_t max_ns = 0;
    double sum_ns = 0;
  };
  State state() const;
  // nullopt when `state` could not come from state(): a bucket out of range or given twice.
  static std::optional<LatencyHistogram> from_state(const State& state);

 private:
  static std::size_t index_of(std::uint64_t ns);
  static std::uint64_t lower_bound_of(std::size_t index);
  static std::uint64_t width_of(std::size_t index);

  std::vector<std::uint64_t> counts_;
  std::uint64_t total_ = 0;
  std::uint64_t min_ns_ = UINT64_MAX;
  std::uint64_t max_ns_ = 0;
  double sum_ns_ = 0;
};

}  // namespace iuprobe
