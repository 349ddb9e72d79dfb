// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <mutex>

#include "cloudwatch/cloudwatch_client.h"
#include "cloudwatch/model_metrics.h"
#include "core/environment.h"
#include "testing/fake_lifecycle.h"
#include "testing/test_server.h"

namespace iuprobe {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using testing::TestServer;
using testing::text_response;

TEST(MetricData, RequestRoundTripsThroughTheServerSideReader) {
  MetricDataRequest request{
      .queries = {{.id = "successful",
                   .namespace_name = "AWS/Rekognition",
                   .metric_name = "SuccessfulRequestCount",
                   .dimensions = {{"ProjectName", "p"}, {"VersionName", "v.1"}},
                   .period_s = 300,
                   .stat = "Sum"}},
      .start = 1796000000,
      .end = 1796086400,
      .next_token = "7",
      .ascending = true};
  const json::object body = metric_data_request_json(request);
  // As botocore's JSON 1.0 serialiser writes it: epoch seconds, ScanBy, ReturnData.
  EXPECT_EQ(body.at("StartTime").as_int64(), 1796000000);
  EXPECT_EQ(body.at("ScanBy").as_string(), "TimestampAscending");
  auto back = parse_metric_data_request(body);
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->queries.size(), 1u);
  EXPECT_EQ(back->queries[0].dimensions, request.queries[0].dimensions);
  EXPECT_EQ(back->queries[0].period_s, 300);
  EXPECT_EQ(back->end, request.end);
  EXPECT_EQ(back->next_token, "7");
  EXPECT_TRUE(back->ascending);
}

TEST(MetricData, ServerSideReaderNamesWhatIsWrong) {
  const auto error = [](std::string_view text) {
    auto parsed = parse_metric_data_request(json::parse(text).as_object());
    return parsed ? std::string() : parsed.error().message;
  };
  EXPECT_NE(error(R"({"StartTime":1,"EndTime":2})").find("MetricDataQueries"), std::string::npos);
  const std::string query =
      R"({"Id":"a","MetricStat":{"Metric":{"MetricName":"M"},"Period":60,"Stat":"Sum"}})";
  EXPECT_EQ(error(R"({"MetricDataQueries":[)" + query + R"(],"StartTime":1,"EndTime":2})"), "");
  EXPECT_NE(error(R"({"MetricDataQueries":[)" + query + R"(],"StartTime":2,"EndTime":2})")
                .find("EndTime"),
            std::string::npos);
  EXPECT_NE(
      error(R"({"MetricDataQueries":[)" + query + "," + query + R"(],"StartTime":1,"EndTime":2})")
          .find("twice"),
      std::string::npos);
  EXPECT_NE(error(R"({"MetricDataQueries":[{"Id":"a","MetricStat":{"Metric":{"MetricName":"M"},)"
                  R"("Period":90,"Stat":"Sum"}}],"StartTime":1,"EndTime":2})")
                .find("Period"),
            std::string::npos);
  for (std::string_view period : {"7", "1e30", "-60"}) {
    EXPECT_NE(error(R"({"MetricDataQueries":[{"Id":"a","MetricStat":{"Metric":{"MetricName":"M"},)"
                    R"("Period":)" +
                    std::string(period) + R"(,"Stat":"Sum"}}],"StartTime":1,"EndTime":2})")
                  .find("Period"),
              std::string::npos)
        << period;
  }
  EXPECT_NE(error(R"J({"MetricDataQueries":[{"Id":"a","Expression":"SUM(x)"}],"StartTime":1,)J"
                  R"("EndTime":2})")
                .find("Expression"),
            std::string::npos);
}

TEST(MetricData, PageIsReadAndSortedAndBadPagesAreRefused) {
  auto page = parse_metric_data_page(
      json::parse(R"({"MetricDataResults":[{"Id":"a","Timestamps":[180,60,120],"Values":[3,1,2],)"
                  R"("StatusCode":"PartialData"},{"Id":"b"}],"NextToken":"n","Messages":[]})"));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->results.size(), 2u);
  EXPECT_EQ(page->results[0].points.front().time, 60);
  EXPECT_EQ(page->results[0].points.back().value, 3);
  EXPECT_EQ(page->results[0].status, "PartialData");
  EXPECT_TRUE(page->results[1].points.empty());
  EXPECT_EQ(page->next_token, "n");
  EXPECT_FALSE(parse_metric_data_page(
      json::parse(R"({"MetricDataResults":[{"Id":"a","Timestamps":[1],"Values":[]}]})")));
  EXPECT_FALSE(parse_metric_data_page(json::parse(R"({"Other":1})")));
}

