// SPDX-License-Identifier: Apache-2.0
#include "report/run_json.h"

#include <boost/json/serialize.hpp>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>

#include "report/format.h"

namespace iuprobe {
namespace json = boost::json;

namespace {

double ms(Duration d) {
  return to_millis(d);
}

json::object outcomes_json(const std::array<std::uint64_t, kOutcomeCount>& outcomes) {
  json::object o;
  for (Outcome outcome : kAllOutcomes) {
    o[outcome_name(outcome)] = outcomes[static_cast<std::size_t>(outcome)];
  }
  return o;
}

json::object window_json(const WindowRecord& w) {
  json::object o;
  o["t_s"] = to_seconds(w.start);
  o["length_s"] = to_seconds(w.length);
  o["scheduled"] = w.scheduled;
  o["sent"] = w.sent;
  o["outcomes"] = outcomes_json(w.outcomes);
  o["late"] = w.late;
  o["queued"] = w.queued;
  o["offered_per_s"] = w.per_second(w.scheduled);
  o["goodput_per_s"] = w.per_second(w.count(Outcome::kOk));
  o["throttled_per_s"] = w.per_second(w.count(Outcome::kThrottled));
  o["errors_per_s"] = w.per_second(w.errors());
  o["latency_ms"] = latency_json(w.latency);
  o["service_latency_ms"] = latency_json(w.service_latency);
  o["in_flight"] = w.in_flight;
  o["connections"] = w.connections;
  o["peak_worker_cpu"] = w.peak_worker_cpu;
  o["covers"] = w.covers;  // windows merged into this one (see WindowSeries)
  return o;
}

}  // namespace

json::object latency_json(const LatencySummary& s) {
  json::object o;
  o["count"] = s.count;
  if (s.count == 0) return o;
  o["min"] = ms(s.min);
  o["mean"] = ms(s.mean);
  o["p50"] = ms(s.p50);
  o["p90"] = ms(s.p90);
  o["p95"] = ms(s.p95);
  o["p99"] = ms(s.p99);
  o["p99_9"] = ms(s.p999);
  o["max"] = ms(s.max);
  return o;
}

json::object series_point_json(const WindowRecord& w) {
  const auto ms_or_null = [&](Duration d) {
    return w.latency.count > 0 ? json::value(to_millis(d)) : json::value(nullptr);
  };
  return {{"t_s", to_seconds(w.start)},
          {"length_s", to_seconds(w.length)},
          {"offered_per_s", w.per_second(w.scheduled)},
          {"goodput_per_s", w.per_second(w.count(Outcome::kOk))},
          {"throttled_per_s", w.per_second(w.count(Outcome::kThrottled))},
          {"errors_per_s", w.per_second(w.errors())},
          {"p50_ms", ms_or_null(w.latency.p50)},
          {"p95_ms", ms_or_null(w.latency.p95)},
          {"p99_ms", ms_or_null(w.latency.p99)},
          {"in_flight", w.in_flight},
          {"connections", w.connections},
          {"phase", phase_name(w.phase)},
          {"unjudged", !w.judged()}};
}

json::object requests_json(const Window& w, Duration duration) {
  json::object o;
  o["duration_s"] = to_seconds(duration);
  o["scheduled"] = w.scheduled;
  o["sent"] = w.sent;
  o["answered"] = w.completed();
  o["outcomes"] = outcomes_json(w.outcomes);
  o["late"] = w.late;
  o["queued"] = w.queued;
  o["bytes_sent"] = w.bytes_sent;
  o["bytes_received"] = w.bytes_received;
  json::object rates;
  rates["offered"] = per_second(w.scheduled, duration);
  rates["sent"] = per_second(w.sent, duration);
  rates["goodput"] = per_second(w.count(Outcome::kOk), duration);
  rates["throttled"] = per_second(w.count(Outcome::kThrottled), duration);
  rates["errors"] = per_second(w.errors(), duration);
  o["rates_per_s"] = std::move(rates);
  o["latency_ms"] = latency_json(LatencySummary::of(w.latency));
  o["service_latency_ms"] = latency_json(LatencySummary::of(w.service_latency));
  return o;
}

json::object generator_json(const GeneratorCheck& g) {
  json::object o;
  o["bound"] = g.bound;
  json::array reasons;
  for (const std::string& reason : g.reasons) reasons.emplace_back(reason);
  o["reasons"] = std::move(reasons);
  o["sent_fraction"] = g.sent_fraction;
  o["late_fraction"] = g.late_fraction;
  o["queued_fraction"] = g.queued_fraction;
  o["peak_worker_cpu"] = g.peak_cpu;
  o["cpu_saturated_windows"] = g.cpu_saturated_windows;
  return o;
}

json::array ranks_json(const std::vector<RankRun>& ranks) {
  json::array out;
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    out.push_back({{"rank", r},
                   {"host", ranks[r].host},
                   {"scheduled", ranks[r].scheduled},
                   {"sent", ranks[r].sent},
                   {"share", sent_share(ranks, r)},
                   {"generator", generator_json(ranks[r].generator)}});
  }
  return out;
}

