// SPDX-License-Identifier: Apache-2.0
#include "engine/load_shape.h"

#include <gtest/gtest.h>

namespace iuprobe {
namespace {

using namespace std::chrono_literals;

// A probe step: 1 s drain, 0.5 s settle, 2.2 s measure.
const LoadShape kStep = OpenLoop{RateProfile(
    {{.duration = 1s, .rate_begin = 300, .rate_end = 300, .phase = Phase::kDrain},
     {.duration = 500ms, .rate_begin = 100, .rate_end = 100, .phase = Phase::kSettle},
     {.duration = 2200ms, .rate_begin = 100, .rate_end = 100, .phase = Phase::kMeasure}})};

// The windows a plan makes when the collector wakes `late` after each end.
std::vector<std::pair<Duration, Duration>> windows(const LoadShape& plan, Duration send_end,
                                                   Duration until, Duration late) {
  std::vector<std::pair<Duration, Duration>> out;
  for (Duration t{0}; t < until;) {
    const Duration end = window_end(plan, send_end, t);
    out.emplace_back(t, end);
    t = end + late;
  }
  return out;
}

TEST(WindowEnd, WindowsFollowEachPhasesSecondsAndNeverSpanTwoPhases) {
  const auto w = windows(kStep, total_duration(kStep), 6s, Duration{0});
  const std::vector<std::pair<Duration, Duration>> expected{
      {0ms, 1000ms},     // drain
      {1000ms, 1500ms},  // settle
      {1500ms, 2500ms},  // measure, second 1
      // second 2 of the measure absorbs its last 0.2 s, and waits 0.5 s for the last answers
      {2500ms, 4200ms},
      {4200ms, 5200ms},  // answers still in flight: whole seconds
      {5200ms, 6200ms}};
  EXPECT_EQ(w, expected);
}

TEST(WindowEnd, ALateCollectorStaysOnTheGrid) {
  const auto w = windows(kStep, total_duration(kStep), 4s, 30ms);
  ASSERT_GE(w.size(), 4u);
  EXPECT_EQ(w[0].second, 1000ms);
  EXPECT_EQ(w[1].second, 1500ms);  // from 1030 ms: still the settle's end
  EXPECT_EQ(w[2].second, 2500ms);
  EXPECT_EQ(w[3].second, 4200ms);
}

TEST(WindowEnd, AStopEndsTheScheduleEarly) {
  // Stopped 1.2 s in: the window waits 0.5 s for answers after the stop, then seconds.
  EXPECT_EQ(window_end(kStep, 1200ms, 1000ms), 1700ms);
  EXPECT_EQ(window_end(kStep, 1200ms, 1700ms), 2700ms);
}

TEST(SegmentAt, FindsThePhaseAndKeepsTheLastOnePastTheEnd) {
  EXPECT_EQ(segment_at(kStep, 0ms), 0u);
  EXPECT_EQ(segment_at(kStep, 1000ms), 1u);
  EXPECT_EQ(segment_at(kStep, 1499ms), 1u);
  EXPECT_EQ(segment_at(kStep, 10s), 2u);
}

}  // namespace
}  // namespace iuprobe
