// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace iuprobe {

// CloudWatch GetMetricData as AWS JSON 1.0 carries it (botocore's service model,
// GraniteServiceVersion20100801): both sides, so that iuprobe's client and the emulator's server
// agree on one encoding. Times are epoch seconds (UTC).

using Dimensions = std::vector<std::pair<std::string, std::string>>;  // (Name, Value)

// One MetricStat query: a metric, its exact dimensions, a period and a statistic.
struct MetricQuery {
  std::string id;  // [a-z][a-zA-Z0-9_]*, unique within a request
  std::string namespace_name;
  std::string metric_name;
  Dimensions dimensions;
  std::int64_t period_s = 60;
  std::string stat = "Sum";  // Sum, Average, SampleCount, Maximum, Minimum
};

struct MetricPoint {
  std::int64_t time = 0;  // the start of the period
  double value = 0;
};

struct MetricSeries {
  std::string id;
  std::string status = "Complete";  // Complete, PartialData, Forbidden, InternalError
  std::vector<MetricPoint> points;
};

struct MetricDataRequest {
  std::vector<MetricQuery> queries;
  std::int64_t start = 0, end = 0;  // [start, end)
  std::optional<std::string> next_token;
  std::optional<std::int64_t> max_datapoints;
  bool ascending = false;  // ScanBy: TimestampAscending, else CloudWatch's default descending
};

struct MetricDataPage {
  std::vector<MetricSeries> results;
  std::optional<std::string> next_token;
  std::vector<std::string> messages;
};

// Client side: the request's JSON, and the answer read back (points sorted by time).
boost::json::object metric_data_request_json(const MetricDataRequest& request);
Result<MetricDataPage> parse_metric_data_page(const boost::json::value& answer);

// Server side: the request read (errors are the service's ValidationError text), and the answer.
Result<MetricDataRequest> parse_metric_data_request(const boost::json::object& input);
boost::json::object metric_data_page_json(const MetricDataPage& page);

// "ProjectName=p, VersionName=v".
std::string describe_dimensions(const Dimensions& dimensions);

}  // namespace iuprobe
