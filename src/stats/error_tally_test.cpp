// SPDX-License-Identifier: Apache-2.0
#include "stats/error_tally.h"

#include <gtest/gtest.h>

namespace iuprobe {
namespace {

TEST(ErrorTally, CountsKindsAndSortsByFrequency) {
  ErrorTally tally;
  tally.add(400, "ProvisionedThroughputExceededException");
  tally.add(0, "connect to h: Connection refused");
  tally.add(400, "ProvisionedThroughputExceededException");
  auto sorted = tally.sorted();
  ASSERT_EQ(sorted.size(), 2u);
  EXPECT_EQ(sorted[0].status, 400u);
  EXPECT_EQ(sorted[0].count, 2u);
  EXPECT_EQ(sorted[1].count, 1u);
}

TEST(ErrorTally, StaysBoundedPastMaxKinds) {
  ErrorTally tally;
  for (int i = 0; i < 100; ++i) tally.add(500, "kind " + std::to_string(i));
  EXPECT_EQ(tally.sorted().size(), ErrorTally::kMaxKinds);
  EXPECT_EQ(tally.other(), 100 - ErrorTally::kMaxKinds);
}

TEST(ErrorTally, MergeAddsMatchingKinds) {
  ErrorTally a, b;
  a.add(503, "x");
  b.add(503, "x", 4);
  b.add(0, "y");
  a.merge(b);
  auto sorted = a.sorted();
  ASSERT_EQ(sorted.size(), 2u);
  EXPECT_EQ(sorted[0].count, 5u);
}

TEST(StatusCounts, ListsOnlyStatusesSeen) {
  StatusCounts counts;
  counts.add(200);
  counts.add(429);
  counts.add(200);
  StatusCounts more;
  more.add(503);
  counts.merge(more);
  EXPECT_EQ(counts.seen(),
            (std::vector<std::pair<unsigned, std::uint64_t>>{{200, 2}, {429, 1}, {503, 1}}));
}

}  // namespace
}  // namespace iuprobe
