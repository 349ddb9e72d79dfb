// SPDX-License-Identifier: Apache-2.0
#include "emulator/metric_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "plan/traffic.h"

namespace iuprobe {
namespace json = boost::json;

namespace {

constexpr std::int64_t kMinute = 60, kKeep = 63 * 86400;
constexpr std::string_view kNamespace = "AWS/Rekognition";
constexpr std::string_view kRequestMetrics[] = {"SuccessfulRequestCount", "ThrottledCount",
                                                "ServerErrorCount", "UserErrorCount"};
constexpr std::string_view kIuMetrics[] = {"InServiceInferenceUnits", "DesiredInferenceUnits",
                                           "MinInferenceUnits", "MaxInferenceUnits"};

std::int64_t minute_of(std::int64_t epoch_s) {
  return epoch_s - ((epoch_s % kMinute) + kMinute) % kMinute;
}

// SplitMix64 of (seed, minute): the history is the same for the same seed.
double noise(std::uint64_t seed, std::int64_t minute) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(minute / kMinute);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) / 9007199254740992.0 * 2 - 1;  // [-1, 1)
}

bool same_dimensions(Dimensions a, Dimensions b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

}  // namespace

std::size_t MetricStore::add_model(std::string project, std::string version) {
  models_.push_back({std::move(project), std::move(version), {}});
  return models_.size() - 1;
}

MetricStore::Minute& MetricStore::minute(std::size_t model, std::int64_t epoch_s) {
  auto& minutes = models_.at(model).minutes;
  const std::int64_t start = minute_of(epoch_s);
  // A new minute: forget what is older than the longest history kept.
  if (minutes.empty() || minutes.rbegin()->first < start) {
    while (!minutes.empty() && minutes.begin()->first < start - kKeep)
      minutes.erase(minutes.begin());
  }
  return minutes[start];
}

void MetricStore::count(std::size_t model, std::int64_t epoch_s, Outcome outcome) {
  Minute& m = minute(model, epoch_s);
  switch (outcome) {
    case Outcome::kSuccess:
      ++m.successful;
      break;
    case Outcome::kThrottled:
      ++m.throttled;
      break;
    case Outcome::kServerError:
      ++m.server_errors;
      break;
    case Outcome::kUserError:
      ++m.user_errors;
      break;
  }
}

void MetricStore::sample_iu(std::size_t model, std::int64_t epoch_s, unsigned in_service,
                            unsigned desired, unsigned min_iu, unsigned max_iu) {
  Minute& m = minute(model, epoch_s);
  m.in_service_sum += in_service;
  m.desired_sum += desired;
  ++m.iu_looks;
  m.min_iu = min_iu;
  m.max_iu = max_iu;
}

void MetricStore::add_history(std::size_t model, const History& h) {
  for (std::int64_t t = minute_of(h.from); t < h.to; t += kMinute) {
    const double hour = static_cast<double>(((t % 86400) + 86400) % 86400) / 3600;
    const double daily = 0.15 + 0.85 * std::exp(-std::pow((hour - 14) / 4, 2));
    const double weekly = weekday_utc(t) >= 5 ? 0.35 : 1.0;
    const double rate = h.peak_tps * daily * weekly * (1 + 0.08 * noise(h.seed, t));
    const double requests = std::round(rate * kMinute);
    const double capacity = std::floor(h.iu * h.tps_per_iu * kMinute);
    Minute& m = models_.at(model).minutes[t];
    m.successful += std::min(requests, capacity);
    m.throttled += std::max(0.0, requests - capacity);
    m.in_service_sum += h.iu;
    m.desired_sum += h.iu;
    ++m.iu_looks;
    m.min_iu = m.max_iu = h.iu;
  }
}

