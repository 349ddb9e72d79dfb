// SPDX-License-Identifier: Apache-2.0
#include "engine/window_series.h"

#include <gtest/gtest.h>

#include "engine/self_check.h"

namespace iuprobe {
namespace {

using namespace std::chrono_literals;

// The i-th second of a plan, with counts that differ from second to second so that a lost or
// doubled window shows in the sums.
WindowRecord second(std::size_t i, Phase phase = Phase::kMeasure, std::size_t segment = 0) {
  WindowRecord w;
  w.segment = segment;
  w.index = i;
  w.start = std::chrono::seconds(i);
  w.length = 1s;
  w.phase = phase;
  w.outcomes[static_cast<std::size_t>(Outcome::kOk)] = 100 + i % 7;
  w.outcomes[static_cast<std::size_t>(Outcome::kThrottled)] = i % 3;
  w.scheduled = 100 + i % 7 + i % 3;
  w.sent = w.scheduled;
  w.late = i % 2;
  w.bytes_sent = 1000 * i;
  w.in_flight = i;
  w.peak_worker_cpu = i % 5 == 0 ? 0.99 : 0.5;
  w.latency.count = w.count(Outcome::kOk);
  w.latency.min = std::chrono::milliseconds(1 + i % 4);
  w.latency.mean = std::chrono::milliseconds(10 + i % 4);
  w.latency.p99 = std::chrono::milliseconds(20 + i % 11);
  w.latency.max = std::chrono::milliseconds(40 + i % 13);
  return w;
}

struct Sums {
  std::uint64_t ok = 0, scheduled = 0, late = 0, bytes = 0, latency_count = 0, covers = 0;
  Duration length{0};
};

template <typename Range>
Sums sums(const Range& windows) {
  Sums s;
  for (const WindowRecord& w : windows) {
    s.ok += w.count(Outcome::kOk);
    s.scheduled += w.scheduled;
    s.late += w.late;
    s.bytes += w.bytes_sent;
    s.latency_count += w.latency.count;
    s.covers += w.covers;
    s.length += w.length;
  }
  return s;
}

TEST(WindowSeries, KeepsEveryWindowUpToItsCapacity) {
  WindowSeries series(10);
  for (std::size_t i = 0; i < 10; ++i) series.push_back(second(i));
  ASSERT_EQ(series.size(), 10u);
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(series[i].index, i);
    EXPECT_EQ(series[i].covers, 1u);
  }
}

TEST(WindowSeries, AnyLengthStaysWithinItsCapacityAndEveryCountAddsUp) {
  WindowSeries series(10);
  std::vector<WindowRecord> all;
  for (std::size_t i = 0; i < 1000; ++i) {
    all.push_back(second(i));
    series.push_back(all.back());
    ASSERT_LE(series.size(), 10u) << "after " << i + 1 << " windows";
  }
  EXPECT_EQ(series.width(), 128u);
  // Every point but the last covers the same number of seconds.
  for (std::size_t i = 0; i + 1 < series.size(); ++i) EXPECT_EQ(series[i].covers, 128u) << i;
  const Sums want = sums(all), got = sums(series);
  EXPECT_EQ(got.ok, want.ok);
  EXPECT_EQ(got.scheduled, want.scheduled);
  EXPECT_EQ(got.late, want.late);
  EXPECT_EQ(got.bytes, want.bytes);
  EXPECT_EQ(got.latency_count, want.latency_count);
  EXPECT_EQ(got.covers, 1000u);
  EXPECT_EQ(got.length, want.length);
  // The points tile the plan: each starts where the one before it ends, and the gauges are
  // the last covered window's.
  for (std::size_t i = 1; i < series.size(); ++i) {
    EXPECT_EQ(series[i].start, series[i - 1].start + series[i - 1].length);
    EXPECT_EQ(series[i - 1].in_flight, series[i].index - 1);
  }
  EXPECT_EQ(series.back().in_flight, 999u);
}

TEST(WindowSeries, AMergedPointKeepsTheWorstPercentilesAndTheWeightedMean) {
  WindowRecord a = second(0), b = second(1);
  a.latency.count = 100;
  a.latency.mean = 10ms;
  b.latency.count = 300;
  b.latency.mean = 30ms;
  merge_window_record(a, b, 0.95);
  EXPECT_EQ(a.latency.count, 400u);
  EXPECT_EQ(a.latency.mean, 25ms);
  EXPECT_EQ(a.latency.min, 1ms);
  EXPECT_EQ(a.latency.p99, 21ms);
  EXPECT_EQ(a.latency.max, 41ms);
  EXPECT_EQ(a.covers, 2u);
  EXPECT_EQ(a.peak_worker_cpu, 0.99);
  EXPECT_EQ(a.cpu_saturated_windows, 1u);
}

TEST(WindowSeries, AnEmptyLatencySummaryDoesNotDragTheMergeDown) {
  WindowRecord a = second(0), b = second(1);
  a.latency = {};
  merge_window_record(a, b, 0.95);
  EXPECT_EQ(a.latency.count, b.latency.count);
  EXPECT_EQ(a.latency.min, b.latency.min);
  EXPECT_EQ(a.latency.mean, b.latency.mean);
}

TEST(WindowSeries, ThePhasesNeverMix) {
  WindowSeries series(8);
  std::size_t warmup = 0;
  for (std::size_t i = 0; i < 300; ++i) {
    const bool warm = i < 45;
    warmup += warm;
    series.push_back(second(i, warm ? Phase::kWarmup : Phase::kMeasure));
  }
  std::uint64_t warm_covered = 0, measured_covered = 0;
  for (const WindowRecord& w : series) (w.judged() ? measured_covered : warm_covered) += w.covers;
  EXPECT_EQ(warm_covered, warmup);
  EXPECT_EQ(measured_covered, 300 - warmup);
  EXPECT_LE(series.size(), 8u);
}

// An odd capacity leaves one point unpaired at each halving: the windows that follow fill it.
TEST(WindowSeries, EveryPointButTheLastCoversTheSameSecondsWhateverTheCapacity) {
  for (const std::size_t capacity : {3u, 9u, 10u}) {
    WindowSeries series(capacity);
    for (std::size_t i = 0; i < 1000; ++i) series.push_back(second(i));
    for (std::size_t i = 0; i + 1 < series.size(); ++i)
      EXPECT_EQ(series[i].covers, series.width()) << "capacity " << capacity << ", point " << i;
  }
}

// A run's steps are all measured: a point never blends two of them.
TEST(WindowSeries, TheStepsOfARunNeverMix) {
  WindowSeries series(8);
  for (std::size_t i = 0; i < 400; ++i)
    series.push_back(second(i, Phase::kMeasure, i < 150 ? 0 : 1));
  std::uint64_t first_step = 0;
  for (const WindowRecord& w : series) {
    if (w.segment == 0) first_step += w.covers;
    EXPECT_EQ(w.segment, w.index < 150 ? 0u : 1u);
  }
  EXPECT_EQ(first_step, 150u);
  EXPECT_LE(series.size(), 8u);
}

TEST(WindowSeries, WithoutACapacityEveryWindowIsKept) {
  WindowSeries series;
  for (std::size_t i = 0; i < 1000; ++i) series.push_back(second(i));
  ASSERT_EQ(series.size(), 1000u);
  EXPECT_EQ(series[999].covers, 1u);
}

TEST(WindowSeries, APlanOfManyShortPhasesKeepsOnePointPerPhase) {
  WindowSeries series(4);
  for (std::size_t i = 0; i < 40; ++i) {
    series.push_back(second(i, i % 2 == 0 ? Phase::kSettle : Phase::kMeasure));
  }
  ASSERT_EQ(series.size(), 40u);
  for (std::size_t i = 0; i < 40; ++i) EXPECT_EQ(series[i].index, i);
}

// The generator self-check over a merged series says what it says over every window.
TEST(WindowSeries, TheSelfCheckCountsSaturatedWindowsAsOverEveryWindow) {
  WindowSeries series(6);
  std::vector<WindowRecord> all;
  for (std::size_t i = 0; i < 100; ++i) {
    all.push_back(second(i));
    all.back().peak_worker_cpu = i < 60 ? 0.99 : 0.4;
    series.push_back(all.back());
  }
  const std::vector<WindowRecord> points(series.begin(), series.end());
  const GeneratorContext context{.max_connections = 8};
  const GeneratorCheck direct = check_generator(all, Window{}, context);
  const GeneratorCheck merged = check_generator(points, Window{}, context);
  EXPECT_EQ(direct.cpu_saturated_windows, 60u);
  EXPECT_EQ(merged.cpu_saturated_windows, 60u);
  EXPECT_TRUE(merged.bound);
  EXPECT_EQ(merged.reasons, direct.reasons);
  EXPECT_EQ(merged.peak_cpu, direct.peak_cpu);
}

}  // namespace
}  // namespace iuprobe
