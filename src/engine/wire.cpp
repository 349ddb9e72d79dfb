// SPDX-License-Identifier: Apache-2.0
#include "engine/wire.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <stdexcept>

namespace iuprobe {
namespace {

namespace json = boost::json;

// Reading: a missing field, a wrong type or a value out of range throws; decode() turns that
// into an Error that names the message.
const json::value& at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) throw std::invalid_argument(fmt::format("no '{}'", key));
  return *v;
}

template <class T>
T number(const json::value& v) {
  const T n = v.to_number<T>();  // throws when not a number or out of T's range
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(n)) throw std::invalid_argument("a number that is not finite");
  }
  return n;
}

template <class T>
T number(const json::object& o, std::string_view key) {
  return number<T>(at(o, key));
}

Duration duration(const json::value& v) {
  const auto ns = number<std::int64_t>(v);
  if (ns < 0) throw std::invalid_argument("a negative duration");
  return Duration{ns};
}

double rate(const json::value& v) {
  const auto r = number<double>(v);
  if (r < 0) throw std::invalid_argument("a negative rate");
  return r;
}

Phase phase(const json::value& v) {
  const auto p = number<unsigned>(v);
  if (p > static_cast<unsigned>(Phase::kMeasure)) throw std::invalid_argument("an unknown phase");
  return static_cast<Phase>(p);
}

json::object message(std::string_view kind) {
  return {{"v", kWireVersion}, {"kind", kind}};
}

template <class Read>
auto decode(std::string_view text, std::string_view kind, Read read)
    -> Result<decltype(read(json::object{}))> {
  try {
    const json::value v = json::parse(text);
    const json::object& o = v.as_object();
    if (number<int>(o, "v") != kWireVersion || at(o, "kind").as_string() != kind) {
      throw std::invalid_argument(fmt::format("version {} of '{}', expected version {} of '{}'",
                                              json::serialize(at(o, "v")),
                                              json::serialize(at(o, "kind")), kWireVersion, kind));
    }
    return read(o);
  } catch (const std::exception& e) {
    return fail(ErrorKind::kInternal,
                "another rank sent a {} message this iuprobe cannot read ({}): run the same "
                "iuprobe version on every rank",
                kind, e.what());
  }
}

json::value histogram(const LatencyHistogram& h) {
  const LatencyHistogram::State s = h.state();
  json::array buckets;
  buckets.reserve(s.buckets.size());
  for (const auto& [index, count] : s.buckets) buckets.push_back(json::array{index, count});
  return {{"buckets", std::move(buckets)},
          {"min_ns", s.min_ns},
          {"max_ns", s.max_ns},
          {"sum_ns", s.sum_ns}};
}

LatencyHistogram histogram(const json::value& v) {
  const json::object& o = v.as_object();
  LatencyHistogram::State s{.min_ns = number<std::uint64_t>(o, "min_ns"),
                            .max_ns = number<std::uint64_t>(o, "max_ns"),
                            .sum_ns = number<double>(o, "sum_ns")};
  for (const json::value& b : at(o, "buckets").as_array()) {
    const json::array& pair = b.as_array();
    if (pair.size() != 2) throw std::invalid_argument("a histogram bucket that is not a pair");
    s.buckets.emplace_back(number<std::uint32_t>(pair[0]), number<std::uint64_t>(pair[1]));
  }
  auto h = LatencyHistogram::from_state(s);
  if (!h) throw std::invalid_argument("a histogram whose buckets are out of range or repeated");
  return std::move(*h);
}

json::value window(const Window& w) {
  json::array outcomes(w.outcomes.begin(), w.outcomes.end());
  return {{"outcomes", std::move(outcomes)},
          {"scheduled", w.scheduled},
          {"sent", w.sent},
          {"late", w.late},
          {"queued", w.queued},
          {"bytes_sent", w.bytes_sent},
          {"bytes_received", w.bytes_received},
          {"latency", histogram(w.latency)},
          {"service_latency", histogram(w.service_latency)}};
}

Window window(const json::value& v) {
  const json::object& o = v.as_object();
  Window w;
  const json::array& outcomes = at(o, "outcomes").as_array();
  if (outcomes.size() != kOutcomeCount) throw std::invalid_argument("a window's outcomes");
  for (std::size_t i = 0; i < kOutcomeCount; ++i)
    w.outcomes[i] = number<std::uint64_t>(outcomes[i]);
  w.scheduled = number<std::uint64_t>(o, "scheduled");
  w.sent = number<std::uint64_t>(o, "sent");
  w.late = number<std::uint64_t>(o, "late");
  w.queued = number<std::uint64_t>(o, "queued");
  w.bytes_sent = number<std::uint64_t>(o, "bytes_sent");
  w.bytes_received = number<std::uint64_t>(o, "bytes_received");
  w.latency = histogram(at(o, "latency"));
  w.service_latency = histogram(at(o, "service_latency"));
  return w;
}

