// SPDX-License-Identifier: Apache-2.0
#include "engine/runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <thread>

#include "core/interrupt.h"
#include "testing/test_server.h"

namespace iuprobe {
namespace {

using namespace std::chrono_literals;
using testing::TestServer;
using testing::text_response;

class Recorder final : public RunObserver {
 public:
  void on_window(const WindowRecord& window) override { windows.push_back(window); }
  std::vector<WindowRecord> windows;
};

RunConfig config_for(const std::string& url, LoadShape load) {
  RunConfig config;
  config.url = *parse_http_url(url);
  config.load = std::move(load);
  config.threads = 2;
  config.max_connections = 64;
  auto requests =
      std::make_shared<const HttpRequests>(HttpRequestSpec{.method = "GET", .url = config.url});
  config.make_source = [requests](unsigned worker) { return make_http_source(requests, worker); };
  return config;
}

TEST(RunLoad, ConstantRateSendsEveryScheduledRequest) {
  std::atomic<int> served{0};
  TestServer server([&](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
    ++served;
    co_return text_response(200, "ok");
  });
  Recorder recorder;
  auto result =
      run_load(config_for(server.url(), OpenLoop{RateProfile::constant(200, 2s)}), recorder);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->total.scheduled, 400u);
  EXPECT_EQ(result->total.sent, 400u);
  EXPECT_EQ(result->total.count(Outcome::kOk), 400u);
  EXPECT_EQ(served.load(), 400);
  EXPECT_EQ(result->total.latency.count(), 400u);
  EXPECT_FALSE(result->generator.bound)
      << fmt::format("{}", fmt::join(result->generator.reasons, "; "));
  EXPECT_EQ(result->interrupted_by, 0);
  ASSERT_EQ(result->segments.size(), 1u);
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
      case 2: {
        auto r = text_response(
            400, R"({"__type":"ProvisionedThroughputExceededException","Message":"x"})");
        co_return r;
      }
      default:
        co_return text_response(503, "unavailable");
    }
  });
  Recorder recorder;
  auto config = config_for(server.url(), OpenLoop{RateProfile::constant(200, 1s)});
  config.threads = 1;
  auto result = run_load(config, recorder);
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
    co_await testing::sleep_for(2s);
    co_return text_response(200, "late");
  });
  Recorder recorder;
  auto config = config_for(server.url(), OpenLoop{RateProfile::constant(20, 1s)});
  config.request_timeout = 200ms;
  auto result = run_load(config, recorder);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->total.count(Outcome::kTimeout), 20u);
  EXPECT_EQ(result->total.count(Outcome::kOk), 0u);
  EXPECT_LT(result->wall, 2s);
}

TEST(RunLoad, LatencyCountsFromTheScheduledSendWhenConnectionsRunOut) {
  // One connection, 20 ms per answer: at most 50/s get through, 100/s are offered.
  TestServer server([&](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
    co_await testing::sleep_for(20ms);
    co_return text_response(200, "ok");
  });
  Recorder recorder;
  auto config = config_for(server.url(), OpenLoop{RateProfile::constant(100, 2s)});
  config.threads = 1;
  config.max_connections = 1;
  auto result = run_load(config, recorder);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_GT(result->total.queued, 100u);
  // Waiting for the connection is part of the latency a user would see...
  EXPECT_GT(result->total.latency.percentile(99), 500ms);
  // ...but not of the service time.
  EXPECT_LT(result->total.service_latency.percentile(99), 200ms);
  EXPECT_TRUE(result->generator.bound);
}

