// SPDX-License-Identifier: Apache-2.0
// Several processes sending one schedule (MPI ranks), here as threads of one process: each
// session sends its share, from one start, and rank 0 counts them all.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <thread>

#include "engine/ranked_session.h"
#include "engine/session_test_support.h"
#include "testing/thread_peers.h"

namespace iuprobe {
namespace {

using namespace std::chrono_literals;
using testing::TestServer;
using testing::ThreadGroup;

TEST(NetworkSession, SessionsSharingOneScheduleSendItTogetherFromOneStart) {
  // Two sessions (as two MPI ranks would be), each with half of the schedule, started at one
  // moment: the server gets every request once, each session sends and counts its half, users
  // included.
  std::atomic<int> served{0};
  TestServer server = ok_server(&served);
  std::unique_ptr<NetworkSession> sessions[2];
  for (unsigned rank = 0; rank < 2; ++rank) {
    auto options = options_for(server.url());
    options.share = {.index = rank, .of = 2};
    auto session = NetworkSession::open(std::move(options));
    ASSERT_TRUE(session) << session.error().message;
    sessions[rank] = std::move(*session);
  }
  const OpenLoop plan = constant(301, 1s);
  const ClosedLoop users{UsersProfile::steps(std::vector<unsigned>{5}, 1s, 50ms)};
  const TimePoint start = SteadyClock::now() + 50ms;
  PlanResult results[2], closed[2];
  std::thread other([&] {
    results[1] = sessions[1]->run_at(plan, start);
    closed[1] = sessions[1]->run(users);
  });
  results[0] = sessions[0]->run_at(plan, start);
  closed[0] = sessions[0]->run(users);
  other.join();
  EXPECT_EQ(results[0].phases.at(0).totals.scheduled, 151u);  // arrivals 0, 2, ... 300
  EXPECT_EQ(results[1].phases.at(0).totals.scheduled, 150u);
  for (const PlanResult& r : results) {
    EXPECT_EQ(r.phases.at(0).totals.count(Outcome::kOk), r.phases.at(0).totals.scheduled);
  }
  // Closed loop: 5 users split 3 and 2, each sending every 50 ms for 1 s: rank 0 about 60,
  // rank 1 about 40.
  std::uint64_t sent = 0;
  for (const PlanResult& r : closed) sent += r.phases.at(0).totals.sent;
  EXPECT_EQ(static_cast<std::uint64_t>(served.load()), 301 + sent);
  EXPECT_GT(closed[0].phases.at(0).totals.sent, closed[1].phases.at(0).totals.sent);
}

TEST(NetworkSession, ASharePastTheProcessesIsRefused) {
  TestServer server = ok_server();
  auto options = options_for(server.url());
  options.share = {.index = 2, .of = 2};
  auto session = NetworkSession::open(std::move(options));
  ASSERT_FALSE(session);
  EXPECT_EQ(session.error().kind, ErrorKind::kInternal);
}

// Opens one session per rank of `group` against `url`.
std::vector<std::unique_ptr<NetworkSession>> open_ranks(ThreadGroup& group,
                                                        std::vector<ThreadGroup::Peer>& peers,
                                                        const std::string& url, unsigned ranks,
                                                        StopToken stop = {}) {
  std::vector<std::unique_ptr<NetworkSession>> sessions;
  for (unsigned rank = 0; rank < ranks; ++rank) peers.push_back(group.peer(rank));
  for (unsigned rank = 0; rank < ranks; ++rank) {
    auto options = options_for(url, nullptr, rank == 0 ? stop : StopToken{});
    options.peers = &peers[rank];
    auto session = NetworkSession::open(std::move(options));
    if (!session) throw std::runtime_error(session.error().message);
    sessions.push_back(std::move(*session));
  }
  return sessions;
}

// Runs `plan` on every rank at once (rank 0 on this thread), from one start.
std::vector<PlanResult> run_ranks(std::vector<std::unique_ptr<NetworkSession>>& sessions,
                                  const LoadShape& plan, unsigned running) {
  std::vector<PlanResult> results(sessions.size());
  const TimePoint start = SteadyClock::now() + 50ms;
  std::vector<std::thread> others;
  for (unsigned r = 1; r < running; ++r) {
    others.emplace_back([&, r] { results[r] = sessions[r]->run_at(plan, start); });
  }
  results[0] = sessions[0]->run_at(plan, start);
  for (auto& t : others) t.join();
  return results;
}

TEST(Ranks, RankZeroCountsEveryRanksRequestsExactlyAndKeepsEachRanksPart) {
  std::atomic<int> served{0};
  TestServer server = ok_server(&served);
  ThreadGroup group(3, 5s);
  std::vector<ThreadGroup::Peer> peers;
  auto sessions = open_ranks(group, peers, server.url(), 3);
  const OpenLoop plan{
      RateProfile({{.duration = 500ms, .rate_begin = 200, .rate_end = 200, .phase = Phase::kDrain},
                   {.duration = 1500ms, .rate_begin = 300, .rate_end = 300}})};
  const std::vector<PlanResult> results = run_ranks(sessions, plan, 3);
  const PlanResult& all = results[0];
  ASSERT_TRUE(all.complete());
  ASSERT_EQ(all.phases.size(), 2u);
  EXPECT_EQ(all.phases[0].totals.scheduled, 100u);
  EXPECT_EQ(all.phases[1].totals.scheduled, 450u);
  EXPECT_EQ(all.phases[1].totals.count(Outcome::kOk), 450u);
  EXPECT_EQ(served.load(), 550);
  // Statuses count the measure phase only.
  EXPECT_EQ(all.statuses.seen(), (std::vector<std::pair<unsigned, std::uint64_t>>{{200, 450}}));
  // Each other rank's part, as rank 0 heard it, is what that rank counted itself (its own
  // result, never sent), and the merged histogram is rank 0's part and theirs merged.
  ASSERT_EQ(all.ranks.size(), 3u);
  LatencyHistogram merged = all.ranks[0].phases.at(1).latency;
  std::uint64_t scheduled_in_windows = 0;
  for (unsigned r = 0; r < 3; ++r) {
    ASSERT_EQ(all.ranks[r].phases.size(), 2u);
    EXPECT_EQ(all.ranks[r].phases[1].scheduled, 150u);
    for (const WindowRecord& w : all.ranks[r].windows) scheduled_in_windows += w.scheduled;
    if (r == 0) continue;
    const Window& own = results[r].phases.at(1).totals;
    EXPECT_EQ(all.ranks[r].phases[1].latency.state().buckets, own.latency.state().buckets);
    merged.merge(own.latency);
  }
  EXPECT_EQ(merged.state().buckets, all.phases[1].totals.latency.state().buckets);
  EXPECT_EQ(merged.max(), all.phases[1].totals.latency.max());
  EXPECT_EQ(scheduled_in_windows, 550u);
  std::uint64_t summed = 0;  // rank 0's windows: every rank's sends, second by second
  for (const WindowRecord& w : all.windows) summed += w.scheduled;
  EXPECT_EQ(summed, 550u);
  // The other ranks keep their own part only.
  for (unsigned r = 1; r < 3; ++r) {
    EXPECT_TRUE(results[r].ranks.empty());
    EXPECT_EQ(results[r].phases[1].totals.scheduled, 150u);
  }
}

TEST(Ranks, AStopOnRankZeroStopsEveryRank) {
  // Ctrl-C on rank 0 after its server counted 200 requests (of 3,000 scheduled over 10 s).
  StopSource stop;
  std::atomic<int> served{0};
  testing::TestServer server([&](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
    if (++served == 200) stop.request(SIGINT);
    co_return testing::text_response(200, "ok");
  });
  ThreadGroup group(2, 5s);
  std::vector<ThreadGroup::Peer> peers;
  auto sessions = open_ranks(group, peers, server.url(), 2, stop.token());
  const std::vector<PlanResult> results = run_ranks(sessions, constant(300, 10s), 2);
  for (const PlanResult& r : results) {
    EXPECT_EQ(r.stopped_by, SIGINT);
    EXPECT_LT(r.sent_for, 10s);
  }
  // Within about a window of the request: far fewer than the 3,000 scheduled; and rank 0 counted
  // every answer the server gave, rank 1's included.
  EXPECT_LT(results[0].phases[0].totals.scheduled, 1500u);
  EXPECT_EQ(results[0].phases[0].totals.count(Outcome::kOk),
            static_cast<std::uint64_t>(served.load()));
}

TEST(Ranks, ARankThatNeverAnswersEndsTheLoadNamingIt) {
  // Rank 2 never runs the plan (as if its process had died): ranks 0 and 1 end it after the
  // deadline, with the reason, and the next plan returns at once.
  TestServer server = ok_server();
  ThreadGroup group(3, 2s);
  std::vector<ThreadGroup::Peer> peers;
  auto sessions = open_ranks(group, peers, server.url(), 3);
  const std::vector<PlanResult> results = run_ranks(sessions, constant(100, 5s), 2);
  for (unsigned r = 0; r < 2; ++r) {
    ASSERT_TRUE(results[r].aborted) << r;
    EXPECT_EQ(results[r].aborted->kind, ErrorKind::kNetwork);
    const std::string& why = results[r].aborted->message;
    EXPECT_NE(why.find("did not answer"), std::string::npos) << why;
    EXPECT_NE(why.find('2'), std::string::npos) << why;
    EXPECT_LT(results[r].sent_for, 5s);
  }
  const PlanResult next = sessions[0]->run(constant(100, 1s));
  EXPECT_TRUE(next.aborted);
  EXPECT_TRUE(next.phases.empty());
}

TEST(Ranks, RankZeroOrdersEachPlanAndTheOthersServeThemUntilItFinishes) {
  std::atomic<int> served{0};
  TestServer server = ok_server(&served);
  ThreadGroup group(3, 5s);
  std::vector<ThreadGroup::Peer> peers;
  auto sessions = open_ranks(group, peers, server.url(), 3);
  std::vector<std::thread> others;
  Result<void> served_until[3];
  for (unsigned r = 1; r < 3; ++r) {
    others.emplace_back([&, r] { served_until[r] = serve_plans(*sessions[r], peers[r], {}); });
  }
  std::vector<PlanResult> results;
  {
    RankedSession ranked(*sessions[0], peers[0]);
    results.push_back(ranked.run(constant(150, 1s)));
    results.push_back(ranked.run(OpenLoop{RateProfile::constant(90, 1s), Arrivals::kPoisson}));
  }  // finish(): the others stop serving
  for (auto& t : others) t.join();
  for (unsigned r = 1; r < 3; ++r) EXPECT_TRUE(served_until[r]) << served_until[r].error().message;
  EXPECT_EQ(results[0].phases.at(0).totals.count(Outcome::kOk), 150u);
  // Poisson: each rank's own stream, the sum as many as sent.
  const std::uint64_t poisson = results[1].phases.at(0).totals.count(Outcome::kOk);
  EXPECT_GT(poisson, 40u);
  EXPECT_EQ(served.load(), static_cast<int>(150 + poisson));
  for (const PlanResult& r : results) ASSERT_EQ(r.ranks.size(), 3u);
}

TEST(Ranks, ARankThatCouldNotOpenItsSessionIsNamedOnEveryRank) {
  ThreadGroup group(3, 5s);
  std::vector<ThreadGroup::Peer> peers;
  for (unsigned r = 0; r < 3; ++r) peers.push_back(group.peer(r));
  Result<std::vector<std::string>> outcomes[3];
  std::vector<std::thread> ranks;
  for (unsigned r = 0; r < 3; ++r) {
    ranks.emplace_back([&, r] {
      std::optional<Error> mine;
      if (r == 1) mine = Error{.kind = ErrorKind::kNetwork, .message = "connection refused"};
      outcomes[r] = agree_ready(peers[r], mine);
    });
  }
  for (auto& t : ranks) t.join();
  for (const auto& outcome : outcomes) {
    ASSERT_FALSE(outcome);
    EXPECT_EQ(outcome.error().kind, ErrorKind::kNetwork);
    EXPECT_EQ(outcome.error().message, "rank 1 (thread1): connection refused");
  }
  // And when every rank is ready, rank 0 learns their hosts.
  ThreadGroup ready(2, 5s);
  auto zero = ready.peer(0), one = ready.peer(1);
  Result<std::vector<std::string>> other;
  std::thread t([&] { other = agree_ready(one, std::nullopt); });
  auto hosts = agree_ready(zero, std::nullopt);
  t.join();
  ASSERT_TRUE(hosts) << hosts.error().message;
  EXPECT_EQ(*hosts, (std::vector<std::string>{"thread0", "thread1"}));
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->empty());
}

}  // namespace
}  // namespace iuprobe