json::array open_segments(const RateProfile& profile) {
  json::array out;
  for (const RateSegment& s : profile.segments()) {
    out.push_back(
        json::array{s.duration.count(), s.rate_begin, s.rate_end, static_cast<unsigned>(s.phase)});
  }
  return out;
}

json::array closed_segments(const UsersProfile& profile) {
  json::array out;
  for (const UsersSegment& s : profile.segments()) {
    out.push_back(json::array{s.duration.count(), s.users, static_cast<unsigned>(s.phase)});
  }
  return out;
}

const json::array& fields(const json::value& v, std::size_t count) {
  const json::array& a = v.as_array();
  if (a.size() != count) throw std::invalid_argument("a segment with the wrong number of fields");
  return a;
}

json::value error_json(const Error& e) {
  return {{"kind", static_cast<unsigned>(e.kind)}, {"message", e.message}};
}

Error read_error(const json::value& v) {
  const json::object& o = v.as_object();
  const auto kind = number<unsigned>(o, "kind");
  if (kind > static_cast<unsigned>(ErrorKind::kInternal))
    throw std::invalid_argument("an unknown kind of error");
  return Error{.kind = static_cast<ErrorKind>(kind),
               .message = std::string(at(o, "message").as_string())};
}

json::value peer_flags(const PeerFlags& f) {
  return {{"done", f.done},
          {"stop_requests", f.stop_requests},
          {"stop_signal", f.stop_signal},
          {"abort", f.abort ? error_json(*f.abort) : json::value(nullptr)}};
}

PeerFlags peer_flags(const json::value& v) {
  const json::object& o = v.as_object();
  PeerFlags f{.done = at(o, "done").as_bool(),
              .stop_requests = number<int>(o, "stop_requests"),
              .stop_signal = number<int>(o, "stop_signal")};
  if (const json::value& abort = at(o, "abort"); !abort.is_null()) f.abort = read_error(abort);
  return f;
}

void write_plan(json::object& o, const LoadShape& plan) {
  if (const auto* open = std::get_if<OpenLoop>(&plan)) {
    o["loop"] = "open";
    o["arrivals"] = to_string(open->arrivals);
    o["segments"] = open_segments(open->profile);
  } else {
    const UsersProfile& users = std::get<ClosedLoop>(plan).profile;
    o["loop"] = "closed";
    o["pacing_ns"] = users.pacing() ? json::value(users.pacing()->count()) : json::value(nullptr);
    o["segments"] = closed_segments(users);
  }
}

LoadShape read_plan(const json::object& o) {
  const json::string& loop = at(o, "loop").as_string();
  const json::array& segments = at(o, "segments").as_array();
  if (segments.empty()) throw std::invalid_argument("a plan without segments");
  // Durations that could not be added up: a plan of at most a year.
  Duration total{};
  for (const json::value& s : segments) {
    total += duration(fields(s, loop == "open" ? 4 : 3)[0]);
    if (total > std::chrono::hours(24 * 366))
      throw std::invalid_argument("a plan over a year long");
  }
  if (loop == "open") {
    auto arrivals = parse_arrivals(at(o, "arrivals").as_string());
    if (!arrivals) throw std::invalid_argument(arrivals.error().message);
    std::vector<RateSegment> out;
    for (const json::value& s : segments) {
      const json::array& f = fields(s, 4);
      out.push_back(RateSegment{.duration = duration(f[0]),
                                .rate_begin = rate(f[1]),
                                .rate_end = rate(f[2]),
                                .phase = phase(f[3])});
    }
    return OpenLoop{.profile = RateProfile(std::move(out)), .arrivals = *arrivals};
  }
  if (loop != "closed") throw std::invalid_argument("a loop that is neither open nor closed");
  std::vector<UsersSegment> out;
  for (const json::value& s : segments) {
    const json::array& f = fields(s, 3);
    out.push_back(UsersSegment{
        .duration = duration(f[0]), .users = number<unsigned>(f[1]), .phase = phase(f[2])});
  }
  const json::value& pacing = at(o, "pacing_ns");
  return ClosedLoop{UsersProfile(
      std::move(out), pacing.is_null() ? std::nullopt : std::optional<Duration>(duration(pacing)))};
}

}  // namespace