TEST(RunLoad, ClosedLoopUsersWaitForTheirAnswers) {
  TestServer server([&](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
    co_await testing::sleep_for(10ms);
    co_return text_response(200, "ok");
  });
  Recorder recorder;
  const unsigned users[] = {2, 4};
  auto result = run_load(
      config_for(server.url(), ClosedLoop{UsersProfile::steps(users, 1s, std::nullopt)}), recorder);
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->segments.size(), 2u);
  // n users, 10 ms per answer: about 100 n per second, less the loop's own overhead.
  const auto ok0 = static_cast<double>(result->segments[0].totals.count(Outcome::kOk));
  const auto ok1 = static_cast<double>(result->segments[1].totals.count(Outcome::kOk));
  EXPECT_GT(ok0, 120);
  EXPECT_LT(ok0, 205);
  EXPECT_GT(ok1, 1.7 * ok0);
  EXPECT_EQ(result->segments[1].users, 4u);
}

TEST(RunLoad, StopRequestEndsTheRunAndKeepsWhatWasMeasured) {
  reset_interrupts();
  TestServer server([&](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
    co_return text_response(200, "ok");
  });
  Recorder recorder;
  std::thread interrupter([] {
    std::this_thread::sleep_for(1500ms);
    request_interrupt(SIGINT);
  });
  auto result =
      run_load(config_for(server.url(), OpenLoop{RateProfile::constant(100, 30s)}), recorder);
  interrupter.join();
  reset_interrupts();
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->interrupted_by, SIGINT);
  EXPECT_LT(result->wall, 5s);
  EXPECT_GT(result->total.count(Outcome::kOk), 100u);
  EXPECT_LT(result->total.count(Outcome::kOk), 250u);
  EXPECT_LT(result->measured, 2s);
  EXPECT_EQ(result->total.errors(), 0u);
}

TEST(RunLoad, WarmupIsSentButNotRecorded) {
  std::atomic<int> served{0};
  TestServer server([&](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
    ++served;
    co_return text_response(200, "ok");
  });
  Recorder recorder;
  auto result = run_load(
      config_for(server.url(), OpenLoop{RateProfile::constant(100, 1s).with_warmup(1s)}), recorder);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(served.load(), 200);
  EXPECT_EQ(result->total.count(Outcome::kOk), 100u);
  EXPECT_EQ(result->measured, 1s);
  for (const auto& w : result->windows) EXPECT_FALSE(w.warmup);
}

TEST(RunLoad, RefusedConnectionFailsBeforeSending) {
  std::uint16_t closed_port = 0;
  {
    TestServer server([](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
      co_return text_response(200, "");
    });
    closed_port = server.port();
  }
  Recorder recorder;
  auto result = run_load(config_for(fmt::format("http://127.0.0.1:{}/", closed_port),
                                    OpenLoop{RateProfile::constant(10, 1s)}),
                         recorder);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("connection refused"), std::string::npos)
      << result.error().message;
  EXPECT_NE(result.error().message.find("--url"), std::string::npos);
}

TEST(RunLoad, UnknownHostFailsWithTheName) {
  Recorder recorder;
  auto result =
      run_load(config_for("http://no-such-host.invalid/", OpenLoop{RateProfile::constant(10, 1s)}),
               recorder);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("cannot resolve host 'no-such-host.invalid'"),
            std::string::npos)
      << result.error().message;
}

}  // namespace
}  // namespace iuprobe

namespace iuprobe {
namespace {

TEST(RunLoad, AnAnswerThatMakesGoingOnPointlessStopsTheRunAtOnce) {
  TestServer server([&](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
    co_return text_response(400,
                            R"({"__type":"ResourceNotReadyException","Message":"not running"})");
  });
  Recorder recorder;
  auto config = config_for(server.url(), OpenLoop{RateProfile::constant(50, 30s)});
  std::string seen_message;
  config.stop_on_error = [&](const ErrorInfo& error) -> std::optional<std::string> {
    if (error.type != "ResourceNotReadyException") return std::nullopt;
    seen_message = std::string(error.message);
    return "start the model first";
  };
  auto result = run_load(config, recorder);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->stopped_early, "start the model first");
  EXPECT_EQ(seen_message, "not running");
  EXPECT_LT(result->wall, 2s);
  EXPECT_GE(result->total.count(Outcome::kClientError), 1u);
}

}  // namespace
}  // namespace iuprobe