TEST(CloudWatchEndpoint, FollowsTheSdkOrder) {
  const auto url = [](std::optional<std::string> flag,
                      std::map<std::string, std::string, std::less<>> env) {
    auto u = cloudwatch_endpoint("eu-west-1", flag, environment_from(std::move(env)));
    return u ? u->host_header : u.error().message;
  };
  EXPECT_EQ(url(std::nullopt, {}), "monitoring.eu-west-1.amazonaws.com");
  EXPECT_EQ(url(std::nullopt, {{"AWS_ENDPOINT_URL", "http://127.0.0.1:1/"}}), "127.0.0.1:1");
  EXPECT_EQ(url(std::nullopt, {{"AWS_ENDPOINT_URL", "http://127.0.0.1:1/"},
                               {"AWS_ENDPOINT_URL_CLOUDWATCH", "http://127.0.0.1:2/"}}),
            "127.0.0.1:2");
  EXPECT_EQ(url("http://127.0.0.1:3/", {{"AWS_ENDPOINT_URL_CLOUDWATCH", "http://127.0.0.1:2/"}}),
            "127.0.0.1:3");
  EXPECT_NE(url(std::nullopt, {{"AWS_ENDPOINT_URL_CLOUDWATCH", "ftp://x"}})
                .find("AWS_ENDPOINT_URL_CLOUDWATCH"),
            std::string::npos);
}

// A GetMetricData endpoint that throttles its first call, and serves one point per minute of
// value (minute index) in pages of at most 500 points per query.
struct PagingServer {
  std::mutex mutex;
  std::vector<std::pair<std::int64_t, std::int64_t>> ranges;  // asked for, in order
  std::string target, content_type, authorization;
  int calls = 0;
  TestServer server{[this](HttpRequest& request) -> boost::asio::awaitable<HttpResponse> {
    std::lock_guard lock(mutex);
    target = std::string(request["X-Amz-Target"]);
    content_type = std::string(request["Content-Type"]);
    authorization = std::string(request["Authorization"]);
    if (++calls == 1) {
      co_return text_response(400, R"({"__type":"Throttling","message":"Rate exceeded"})");
    }
    auto in = parse_metric_data_request(json::parse(request.body()).as_object());
    if (!in) co_return text_response(400, R"({"__type":"ValidationError"})");
    const std::int64_t from = in->next_token ? std::stoll(*in->next_token) : in->start;
    const std::int64_t to = std::min(in->end, from + 500 * 60);
    ranges.emplace_back(from, to);
    MetricDataPage page;
    for (const MetricQuery& q : in->queries) {
      MetricSeries s{.id = q.id};
      for (std::int64_t t = from; t < to; t += 60) s.points.push_back({t, double(t / 60)});
      page.results.push_back(std::move(s));
    }
    if (to < in->end) page.next_token = std::to_string(to);
    co_return text_response(200, json::serialize(metric_data_page_json(page)));
  }};
};

