// SPDX-License-Identifier: Apache-2.0
#include "report/run_summary.h"

#include <fmt/format.h>

#include <csignal>

#include "report/format.h"

namespace iuprobe {
namespace {

std::string join_rates(const RateProfile& profile) {
  std::string out;
  for (const RateSegment& s : profile.segments()) {
    if (!is_judged(s.phase)) continue;
    if (!out.empty()) out += ", ";
    out += format_rate(s.rate_begin);
  }
  return out;
}

void print_latency_row(std::FILE* out, std::string_view label, const LatencyHistogram& h) {
  if (h.count() == 0) {
    fmt::print(out, "  {:<15} (no successful responses)\n", label);
    return;
  }
  fmt::print(out, "  {:<15} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}\n", label,
             format_ms(h.percentile(50)), format_ms(h.percentile(90)), format_ms(h.percentile(95)),
             format_ms(h.percentile(99)), format_ms(h.percentile(99.9)), format_ms(h.max()));
}

void print_steps(std::FILE* out, const RunResult& r, bool closed_loop) {
  if (r.segments.size() < 2) return;
  fmt::print(out, "\nsteps\n  {:>4} {:>10} {:>10} {:>10} {:>11} {:>9} {:>9} {:>9} {:>9}\n", "#",
             closed_loop ? "users" : "offered/s", "sent/s", "goodput/s", "throttled/s", "errors/s",
             "p50 ms", "p95 ms", "p99 ms");
  for (const PhaseRecord& s : r.segments) {
    const Window& t = s.totals;
    const std::string load =
        closed_loop ? std::to_string(s.users) : format_rate(per_second(t.scheduled, s.duration));
    const bool any = t.latency.count() > 0;
    fmt::print(out, "  {:>4} {:>10} {:>10} {:>10} {:>11} {:>9} {:>9} {:>9} {:>9}\n", s.index + 1,
               load, format_rate(per_second(t.sent, s.duration)),
               format_rate(per_second(t.count(Outcome::kOk), s.duration)),
               format_rate(per_second(t.count(Outcome::kThrottled), s.duration)),
               format_rate(per_second(t.errors(), s.duration)),
               any ? format_ms(t.latency.percentile(50)) : "-",
               any ? format_ms(t.latency.percentile(95)) : "-",
               any ? format_ms(t.latency.percentile(99)) : "-");
  }
}

}  // namespace

std::string describe_shape(const LoadShape& shape) {
  if (const auto* open = std::get_if<OpenLoop>(&shape)) {
    const std::string arrivals = open->arrivals == Arrivals::kPoisson ? "Poisson" : "uniform";
    std::vector<const RateSegment*> measured;
    for (const RateSegment& s : open->profile.segments()) {
      if (is_judged(s.phase)) measured.push_back(&s);
    }
    if (measured.size() == 1 && measured[0]->rate_begin != measured[0]->rate_end) {
      return fmt::format("ramp {} -> {}/s over {}, {} arrivals",
                         format_rate(measured[0]->rate_begin), format_rate(measured[0]->rate_end),
                         format_duration(measured[0]->duration), arrivals);
    }
    if (measured.size() == 1) {
      return fmt::format("constant {}/s for {}, {} arrivals", format_rate(measured[0]->rate_begin),
                         format_duration(measured[0]->duration), arrivals);
    }
    return fmt::format("steps {}/s x {}, {} arrivals", join_rates(open->profile),
                       measured.empty() ? "0s" : format_duration(measured[0]->duration), arrivals);
  }
  const auto& closed = std::get<ClosedLoop>(shape);
  std::string users;
  Duration step{};
  for (const UsersSegment& s : closed.profile.segments()) {
    if (!is_judged(s.phase)) continue;
    if (!users.empty()) users += ", ";
    users += std::to_string(s.users);
    step = s.duration;
  }
  std::string text = fmt::format("closed loop: users {} x {}", users, format_duration(step));
  if (closed.profile.pacing())
    text += fmt::format(", pacing {}", format_duration(*closed.profile.pacing()));
  return text;
}

void print_ranks(std::FILE* out, const std::vector<RankRun>& ranks) {
  if (ranks.empty()) return;
  fmt::print(out, "ranks      {} MPI ranks sent one schedule:\n", ranks.size());
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    const RankRun& rank = ranks[r];
    fmt::print(out, "           rank {} on {}: {} sent ({}), {}\n", r, rank.host,
               with_commas(rank.sent), format_percent(sent_share(ranks, r)),
               rank.generator.bound ? "FELL BEHIND" : "kept up");
  }
}

