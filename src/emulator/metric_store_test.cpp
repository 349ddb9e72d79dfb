// SPDX-License-Identifier: Apache-2.0
#include "emulator/metric_store.h"

#include <gtest/gtest.h>

#include "plan/traffic.h"

namespace iuprobe {
namespace {

constexpr std::int64_t kMonday = 1796601600;  // 2026-12-07 00:00 UTC

MetricQuery query(std::string metric, Dimensions dimensions, std::int64_t period = 60,
                  std::string stat = "Sum") {
  return {.id = "q",
          .namespace_name = "AWS/Rekognition",
          .metric_name = std::move(metric),
          .dimensions = std::move(dimensions),
          .period_s = period,
          .stat = std::move(stat)};
}

const Dimensions kModelA{{"VersionName", "a.v1"}, {"ProjectName", "a"}};  // any order

TEST(MetricStore, CountsPerMinuteUnderTheModelAndTheOperation) {
  MetricStore store;
  const std::size_t a = store.add_model("a", "a.v1");
  const std::size_t b = store.add_model("b", "b.v1");
  for (int i = 0; i < 5; ++i) store.count(a, kMonday + 10, MetricStore::Outcome::kSuccess);
  store.count(a, kMonday + 70, MetricStore::Outcome::kThrottled);
  store.count(b, kMonday + 20, MetricStore::Outcome::kSuccess);
  auto page = store.get_metric_data({.queries = {query("SuccessfulRequestCount", kModelA)},
                                     .start = kMonday,
                                     .end = kMonday + 3600,
                                     .ascending = true});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->results[0].points.size(), 2u);  // a minute with requests has a point
  EXPECT_EQ(page->results[0].points[0].time, kMonday);
  EXPECT_EQ(page->results[0].points[0].value, 5);
  EXPECT_EQ(page->results[0].points[1].value, 0);  // 00:01 had a throttle only
  auto all = store.get_metric_data(
      {.queries = {query("SuccessfulRequestCount", {{"Operation", "DetectCustomLabels"}}, 300)},
       .start = kMonday,
       .end = kMonday + 3600});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->results[0].points.size(), 1u);
  EXPECT_EQ(all->results[0].points[0].value, 6);  // both models, one 5-minute period
  auto none =
      store.get_metric_data({.queries = {query("SuccessfulRequestCount", {{"ProjectName", "a"}})},
                             .start = kMonday,
                             .end = kMonday + 3600});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->results[0].points.empty());  // dimensions must match exactly
}

TEST(MetricStore, InferenceUnitsAreAveragedOverAMinute) {
  MetricStore store;
  const std::size_t a = store.add_model("a", "a.v1");
  for (int i = 0; i < 30; ++i) store.sample_iu(a, kMonday + i, 1, 1, 1, 3);
  for (int i = 30; i < 60; ++i) store.sample_iu(a, kMonday + i, 2, 2, 1, 3);
  auto page =
      store.get_metric_data({.queries = {query("InServiceInferenceUnits", kModelA, 60, "Average")},
                             .start = kMonday,
                             .end = kMonday + 120});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->results[0].points.size(), 1u);
  EXPECT_DOUBLE_EQ(page->results[0].points[0].value, 1.5);
  // No request-count point for minutes with no requests.
  auto requests = store.get_metric_data({.queries = {query("SuccessfulRequestCount", kModelA)},
                                         .start = kMonday,
                                         .end = kMonday + 120});
  ASSERT_TRUE(requests);
  EXPECT_TRUE(requests->results[0].points.empty());
}

TEST(MetricStore, HistoryHasADailyCycleAWeekendDipAndThrottlesAboveItsIus) {
  MetricStore store;
  const std::size_t a = store.add_model("a", "a.v1");
  store.add_history(a, {.from = kMonday,
                        .to = kMonday + 7 * 86400,
                        .peak_tps = 22,
                        .iu = 2,
                        .tps_per_iu = 10,
                        .seed = 3});
  const auto sum = [&](std::string metric, std::int64_t from, std::int64_t to) {
    auto page = store.get_metric_data(
        {.queries = {query(metric, kModelA, 3600)}, .start = from, .end = to});
    double total = 0;
    for (const auto& p : page->results[0].points) total += p.value;
    return total;
  };
  const double monday_14 = sum("SuccessfulRequestCount", kMonday + 14 * 3600, kMonday + 15 * 3600) +
                           sum("ThrottledCount", kMonday + 14 * 3600, kMonday + 15 * 3600);
  const double monday_03 = sum("SuccessfulRequestCount", kMonday + 3 * 3600, kMonday + 4 * 3600);
  const double saturday_14 = sum("SuccessfulRequestCount", kMonday + 5 * 86400 + 14 * 3600,
                                 kMonday + 5 * 86400 + 15 * 3600);
  EXPECT_NEAR(monday_14 / 3600, 22, 22 * 0.05);  // the peak, ±8% noise averaged over an hour
  EXPECT_LT(monday_03, monday_14 * 0.3);
  EXPECT_NEAR(saturday_14 / monday_14, 0.35, 0.05);
  // 2 IUs of 10/s serve 20/s: the peak hour is throttled, Saturday is not.
  EXPECT_GT(sum("ThrottledCount", kMonday + 14 * 3600, kMonday + 15 * 3600), 0);
  EXPECT_EQ(sum("ThrottledCount", kMonday + 5 * 86400, kMonday + 6 * 86400), 0);
}

