// SPDX-License-Identifier: Apache-2.0
#include "stats/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>

namespace iuprobe {
namespace {

constexpr int kSubBucketBits = 6;
constexpr std::uint64_t kSubBuckets = 1u << kSubBucketBits;  // per power of two
constexpr int kMinExponent = 9;                              // 2^9 ns = 512 ns
constexpr int kMaxExponent = 40;                             // exclusive
constexpr std::uint64_t kLinearLimit = std::uint64_t{1} << kMinExponent;
constexpr std::uint64_t kLinearWidth = kLinearLimit / kSubBuckets;
constexpr std::size_t kBucketCount = kSubBuckets * (1 + kMaxExponent - kMinExponent);

}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(kBucketCount, 0) {}

std::size_t LatencyHistogram::index_of(std::uint64_t ns) {
  if (ns < kLinearLimit) return static_cast<std::size_t>(ns / kLinearWidth);
  const int exponent = std::bit_width(ns) - 1;
  if (exponent >= kMaxExponent) return kBucketCount - 1;
  const std::uint64_t sub = (ns >> (exponent - kSubBucketBits)) & (kSubBuckets - 1);
  return static_cast<std::size_t>(
      kSubBuckets * static_cast<std::uint64_t>(1 + exponent - kMinExponent) + sub);
}

std::uint64_t LatencyHistogram::lower_bound_of(std::size_t index) {
  if (index < kSubBuckets) return index * kLinearWidth;
  const int exponent = kMinExponent + static_cast<int>(index / kSubBuckets) - 1;
  const std::uint64_t sub = index % kSubBuckets;
  return (kSubBuckets + sub) << (exponent - kSubBucketBits);
}

std::uint64_t LatencyHistogram::width_of(std::size_t index) {
  if (index < kSubBuckets) return kLinearWidth;
  const int exponent = kMinExponent + static_cast<int>(index / kSubBuckets) - 1;
  return std::uint64_t{1} << (exponent - kSubBucketBits);
}

void LatencyHistogram::record(Duration value) {
  const auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(value.count(), 0));
  ++counts_[index_of(ns)];
  ++total_;
  min_ns_ = std::min(min_ns_, ns);
  max_ns_ = std::max(max_ns_, ns);
  sum_ns_ += static_cast<double>(ns);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.total_ == 0) return;
  for (std::size_t i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
  min_ns_ = std::min(min_ns_, other.min_ns_);
  max_ns_ = std::max(max_ns_, other.max_ns_);
  sum_ns_ += other.sum_ns_;
}

LatencyHistogram::State LatencyHistogram::state() const {
  State s{.min_ns = min_ns_, .max_ns = max_ns_, .sum_ns = sum_ns_};
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    if (counts_[i] > 0) s.buckets.emplace_back(static_cast<std::uint32_t>(i), counts_[i]);
  }
  return s;
}

std::optional<LatencyHistogram> LatencyHistogram::from_state(const State& state) {
  LatencyHistogram h;
  std::size_t next = 0;  // indices ascend, each at most once
  for (const auto& [index, count] : state.buckets) {
    if (index < next || index >= kBucketCount || count == 0) return std::nullopt;
    h.counts_[index] = count;
    h.total_ += count;
    next = index + 1;
  }
  if (h.total_ > 0 && state.min_ns > state.max_ns) return std::nullopt;
  h.min_ns_ = state.min_ns;
  h.max_ns_ = state.max_ns;
  h.sum_ns_ = state.sum_ns;
  return h;
}

void LatencyHistogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = 0;
  min_ns_ = UINT64_MAX;
  max_ns_ = 0;
  sum_ns_ = 0;
}

Duration LatencyHistogram::min() const {
  return Duration{total_ == 0 ? 0 : static_cast<std::int64_t>(min_ns_)};
}

Duration LatencyHistogram::max() const {
  return Duration{static_cast<std::int64_t>(max_ns_)};
}

Duration LatencyHistogram::mean() const {
  if (total_ == 0) return Duration{0};
  return Duration{std::llround(sum_ns_ / static_cast<double>(total_))};
}

Duration LatencyHistogram::percentile(double percent) const {
  if (total_ == 0) return Duration{0};
  if (percent <= 0) return min();
  if (percent >= 100) return max();
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(total_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      // The bucket's midpoint halves the worst-case error; clamping keeps it inside what was seen.
      const std::uint64_t mid = lower_bound_of(i) + width_of(i) / 2;
      return Duration{static_cast<std::int64_t>(std::clamp(mid, min_ns_, max_ns_))};
    }
  }
  assert(false && "rank beyond total");
  return max();
}

}  // namespace iuprobe