void MetricStore::add_recorded(std::size_t model, const std::vector<RecordedMinute>& minutes,
                               std::int64_t now) {
  for (const RecordedMinute& r : minutes) {
    if (r.time < now - kKeep) continue;
    Minute& m = models_.at(model).minutes[minute_of(r.time)];
    m.successful += r.requests - r.throttled;
    m.throttled += r.throttled;
    if (r.inference_units) {
      m.in_service_sum += *r.inference_units;
      m.desired_sum += *r.inference_units;
      ++m.iu_looks;
      m.min_iu = m.max_iu = static_cast<unsigned>(std::lround(*r.inference_units));
    }
  }
}

std::vector<MetricPoint> MetricStore::series(const MetricQuery& q, std::int64_t start,
                                             std::int64_t end) const {
  if (q.namespace_name != kNamespace) return {};
  const bool request_metric = std::find(std::begin(kRequestMetrics), std::end(kRequestMetrics),
                                        q.metric_name) != std::end(kRequestMetrics);
  const bool iu_metric = std::find(std::begin(kIuMetrics), std::end(kIuMetrics), q.metric_name) !=
                         std::end(kIuMetrics);
  if (!request_metric && !iu_metric) return {};
  // The models this query's dimensions select.
  std::vector<const Model*> chosen;
  const bool operation =
      same_dimensions(q.dimensions, {{"Operation", "DetectCustomLabels"}}) && request_metric;
  for (const Model& m : models_) {
    if (operation ||
        same_dimensions(q.dimensions, {{"ProjectName", m.project}, {"VersionName", m.version}}))
      chosen.push_back(&m);
  }
  const auto value = [&q, request_metric](const Minute& m) -> std::optional<double> {
    if (request_metric) {
      if (!m.has_requests()) return std::nullopt;
      if (q.metric_name == "SuccessfulRequestCount") return m.successful;
      if (q.metric_name == "ThrottledCount") return m.throttled;
      if (q.metric_name == "ServerErrorCount") return m.server_errors;
      return m.user_errors;
    }
    if (m.iu_looks == 0) return std::nullopt;
    if (q.metric_name == "InServiceInferenceUnits") return m.in_service_sum / m.iu_looks;
    if (q.metric_name == "DesiredInferenceUnits") return m.desired_sum / m.iu_looks;
    if (q.metric_name == "MinInferenceUnits") return m.min_iu;
    return m.max_iu;
  };
  // Per period: the minute values' statistic (Operation sums the models' minutes first).
  struct Period {
    double sum = 0, min = 0, max = 0;
    std::int64_t n = 0;
  };
  std::map<std::int64_t, std::map<std::int64_t, double>> minutes;  // period → minute → value
  for (const Model* m : chosen) {
    for (auto it = m->minutes.lower_bound(start); it != m->minutes.end() && it->first < end; ++it) {
      if (auto v = value(it->second)) {
        const std::int64_t period = start + (it->first - start) / q.period_s * q.period_s;
        minutes[period][it->first] += *v;
      }
    }
  }
  std::vector<MetricPoint> out;
  for (const auto& [period, values] : minutes) {
    Period p{.min = values.begin()->second, .max = values.begin()->second};
    for (const auto& [minute, v] : values) {
      p.sum += v;
      p.min = std::min(p.min, v);
      p.max = std::max(p.max, v);
      ++p.n;
    }
    double stat = p.sum;
    if (q.stat == "Average") stat = p.sum / static_cast<double>(p.n);
    if (q.stat == "SampleCount") stat = static_cast<double>(p.n);
    if (q.stat == "Maximum") stat = p.max;
    if (q.stat == "Minimum") stat = p.min;
    out.push_back({period, stat});
  }
  return out;
}