TEST(MetricStore, PagesFollowMaxDatapointsAndBadQueriesAreRefused) {
  MetricStore store;
  const std::size_t a = store.add_model("a", "a.v1");
  for (int m = 0; m < 10; ++m) store.count(a, kMonday + m * 60, MetricStore::Outcome::kSuccess);
  MetricDataRequest request{.queries = {query("SuccessfulRequestCount", kModelA)},
                            .start = kMonday,
                            .end = kMonday + 3600,
                            .max_datapoints = 4,
                            .ascending = true};
  std::vector<std::int64_t> times;
  for (int page_count = 0;; ++page_count) {
    ASSERT_LT(page_count, 5);
    auto page = store.get_metric_data(request);
    ASSERT_TRUE(page);
    for (const auto& p : page->results[0].points) times.push_back(p.time);
    if (!page->next_token) break;
    request.next_token = page->next_token;
  }
  ASSERT_EQ(times.size(), 10u);
  EXPECT_EQ(times.back(), kMonday + 9 * 60);
  request.next_token = "x";
  EXPECT_FALSE(store.get_metric_data(request));
  EXPECT_FALSE(store.get_metric_data(
      {.queries = {query("SuccessfulRequestCount", kModelA, 30)}, .start = 0, .end = 60}));
  EXPECT_FALSE(store.get_metric_data(
      {.queries = {query("SuccessfulRequestCount", kModelA, 60, "p99")}, .start = 0, .end = 60}));
}

}  // namespace
}  // namespace iuprobe

namespace iuprobe {
namespace {

TEST(MetricStore, OperationsAreCalledByTheirCloudWatchNames) {
  MetricStore store;
  const std::size_t a = store.add_model("a", "a.v1");
  store.count(a, kMonday + 10, MetricStore::Outcome::kSuccess);
  auto listed = store.call("ListMetrics", {});
  ASSERT_TRUE(listed);
  EXPECT_FALSE(listed->at("Metrics").as_array().empty());
  auto bad = store.call("GetMetricData", {{"MetricDataQueries", 3}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().type, "ValidationError");
  auto unknown = store.call("PutMetricData", {});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().type, "UnknownOperationException");
  EXPECT_NE(unknown.error().message.find("PutMetricData"), std::string::npos);
}

TEST(MetricStore, RecordedMinutesAreServedAsTheyWereGiven) {
  MetricStore store;
  const std::size_t a = store.add_model("a", "a.v1");
  store.add_recorded(a,
                     {{.time = kMonday, .requests = 100, .throttled = 10, .inference_units = 2},
                      {.time = kMonday + 60, .requests = 50},
                      {.time = kMonday - 64 * 86400, .requests = 7}},  // beyond 63 days: dropped
                     kMonday + 3600);
  const auto read = [&](std::string metric, std::string stat, std::int64_t from) {
    return store
        .get_metric_data(
            {.queries = {query(metric, kModelA, 3600, stat)}, .start = from, .end = kMonday + 3600})
        ->results[0]
        .points;
  };
  ASSERT_EQ(read("SuccessfulRequestCount", "Sum", kMonday).size(), 1u);
  EXPECT_EQ(read("SuccessfulRequestCount", "Sum", kMonday)[0].value, 90 + 50);
  EXPECT_EQ(read("ThrottledCount", "Sum", kMonday)[0].value, 10);
  EXPECT_EQ(read("InServiceInferenceUnits", "Average", kMonday)[0].value, 2);
  EXPECT_TRUE(read("SuccessfulRequestCount", "Sum", kMonday - 65 * 86400).size() == 1u);
}

}  // namespace
}  // namespace iuprobe
