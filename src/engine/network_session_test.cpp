// SPDX-License-Identifier: Apache-2.0
#include "engine/network_session.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <memory>
#include <mutex>
#include <thread>

#include "engine/run_load.h"
#include "engine/session_test_support.h"

namespace iuprobe {
namespace {

using namespace std::chrono_literals;
using testing::TestServer;
using testing::text_response;

TEST(RunLoad, ConstantRateSendsEveryScheduledRequest) {
  std::atomic<int> served{0};
  TestServer server = ok_server(&served);
  Recorder recorder;
  auto result = run_load(options_for(server.url(), &recorder), constant(200, 2s));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->total.scheduled, 400u);
  EXPECT_EQ(result->total.sent, 400u);
  EXPECT_EQ(result->total.count(Outcome::kOk), 400u);
  EXPECT_EQ(served.load(), 400);
  EXPECT_EQ(result->total.latency.count(), 400u);
  EXPECT_EQ(result->interrupted_by, 0);
  ASSERT_EQ(result->segments.size(), 1u);
  EXPECT_EQ(result->measured, 2s);
  EXPECT_GE(recorder.windows.size(), 2u);
  EXPECT_EQ(result->statuses.seen(), (std::vector<std::pair<unsigned, std::uint64_t>>{{200, 400}}));
}

TEST(RunLoad, ThrottlesAreCountedApartFromErrors) {
  std::atomic<int> n{0};
  TestServer server([&](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
    switch (n++ % 4) {
      case 0:
        co_return text_response(200, "ok");
      case 1:
        co_return text_response(429, "slow down");
      case 2:
        co_return text_response(
            400, R"({"__type":"ProvisionedThroughputExceededException","Message":"x"})");
      default:
        co_return text_response(503, "unavailable");
    }
  });
  auto options = options_for(server.url());
  options.connection.threads = 1;
  auto result = run_load(std::move(options), constant(200, 1s));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->total.count(Outcome::kOk), 50u);
  EXPECT_EQ(result->total.count(Outcome::kThrottled), 100u);
  EXPECT_EQ(result->total.count(Outcome::kServerError), 50u);
  EXPECT_EQ(result->total.latency.count(), 50u);  // latency of ok responses only
  bool saw_type = false;
  for (const auto& e : result->errors.sorted()) {
    saw_type = saw_type || e.detail == "ProvisionedThroughputExceededException";
  }
  EXPECT_TRUE(saw_type);
}

TEST(RunLoad, SlowAnswersTimeOut) {
  TestServer server([&](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
    co_await testing::sleep_for(5s);
    co_return text_response(200, "late");
  });
  auto options = options_for(server.url());
  options.connection.request_timeout = 200ms;
  auto result = run_load(std::move(options), constant(20, 1s));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->total.count(Outcome::kTimeout), 20u);
  EXPECT_EQ(result->total.count(Outcome::kOk), 0u);
  // It waited out the timeout, not the server.
  EXPECT_LT(result->wall, 5s);
}

TEST(RunLoad, LatencyCountsFromTheScheduledSendWhenConnectionsRunOut) {
  // One connection, 20 ms per answer: at most 50/s get through, 100/s are offered.
  TestServer server([&](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
    co_await testing::sleep_for(20ms);
    co_return text_response(200, "ok");
  });
  auto options = options_for(server.url());
  options.connection.threads = 1;
  options.connection.max_connections = 1;
  auto result = run_load(std::move(options), constant(100, 2s));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_GT(result->total.queued, 100u);
  // Waiting for the connection is part of the latency a user would see...
  EXPECT_GT(result->total.latency.percentile(99), 500ms);
  // ...but not of the service time.
  EXPECT_LT(result->total.service_latency.percentile(99), 200ms);
  EXPECT_TRUE(result->generator.bound);
}

// A session allowed as many connections as its sends need (the pool's growth is what is tested).
SessionOptions with_room_for_connections(const std::string& url) {
  SessionOptions options = options_for(url);
  options.connection.max_connections = 1000;
  return options;
}

// Answers at once until the `fast`-th request, then only after `stall` each.
TestServer stalls_after(int fast, Duration stall) {
  auto seen = std::make_shared<std::atomic<int>>(0);
  return TestServer([=](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
    if (++*seen > fast) co_await testing::sleep_for(stall);
    co_return text_response(200, "ok");
  });
}

