// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "cloudwatch/cloudwatch_client.h"

namespace iuprobe {

inline constexpr std::string_view kRekognitionNamespace = "AWS/Rekognition";

// What CloudWatch holds about one Custom Labels model over a range, one point per period where
// there was data (CloudWatch stores no point for a minute without requests).
struct ModelMetrics {
  std::int64_t start = 0, end = 0, period_s = 60;
  // The dimensions the request counts were found under: the model's own (ProjectName,
  // VersionName), or, when none are there, Operation=DetectCustomLabels — every model of the
  // account in that region.
  Dimensions request_dimensions;
  bool account_wide = false;
  std::vector<MetricPoint> successful, throttled, server_errors, user_errors;  // Sum
  std::vector<MetricPoint> in_service_iu, desired_iu;                          // Average
  CloudWatchReadStats stats;

  bool has_requests() const {
    return !successful.empty() || !throttled.empty() || !server_errors.empty() ||
           !user_errors.empty();
  }

  // The demand of each period with requests: what reached the model — served, throttled, and
  // failed by the server. User errors (bad images, bad parameters) are refused before inference
  // and left out. Throttled requests an SDK retried count again: CloudWatch cannot tell them.
  struct Demand {
    std::int64_t time = 0;
    double requests = 0, throttled = 0;
  };
  std::vector<Demand> demand() const;
};

// What to tell the user when a read fails: the IAM action when access is denied, the
// credentials when they are refused, the answer itself otherwise.
Error cloudwatch_read_error(const AwsError& error);

struct ModelMetricsQuery {
  std::string project, version;
  std::int64_t start = 0, end = 0, period_s = 60;
  bool requests = true;  // false: the IU metrics only
};

// Reads the request counts (model dimensions first, then the Operation fallback) and the IU
// metrics. An empty result is not an error here: the caller says what was searched.
AwsResult<ModelMetrics> read_model_metrics(
    const CloudWatchClient& client, const ModelMetricsQuery& query,
    const std::function<void(std::int64_t done, std::int64_t total)>& progress = {});

// The finest period CloudWatch serves for a range reaching `days` back (plus the hour before):
// it keeps 1-minute points for 15 days, 5-minute for 63 and hourly for 455, so 60 s up to 14
// days, 300 s up to 62 and 3600 s beyond.
std::int64_t finest_period_for(std::int64_t days);

}  // namespace iuprobe