TEST(CloudWatchClient, RetriesThrottlingAndReadsEveryPageOfEveryDay) {
  PagingServer fake;
  CloudWatchClient client(AwsJsonClient(kCloudWatchProtocol, *parse_http_url(fake.server.url()),
                                        "us-east-1", testing::fake_credentials(), nullptr, 5s),
                          {.attempts = 3, .first_delay = 1ms});
  const std::int64_t start = 1796601600, end = start + 2 * 86400 + 3600;
  CloudWatchReadStats stats;
  std::vector<std::int64_t> progress;
  auto series =
      client.read({{.id = "a", .metric_name = "M"}, {.id = "b", .metric_name = "N"}}, start, end,
                  stats, [&](std::int64_t done, std::int64_t) { progress.push_back(done); });
  ASSERT_TRUE(series) << series.error().describe();
  ASSERT_EQ(series->size(), 2u);
  const auto minutes = static_cast<std::size_t>((end - start) / 60);
  ASSERT_EQ((*series)[0].points.size(), minutes);
  ASSERT_EQ((*series)[1].points.size(), minutes);
  for (std::size_t i = 0; i < minutes; ++i) {
    ASSERT_EQ((*series)[0].points[i].time, start + std::int64_t(i) * 60);
  }
  EXPECT_EQ(stats.retries, 1u);
  EXPECT_EQ(stats.points, std::int64_t(2 * minutes));
  // A day per call (1,440 points per query), each in pages of 500: 3 + 3 + 1 calls.
  EXPECT_EQ(stats.calls, 7u);
  EXPECT_EQ(progress, (std::vector<std::int64_t>{86400, 2 * 86400, 2 * 86400 + 3600}));
  EXPECT_EQ(fake.target, "GraniteServiceVersion20100801.GetMetricData");
  EXPECT_EQ(fake.content_type, "application/x-amz-json-1.0");
  EXPECT_NE(fake.authorization.find("/us-east-1/monitoring/aws4_request"), std::string::npos)
      << fake.authorization;
}

TEST(CloudWatchClient, AccessDeniedIsNotRetriedAndThrottlingGivesUpInTheEnd) {
  std::mutex mutex;  // the answer is changed between reads, which TSan cannot see through TCP
  int calls = 0;
  std::string answer =
      R"({"__type":"AccessDenied","message":"not authorized to perform: cloudwatch:GetMetricData"})";
  unsigned status = 403;
  TestServer server([&](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
    std::lock_guard lock(mutex);
    ++calls;
    co_return text_response(status, answer);
  });
  const auto count = [&] {
    std::lock_guard lock(mutex);
    return calls;
  };
  CloudWatchClient client(AwsJsonClient(kCloudWatchProtocol, *parse_http_url(server.url()),
                                        "us-east-1", testing::fake_credentials(), nullptr, 5s),
                          {.attempts = 4, .first_delay = 1ms});
  CloudWatchReadStats stats;
  auto denied = client.read({{.id = "a", .metric_name = "M"}}, 0, 3600, stats);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().type, "AccessDenied");
  EXPECT_EQ(denied.error().kind(), ErrorKind::kAuth);
  EXPECT_EQ(count(), 1);
  {
    std::lock_guard lock(mutex);
    answer = R"({"__type":"Throttling","message":"Rate exceeded"})";
    status = 400;
  }
  auto throttled = client.read({{.id = "a", .metric_name = "M"}}, 0, 3600, stats);
  ASSERT_FALSE(throttled);
  EXPECT_EQ(throttled.error().type, "Throttling");
  EXPECT_EQ(count(), 1 + 4);
}

TEST(CloudWatchClient, EndlessTokensAndUnreadableSeriesAreErrorsNotGaps) {
  std::mutex mutex;
  std::string status = "Complete";
  TestServer server([&](HttpRequest& request) -> boost::asio::awaitable<HttpResponse> {
    std::lock_guard lock(mutex);
    auto in = parse_metric_data_request(json::parse(request.body()).as_object());
    MetricDataPage page{
        .next_token = status == "Complete" ? std::optional<std::string>("same") : std::nullopt,
        .messages = {"InternalError: try later"}};
    page.results.push_back({.id = in->queries[0].id, .status = status, .points = {{in->start, 1}}});
    json::object answer = metric_data_page_json(page);
    answer["Messages"] =
        json::array{json::object{{"Code", "InternalError"}, {"Value", "try later"}}};
    co_return text_response(200, json::serialize(answer));
  });
  CloudWatchClient client(AwsJsonClient(kCloudWatchProtocol, *parse_http_url(server.url()),
                                        "us-east-1", testing::fake_credentials(), nullptr, 5s));
  CloudWatchReadStats stats;
  auto endless = client.read({{.id = "a", .metric_name = "M"}}, 0, 3600, stats);
  ASSERT_FALSE(endless);
  EXPECT_NE(endless.error().message.find("more pages"), std::string::npos);
  EXPECT_EQ(stats.calls, 2u);  // the token came back a second time
  {
    std::lock_guard lock(mutex);
    status = "InternalError";
  }
  auto broken = client.read({{.id = "a", .metric_name = "M"}}, 0, 3600, stats);
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().type, "InternalError");
  EXPECT_NE(broken.error().message.find("try later"), std::string::npos);
}