TEST(RunLoad, ASendThatFindsEveryConnectionBusyWithSlowAnswersGetsANewOne) {
  // 20 ms per answer at 4,000/s: about 80 requests in flight, and each worker hears an answer
  // every 0.5 ms. Busy connections that take 20 ms a turn serve few sends within the lateness
  // threshold, so a send that finds none idle mostly gets a connection of its own and leaves on
  // time. Were busy connections counted on to serve it whatever their pace, sends would queue
  // behind the answers.
  TestServer server([&](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
    co_await testing::sleep_for(20ms);
    co_return text_response(200, "ok");
  });
  auto result = run_load(with_room_for_connections(server.url()), constant(4000, 1s));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->total.count(Outcome::kOk), 4000u);
  EXPECT_GE(server.accepted(), 60u);
  if (!kTimingHolds) return;
  // How long sends took from their schedule to their write (waiting for a connection, a
  // connect, a late wake): the gap between the 90th percentiles of the latency from the schedule
  // and from the send, which stands for that time because the server answers in a fixed 20 ms.
  // 0.0-1.0 ms here, also with two busy loops beside the test, 1.3-2.1 ms with three; 11-19 ms
  // with each busy connection counted on for one send whatever its pace. How many sends leave
  // late is no measure: 2-190 here, 370-980 with the busy loops, 1,262 once on a CI host,
  // against 1,690-3,996 with that fault.
  const Duration waited =
      result->total.latency.percentile(90) - result->total.service_latency.percentile(90);
  EXPECT_LT(waited, 6ms);
  // The gap cancels what delays both alike (answers read late): the latency itself is bounded too.
  EXPECT_LT(result->total.latency.percentile(50), 40ms);
}

TEST(RunLoad, SendsWaitingOnAServerThatStallsGetConnectionsOfTheirOwn) {
  // Answers come at once until the 1,000th request; from then on each takes 100 ms. Busy
  // connections that were fast stop answering, so within about 1 ms they no longer count, and
  // the waiting sends get new connections and leave on time. Were the last fast pace trusted,
  // every send during the stall would wait behind it.
  TestServer server = stalls_after(1000, 100ms);
  auto result = run_load(with_room_for_connections(server.url()), constant(2000, 1s));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->total.count(Outcome::kOk), 2000u);
  if (!kTimingHolds) return;
  // A send that waits behind a stalled connection is answered 100-200 ms after its schedule,
  // one that gets a connection of its own about 100 ms after it. p95 here: 100-106 ms, also
  // with two busy loops beside the test; 152-171 ms when busy connections still counted after
  // the answers stopped. How many sends leave late is no measure here: a busy host makes
  // 100-290 of them late by a millisecond or two, the fault 410-530.
  EXPECT_LT(result->total.latency.percentile(95), 130ms);
}

TEST(RunLoad, SendsLeftWaitingOnAStalledServerGetConnectionsWithNoSendAfterThem) {
  // 4,000/s answered at once for 0.5 s, then 20 sends in 1 ms, and the server stalls 100 ms on
  // each of them. Some find every connection busy and wait, counting on the fast pace; with no
  // send after them, their need is looked at again by itself, and within about a millisecond
  // they get connections of their own. Left waiting for the stalled connections, they would be
  // answered 200 ms and more after their schedule.
  TestServer server = stalls_after(2000, 100ms);
  const OpenLoop plan{RateProfile({{.duration = 500ms, .rate_begin = 4000, .rate_end = 4000},
                                   {.duration = 1ms, .rate_begin = 20000, .rate_end = 20000}})};
  auto result = run_load(with_room_for_connections(server.url()), plan);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->total.count(Outcome::kOk), 2020u);
  if (!kTimingHolds) return;
  // The 20 sends' slowest: 102-105 ms here, also with two busy loops beside the test; 201-301
  // ms when nothing looked at the waiting sends again. (Not the run's slowest: a busy host
  // can hold up a send of the first part for longer.)
  ASSERT_EQ(result->segments.size(), 2u);
  EXPECT_LT(result->segments[1].totals.latency.max(), 180ms);
}