ServiceResult<MetricDataPage> MetricStore::get_metric_data(const MetricDataRequest& r) const {
  for (const MetricQuery& q : r.queries) {
    if (q.period_s % kMinute != 0) {
      return service_error("InvalidParameterValue",
                           fmt::format("The query {} asks for a {}-second period; the emulator "
                                       "keeps 1-minute points (use a multiple of 60).",
                                       q.id, q.period_s));
    }
    static constexpr std::string_view kStats[] = {"Sum", "Average", "SampleCount", "Maximum",
                                                  "Minimum"};
    if (std::find(std::begin(kStats), std::end(kStats), q.stat) == std::end(kStats)) {
      return service_error("InvalidParameterValue",
                           fmt::format("The query {} asks for the statistic {}; the emulator "
                                       "serves Sum, Average, SampleCount, Maximum and Minimum.",
                                       q.id, q.stat));
    }
  }
  // Pages of MaxDatapoints points (100,800 by default) over all queries in turn; the token is
  // the number of points already given.
  std::int64_t skip = 0;
  if (r.next_token) {
    const std::string& t = *r.next_token;
    if (t.empty() || t.size() > 12 || !std::all_of(t.begin(), t.end(), ::isdigit))
      return service_error("InvalidNextToken", "The NextToken is not one this endpoint gave.");
    skip = std::stoll(t);
  }
  std::int64_t room = r.max_datapoints.value_or(100800);
  std::int64_t seen = 0;
  MetricDataPage page;
  for (const MetricQuery& q : r.queries) {
    std::vector<MetricPoint> points = series(q, r.start, r.end);
    if (!r.ascending) std::reverse(points.begin(), points.end());
    MetricSeries s{.id = q.id};
    for (const MetricPoint& p : points) {
      if (seen++ < skip) continue;
      if (room == 0) {
        s.status = "PartialData";
        page.next_token = std::to_string(seen - 1);
        break;
      }
      s.points.push_back(p);
      --room;
    }
    page.results.push_back(std::move(s));
    if (page.next_token) break;
  }
  return page;
}

json::object MetricStore::list_metrics(const json::object& input) const {
  const json::value* ns = input.if_contains("Namespace");
  const json::value* name = input.if_contains("MetricName");
  json::array metrics;
  const auto add = [&](std::string_view metric, const Dimensions& dimensions) {
    if (ns && (!ns->is_string() || ns->get_string() != kNamespace)) return;
    if (name && (!name->is_string() || name->get_string() != metric)) return;
    json::array d;
    for (const auto& [n, v] : dimensions) d.push_back(json::object{{"Name", n}, {"Value", v}});
    metrics.push_back(json::object{
        {"Namespace", kNamespace}, {"MetricName", metric}, {"Dimensions", std::move(d)}});
  };
  bool any_requests = false;
  for (const Model& m : models_) {
    const Dimensions model{{"ProjectName", m.project}, {"VersionName", m.version}};
    const bool requests = std::any_of(m.minutes.begin(), m.minutes.end(),
                                      [](const auto& e) { return e.second.has_requests(); });
    const bool ius = std::any_of(m.minutes.begin(), m.minutes.end(),
                                 [](const auto& e) { return e.second.iu_looks > 0; });
    any_requests = any_requests || requests;
    if (requests) {
      for (std::string_view metric : kRequestMetrics) add(metric, model);
    }
    if (ius) {
      for (std::string_view metric : kIuMetrics) add(metric, model);
    }
  }
  if (any_requests) {
    for (std::string_view metric : kRequestMetrics)
      add(metric, {{"Operation", "DetectCustomLabels"}});
  }
  return json::object{{"Metrics", std::move(metrics)}};
}

ServiceResult<json::object> MetricStore::call(std::string_view operation,
                                              const json::object& input) const {
  if (operation == "GetMetricData") {
    auto parsed = parse_metric_data_request(input);
    if (!parsed) return service_error("ValidationError", parsed.error().message);
    auto page = get_metric_data(*parsed);
    if (!page) return tl::unexpected(page.error());
    return metric_data_page_json(*page);
  }
  if (operation == "ListMetrics") return list_metrics(input);
  return service_error("UnknownOperationException",
                       fmt::format("{} is not a CloudWatch operation this endpoint emulates "
                                   "(GetMetricData, ListMetrics).",
                                   operation));
}

}  // namespace iuprobe
