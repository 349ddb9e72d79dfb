// SPDX-License-Identifier: Apache-2.0
// Run by mpirun as 3 ranks (CTest: mpi.ranks): each rank runs every test, and each test makes
// the same collective calls on every rank, in the same order. OpenMPI itself moves the bytes.
#include "mpi/mpi_peers.h"

#include <gtest/gtest.h>

#include <atomic>

#include "engine/session_test_support.h"
#include "engine/wire.h"

namespace iuprobe {
namespace {

using namespace std::chrono_literals;

MpiPeers* g_peers = nullptr;

class MpiEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    auto peers = MpiPeers::start(20s);
    ASSERT_TRUE(peers) << peers.error().message;
    peers_ = std::move(*peers);
    g_peers = peers_.get();
  }
  void TearDown() override { peers_.reset(); }

 private:
  std::unique_ptr<MpiPeers> peers_;
};

TEST(MpiPeers, ThreeRanksOnOneHost) {
  ASSERT_TRUE(launched_as_mpi_rank());
  EXPECT_EQ(g_peers->size(), 3u);
  EXPECT_FALSE(g_peers->host().empty());
}

TEST(MpiPeers, GatherBringsEveryRanksMessageInRankOrderAndBroadcastReachesEveryRank) {
  const unsigned rank = g_peers->rank();
  // Sizes from empty to past OpenMPI's eager limit (rendezvous sends are polled too).
  for (const std::size_t size : {std::size_t{0}, std::size_t{10}, std::size_t{3} << 20}) {
    auto all = g_peers->gather(std::string(size, static_cast<char>('a' + rank)));
    ASSERT_TRUE(all) << all.error().message;
    if (rank == 0) {
      ASSERT_EQ(all->size(), 3u);
      for (unsigned r = 0; r < 3; ++r) {
        EXPECT_EQ((*all)[r], std::string(size, static_cast<char>('a' + r)));
      }
    } else {
      EXPECT_TRUE(all->empty());
    }
    auto told = g_peers->broadcast(rank == 0 ? fmt::format("{} from rank 0", size) : "ignored");
    ASSERT_TRUE(told) << told.error().message;
    EXPECT_EQ(*told, fmt::format("{} from rank 0", size));
  }
  // A rank waiting for rank 0's next plan gets it the same way.
  auto plan = rank == 0 ? g_peers->broadcast("next plan") : g_peers->await_broadcast(StopToken{});
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(*plan, "next plan");
}

TEST(MpiPeers, RanksSendOneScheduleTogetherAndRankZeroCountsItExactly) {
  // Rank 0's server (every rank starts one; rank 0's is used): every rank sends its third of
  // 300/s for 1 s to it, from one start.
  std::atomic<int> served{0};
  testing::TestServer server = ok_server(&served);
  auto url = g_peers->broadcast(server.url());
  ASSERT_TRUE(url) << url.error().message;
  auto options = options_for(*url);
  options.peers = g_peers;
  auto session = NetworkSession::open(std::move(options));
  ASSERT_TRUE(session) << session.error().message;
  // One start on the system clock (one host here; NTP-synchronised hosts in use).
  const auto at = std::chrono::system_clock::now() + 200ms;
  auto start = g_peers->broadcast(std::to_string(at.time_since_epoch().count()));
  ASSERT_TRUE(start) << start.error().message;
  const std::chrono::system_clock::time_point agreed{
      std::chrono::system_clock::duration{std::stoll(*start)}};
  const TimePoint local = SteadyClock::now() + (agreed - std::chrono::system_clock::now());
  const PlanResult result = (*session)->run_at(constant(300, 1s), local);
  ASSERT_TRUE(result.complete()) << (result.aborted ? result.aborted->message : "stopped");
  if (g_peers->rank() != 0) {
    EXPECT_EQ(result.phases.at(0).totals.scheduled, 100u);
    return;
  }
  EXPECT_EQ(result.phases.at(0).totals.scheduled, 300u);
  EXPECT_EQ(result.phases.at(0).totals.count(Outcome::kOk), 300u);
  EXPECT_EQ(served.load(), 300);
  ASSERT_EQ(result.ranks.size(), 3u);
  LatencyHistogram merged;
  for (const RankPlan& rank : result.ranks) {
    EXPECT_EQ(rank.phases.at(0).scheduled, 100u);
    merged.merge(rank.phases.at(0).latency);
  }
  EXPECT_EQ(merged.state().buckets, result.phases.at(0).totals.latency.state().buckets);
}

}  // namespace
}  // namespace iuprobe

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new iuprobe::MpiEnvironment);
  return RUN_ALL_TESTS();
}
