// SPDX-License-Identifier: Apache-2.0
#include "cloudwatch/model_metrics.h"

namespace iuprobe {

namespace {

MetricQuery query(std::string id, std::string_view metric, const Dimensions& dimensions,
                  std::int64_t period, std::string_view stat) {
  return MetricQuery{.id = std::move(id),
                     .namespace_name = std::string(kRekognitionNamespace),
                     .metric_name = std::string(metric),
                     .dimensions = dimensions,
                     .period_s = period,
                     .stat = std::string(stat)};
}

std::vector<MetricQuery> request_queries(const Dimensions& dimensions, std::int64_t period) {
  return {query("successful", "SuccessfulRequestCount", dimensions, period, "Sum"),
          query("throttled", "ThrottledCount", dimensions, period, "Sum"),
          query("server_errors", "ServerErrorCount", dimensions, period, "Sum"),
          query("user_errors", "UserErrorCount", dimensions, period, "Sum")};
}

void take_requests(std::vector<MetricSeries>& series, ModelMetrics& out) {
  out.successful = std::move(series[0].points);
  out.throttled = std::move(series[1].points);
  out.server_errors = std::move(series[2].points);
  out.user_errors = std::move(series[3].points);
}

}  // namespace

std::int64_t finest_period_for(std::int64_t days) {
  if (days <= 15) return 60;
  if (days <= 63) return 300;
  return 3600;
}

AwsResult<ModelMetrics> read_model_metrics(
    const CloudWatchClient& client, const ModelMetricsQuery& q,
    const std::function<void(std::int64_t done, std::int64_t total)>& progress) {
  ModelMetrics out{.start = q.start, .end = q.end, .period_s = q.period_s};
  const Dimensions model{{"ProjectName", q.project}, {"VersionName", q.version}};
  std::vector<MetricQuery> queries;
  if (q.requests) queries = request_queries(model, q.period_s);
  queries.push_back(query("in_service", "InServiceInferenceUnits", model, q.period_s, "Average"));
  queries.push_back(query("desired", "DesiredInferenceUnits", model, q.period_s, "Average"));
  auto series = client.read(queries, q.start, q.end, out.stats, progress);
  if (!series) return tl::unexpected(series.error());
  out.desired_iu = std::move(series->back().points);
  series->pop_back();
  out.in_service_iu = std::move(series->back().points);
  series->pop_back();
  if (!q.requests) return out;
  take_requests(*series, out);
  out.request_dimensions = model;
  if (out.has_requests()) return out;
  // Not under the model's dimensions: the service-wide ones.
  const Dimensions operation{{"Operation", "DetectCustomLabels"}};
  auto fallback =
      client.read(request_queries(operation, q.period_s), q.start, q.end, out.stats, progress);
  if (!fallback) return tl::unexpected(fallback.error());
  take_requests(*fallback, out);
  if (out.has_requests()) {
    out.request_dimensions = operation;
    out.account_wide = true;
  }
  return out;
}

}  // namespace iuprobe
