// SPDX-License-Identifier: Apache-2.0
#include "app/ranks.h"

#include <gtest/gtest.h>

namespace iuprobe {
namespace {

TEST(DescribeRanks, CountsTheRanksOfEachHostInOrderOfTheFirst) {
  EXPECT_EQ(describe_ranks({"gen-a", "gen-b", "gen-a", "gen-c", "gen-b"}),
            "5 MPI ranks send one schedule, from gen-a (2), gen-b (2), gen-c (1)");
  EXPECT_EQ(describe_ranks({"vm", "vm", "vm"}), "3 MPI ranks send one schedule, from vm (3)");
}

}  // namespace
}  // namespace iuprobe
