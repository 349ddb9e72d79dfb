// SPDX-License-Identifier: Apache-2.0
#include "cloudwatch/metric_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace iuprobe {
namespace json = boost::json;

namespace {

const json::value* member(const json::object& object, std::string_view key) {
  return object.if_contains(key);
}

std::optional<double> number(const json::value* value) {
  if (value == nullptr) return std::nullopt;
  if (value->is_double()) return value->get_double();
  if (value->is_int64()) return static_cast<double>(value->get_int64());
  if (value->is_uint64()) return static_cast<double>(value->get_uint64());
  return std::nullopt;
}

std::optional<std::string> text(const json::value* value) {
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return std::string(value->get_string());
}

Result<std::int64_t> epoch_seconds(const json::object& input, std::string_view key) {
  const auto value = number(member(input, key));
  if (!value || !std::isfinite(*value) || *value < 0 || *value > 1e11)
    return fail(ErrorKind::kInput, "{} must be a time in epoch seconds", key);
  return static_cast<std::int64_t>(std::floor(*value));
}

Result<Dimensions> read_dimensions(const json::value* value) {
  Dimensions out;
  if (value == nullptr) return out;
  if (!value->is_array()) return fail(ErrorKind::kInput, "Dimensions must be a list");
  for (const json::value& d : value->get_array()) {
    if (!d.is_object()) return fail(ErrorKind::kInput, "a dimension must be an object");
    auto name = text(member(d.get_object(), "Name"));
    auto dimension_value = text(member(d.get_object(), "Value"));
    if (!name || !dimension_value)
      return fail(ErrorKind::kInput, "a dimension needs a Name and a Value");
    out.emplace_back(*name, *dimension_value);
  }
  return out;
}

Result<MetricQuery> read_query(const json::value& value, std::size_t index) {
  const auto where = [index](std::string_view what) {
    return fmt::format("MetricDataQueries.member.{}: {}", index + 1, what);
  };
  if (!value.is_object()) return fail(ErrorKind::kInput, "{}", where("not an object"));
  const json::object& q = value.get_object();
  MetricQuery out;
  auto id = text(member(q, "Id"));
  if (!id || id->empty() || !std::islower(static_cast<unsigned char>(id->front())))
    return fail(ErrorKind::kInput, "{}", where("Id must start with a lowercase letter"));
  out.id = *id;
  if (member(q, "Expression") != nullptr)
    return fail(ErrorKind::kInput, "{}", where("Expression queries are not supported here"));
  const json::value* stat = member(q, "MetricStat");
  if (stat == nullptr || !stat->is_object())
    return fail(ErrorKind::kInput, "{}", where("MetricStat is required"));
  const json::object& s = stat->get_object();
  const json::value* metric = member(s, "Metric");
  if (metric == nullptr || !metric->is_object())
    return fail(ErrorKind::kInput, "{}", where("MetricStat.Metric is required"));
  out.namespace_name = text(member(metric->get_object(), "Namespace")).value_or("");
  out.metric_name = text(member(metric->get_object(), "MetricName")).value_or("");
  if (out.metric_name.empty())
    return fail(ErrorKind::kInput, "{}", where("MetricStat.Metric.MetricName is required"));
  auto dimensions = read_dimensions(member(metric->get_object(), "Dimensions"));
  if (!dimensions) return fail(ErrorKind::kInput, "{}", where(dimensions.error().message));
  out.dimensions = std::move(*dimensions);
  const auto period = number(member(s, "Period"));
  const bool high_resolution =
      period && (*period == 1 || *period == 5 || *period == 10 || *period == 30);
  // At most a year: past that, periods mean nothing to CloudWatch (and must fit an integer).
  if (!period || !(high_resolution ||
                   (*period >= 60 && *period <= 366 * 86400 && std::fmod(*period, 60) == 0)))
    return fail(ErrorKind::kInput, "{}", where("Period must be 1, 5, 10, 30 or a multiple of 60"));
  out.period_s = static_cast<std::int64_t>(*period);
  out.stat = text(member(s, "Stat")).value_or("");
  if (out.stat.empty()) return fail(ErrorKind::kInput, "{}", where("MetricStat.Stat is required"));
  return out;
}

}  // namespace

std::string describe_dimensions(const Dimensions& dimensions) {
  std::string out;
  for (const auto& [name, value] : dimensions)
    out += fmt::format("{}{}={}", out.empty() ? "" : ", ", name, value);
  return out.empty() ? "no dimensions" : out;
}

json::object metric_data_request_json(const MetricDataRequest& request) {
  json::array queries;
  for (const MetricQuery& q : request.queries) {
    json::array dimensions;
    for (const auto& [name, value] : q.dimensions)
      dimensions.push_back(json::object{{"Name", name}, {"Value", value}});
    queries.push_back(json::object{
        {"Id", q.id},
        {"MetricStat", json::object{{"Metric", json::object{{"Namespace", q.namespace_name},
                                                            {"MetricName", q.metric_name},
                                                            {"Dimensions", std::move(dimensions)}}},
                                    {"Period", q.period_s},
                                    {"Stat", q.stat}}},
        {"ReturnData", true}});
  }
  json::object out{{"MetricDataQueries", std::move(queries)},
                   {"StartTime", request.start},
                   {"EndTime", request.end},
                   {"ScanBy", request.ascending ? "TimestampAscending" : "TimestampDescending"}};
  if (request.next_token) out["NextToken"] = *request.next_token;
  if (request.max_datapoints) out["MaxDatapoints"] = *request.max_datapoints;
  return out;
}

