// SPDX-License-Identifier: Apache-2.0
#include "cloudwatch/model_metrics.h"

#include <fmt/format.h>

#include <map>

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

std::vector<ModelMetrics::Demand> ModelMetrics::demand() const {
  std::map<std::int64_t, Demand> by_time;
  const auto add = [&](const std::vector<MetricPoint>& points, bool refused) {
    for (const MetricPoint& p : points) {
      Demand& d = by_time[p.time];
      d.time = p.time;
      d.requests += p.value;
      if (refused) d.throttled += p.value;
    }
  };
  add(successful, false);
  add(throttled, true);
  add(server_errors, false);
  std::vector<Demand> out;
  out.reserve(by_time.size());
  for (const auto& [time, d] : by_time) out.push_back(d);
  return out;
}

Error cloudwatch_read_error(const AwsError& e) {
  // Signatures, keys and tokens refused (whatever the status) are about the credentials.
  const bool credentials = e.type.find("Signature") != std::string::npos ||
                           e.type.find("Token") != std::string::npos ||
                           e.type == "UnrecognizedClientException";
  if (credentials) {
    return Error{ErrorKind::kAuth,
                 fmt::format("CloudWatch refused the credentials ({}): check them (the profile, "
                             "AWS_ACCESS_KEY_ID, an expired session) and this machine's clock",
                             e.describe())};
  }
  if (e.type.starts_with("AccessDenied") || e.status == 403) {
    return Error{ErrorKind::kAuth,
                 fmt::format("CloudWatch refused the read ({}): the credentials need the IAM "
                             "action cloudwatch:GetMetricData",
                             e.describe())};
  }
  return e.as_error("CloudWatch GetMetricData failed");
}

std::int64_t finest_period_for(std::int64_t days) {
  // The range starts up to an hour before `days` ago (it ends on the last whole hour), and a
  // StartTime older than 15 (63) days needs 5-minute (hourly) periods: a day's margin.
  if (days <= 14) return 60;
  if (days <= 62) return 300;
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