TEST(ModelMetrics, DemandIsServedThrottledAndServerFailedButNotUserErrors) {
  ModelMetrics m{.successful = {{60, 10}, {120, 5}},
                 .throttled = {{120, 3}, {180, 4}},
                 .server_errors = {{60, 1}},
                 .user_errors = {{60, 100}}};
  const auto demand = m.demand();
  ASSERT_EQ(demand.size(), 3u);
  EXPECT_EQ(demand[0].time, 60);
  EXPECT_EQ(demand[0].requests, 11);
  EXPECT_EQ(demand[1].requests, 8);
  EXPECT_EQ(demand[1].throttled, 3);
  EXPECT_EQ(demand[2].requests, 4);
  EXPECT_EQ(demand[2].throttled, 4);
}

TEST(ModelMetrics, ReadErrorsNameThePermissionOrTheCredentials) {
  const auto message = [](unsigned status, std::string type) {
    return cloudwatch_read_error({.status = status, .type = type, .message = "m"}).message;
  };
  EXPECT_NE(message(400, "AccessDeniedException").find("cloudwatch:GetMetricData"),
            std::string::npos);
  EXPECT_NE(message(403, "AccessDenied").find("cloudwatch:GetMetricData"), std::string::npos);
  EXPECT_NE(message(403, "").find("cloudwatch:GetMetricData"), std::string::npos);
  for (const char* type : {"SignatureDoesNotMatch", "InvalidClientTokenId", "ExpiredToken",
                           "UnrecognizedClientException"}) {
    EXPECT_NE(message(403, type).find("refused the credentials"), std::string::npos) << type;
    EXPECT_EQ(message(403, type).find("GetMetricData"), std::string::npos) << type;
  }
  const Error other =
      cloudwatch_read_error({.status = 0, .type = "TransportError", .message = "x"});
  EXPECT_EQ(other.kind, ErrorKind::kNetwork);
}

TEST(ModelMetrics, FallsBackToTheOperationDimensionAndSaysSo) {
  // Request counts only under Operation=DetectCustomLabels; IUs under the model.
  TestServer server([](HttpRequest& request) -> boost::asio::awaitable<HttpResponse> {
    auto in = parse_metric_data_request(json::parse(request.body()).as_object());
    MetricDataPage page;
    for (const MetricQuery& q : in->queries) {
      MetricSeries s{.id = q.id};
      const bool operation = !q.dimensions.empty() && q.dimensions[0].first == "Operation";
      const bool iu = q.metric_name.find("InferenceUnits") != std::string::npos;
      if (operation || iu) s.points.push_back({in->start, iu ? 2.0 : 10.0});
      page.results.push_back(std::move(s));
    }
    co_return text_response(200, json::serialize(metric_data_page_json(page)));
  });
  CloudWatchClient client(AwsJsonClient(kCloudWatchProtocol, *parse_http_url(server.url()),
                                        "us-east-1", testing::fake_credentials(), nullptr, 5s));
  auto m = read_model_metrics(client, {.project = "p", .version = "v", .start = 0, .end = 3600});
  ASSERT_TRUE(m) << m.error().describe();
  EXPECT_TRUE(m->account_wide);
  EXPECT_EQ(describe_dimensions(m->request_dimensions), "Operation=DetectCustomLabels");
  ASSERT_EQ(m->successful.size(), 1u);
  EXPECT_EQ(m->successful[0].value, 10.0);
  ASSERT_EQ(m->in_service_iu.size(), 1u);
  EXPECT_EQ(m->in_service_iu[0].value, 2.0);
  EXPECT_EQ(finest_period_for(14), 60);
  EXPECT_EQ(finest_period_for(15), 300);  // starts more than 15 days back: 1-minute points are gone
  EXPECT_EQ(finest_period_for(62), 300);
  EXPECT_EQ(finest_period_for(63), 3600);
}

}  // namespace
}  // namespace iuprobe