TEST(RunLoad, ClosedLoopUsersNeverHaveMoreThanTheirCountInFlight) {
  // Counted on the server's side: three users keep exactly three requests in the server.
  std::atomic<int> in_server{0};
  std::atomic<int> most{0};
  TestServer server([&](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
    const int now = ++in_server;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    co_await testing::sleep_for(10ms);
    --in_server;
    co_return text_response(200, "ok");
  });
  const unsigned users[] = {3};
  auto result =
      run_load(options_for(server.url()), ClosedLoop{UsersProfile::steps(users, 1s, std::nullopt)});
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(most.load(), 3);
  EXPECT_EQ(result->total.sent, result->total.count(Outcome::kOk));
  EXPECT_GT(result->total.count(Outcome::kOk), 3u);
  EXPECT_EQ(result->segments[0].users, 3u);
  EXPECT_FALSE(result->generator.bound);
}

TEST(RunLoad, StopRequestEndsTheRunAndKeepsWhatWasMeasured) {
  // The server asks for the stop once it has served 100 requests.
  StopSource stop;
  std::atomic<int> served{0};
  TestServer server([&](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
    if (++served == 100) stop.request(SIGINT);
    co_return text_response(200, "ok");
  });
  auto result = run_load(options_for(server.url(), nullptr, stop.token()), constant(100, 30s));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->interrupted_by, SIGINT);
  EXPECT_LT(result->total.scheduled, 3000u);  // not the whole schedule
  EXPECT_GE(result->total.count(Outcome::kOk), 100u);
  EXPECT_EQ(result->total.count(Outcome::kOk), static_cast<std::uint64_t>(served.load()));
  EXPECT_EQ(result->total.errors(), 0u);  // requests in flight had their grace period
  EXPECT_LT(result->measured, 30s);
}

TEST(RunLoad, AStopAtAHighRateStillReadsEveryAnswerLeftForTheNextWake) {
  // At 8,000/s each of the 2 workers wakes every 250 us, and answers wait in the kernel for its
  // next wake (AnswerBatch): when a stop ends the sending, those still waiting are read too.
  StopSource stop;
  std::atomic<int> served{0};
  TestServer server([&](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
    if (++served == 4000) stop.request(SIGINT);
    co_return text_response(200, "ok");
  });
  auto result = run_load(options_for(server.url(), nullptr, stop.token()), constant(8000, 30s));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->interrupted_by, SIGINT);
  EXPECT_GE(result->total.count(Outcome::kOk), 4000u);
  EXPECT_EQ(result->total.count(Outcome::kOk), static_cast<std::uint64_t>(served.load()));
  EXPECT_EQ(result->total.sent, result->total.count(Outcome::kOk));  // none abandoned
  EXPECT_EQ(result->total.errors(), 0u);
}

TEST(RunLoad, SendsDueInOneSendWindowLeaveTogetherFromOneWorker) {
  // 2 workers at 1,000/s with a 10 ms send window: the workers take the schedule's windows in
  // turn, so the requests reach the server in one bunch per window, about 100 in the second.
  // Were each worker to wake once per window for every other send, bunches would come 1 ms
  // apart, twice as many.
  std::mutex mutex;
  std::vector<TimePoint> arrived;
  TestServer server([&](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
    const std::lock_guard lock(mutex);
    arrived.push_back(SteadyClock::now());
    co_return text_response(200, "ok");
  });
  SessionOptions options = options_for(server.url());
  options.connection.send_window = 10ms;
  auto result = run_load(options, constant(1000, 1s));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->total.count(Outcome::kOk), 1000u);
  const std::lock_guard lock(mutex);
  std::sort(arrived.begin(), arrived.end());
  std::size_t bunches = 1;
  for (std::size_t i = 1; i < arrived.size(); ++i) bunches += arrived[i] - arrived[i - 1] > 500us;
  if (!kTimingHolds) return;
  EXPECT_GE(bunches, 90u);
  EXPECT_LE(bunches, 140u);
}

TEST(RunLoad, WarmupIsSentButNotRecorded) {
  std::atomic<int> served{0};
  TestServer server = ok_server(&served);
  auto result =
      run_load(options_for(server.url()), OpenLoop{RateProfile::constant(100, 1s).with_warmup(1s)});
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(served.load(), 200);
  EXPECT_EQ(result->total.count(Outcome::kOk), 100u);
  EXPECT_EQ(result->measured, 1s);
  EXPECT_EQ(result->warmup, 1s);
  for (const auto& w : result->windows) EXPECT_TRUE(w.judged());
}

