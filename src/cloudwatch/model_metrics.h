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
};

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

// The finest period CloudWatch keeps for data that old: 1 minute for 15 days, 5 minutes for 63,
// 1 hour for 455 (its retention).
std::int64_t finest_period_for(std::int64_t days);

}  // namespace iuprobe