Result<MetricDataPage> parse_metric_data_page(const json::value& answer) {
  if (!answer.is_object())
    return fail(ErrorKind::kService, "GetMetricData: the answer is not a JSON object");
  const json::object& a = answer.get_object();
  MetricDataPage page;
  page.next_token = text(member(a, "NextToken"));
  if (page.next_token && page.next_token->empty()) page.next_token.reset();
  if (const json::value* messages = member(a, "Messages"); messages && messages->is_array()) {
    for (const json::value& m : messages->get_array()) {
      if (m.is_object()) {
        page.messages.push_back(fmt::format("{}: {}",
                                            text(member(m.get_object(), "Code")).value_or("?"),
                                            text(member(m.get_object(), "Value")).value_or("")));
      }
    }
  }
  const json::value* results = member(a, "MetricDataResults");
  if (results == nullptr || !results->is_array())
    return fail(ErrorKind::kService, "GetMetricData: the answer has no MetricDataResults");
  for (const json::value& r : results->get_array()) {
    if (!r.is_object())
      return fail(ErrorKind::kService, "GetMetricData: a result is not an object");
    const json::object& o = r.get_object();
    MetricSeries series{.id = text(member(o, "Id")).value_or(""),
                        .status = text(member(o, "StatusCode")).value_or("Complete")};
    const json::value* times = member(o, "Timestamps");
    const json::value* values = member(o, "Values");
    const bool empty_ok = times == nullptr && values == nullptr;
    if (!empty_ok &&
        (times == nullptr || values == nullptr || !times->is_array() || !values->is_array() ||
         times->get_array().size() != values->get_array().size()))
      return fail(ErrorKind::kService,
                  "GetMetricData: result '{}' has Timestamps and Values of different lengths",
                  series.id);
    if (!empty_ok) {
      for (std::size_t i = 0; i < times->get_array().size(); ++i) {
        const auto t = number(&times->get_array()[i]);
        const auto v = number(&values->get_array()[i]);
        if (!t || !v)
          return fail(ErrorKind::kService, "GetMetricData: result '{}' has a non-numeric point",
                      series.id);
        series.points.push_back({static_cast<std::int64_t>(std::llround(*t)), *v});
      }
    }
    std::sort(series.points.begin(), series.points.end(),
              [](const MetricPoint& x, const MetricPoint& y) { return x.time < y.time; });
    page.results.push_back(std::move(series));
  }
  return page;
}

Result<MetricDataRequest> parse_metric_data_request(const json::object& input) {
  MetricDataRequest out;
  const json::value* queries = member(input, "MetricDataQueries");
  if (queries == nullptr || !queries->is_array() || queries->get_array().empty())
    return fail(ErrorKind::kInput, "MetricDataQueries is required");
  if (queries->get_array().size() > 500)
    return fail(ErrorKind::kInput, "MetricDataQueries takes at most 500 queries");
  for (std::size_t i = 0; i < queries->get_array().size(); ++i) {
    auto query = read_query(queries->get_array()[i], i);
    if (!query) return tl::unexpected(query.error());
    for (const MetricQuery& earlier : out.queries) {
      if (earlier.id == query->id)
        return fail(ErrorKind::kInput, "the Id '{}' is used twice", query->id);
    }
    out.queries.push_back(std::move(*query));
  }
  auto start = epoch_seconds(input, "StartTime");
  if (!start) return tl::unexpected(start.error());
  auto end = epoch_seconds(input, "EndTime");
  if (!end) return tl::unexpected(end.error());
  if (*end <= *start) return fail(ErrorKind::kInput, "EndTime must be after StartTime");
  out.start = *start;
  out.end = *end;
  out.next_token = text(member(input, "NextToken"));
  if (const auto max = number(member(input, "MaxDatapoints"))) {
    if (!(*max >= 1)) return fail(ErrorKind::kInput, "MaxDatapoints must be at least 1");
    out.max_datapoints = static_cast<std::int64_t>(std::min(*max, 1e12));
  }
  const std::string scan_by = text(member(input, "ScanBy")).value_or("TimestampDescending");
  if (scan_by != "TimestampAscending" && scan_by != "TimestampDescending")
    return fail(ErrorKind::kInput, "ScanBy must be TimestampAscending or TimestampDescending");
  out.ascending = scan_by == "TimestampAscending";
  return out;
}

json::object metric_data_page_json(const MetricDataPage& page) {
  json::array results;
  for (const MetricSeries& s : page.results) {
    json::array times, values;
    for (const MetricPoint& p : s.points) {
      times.push_back(p.time);
      values.push_back(p.value);
    }
    results.push_back(json::object{{"Id", s.id},
                                   {"Label", s.id},
                                   {"Timestamps", std::move(times)},
                                   {"Values", std::move(values)},
                                   {"StatusCode", s.status}});
  }
  json::object out{{"MetricDataResults", std::move(results)}, {"Messages", json::array{}}};
  if (page.next_token) out["NextToken"] = *page.next_token;
  return out;
}

}  // namespace iuprobe
