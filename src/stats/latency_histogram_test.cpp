// SPDX-License-Identifier: Apache-2.0
#include "stats/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace iuprobe {
namespace {

using namespace std::chrono_literals;

// The exact percentile of a sorted sample, by the same nearest-rank rule the histogram uses.
std::int64_t exact_percentile(const std::vector<std::int64_t>& sorted, double percent) {
  auto rank =
      static_cast<std::size_t>(std::ceil(percent / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::max<std::size_t>(rank, 1) - 1];
}

TEST(LatencyHistogram, EmptyReportsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(99), 0ns);
  EXPECT_EQ(h.mean(), 0ns);
  EXPECT_EQ(h.min(), 0ns);
}

TEST(LatencyHistogram, PercentilesWithinOnePercentFromMicrosecondsToTenMinutes) {
  std::mt19937_64 rng(42);
  // Log-uniform between 1 us and 10 minutes: every octave of the range gets exercised.
  std::uniform_real_distribution<double> log_ns(std::log(1e3), std::log(600e9));
  std::vector<std::int64_t> values;
  LatencyHistogram h;
  for (int i = 0; i < 200'000; ++i) {
    auto ns = static_cast<std::int64_t>(std::exp(log_ns(rng)));
    values.push_back(ns);
    h.record(Duration{ns});
  }
  std::sort(values.begin(), values.end());
  for (double p : {0.1, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99}) {
    const double exact = static_cast<double>(exact_percentile(values, p));
    const double got = static_cast<double>(h.percentile(p).count());
    EXPECT_LE(std::abs(got - exact) / exact, 0.01)
        << "p" << p << " exact " << exact << " got " << got;
  }
  EXPECT_EQ(h.max().count(), values.back());
  EXPECT_EQ(h.min().count(), values.front());
}

TEST(LatencyHistogram, EveryValueInRangeIsReportedWithinOnePercent) {
  // A single recorded value must come back within 1%: walks the range in 0.3% steps.
  for (double ns = 1e3; ns < 650e9; ns *= 1.003) {
    LatencyHistogram h;
    h.record(Duration{static_cast<std::int64_t>(ns)});
    h.record(Duration{static_cast<std::int64_t>(ns * 2)});  // keeps p50 off the exact max
    const double got = static_cast<double>(h.percentile(50).count());
    ASSERT_LE(std::abs(got - std::floor(ns)) / ns, 0.01) << ns;
  }
}

TEST(LatencyHistogram, MergeEqualsRecordingIntoOne) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(std::log(5e6), 1.0);
  LatencyHistogram a, b, both;
  for (int i = 0; i < 50'000; ++i) {
    Duration v{static_cast<std::int64_t>(dist(rng))};
    (i % 3 == 0 ? a : b).record(v);
    both.record(v);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), both.count());
  for (double p : {50.0, 90.0, 99.0, 99.9}) EXPECT_EQ(a.percentile(p), both.percentile(p));
  EXPECT_EQ(a.max(), both.max());
  EXPECT_EQ(a.min(), both.min());
  EXPECT_NEAR(static_cast<double>(a.mean().count()), static_cast<double>(both.mean().count()), 1.0);
}

TEST(LatencyHistogram, RebuiltFromItsStateItMergesAsTheOriginal) {
  // Three processes' histograms sent as state and merged equal one histogram of every value.
  std::mt19937_64 rng(11);
  std::lognormal_distribution<double> dist(std::log(20e6), 1.5);
  LatencyHistogram parts[3], all;
  for (int i = 0; i < 30'000; ++i) {
    Duration v{static_cast<std::int64_t>(dist(rng))};
    parts[i % 3].record(v);
    all.record(v);
  }
  parts[2].record(30min);  // beyond the tracked range: only max() is exact
  all.record(30min);
  LatencyHistogram merged;
  for (const LatencyHistogram& part : parts) {
    const auto rebuilt = LatencyHistogram::from_state(part.state());
    ASSERT_TRUE(rebuilt.has_value());
    merged.merge(*rebuilt);
  }
  EXPECT_EQ(merged.count(), all.count());
  EXPECT_EQ(merged.state().buckets, all.state().buckets);
  for (double p : {0.0, 50.0, 99.0, 99.99, 100.0})
    EXPECT_EQ(merged.percentile(p), all.percentile(p));
  EXPECT_NEAR(static_cast<double>(merged.mean().count()), static_cast<double>(all.mean().count()),
              1.0);
  // An empty one stays empty (its min is not taken for a value).
  const auto empty = LatencyHistogram::from_state(LatencyHistogram().state());
  ASSERT_TRUE(empty.has_value());
  merged.merge(*empty);
  EXPECT_EQ(merged.min(), all.min());
}

TEST(LatencyHistogram, AStateThatNoHistogramHasIsRefused) {
  LatencyHistogram h;
  h.record(5ms);
  LatencyHistogram::State s = h.state();
  s.buckets.push_back(s.buckets.front());  // the same bucket twice
  EXPECT_FALSE(LatencyHistogram::from_state(s).has_value());
  s = h.state();
  s.buckets.front().first = 1u << 20;  // past the last bucket
  EXPECT_FALSE(LatencyHistogram::from_state(s).has_value());
  s = h.state();
  s.min_ns = s.max_ns + 1;
  EXPECT_FALSE(LatencyHistogram::from_state(s).has_value());
}

TEST(LatencyHistogram, ValuesBeyondRangeKeepExactMax) {
  LatencyHistogram h;
  h.record(30min);
  EXPECT_EQ(h.max(), 30min);
  EXPECT_EQ(h.percentile(100), 30min);
  EXPECT_GT(h.percentile(50), 17min);
}

TEST(LatencyHistogram, ResetForgetsEverything) {
  LatencyHistogram h;
  h.record(5ms);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.max(), 0ns);
  h.record(1ms);
  EXPECT_EQ(h.min(), 1ms);
}

}  // namespace
}  // namespace iuprobe
