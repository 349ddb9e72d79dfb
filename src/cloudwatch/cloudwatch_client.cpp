// SPDX-License-Identifier: Apache-2.0
#include "cloudwatch/cloudwatch_client.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "aws/retry.h"

namespace iuprobe {
namespace json = boost::json;

namespace {
constexpr std::int64_t kPointsPerQueryPerCall = 1440;
// Pages of one call's range: a day of minutes for 8 queries is one page for CloudWatch; more
// than this many means an endpoint that never stops handing out tokens.
constexpr unsigned kMaxPagesPerCall = 1000;

AwsError malformed(std::string message) {
  return AwsError{.status = 200, .type = "MalformedResponse", .message = std::move(message)};
}
}  // namespace

CloudWatchClient::CloudWatchClient(AwsJsonClient json, RetryPolicy retry)
    : json_(std::move(json)), retry_(retry) {}

AwsResult<json::value> CloudWatchClient::call_with_retries(const json::object& input,
                                                           CloudWatchReadStats& stats) const {
  std::minstd_rand jitter(std::random_device{}());
  Duration delay = retry_.first_delay;
  for (unsigned attempt = 1;; ++attempt) {
    auto answer = json_.call("GetMetricData", input);
    if (answer) {
      ++stats.calls;
      return answer;
    }
    // A refused connection is retried twice only: the endpoint is more likely wrong than busy.
    const unsigned attempts =
        answer.error().status == 0 ? std::min(3u, retry_.attempts) : retry_.attempts;
    if (!is_transient(answer.error()) || attempt >= attempts) return answer;
    ++stats.retries;
    // Equal jitter (AWS's backoff advice): a pause drawn from [delay/2, delay].
    std::uniform_real_distribution<double> share(0.5, 1.0);
    std::this_thread::sleep_for(std::chrono::duration_cast<Duration>(delay * share(jitter)));
    delay = std::min<Duration>(delay * 2, retry_.max_delay);
  }
}

AwsResult<std::vector<MetricSeries>> CloudWatchClient::read(
    const std::vector<MetricQuery>& queries, std::int64_t start, std::int64_t end,
    CloudWatchReadStats& stats,
    const std::function<void(std::int64_t done, std::int64_t total)>& progress) const {
  const auto began = std::chrono::steady_clock::now();
  std::int64_t period = 60;
  for (const MetricQuery& q : queries) period = std::max(period, q.period_s);
  const std::int64_t chunk = kPointsPerQueryPerCall * period;
  std::map<std::string, MetricSeries> by_id;
  for (const MetricQuery& q : queries) by_id[q.id] = MetricSeries{.id = q.id};
  for (std::int64_t from = start; from < end; from += chunk) {
    MetricDataRequest request{
        .queries = queries, .start = from, .end = std::min(end, from + chunk), .ascending = true};
    std::set<std::string> tokens;
    do {
      auto answer = call_with_retries(metric_data_request_json(request), stats);
      if (!answer) return tl::unexpected(answer.error());
      auto page = parse_metric_data_page(*answer);
      if (!page) return tl::unexpected(malformed(page.error().message));
      for (MetricSeries& s : page->results) {
        auto it = by_id.find(s.id);
        if (it == by_id.end()) continue;
        if (s.status == "Forbidden") {
          return tl::unexpected(
              AwsError{.status = 403,
                       .type = "AccessDenied",
                       .message = fmt::format(
                           "GetMetricData refused the query '{}' (StatusCode Forbidden)", s.id)});
        }
        // A gap in the data would read as hours without traffic: fail instead.
        if (s.status == "InternalError") {
          return tl::unexpected(
              AwsError{.status = 500,
                       .type = "InternalError",
                       .message = fmt::format("GetMetricData could not read the query '{}'{}{}",
                                              s.id, page->messages.empty() ? "" : ": ",
                                              fmt::join(page->messages, "; "))});
        }
        stats.points += static_cast<std::int64_t>(s.points.size());
        it->second.points.insert(it->second.points.end(), s.points.begin(), s.points.end());
      }
      request.next_token = page->next_token;
      if (request.next_token &&
          (!tokens.insert(*request.next_token).second || tokens.size() > kMaxPagesPerCall)) {
        return tl::unexpected(malformed(
            fmt::format("GetMetricData keeps answering with more pages ({} for one day): giving up",
                        tokens.size())));
      }
    } while (request.next_token);
    if (progress) progress(std::min(end, from + chunk) - start, end - start);
  }
  std::vector<MetricSeries> out;
  for (const MetricQuery& q : queries) {
    MetricSeries& s = by_id[q.id];
    std::sort(s.points.begin(), s.points.end(),
              [](const MetricPoint& x, const MetricPoint& y) { return x.time < y.time; });
    // Pages may overlap at their edges: one point per time.
    s.points.erase(
        std::unique(s.points.begin(), s.points.end(),
                    [](const MetricPoint& x, const MetricPoint& y) { return x.time == y.time; }),
        s.points.end());
    out.push_back(std::move(s));
  }
  stats.took += std::chrono::steady_clock::now() - began;
  return out;
}

Result<HttpUrl> cloudwatch_endpoint(std::string_view region, const std::optional<std::string>& flag,
                                    const EnvLookup& env) {
  return service_endpoint("monitoring", "CLOUDWATCH", region, flag, "--cloudwatch-endpoint-url",
                          env);
}

}  // namespace iuprobe