TEST(RunLoad, RefusedConnectionFailsBeforeSending) {
  std::uint16_t closed_port = 0;
  {
    TestServer server = ok_server();
    closed_port = server.port();
  }
  const std::string url = fmt::format("http://127.0.0.1:{}/", closed_port);
  auto result = run_load(options_for(url), constant(10, 1s));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::kNetwork);
  EXPECT_NE(result.error().message.find("connection refused"), std::string::npos)
      << result.error().message;
  EXPECT_NE(result.error().message.find(url), std::string::npos);
}

TEST(RunLoad, UnknownHostFailsWithTheName) {
  auto result = run_load(options_for("http://no-such-host.invalid/"), constant(10, 1s));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::kNetwork);
  EXPECT_NE(result.error().message.find("cannot resolve host 'no-such-host.invalid'"),
            std::string::npos)
      << result.error().message;
}

TEST(RunLoad, AnAnswerThatMakesGoingOnPointlessStopsTheRunAtOnce) {
  TestServer server([&](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
    co_return text_response(400,
                            R"({"__type":"ResourceNotReadyException","Message":"not running"})");
  });
  auto options = options_for(server.url());
  std::mutex mutex;  // the callback runs on the workers' threads
  std::string seen_message;
  options.target.stop_on_error = [&](const ErrorInfo& error) -> std::optional<Error> {
    if (error.type != "ResourceNotReadyException") return std::nullopt;
    const std::lock_guard lock(mutex);
    seen_message = std::string(error.message);
    return Error{ErrorKind::kService, "start the model first"};
  };
  auto result = run_load(std::move(options), constant(50, 30s));
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_TRUE(result->stopped_early);
  EXPECT_EQ(result->stopped_early->message, "start the model first");
  EXPECT_EQ(result->stopped_early->kind, ErrorKind::kService);
  const std::lock_guard lock(mutex);
  EXPECT_EQ(seen_message, "not running");
  EXPECT_LT(result->total.scheduled, 1500u);  // not the whole schedule
  EXPECT_GE(result->total.count(Outcome::kClientError), 1u);
}

TEST(NetworkSession, KeepsItsConnectionsFromPlanToPlan) {
  TestServer server = ok_server();
  Recorder recorder;
  auto session = NetworkSession::open(options_for(server.url(), &recorder));
  ASSERT_TRUE(session) << session.error().message;
  const OpenLoop plan = constant(200, 1s);
  for (int i = 0; i < 4; ++i) {
    const PlanResult result = (*session)->run(plan);
    EXPECT_EQ(result.phases.at(0).totals.count(Outcome::kOk), 200u);
  }
  // Counted on the server's side: every connection it ever accepted (the pre-flight's among
  // them) is still open, so none was closed and reopened between plans. (The pool may grow
  // when a send finds every connection busy; it never churns.)
  EXPECT_EQ(server.connections(), server.accepted());
  EXPECT_EQ(recorder.windows.back().connections, server.accepted());
  // Windows go on on the session's clock: each plan starts after the last one ended.
  EXPECT_GE(recorder.windows.back().start, 3s);
}

TEST(NetworkSession, WindowsLieWithinOnePhaseAndCarryIt) {
  TestServer server = ok_server();
  auto session = NetworkSession::open(options_for(server.url()));
  ASSERT_TRUE(session) << session.error().message;
  const OpenLoop plan{RateProfile(
      {{.duration = 500ms, .rate_begin = 100, .rate_end = 100, .phase = Phase::kWarmup},
       {.duration = 1s, .rate_begin = 300, .rate_end = 300, .phase = Phase::kDrain},
       {.duration = 500ms, .rate_begin = 100, .rate_end = 100, .phase = Phase::kSettle},
       {.duration = 2200ms, .rate_begin = 100, .rate_end = 100, .phase = Phase::kMeasure}})};
  const PlanResult result = (*session)->run(plan);
  std::vector<Phase> phases;
  for (const auto& w : result.windows) phases.push_back(w.phase);
  // One window each for the warm-up, drain and settle, then the measure phase's (how many
  // depends on when the last answers arrive; window_end's own test pins the grid).
  ASSERT_GE(phases.size(), 5u);
  EXPECT_EQ(std::vector<Phase>(phases.begin(), phases.begin() + 4),
            (std::vector<Phase>{Phase::kWarmup, Phase::kDrain, Phase::kSettle, Phase::kMeasure}));
  for (std::size_t i = 4; i < phases.size(); ++i) EXPECT_EQ(phases[i], Phase::kMeasure);
  ASSERT_EQ(result.phases.size(), 4u);
  const std::uint64_t expected[] = {50, 300, 50, 220};  // rate x duration, exactly
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(result.phases[i].phase, segment_phase(plan, i));
    EXPECT_EQ(result.phases[i].totals.scheduled, expected[i]) << phase_name(result.phases[i].phase);
    EXPECT_EQ(result.phases[i].totals.count(Outcome::kOk), expected[i]);
  }
}

