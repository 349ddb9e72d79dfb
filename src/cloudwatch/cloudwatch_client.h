// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>

#include "aws/json_client.h"
#include "cloudwatch/metric_data.h"

namespace iuprobe {

// How a read went: for the "read in …" line and the closing note.
struct CloudWatchReadStats {
  unsigned calls = 0;    // GetMetricData calls answered
  unsigned retries = 0;  // calls repeated after throttling or a server error
  std::int64_t points = 0;
  Duration took{};
};

struct RetryPolicy {
  unsigned attempts = 8;  // in all, the first included
  Duration first_delay = std::chrono::milliseconds(250);
  Duration max_delay = std::chrono::seconds(20);
};

// GetMetricData over AWS JSON 1.0. Reads whole ranges: each call asks for at most a day's worth
// of points per query (1,440; 11,520 for 8 queries, far below the API's 100,800), NextToken is
// followed, and throttling of the API itself (and 5xx) is retried with exponential backoff and
// jitter — a control-plane call, not load.
class CloudWatchClient {
 public:
  explicit CloudWatchClient(AwsJsonClient json, RetryPolicy retry = {});

  // Every point of `queries` (all of one period) in [start, end), each series sorted by time.
  // `progress` is told the seconds of the range read so far and the total.
  AwsResult<std::vector<MetricSeries>> read(
      const std::vector<MetricQuery>& queries, std::int64_t start, std::int64_t end,
      CloudWatchReadStats& stats,
      const std::function<void(std::int64_t done, std::int64_t total)>& progress = {}) const;

  const AwsJsonClient& json() const { return json_; }

 private:
  AwsResult<boost::json::value> call_with_retries(const boost::json::object& input,
                                                  CloudWatchReadStats& stats) const;
  AwsJsonClient json_;
  RetryPolicy retry_;
};

// https://monitoring.REGION.amazonaws.com/ unless --cloudwatch-endpoint-url,
// AWS_ENDPOINT_URL_CLOUDWATCH or AWS_ENDPOINT_URL says otherwise (the SDKs' order).
Result<HttpUrl> cloudwatch_endpoint(std::string_view region, const std::optional<std::string>& flag,
                                    const EnvLookup& env);

}  // namespace iuprobe
