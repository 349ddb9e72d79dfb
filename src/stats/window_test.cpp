// SPDX-License-Identifier: Apache-2.0
#include "stats/window.h"

#include <gtest/gtest.h>

namespace iuprobe {
namespace {

using namespace std::chrono_literals;

TEST(Window, ErrorsExcludeOkAndThrottled) {
  Window w;
  w.count(Outcome::kOk) = 10;
  w.count(Outcome::kThrottled) = 5;
  w.count(Outcome::kServerError) = 2;
  w.count(Outcome::kTimeout) = 1;
  EXPECT_EQ(w.completed(), 18u);
  EXPECT_EQ(w.errors(), 3u);
}

TEST(Window, MergeAddsCountersAndHistograms) {
  Window a, b;
  a.scheduled = 3;
  a.count(Outcome::kOk) = 2;
  a.latency.record(1ms);
  b.scheduled = 4;
  b.late = 1;
  b.count(Outcome::kThrottled) = 1;
  b.latency.record(3ms);
  a.merge(b);
  EXPECT_EQ(a.scheduled, 7u);
  EXPECT_EQ(a.late, 1u);
  EXPECT_EQ(a.count(Outcome::kOk), 2u);
  EXPECT_EQ(a.count(Outcome::kThrottled), 1u);
  EXPECT_EQ(a.latency.count(), 2u);
  EXPECT_EQ(a.latency.max(), 3ms);
}

}  // namespace
}  // namespace iuprobe
