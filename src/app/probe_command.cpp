// SPDX-License-Identifier: Apache-2.0
#include "app/probe_command.h"

#include <fmt/format.h>

#include "app/exit_codes.h"
#include "app/run_command.h"
#include "core/interrupt.h"
#include "engine/runner.h"
#include "plan/plan.h"
#include "report/html_report.h"
#include "report/live_table.h"
#include "report/plan_report.h"
#include "report/probe_report.h"
#include "report/run_json.h"

namespace iuprobe {
namespace {

using Clock = std::chrono::steady_clock;

// Keeps each second of a trial (drain and settle marked warmup), for the report's time series.
class TrialWindows final : public RunObserver {
 public:
  void on_window(const WindowRecord& window) override { windows.push_back(window); }
  std::vector<WindowRecord> windows;
};

// Whether the generator fell behind, as opposed to jitter: a few late sends on a busy machine
// do not invalidate a trial, failing to send what was scheduled does.
std::string generator_shortfall(const RunResult& r) {
  const double scheduled = static_cast<double>(r.total.scheduled);
  if (scheduled > 0 && r.total.sent < 0.97 * scheduled)
    return fmt::format("sent {} of {} scheduled requests", r.total.sent, r.total.scheduled);
  if (r.generator.queued_fraction > 0.05)
    return fmt::format("{:.0f}% of sends waited for a free connection (raise --max-connections)",
                       r.generator.queued_fraction * 100);
  if (r.generator.late_fraction > 0.2)
    return fmt::format("{:.0f}% of sends left late", r.generator.late_fraction * 100);
  if (!r.windows.empty() && r.generator.cpu_saturated_windows * 2 > r.windows.size())
    return "a worker thread was CPU-saturated";
  return "";
}

TrialResult to_trial_result(const RunResult& r) {
  const double seconds = std::max(1e-9, to_seconds(r.measured));
  const Window& w = r.total;
  TrialResult t;
  t.offered = w.scheduled / seconds;
  t.sent = w.sent / seconds;
  t.goodput = w.count(Outcome::kOk) / seconds;
  const double answered = static_cast<double>(w.completed());
  t.refused_fraction = answered > 0 ? (w.count(Outcome::kThrottled) + w.errors()) / answered : 0;
  const LatencySummary latency = LatencySummary::of(w.latency);
  if (latency.count > 0) {
    t.p95 = latency.p95;
    t.p99 = latency.p99;
  }
  t.generator_reason = generator_shortfall(r);
  t.generator_limited = !t.generator_reason.empty();
  return t;
}

Result<SearchLimits> build_limits(const ProbeOptions& o) {
  SearchLimits limits;
  if (!(o.max_error_rate >= 0 && o.max_error_rate < 1))
    return fail("--max-error-rate {}: give a fraction from 0 to 1, e.g. 0.01 for 1%",
                o.max_error_rate);
  if (!(o.start_tps > 0)) return fail("--start-tps must be above zero");
  if (!(o.max_tps >= o.start_tps)) return fail("--max-tps must be at least --start-tps");
  if (!(o.precision >= 0.005 && o.precision <= 0.2))
    return fail("--precision {}: give a fraction from 0.005 to 0.2", o.precision);
  limits.max_error_rate = o.max_error_rate;
  limits.start_rate = o.start_tps;
  limits.max_rate = o.max_tps;
  limits.precision = o.precision;
  for (auto [text, out, name] : {std::tuple{&o.slo_p95, &limits.slo_p95, "--slo-p95"},
                                 std::tuple{&o.slo_p99, &limits.slo_p99, "--slo-p99"}}) {
    if (text->empty()) continue;
    auto parsed = parse_duration(*text);
    if (!parsed) return with_context(parsed.error(), name);
    *out = *parsed;
  }
  return limits;
}

// The plans asked for with --target-tps and --batch, as the terminal shows them.
std::string render_plans(const ProbeOptions& o, const ProbeReport& report) {
  const auto& a = report.answer;
  if (!o.target_tps && !o.batch_images) return "";
  if (a.verdict != SearchAnswer::Verdict::kFound) {
    return fmt::format("\nplan       not made: the probe found no capacity to plan with ({})\n",
                       to_string(a.verdict));
  }
  std::string out;
  const unsigned iu = std::max(1u, report.inference_units);
  const double per_iu = a.capacity / iu;
  if (report.inference_units == 0)
    out += "\nplan       assumes the endpoint had 1 IU (give --iu N for a per-IU figure)\n";
  const PriceSource price{o.price_per_iu_hour.value_or(kDefaultPricePerIuHour),
                          o.price_per_iu_hour.has_value()};
  if (o.target_tps) {
    if (auto plan = plan_for_rate(*o.target_tps, per_iu, 0, 1, price.usd_per_iu_hour))
      out += "\n" + render_rate_plan(*plan, 1, price);
    else
      out += "\nplan       " + plan.error().message + "\n";
  }
  if (o.batch_images) {
    auto within = parse_duration(o.within);
    if (!within) return out + "\nplan       --within: " + within.error().message + "\n";
    const BatchInput input{.images = *o.batch_images,
                           .deadline = *within,
                           .tps_per_iu = per_iu,
                           .price_per_iu_hour = price.usd_per_iu_hour};
    if (auto plan = plan_batch(input))
      out += "\n" + render_batch_plan(*plan, input, price);
    else
      out += "\nplan       " + plan.error().message + "\n";
  }
  return out;
}

enum class SearchEnd { kDone, kInterrupted, kFailed };

// Runs the search to its end, one run_load per trial, filling the report's trials, series,
// answer and wall time.
SearchEnd run_search(const RunConfig& base, const SearchLimits& limits, ProbeReport& report,
                     LiveSession& live) {
  MaxRateSearch search(limits);
  SearchEnd end = SearchEnd::kDone;
  const auto began = Clock::now();
  Duration last_p99{};
  while (auto plan = search.next()) {
    RunConfig config = base;
    std::vector<RateSegment> segments;
    if (plan->drain_rate > 0) {
      segments.push_back({plan->drain, plan->drain_rate, plan->drain_rate, true});
      // The drain's requests hold the server's slots for about one latency: wait that out.
      const Duration settle =
          std::min<Duration>(std::max(plan->settle, 3 * last_p99), std::chrono::seconds(3));
      segments.push_back({settle, plan->rate, plan->rate, true});
    }
    segments.push_back({plan->duration, plan->rate, plan->rate, false});
    config.load = OpenLoop{RateProfile(std::move(segments))};
    TrialWindows windows;
    std::vector<RunObserver*> observers{&windows};
    if (live.feed()) observers.push_back(live.feed());
    FanOut fan_out(std::move(observers));
    const Duration started = Clock::now() - began;
    live.publish("step", {{"index", search.trials().size() + 1},
                          {"phase", to_string(plan->phase)},
                          {"rate", plan->rate},
                          {"duration_s", to_seconds(plan->duration)},
                          {"drain_rate", plan->drain_rate},
                          {"drain_s", to_seconds(plan->drain)}});
    auto result = run_load(config, fan_out);
    if (!result) {
      print_error(result.error());
      live.failed(result.error().message);
      end = SearchEnd::kFailed;
      break;
    }
    if (result->interrupted_by != 0) {
      report.interrupted = true;
      end = SearchEnd::kInterrupted;
      break;
    }
    if (!result->stopped_early.empty()) {
      fmt::print("stopped    {}\n", result->stopped_early);
      live.failed(result->stopped_early);
      end = SearchEnd::kFailed;
      break;
    }
    const TrialResult trial = to_trial_result(*result);
    if (trial.p99) last_p99 = *trial.p99;
    search.record(*plan, trial);
    const double seconds = std::max(1e-9, to_seconds(result->measured));
    ProbeTrialRecord record{.index = search.trials().size(),
                            .trial = search.trials().back(),
                            .started = started,
                            .lower = search.lower(),
                            .upper = search.upper(),
                            .throttled_per_s = result->total.count(Outcome::kThrottled) / seconds,
                            .errors_per_s = result->total.errors() / seconds,
                            .latency = LatencySummary::of(result->total.latency)};
    print_probe_trial(stdout, record, report.trials.empty());
    live.publish("trial", trial_json(record));
    report.trials.push_back(record);
    for (WindowRecord w : windows.windows) {
      w.start += started;  // windows start from their run's start, drain included
      report.series.push_back(w);
    }
  }
  report.wall = Clock::now() - began;
  report.answer = search.answer();
  return end;
}

}  // namespace

int probe_command(const ProbeOptions& o, LiveDashboard* dashboard) {
  auto limits = build_limits(o);
  if (!limits) {
    print_error(limits.error());
    return kExitUsage;
  }
  if (o.verify_scaling > 0 && (!o.model.start_model || o.verify_scaling == o.model.iu)) {
    print_error(
        {"--verify-scaling N restarts the model with N IUs: it needs --start-model and "
         "an N different from --iu"});
    return kExitUsage;
  }
  if (o.batch_images.has_value() != !o.within.empty()) {
    print_error({"--batch and --within go together: N images within a deadline"});
    return kExitUsage;
  }
  if (auto within = parse_duration(o.within); !o.within.empty() && !within) {
    print_error(with_context(within.error(), "--within").value());
    return kExitUsage;
  }
  // The engine wants a load shape; each trial replaces it.
  LoadOptions placeholder{.rate = "1", .duration = "1s"};
  auto setup = build_run_config(o.target, o.aws, o.connection, placeholder);
  if (!setup) {
    print_error(setup.error());
    return kExitUsage;
  }
  auto dir = prepare_output_dir(o.output.out, "probe");
  if (!dir) {
    print_error(dir.error());
    return kExitUsage;
  }
  auto live = dashboard ? LiveSession::borrow(dashboard) : LiveSession::open(o.web);
  if (!live) {
    print_error(live.error());
    return kExitUsage;
  }
  live->hello("probe", setup->config.description);
  if (setup->aws && o.model.start_model)
    live->status(fmt::format("starting the model with {} IU (--start-model)", o.model.iu));
  auto session = open_model_session(*setup, o.model);
  if (!session) {
    print_error(session.error());
    live->failed(session.error().message);
    return failure_exit_code();
  }
  live->status("probing: doubling the rate until the first refusal");

  ProbeReport report{.target = setup->config.description, .limits = *limits};
  report.inference_units = *session ? (*session)->inference_units() : o.model.iu;
  if (o.model.max_iu > 0 && o.model.max_iu > o.model.iu) {
    report.warnings.push_back(
        "the model may auto-scale (--max-iu): the answer is not a per-IU figure");
  }
  fmt::print("probe      {}\n", report.target);
  bool failed = run_search(setup->config, *limits, report, *live) == SearchEnd::kFailed;
  double earlier_iu_minutes = 0;
  if (o.verify_scaling > 0 && !failed && !report.interrupted &&
      report.answer.verdict == SearchAnswer::Verdict::kFound) {
    // Stop, start again with more IUs, probe the same way, and compare per-IU figures.
    fmt::print("\nscaling    restarting the model with {} IUs\n", o.verify_scaling);
    live->status(
        fmt::format("restarting the model with {} IUs (--verify-scaling)", o.verify_scaling));
    const bool stopped = (*session)->close();
    earlier_iu_minutes = (*session)->iu_minutes();
    ModelFlags again = o.model;
    again.iu = o.verify_scaling;
    auto second = stopped ? open_model_session(*setup, again)
                          : fail("the model could not be stopped to restart it");
    if (!second) {
      print_error(second.error());
      live->failed(second.error().message);
      failed = true;
    } else {
      ProbeReport other{.target = report.target, .limits = *limits};
      live->publish("search", {{"inference_units", o.verify_scaling},
                               {"first_answer", probe_json(report).at("answer")}});
      failed = run_search(setup->config, *limits, other, *live) == SearchEnd::kFailed;
      report.interrupted = other.interrupted;
      const double per_iu_before = report.answer.capacity / report.inference_units;
      const double per_iu_after = other.answer.capacity / o.verify_scaling;
      report.scaling = ProbeReport::Scaling{.inference_units = o.verify_scaling,
                                            .answer = other.answer,
                                            .efficiency = per_iu_after / per_iu_before,
                                            .wall = other.wall};
      session = std::move(second);
    }
  }
  if (report.interrupted) report.answer.reason = "interrupted: " + report.answer.reason;
  for (const auto& r : report.trials) {
    // Explore steps are not drained first: a burst allowance inflates their goodput.
    if (r.trial.plan.phase == TrialPlan::Phase::kExplore) continue;
    if (report.answer.upper > 0 && r.trial.result.goodput > 1.1 * report.answer.upper) {
      report.warnings.push_back(fmt::format(
          "goodput reached {:.1f}/s in trial {}, above the answer's bound: the endpoint's capacity "
          "changed during the probe (auto-scaling?)",
          r.trial.result.goodput, r.index));
      break;
    }
  }
  // A model iuprobe started bills from its start request to its stop request; otherwise the
  // probe's own share is its wall time at the IU count.
  if (*session && (*session)->started_by_iuprobe()) live->status("stopping the model");
  const bool model_ok = !*session || (*session)->close();
  report.iu_minutes = *session && (*session)->started_by_iuprobe()
                          ? earlier_iu_minutes + (*session)->iu_minutes()
                          : to_seconds(report.wall) / 60 * report.inference_units;
  print_probe_summary(stdout, report);
  const std::string plans = render_plans(o, report);
  fmt::print("{}", plans);
  const boost::json::object json = probe_json(report);
  if (auto written = write_json_file(*dir / "result.json", json); !written) {
    print_error(written.error());
    return kExitFailure;
  }
  if (auto written = write_text_file(*dir / "report.html", render_probe_html(json)); !written) {
    print_error(written.error());
    return kExitFailure;
  }
  fmt::print("\nresult     {}\nreport     {}\n", (*dir / "result.json").string(),
             (*dir / "report.html").string());
  const int code = report.interrupted    ? exit_code_for_signal(interrupt_signal())
                   : failed || !model_ok ? kExitFailure
                                         : kExitOk;
  boost::json::object details{{"answer", json.at("answer")},
                              {"warnings", json.at("warnings")},
                              {"scaling", json.at("scaling")},
                              {"iu_minutes", report.iu_minutes},
                              {"wall_s", to_seconds(report.wall)}};
  if (!plans.empty()) details["plans"] = plans;
  live->end(code, std::move(details),
            {{"report.html", *dir / "report.html", "text/html; charset=utf-8"},
             {"result.json", *dir / "result.json", "application/json"}});
  return code;
}

}  // namespace iuprobe