void print_run_summary(std::FILE* out, std::string_view target, const LoadShape& shape,
                       const RunResult& r) {
  const Window& t = r.total;
  const bool closed_loop = std::holds_alternative<ClosedLoop>(shape);
  fmt::print(out, "\n== iuprobe run: {} ({})\n", target, r.address);
  fmt::print(out, "shape      {}\n", describe_shape(shape));
  std::string measured = fmt::format("measured   {}", format_duration(r.measured));
  if (r.warmup.count() > 0)
    measured += fmt::format(" (after a {} warm-up, not recorded)", format_duration(r.warmup));
  if (r.interrupted_by != 0) {
    measured += fmt::format(" -- INTERRUPTED by {}, partial result", signal_name(r.interrupted_by));
  }
  if (r.stopped_early) measured += " -- STOPPED EARLY, partial result";
  fmt::print(out, "{}\n", measured);

  const std::uint64_t answered = t.completed();
  const auto share = [&](Outcome o) {
    return answered == 0 ? std::string("0")
                         : fmt::format("{} ({})", with_commas(t.count(o)),
                                       format_percent(static_cast<double>(t.count(o)) /
                                                      static_cast<double>(answered)));
  };
  fmt::print(out, "requests   {} scheduled, {} sent, {} answered or failed\n",
             with_commas(t.scheduled), with_commas(t.sent), with_commas(answered));
  fmt::print(out,
             "outcomes   ok {}, throttled {}, client error {}, server error {}, timeout {}, "
             "transport {}\n",
             share(Outcome::kOk), share(Outcome::kThrottled), share(Outcome::kClientError),
             share(Outcome::kServerError), share(Outcome::kTimeout),
             share(Outcome::kTransportError));
  fmt::print(out, "rates/s    offered {}, sent {}, goodput {}, throttled {}, errors {}\n",
             format_rate(per_second(t.scheduled, r.measured)),
             format_rate(per_second(t.sent, r.measured)),
             format_rate(per_second(t.count(Outcome::kOk), r.measured)),
             format_rate(per_second(t.count(Outcome::kThrottled), r.measured)),
             format_rate(per_second(t.errors(), r.measured)));
  fmt::print(out, "latency    ok responses, ms {:>5} {:>9} {:>9} {:>9} {:>9} {:>9}\n", "p50", "p90",
             "p95", "p99", "p99.9", "max");
  print_latency_row(out, closed_loop ? "from send" : "from schedule", t.latency);
  if (!closed_loop) print_latency_row(out, "from send", t.service_latency);

  if (const auto seen = r.statuses.seen(); !seen.empty()) {
    std::string statuses;
    for (const auto& [status, count] : seen) {
      statuses +=
          fmt::format("{}{} x {}", statuses.empty() ? "" : ", ", status, with_commas(count));
    }
    fmt::print(out, "statuses   {}\n", statuses);
  }
  if (!r.errors.empty()) {
    fmt::print(out, "not ok     ");
    bool first = true;
    for (const auto& e : r.errors.sorted()) {
      const std::string what = e.status == 0 ? e.detail
                                             : fmt::format("HTTP {}{}{}", e.status,
                                                           e.detail.empty() ? "" : " ", e.detail);
      fmt::print(out, "{}{} x {}\n", first ? "" : "           ", what, with_commas(e.count));
      first = false;
    }
    if (r.errors.other() > 0)
      fmt::print(out, "           other kinds x {}\n", with_commas(r.errors.other()));
  }
  print_steps(out, r, closed_loop);

  if (r.stopped_early) fmt::print(out, "\n!! STOPPED: {}\n", r.stopped_early->message);
  const GeneratorCheck& g = r.generator;
  if (g.bound) {
    fmt::print(out,
               "\n!! GENERATOR-BOUND: the load generator, not the server, limited this run:\n");
    for (const std::string& reason : g.reasons) fmt::print(out, "!!   - {}\n", reason);
    fmt::print(out,
               "!! Read these figures as lower bounds for the server, never as its capacity.\n");
  } else {
    fmt::print(out,
               "generator  kept up: {} of sends late, {} waited for a connection, busiest thread "
               "{} of a core\n",
               format_percent(g.late_fraction), format_percent(g.queued_fraction),
               format_percent(g.peak_cpu));
  }
  print_ranks(out, r.ranks);
  std::fflush(out);
}

}  // namespace iuprobe
