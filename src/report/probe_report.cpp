// SPDX-License-Identifier: Apache-2.0
#include "report/probe_report.h"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <cmath>

#include "report/format.h"
#include "report/run_json.h"
#include "report/run_summary.h"

namespace iuprobe {
namespace {

using Verdict = SearchAnswer::Verdict;

// A per-IU figure only from a capacity, or a bound on one (said as one): never from an
// unfinished search, one that never passed, or a latency knee (no limit in refusals).
bool per_iu_figure(const ProbeReport& report) {
  const SearchAnswer& a = report.answer;
  const bool figure = a.verdict == Verdict::kFound || a.verdict == Verdict::kGeneratorLimited ||
                      (a.verdict == Verdict::kNoLimitFound && !a.knee);
  const bool autoscaled = report.recorded_units && report.recorded_units->changed();
  return report.inference_units > 0 && a.capacity > 0 && figure && !autoscaled;
}

std::string rate_text(double rate) {
  return rate > 0 ? format_rate(rate) : "-";
}

// A small fraction with the digits it needs: 0.07%, 0.10%, 2.5%.
std::string fraction_text(double fraction) {
  const double pct = 100 * fraction;
  return pct < 1 ? fmt::format("{:.2f}%", pct) : fmt::format("{:.1f}%", pct);
}

std::string ms_or_dash(const LatencySummary& s, Duration LatencySummary::*field) {
  return s.count > 0 ? format_ms(s.*field) : "-";
}

}  // namespace

void print_probe_trial(std::FILE* out, const ProbeTrialRecord& r, bool first) {
  if (first) {
    fmt::print(out, "{:>3}  {:<8} {:>10} {:>10} {:>8} {:>9} {:>8} {:>8} {:>8}  {:<7} {}\n", "#",
               "phase", "offered/s", "goodput/s", "answers", "refused", "p50 ms", "p95 ms",
               "p99 ms", "verdict", "capacity is in");
  }
  const auto& t = r.trial;
  fmt::print(out, "{:>3}  {:<8} {:>10} {:>10} {:>8} {:>9} {:>8} {:>8} {:>8}  {:<7} [{}, {})\n",
             r.index, to_string(t.plan.phase), format_rate(t.result.offered),
             format_rate(t.result.goodput), with_commas(t.result.answered),
             format_percent(t.result.refused_fraction), ms_or_dash(r.latency, &LatencySummary::p50),
             ms_or_dash(r.latency, &LatencySummary::p95),
             ms_or_dash(r.latency, &LatencySummary::p99),
             !r.set_aside.empty()         ? "redo"
             : t.result.generator_limited ? "GEN-LIM"
             : t.passed                   ? "pass"
                                          : "fail",
             rate_text(r.lower), r.upper > 0 ? format_rate(r.upper) : "?");
  if (!r.set_aside.empty()) fmt::print(out, "     ({})\n", r.set_aside);
  std::fflush(out);
}

void print_probe_summary(std::FILE* out, const ProbeReport& report) {
  const SearchAnswer& a = report.answer;
  fmt::print(out, "\n");
  switch (a.verdict) {
    case Verdict::kFound: {
      const double margin = a.upper > 0 ? (a.upper / a.capacity - 1) * 100 : 0;
      fmt::print(out, "capacity   {} TPS sustained (refused at {}: within +{:.1f}%)\n",
                 format_rate(a.capacity), format_rate(a.upper), margin);
      break;
    }
    case Verdict::kGeneratorLimited:
      fmt::print(
          out, "capacity   at least {} TPS: the load generator, not the endpoint, was the limit\n",
          format_rate(a.capacity));
      break;
    case Verdict::kNoLimitFound:
      if (a.knee) {
        fmt::print(
            out, "capacity   no limit found: nothing refused, but latency runs away above {} TPS\n",
            format_rate(*a.knee));
      } else {
        fmt::print(out, "capacity   no limit found: nothing was refused up to {} TPS\n",
                   format_rate(a.capacity));
      }
      break;
    case Verdict::kNeverPassed:
      fmt::print(out, "capacity   none: nothing passed, even at {} TPS\n", format_rate(a.upper));
      break;
    case Verdict::kUnfinished:
      fmt::print(out, "capacity   not determined\n");  // the reason follows, as `why`
      break;
  }
  fmt::print(out, "why        {}\n", a.reason);
  if (const auto& s = a.saturated) {
    fmt::print(out,
               "saturated  {} TPS served when over-driven at {}/s ({}-{} per second over {} "
               "over-driven step{})\n",
               format_rate(s->goodput), format_rate(s->offered), format_rate(s->low),
               format_rate(s->high), s->steps, s->steps == 1 ? "" : "s");
  }
  if (!a.saturation_note.empty()) fmt::print(out, "note       {}\n", a.saturation_note);
  if (a.knee) {
    fmt::print(out,
               "knee       {} TPS: p95 {} there, {} at the lowest rates; above it, latency grows\n",
               format_rate(*a.knee), a.knee_p95 ? format_duration(*a.knee_p95) : "?",
               a.base_p95 ? format_duration(*a.base_p95) : "?");
  }
  if (report.failure) fmt::print(out, "ended      {}\n", report.failure->message);
  if (per_iu_figure(report)) {
    fmt::print(out, "per IU     {}{} TPS ({} IU{})\n",
               a.verdict == Verdict::kFound ? "" : "at least ",
               format_rate(a.capacity / report.inference_units), report.inference_units,
               report.inference_units == 1 ? "" : "s");
  }
  if (a.verdict == Verdict::kFound) {
    fmt::print(out, "figure     {}\n",
               figure_description(report.arrivals, report.limits.max_error_rate,
                                  report.limits.confidence));
  }
  if (const ProbeTrialRecord* at = answer_trial(report); at && at->trial.result.answered > 0) {
    const TrialResult& t = at->trial.result;
    fmt::print(out, "evidence   {} answers at {}/s, {} refused (at most {} at {:g}% confidence)\n",
               with_commas(t.answered), format_rate(at->trial.plan.rate), with_commas(t.refused),
               fraction_text(at->refused_bounds.high), report.limits.confidence * 100);
  }
  if (const ProbeTrialRecord* at = answer_trial(report); at && at->latency.count > 0) {
    fmt::print(out, "latency    at {}/s, from scheduled send: p50 {} ms, p95 {} ms, p99 {} ms\n",
               format_rate(at->trial.plan.rate), format_ms(at->latency.p50),
               format_ms(at->latency.p95), format_ms(at->latency.p99));
  }
  print_ranks(out, report.ranks);
  fmt::print(out, "cost       {} of probing over {} trials{}\n", format_duration(report.wall),
             report.trials.size(),
             report.inference_units > 0
                 ? fmt::format(", {:.1f} IU-minutes billed", report.iu_minutes)
                 : "");
  if (const auto& s = report.scaling) {
    if (s->answer.verdict == Verdict::kFound) {
      fmt::print(out, "scaling    {} IUs: {} TPS = {} per IU, {:.1f}% of linear ({})\n",
                 s->inference_units, format_rate(s->answer.capacity),
                 format_rate(s->answer.capacity / s->inference_units), s->efficiency * 100,
                 format_duration(s->wall));
    } else {
      fmt::print(out, "scaling    {} IUs: no capacity found ({}: {})\n", s->inference_units,
                 to_string(s->answer.verdict), s->answer.reason);
    }
  }
  for (const std::string& w : report.warnings) fmt::print(out, "warning    {}\n", w);
}

boost::json::object trial_json(const ProbeTrialRecord& r) {
  const auto& t = r.trial;
  return {{"index", r.index},
          {"phase", to_string(t.plan.phase)},
          {"started_s", to_seconds(r.started)},
          {"rate", t.plan.rate},
          {"duration_s", to_seconds(t.plan.duration)},
          {"drain_rate", t.plan.drain_rate},
          {"drain_s", to_seconds(t.plan.drain)},
          {"settle_s", to_seconds(t.plan.settle)},
          {"offered_per_s", t.result.offered},
          {"sent_per_s", t.result.sent},
          {"goodput_per_s", t.result.goodput},
          {"throttled_per_s", r.throttled_per_s},
          {"errors_per_s", r.errors_per_s},
          {"refused_fraction", t.result.refused_fraction},
          {"answered", t.result.answered},
          {"refused", t.result.refused},
          {"timed_out", t.result.timed_out},
          {"unanswered", t.result.unanswered},
          {"refused_low", r.refused_bounds.low},
          {"refused_high", r.refused_bounds.high},
          {"error_fraction", t.result.error_fraction},
          {"dominant_error", t.result.dominant_error},
          {"goodput_low_per_s", t.result.goodput_low},
          {"goodput_high_per_s", t.result.goodput_high},
          {"latency_ms", latency_json(r.latency)},
          {"generator_limited", t.result.generator_limited},
          {"generator",
           {{"sent_fraction", r.generator.sent_fraction},
            {"late_fraction", r.generator.late_fraction},
            {"queued_fraction", r.generator.queued_fraction},
            {"peak_worker_cpu", r.generator.peak_cpu}}},
          {"generator_reason", t.result.generator_reason},
          {"passed", t.passed},
          {"set_aside", r.set_aside},
          {"lower", r.lower},
          {"upper", r.upper}};
}

namespace {

boost::json::value saturation_json(const std::optional<Saturation>& s) {
  if (!s) return nullptr;
  return boost::json::object{{"goodput_tps", s->goodput},
                             {"low_tps", s->low},
                             {"high_tps", s->high},
                             {"steps", s->steps},
                             {"offered_tps", s->offered}};
}

}  // namespace

boost::json::object probe_json(const ProbeReport& report) {
  boost::json::array trials;
  for (const ProbeTrialRecord& r : report.trials) trials.push_back(trial_json(r));
  boost::json::array series;
  for (const WindowRecord& w : report.series) series.push_back(series_point_json(w));
  const SearchAnswer& a = report.answer;
  boost::json::object answer{{"verdict", to_string(a.verdict)},
                             {"capacity_tps", a.capacity},
                             {"upper_tps", a.upper},
                             {"reason", a.reason},
                             {"saturated", saturation_json(a.saturated)},
                             {"saturation_note", a.saturation_note},
                             {"inference_units", report.inference_units}};
  answer["knee_tps"] = a.knee ? boost::json::value(*a.knee) : nullptr;
  if (a.knee && a.knee_p95) answer["knee_p95_ms"] = to_millis(*a.knee_p95);
  if (a.knee && a.base_p95) answer["base_p95_ms"] = to_millis(*a.base_p95);
  if (per_iu_figure(report)) answer["tps_per_iu"] = a.capacity / report.inference_units;
  if (const ProbeTrialRecord* at = answer_trial(report))
    answer["latency_ms"] = latency_json(at->latency);
  boost::json::array warnings;
  for (const auto& w : report.warnings) warnings.push_back(boost::json::string(w));
  const SearchLimits& l = report.limits;
  boost::json::object limits{{"max_error_rate", l.max_error_rate},
                             {"confidence", l.confidence},
                             {"arrivals", to_string(report.arrivals)},
                             {"precision", l.precision},
                             {"start_tps", l.start_rate},
                             {"max_tps", l.max_rate}};
  if (l.slo_p95) limits["slo_p95_ms"] = to_millis(*l.slo_p95);
  if (l.slo_p99) limits["slo_p99_ms"] = to_millis(*l.slo_p99);
  boost::json::value scaling;
  if (const auto& s = report.scaling) {
    scaling = {{"inference_units", s->inference_units}, {"verdict", to_string(s->answer.verdict)},
               {"capacity_tps", s->answer.capacity},    {"upper_tps", s->answer.upper},
               {"efficiency", s->efficiency},           {"wall_s", to_seconds(s->wall)}};
  }
  boost::json::value recorded;
  if (const auto& u = report.recorded_units) {
    recorded = {{"before", u->before ? boost::json::value(*u->before) : nullptr},
                {"in_service_low", u->low},
                {"in_service_high", u->high},
                {"desired_high", u->desired_high},
                {"minutes", u->minutes},
                {"autoscaled", u->changed()}};
  }
  return {{"schema", "iuprobe.probe"},
          {"scaling", std::move(scaling)},
          {"recorded_units", std::move(recorded)},
          {"schema_version", 1},
          {"target", report.target},
          {"answer", std::move(answer)},
          {"limits", std::move(limits)},
          {"wall_s", to_seconds(report.wall)},
          {"iu_minutes", report.iu_minutes},
          {"interrupted", report.interrupted},
          {"failure", report.failure ? boost::json::value{{"kind", to_string(report.failure->kind)},
                                                          {"message", report.failure->message}}
                                     : boost::json::value(nullptr)},
          {"warnings", std::move(warnings)},
          {"ranks", ranks_json(report.ranks)},
          {"trials", std::move(trials)},
          {"series", std::move(series)}};
}

Result<ProbeCapacity> read_probe_tps_per_iu(std::string_view json_text) {
  boost::system::error_code ec;
  const boost::json::value root = boost::json::parse(json_text, ec);
  const boost::json::object* result = ec ? nullptr : root.if_object();
  const boost::json::value* schema = result ? result->if_contains("schema") : nullptr;
  const boost::json::object* answer = nullptr;
  if (const auto* a = result ? result->if_contains("answer") : nullptr) answer = a->if_object();
  const boost::json::value* verdict = answer ? answer->if_contains("verdict") : nullptr;
  if (!schema || *schema != "iuprobe.probe" || !verdict || !verdict->is_string()) {
    return fail(ErrorKind::kInput,
                "not a result.json written by iuprobe probe (run results carry no capacity); give "
                "--tps-per-iu instead");
  }
  if (*verdict == "generator-limited") {
    return fail(ErrorKind::kInput,
                "that probe was limited by the load generator, so its figure is a lower bound, "
                "not a capacity; probe again with more threads/connections, or give "
                "--tps-per-iu if you accept it");
  }
  if (*verdict != "found") {
    return fail(ErrorKind::kInput, "that probe found no capacity ({})",
                std::string_view(verdict->get_string()));
  }
  const boost::json::value* per_iu = answer->if_contains("tps_per_iu");
  if (!per_iu || !per_iu->is_number()) {
    return fail(ErrorKind::kInput,
                "the probe did not know the IU count (probe with --iu N); give --tps-per-iu "
                "instead");
  }
  const double value = per_iu->to_number<double>();
  if (!(value > 0) || !std::isfinite(value))
    return fail(ErrorKind::kInput, "its TPS per IU ({}) is not a capacity", value);
  // Older results carry no arrivals: their probes spaced requests evenly.
  Arrivals arrivals = Arrivals::kUniform;
  double tolerance = 0, confidence = SearchLimits{}.confidence;
  const boost::json::object* limits = nullptr;
  if (const auto* l = result->if_contains("limits")) limits = l->if_object();
  if (limits) {
    if (const auto* a = limits->if_contains("arrivals"); a && *a == "poisson")
      arrivals = Arrivals::kPoisson;
    if (const auto* t = limits->if_contains("max_error_rate"); t && t->is_number())
      tolerance = t->to_number<double>();
    if (const auto* c = limits->if_contains("confidence"); c && c->is_number())
      confidence = c->to_number<double>();
  }
  return ProbeCapacity{value, figure_description(arrivals, tolerance, confidence)};
}

std::string figure_description(Arrivals arrivals, double max_error_rate, double confidence) {
  const std::string spacing =
      arrivals == Arrivals::kPoisson ? "Poisson (random) arrivals" : "evenly spaced requests";
  if (max_error_rate <= 0) return fmt::format("the sustainable rate for {}, none refused", spacing);
  // Evenly spaced, a step that refused nothing passed however short: the tolerance is for
  // stray refusals, and only those were judged at the confidence.
  if (arrivals == Arrivals::kUniform)
    return fmt::format(
        "the sustainable rate for {}, at most {} refused as strays (a step with none passes at "
        "once; one with a few is judged at {:g}% confidence)",
        spacing, fraction_text(max_error_rate), confidence * 100);
  return fmt::format("the sustainable rate for {}, at most {} refused ({:g}% confidence)", spacing,
                     fraction_text(max_error_rate), confidence * 100);
}

}  // namespace iuprobe
