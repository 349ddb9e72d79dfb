// SPDX-License-Identifier: Apache-2.0
#include "engine/self_check.h"

#include <gtest/gtest.h>

#include "engine/run_result.h"

namespace iuprobe {
namespace {

WindowRecord window(std::uint64_t scheduled, std::uint64_t late, double cpu,
                    std::uint64_t queued = 0) {
  WindowRecord w;
  w.scheduled = scheduled;
  w.late = late;
  w.queued = queued;
  w.peak_worker_cpu = cpu;
  return w;
}

TEST(CheckGenerator, OnTimeAndIdleIsNotBound) {
  std::vector<WindowRecord> windows(10, window(1000, 5, 0.3));
  auto check = check_generator(windows, {});
  EXPECT_FALSE(check.bound);
  EXPECT_NEAR(check.late_fraction, 0.005, 1e-12);
}

TEST(CheckGenerator, LateSendsMakeTheRunGeneratorBound) {
  std::vector<WindowRecord> windows(10, window(1000, 20, 0.3));
  auto check = check_generator(windows, {});
  EXPECT_TRUE(check.bound);
  ASSERT_EQ(check.reasons.size(), 1u);
  EXPECT_NE(check.reasons[0].find("2.0%"), std::string::npos);
}

TEST(CheckGenerator, SustainedCpuSaturationIsReported) {
  std::vector<WindowRecord> windows(10, window(1000, 0, 0.5));
  for (int i = 0; i < 5; ++i) windows[i].peak_worker_cpu = 0.99;
  auto check = check_generator(windows, {});
  EXPECT_TRUE(check.bound);
  EXPECT_EQ(check.cpu_saturated_windows, 5u);
  // A single busy second is not a verdict.
  windows.assign(10, window(1000, 0, 0.5));
  windows[3].peak_worker_cpu = 1.0;
  EXPECT_FALSE(check_generator(windows, {}).bound);
}

TEST(CheckGenerator, ConnectionShortageNamesTheLimit) {
  std::vector<WindowRecord> windows(4, window(1000, 0, 0.2, 100));
  auto check = check_generator(windows, {.max_connections = 8});
  EXPECT_TRUE(check.bound);
  EXPECT_NE(check.reasons[0].find("all 8 connections"), std::string::npos);
}

TEST(CheckGenerator, ClosedLoopIgnoresLateness) {
  std::vector<WindowRecord> windows(4, window(1000, 500, 0.2));
  EXPECT_FALSE(check_generator(windows, {.closed_loop = true}).bound);
}

}  // namespace
}  // namespace iuprobe
