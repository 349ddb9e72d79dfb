// SPDX-License-Identifier: Apache-2.0
#include "engine/self_check.h"

#include <gtest/gtest.h>

#include "engine/run_result.h"

namespace iuprobe {
namespace {

WindowRecord window(double cpu) {
  WindowRecord w;
  w.peak_worker_cpu = cpu;
  return w;
}

Window totals(std::uint64_t scheduled, std::uint64_t late, std::uint64_t queued = 0,
              std::uint64_t sent = 0) {
  Window t;
  t.scheduled = scheduled;
  t.sent = sent != 0 ? sent : scheduled;
  t.late = late;
  t.queued = queued;
  return t;
}

const GeneratorContext kOpenLoop{.max_connections = 8};

TEST(CheckGenerator, OnTimeAndIdleIsNotBound) {
  std::vector<WindowRecord> windows(10, window(0.3));
  auto check = check_generator(windows, totals(10000, 50), kOpenLoop);
  EXPECT_FALSE(check.bound);
  EXPECT_NEAR(check.late_fraction, 0.005, 1e-12);
}

TEST(CheckGenerator, ScatteredLateSendsAreJitterNotAVerdict) {
  std::vector<WindowRecord> windows(10, window(0.3));
  const GeneratorLimits limits;
  const auto jitter = static_cast<std::uint64_t>(10000 * limits.max_late_fraction) - 1;
  EXPECT_FALSE(check_generator(windows, totals(10000, jitter), kOpenLoop).bound);
}

TEST(CheckGenerator, FallingBehindMakesItGeneratorBound) {
  std::vector<WindowRecord> windows(10, window(0.3));
  auto late = check_generator(windows, totals(10000, 4000), kOpenLoop);
  EXPECT_TRUE(late.bound);
  ASSERT_EQ(late.reasons.size(), 1u);
  EXPECT_NE(late.reasons[0].find("40.0% of requests left later"), std::string::npos);
  auto unsent = check_generator(windows, totals(10000, 0, 0, 9000), kOpenLoop);
  EXPECT_TRUE(unsent.bound);
  EXPECT_NE(unsent.reasons[0].find("sent 9000 of 10000"), std::string::npos);
}

TEST(CheckGenerator, SustainedCpuSaturationIsReported) {
  std::vector<WindowRecord> windows(10, window(0.5));
  for (int i = 0; i < 6; ++i) windows[i].peak_worker_cpu = 0.99;
  auto check = check_generator(windows, totals(10000, 0), kOpenLoop);
  EXPECT_TRUE(check.bound);
  EXPECT_EQ(check.cpu_saturated_windows, 6u);
  // A busy second now and then is not a verdict.
  windows.assign(10, window(0.5));
  windows[3].peak_worker_cpu = 1.0;
  EXPECT_FALSE(check_generator(windows, totals(10000, 0), kOpenLoop).bound);
}

TEST(CheckGenerator, ConnectionShortageNamesTheLimit) {
  std::vector<WindowRecord> windows(4, window(0.2));
  auto check = check_generator(windows, totals(4000, 0, 400), kOpenLoop);
  EXPECT_TRUE(check.bound);
  EXPECT_NE(check.reasons[0].find("all 8 connections"), std::string::npos);
}

TEST(CheckGenerator, ClosedLoopIgnoresLateness) {
  std::vector<WindowRecord> windows(4, window(0.2));
  EXPECT_FALSE(
      check_generator(windows, totals(4000, 2000), GeneratorContext{.closed_loop = true}).bound);
}

}  // namespace
}  // namespace iuprobe