TEST(NetworkSession, ReopensAConnectionTheServerClosedWhileIdle) {
  TestServer server(
      [](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
        co_return text_response(200, "ok");
      },
      ServerLimits{.idle_timeout = 100ms});
  auto session = NetworkSession::open(options_for(server.url()));
  ASSERT_TRUE(session) << session.error().message;
  ASSERT_EQ((*session)->run(constant(50, 500ms)).phases.at(0).totals.errors(), 0u);
  // Wait (bounded) until the server has closed every idle connection.
  for (int i = 0; i < 200 && server.connections() > 0; ++i) std::this_thread::sleep_for(20ms);
  ASSERT_EQ(server.connections(), 0u);
  const PlanResult again = (*session)->run(constant(50, 500ms));
  EXPECT_EQ(again.phases.at(0).totals.errors(), 0u);
  EXPECT_EQ(again.phases.at(0).totals.count(Outcome::kOk), 25u);
}

TEST(NetworkSession, APlanAfterAStopReturnsAtOnceMarked) {
  StopSource stop;
  TestServer server = ok_server();
  auto session = NetworkSession::open(options_for(server.url(), nullptr, stop.token()));
  ASSERT_TRUE(session) << session.error().message;
  stop.request(SIGTERM);
  const PlanResult result = (*session)->run(constant(100, 30s));
  EXPECT_EQ(result.stopped_by, SIGTERM);
  EXPECT_TRUE(result.phases.empty());
  EXPECT_FALSE(result.complete());
}

// A request source with a bug: it throws on its tenth request.
class ThrowingSource final : public RequestSource {
 public:
  explicit ThrowingSource(std::unique_ptr<RequestSource> inner) : inner_(std::move(inner)) {}
  RequestView next() override {
    if (++calls_ == 10) throw std::runtime_error("a bug in the request source");
    return inner_->next();
  }

 private:
  std::unique_ptr<RequestSource> inner_;
  int calls_ = 0;
};

TEST(NetworkSession, AnExceptionInAWorkerEndsThePlanAsAnInternalError) {
  TestServer server = ok_server();
  auto options = options_for(server.url());
  options.connection.threads = 1;
  auto make = options.target.make_source;
  options.target.make_source = [make](unsigned worker) {
    return std::make_unique<ThrowingSource>(make(worker));
  };
  auto session = NetworkSession::open(std::move(options));
  ASSERT_TRUE(session) << session.error().message;
  const PlanResult result = (*session)->run(constant(100, 30s));
  ASSERT_TRUE(result.aborted);
  EXPECT_EQ(result.aborted->kind, ErrorKind::kInternal);
  EXPECT_NE(result.aborted->message.find("a bug in the request source"), std::string::npos);
  EXPECT_LT(result.sent_for, 30s);                          // not the whole schedule
  EXPECT_TRUE((*session)->run(constant(100, 1s)).aborted);  // and nothing after it
}

class ThrowingObserver final : public SessionObserver {
 public:
  void on_window(const WindowRecord&) override { throw std::runtime_error("observer failed"); }
};

TEST(NetworkSession, AnExceptionInTheControllerLeavesRun) {
  TestServer server = ok_server();
  ThrowingObserver observer;
  auto session = NetworkSession::open(options_for(server.url(), &observer));
  ASSERT_TRUE(session) << session.error().message;
  EXPECT_THROW((*session)->run(constant(100, 30s)), std::runtime_error);
}

}  // namespace
}  // namespace iuprobe
