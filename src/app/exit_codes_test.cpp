// SPDX-License-Identifier: Apache-2.0
#include "app/exit_codes.h"

#include <gtest/gtest.h>

#include <csignal>
#include <set>

namespace iuprobe {
namespace {

TEST(ExitCode, EachKindHasItsOwnCode) {
  std::set<int> codes{kExitOk};
  for (ErrorKind kind :
       {ErrorKind::kUsage, ErrorKind::kInput, ErrorKind::kNetwork, ErrorKind::kAuth,
        ErrorKind::kService, ErrorKind::kOutput, ErrorKind::kInternal}) {
    EXPECT_TRUE(codes.insert(exit_code(Error{kind, "x"})).second) << to_string(kind);
  }
  EXPECT_EQ(exit_code(Error{ErrorKind::kUsage, "x"}), 2);
  EXPECT_EQ(exit_code(Error{ErrorKind::kNetwork, "x"}), 4);
}

TEST(ExitCode, AStopIs128PlusItsSignal) {
  EXPECT_EQ(exit_code(interrupted_error(SIGINT)), 130);
  EXPECT_EQ(exit_code(interrupted_error(SIGTERM)), 143);
  EXPECT_EQ(exit_code(Result<void>{}), 0);
}

}  // namespace
}  // namespace iuprobe