std::string encode_plan(const LoadShape& plan) {
  json::object o = message("plan");
  write_plan(o, plan);
  return json::serialize(o);
}

Result<LoadShape> decode_plan(std::string_view text) {
  return decode(text, "plan", read_plan);
}

std::string encode_order(const PlanOrder& order) {
  json::object o = message("order");
  if (order.plan) {
    json::object plan;
    write_plan(plan, *order.plan);
    o["plan"] = std::move(plan);
  } else {
    o["plan"] = nullptr;
  }
  o["start_ns"] =
      std::chrono::duration_cast<std::chrono::nanoseconds>(order.start.time_since_epoch()).count();
  return json::serialize(o);
}

Result<PlanOrder> decode_order(std::string_view text) {
  return decode(text, "order", [](const json::object& o) {
    PlanOrder order;
    if (const json::value& plan = at(o, "plan"); !plan.is_null()) {
      order.plan = read_plan(plan.as_object());
    }
    order.start = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::nanoseconds(number<std::int64_t>(o, "start_ns"))));
    return order;
  });
}

std::string encode_ready(const std::string& host, const std::optional<Error>& failure) {
  json::object o = message("ready");
  o["host"] = host;
  o["failure"] = failure ? error_json(*failure) : json::value(nullptr);
  return json::serialize(o);
}

Result<std::pair<std::string, std::optional<Error>>> decode_ready(std::string_view text) {
  return decode(text, "ready", [](const json::object& o) {
    const json::value& failure = at(o, "failure");
    return std::pair{std::string(at(o, "host").as_string()),
                     failure.is_null() ? std::nullopt : std::optional<Error>(read_error(failure))};
  });
}

std::string encode_window(const WorkerReport& report, const PeerFlags& flags) {
  json::object o = message("window");
  o["window"] = window(report.window);
  o["in_flight"] = report.in_flight;
  o["connections"] = report.connections;
  o["cpu"] = report.cpu;
  o["flags"] = peer_flags(flags);  // flags.done is the report's plan_done
  return json::serialize(o);
}

Result<std::pair<WorkerReport, PeerFlags>> decode_window(std::string_view text) {
  return decode(text, "window", [](const json::object& o) {
    PeerFlags flags = peer_flags(at(o, "flags"));
    return std::pair{WorkerReport{.window = window(at(o, "window")),
                                  .in_flight = number<std::uint64_t>(o, "in_flight"),
                                  .connections = number<std::uint64_t>(o, "connections"),
                                  .cpu = number<double>(o, "cpu"),
                                  .plan_done = flags.done},
                     std::move(flags)};
  });
}

std::string encode_verdict(const PeerFlags& flags) {
  json::object o = message("verdict");
  o["flags"] = peer_flags(flags);
  return json::serialize(o);
}

Result<PeerFlags> decode_verdict(std::string_view text) {
  return decode(text, "verdict", [](const json::object& o) { return peer_flags(at(o, "flags")); });
}

std::string encode_totals(const PlanTotals& totals) {
  json::object o = message("totals");
  json::array phases;
  for (const Window& w : totals.phases) phases.push_back(window(w));
  o["phases"] = std::move(phases);
  json::array statuses;
  for (const auto& [status, count] : totals.statuses.seen()) statuses.push_back({status, count});
  o["statuses"] = std::move(statuses);
  json::array errors;
  for (const ErrorTally::Entry& e : totals.errors.sorted())
    errors.push_back({e.status, e.detail, e.count});
  o["errors"] = std::move(errors);
  o["other_errors"] = totals.errors.other();
  return json::serialize(o);
}

Result<PlanTotals> decode_totals(std::string_view text) {
  return decode(text, "totals", [](const json::object& o) {
    PlanTotals t;
    for (const json::value& w : at(o, "phases").as_array()) t.phases.push_back(window(w));
    for (const json::value& s : at(o, "statuses").as_array()) {
      const json::array& f = fields(s, 2);
      t.statuses.add(number<unsigned>(f[0]), number<std::uint64_t>(f[1]));
    }
    for (const json::value& e : at(o, "errors").as_array()) {
      const json::array& f = fields(e, 3);
      t.errors.add(number<unsigned>(f[0]), f[1].as_string(), number<std::uint64_t>(f[2]));
    }
    t.errors.add_other(number<std::uint64_t>(o, "other_errors"));
    return t;
  });
}

}  // namespace iuprobe