json::object run_result_json(std::string_view command, const json::object& config,
                             const RunResult& r) {
  json::object o;
  o["schema"] = "iuprobe.result";
  o["schema_version"] = kResultSchemaVersion;
  o["tool"] = {{"name", "iuprobe"}, {"version", IUPROBE_VERSION}};
  o["command"] = command;
  o["started_at"] = r.started_at;
  o["address"] = r.address;
  o["interrupted"] =
      r.interrupted_by == 0 ? json::value(nullptr) : json::value(signal_name(r.interrupted_by));
  o["stopped_early"] =
      r.stopped_early ? json::value(r.stopped_early->message) : json::value(nullptr);
  o["config"] = config;

  o["generator"] = generator_json(r.generator);
  o["ranks"] = ranks_json(r.ranks);

  json::object summary = requests_json(r.total, r.measured);
  summary["warmup_s"] = to_seconds(r.warmup);
  summary["wall_s"] = to_seconds(r.wall);
  json::object statuses;
  for (const auto& [status, count] : r.statuses.seen()) statuses[std::to_string(status)] = count;
  summary["statuses"] = std::move(statuses);
  json::array errors;
  for (const auto& e : r.errors.sorted()) {
    errors.push_back({{"status", e.status}, {"detail", e.detail}, {"count", e.count}});
  }
  if (r.errors.other() > 0)
    errors.push_back({{"status", 0}, {"detail", "other kinds"}, {"count", r.errors.other()}});
  summary["errors"] = std::move(errors);
  o["summary"] = std::move(summary);

  json::array steps;
  for (const PhaseRecord& s : r.segments) {
    json::object step = requests_json(s.totals, s.duration);
    step["index"] = s.index;
    step["start_s"] = to_seconds(s.start);
    if (s.users > 0) {
      step["users"] = s.users;
    } else {
      step["rate_begin"] = s.rate_begin;
      step["rate_end"] = s.rate_end;
    }
    steps.push_back(std::move(step));
  }
  o["steps"] = std::move(steps);

  json::array windows;
  for (const WindowRecord& w : r.windows) windows.push_back(window_json(w));
  o["windows"] = std::move(windows);
  return o;
}

Result<void> write_text_file(const std::filesystem::path& path, std::string_view text) {
  // Written beside it and moved into place, so that a reader never sees half a file; on any
  // failure (a full disk shows only when the stream is closed) the partial copy is removed.
  const std::filesystem::path temp = path.string() + ".tmp";
  std::ofstream out(temp, std::ios::binary | std::ios::trunc);
  if (out) out << text;
  if (out) out.close();
  if (!out) {
    const std::string why = std::strerror(errno);
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    return fail(ErrorKind::kOutput, "cannot write {}: {}", path.string(), why);
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    return fail(ErrorKind::kOutput, "cannot move {} into place: {}", path.string(), ec.message());
  }
  return {};
}

Result<void> write_json_file(const std::filesystem::path& path, const json::value& value) {
  return write_text_file(path, json::serialize(value) + "\n");
}

}  // namespace iuprobe
