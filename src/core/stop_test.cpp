// SPDX-License-Identifier: Apache-2.0
#include "core/stop.h"

#include <gtest/gtest.h>

#include <csignal>

namespace iuprobe {
namespace {

TEST(StopSource, TheFirstRequestNamesTheSignalAndLaterOnesAreCounted) {
  StopSource source;
  const StopToken token = source.token();
  EXPECT_FALSE(token.stop_requested());
  EXPECT_EQ(token.signal(), 0);
  source.request(SIGTERM);
  source.request(SIGINT);
  EXPECT_TRUE(token.stop_requested());
  EXPECT_EQ(token.signal(), SIGTERM);
  EXPECT_EQ(token.requests(), 2);
}

TEST(StopSource, SourcesAreIndependent) {
  StopSource a;
  StopSource b;
  a.request(SIGINT);
  EXPECT_TRUE(a.token().stop_requested());
  EXPECT_FALSE(b.token().stop_requested());
  EXPECT_FALSE(StopToken().stop_requested());
}

TEST(StopSource, ARoutedSignalReachesTheSource) {
  static StopSource source;  // signals stay routed to it for the rest of the process
  route_stop_signals(source);
  std::raise(SIGTERM);
  EXPECT_EQ(source.signal(), SIGTERM);
  EXPECT_EQ(exit_code_for_signal(source.signal()), 143);
}

}  // namespace
}  // namespace iuprobe
