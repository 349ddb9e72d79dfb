// SPDX-License-Identifier: Apache-2.0
#include "app/probe_command.h"

#include <fmt/format.h>

#include "app/exit_codes.h"
#include "app/managed_model.h"
#include "app/ranks.h"
#include "cloudwatch/model_metrics.h"
#include "core/clock.h"
#include "core/environment.h"
#include "engine/network_session.h"
#include "probe/probe.h"
#include "report/html_report.h"
#include "report/plan_report.h"
#include "report/probe_report.h"
#include "report/run_json.h"

namespace iuprobe {
namespace {

// What a probe runs with, validated before anything is started.
struct ProbePlan {
  ProbeSettings settings;
  TargetSetup setup;
  ConnectionSettings connection;
  ProbePlanRequest plans;
  std::filesystem::path dir;
};

Result<SearchLimits> build_limits(const ProbeOptions& o) {
  SearchLimits limits;
  const double max_error_rate = o.max_error_rate.value_or(kDefaultTolerance);
  if (!(max_error_rate >= 0 && max_error_rate < 1))
    return fail(ErrorKind::kUsage,
                "--max-error-rate {}: give a fraction from 0 to 1, e.g. 0.01 for 1%",
                max_error_rate);
  if (!(o.start_tps > 0)) return fail(ErrorKind::kUsage, "--start-tps must be above zero");
  if (!(o.max_tps >= o.start_tps))
    return fail(ErrorKind::kUsage, "--max-tps must be at least --start-tps");
  if (!(o.precision >= 0.005 && o.precision <= 0.2))
    return fail(ErrorKind::kUsage, "--precision {}: give a fraction from 0.005 to 0.2",
                o.precision);
  limits.max_error_rate = max_error_rate;
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

Result<ProbePlanRequest> build_plan_request(const ProbeOptions& o) {
  if (o.batch_images.has_value() != !o.within.empty())
    return fail(ErrorKind::kUsage, "--batch and --within go together: N images within a deadline");
  ProbePlanRequest request{.target_tps = o.target_tps,
                           .batch_images = o.batch_images,
                           .price = {o.price_per_iu_hour.value_or(kDefaultPricePerIuHour),
                                     o.price_per_iu_hour.has_value()}};
  if (!o.within.empty()) {
    auto within = parse_duration(o.within);
    if (!within) return with_context(within.error(), "--within");
    request.within = *within;
  }
  return request;
}

// `output`: whether this process writes the results (not the MPI ranks other than 0).
Result<ProbePlan> prepare_probe(const ProbeOptions& o, bool output = true) {
  auto arrivals = parse_arrivals(o.arrivals);
  if (!arrivals) return tl::unexpected(arrivals.error());
  auto limits = build_limits(o);
  if (!limits) return tl::unexpected(limits.error());
  if (o.verify_scaling > 0 && (!o.model.start_model || o.verify_scaling == o.model.iu)) {
    return fail(ErrorKind::kUsage,
                "--verify-scaling N restarts the model with N IUs: it needs --start-model and an "
                "N different from --iu");
  }
  auto plans = build_plan_request(o);
  if (!plans) return tl::unexpected(plans.error());
  auto connection = build_connection_settings(o.connection);
  if (!connection) return tl::unexpected(connection.error());
  // The probe's pool keeps every connection it opened: each step's drain needs them again.
  connection->idle_timeout = Duration::max();
  auto setup = build_target(o.target, o.aws);
  if (!setup) return tl::unexpected(setup.error());
  std::filesystem::path dir;
  if (output) {
    auto prepared = prepare_output_dir(o.output.out, "probe");
    if (!prepared) return tl::unexpected(prepared.error());
    dir = std::move(*prepared);
  }
  ProbeSettings settings{.target = setup->target.description,
                         .limits = *limits,
                         .inference_units = o.model.iu,
                         .verify_scaling = o.verify_scaling,
                         .may_autoscale = o.model.max_iu > o.model.iu,
                         .arrivals = *arrivals,
                         .generator = {.late_threshold = connection->late_threshold_floor,
                                       .max_connections = connection->max_connections}};
  return ProbePlan{std::move(settings), std::move(*setup), *connection, *plans, std::move(dir)};
}

// The terminal's and the live page's view of the probe as it goes.
class ProbeDisplay final : public ProbeObserver {
 public:
  // quiet (--quiet): the live page only; the terminal gets the summary at the end.
  ProbeDisplay(LiveSession& live, bool quiet) : live_(live), quiet_(quiet) {}
  void on_status(std::string_view text) override {
    if (!quiet_) fmt::print("status     {}\n", text);
    live_.status(text);
  }
  void on_step(std::size_t index, const TrialPlan& plan) override {
    live_.publish("step", {{"index", index},
                           {"phase", to_string(plan.phase)},
                           {"rate", plan.rate},
                           {"duration_s", to_seconds(plan.duration)},
                           {"drain_rate", plan.drain_rate},
                           {"drain_s", to_seconds(plan.drain)}});
  }
  void on_trial(const ProbeTrialRecord& record) override {
    if (!quiet_) print_probe_trial(stdout, record, std::exchange(first_, false));
    live_.publish("trial", trial_json(record));
  }
  void on_second_search(unsigned inference_units, const SearchAnswer& first) override {
    first_ = true;
    if (!quiet_) fmt::print("\n");
    ProbeReport earlier{.answer = first};
    live_.publish("search", {{"inference_units", inference_units},
                             {"first_answer", probe_json(earlier).at("answer")}});
  }

 private:
  LiveSession& live_;
  bool quiet_;
  bool first_ = true;
};

// CloudWatch's record of a Rekognition model's IUs, read before and after the search: the
// evidence of auto-scaling. A read that fails (no cloudwatch:GetMetricData permission, no
// network) is a warning, never a failure of the probe.
class UnitsWatch {
 public:
  UnitsWatch(const ProbeOptions& o, const TargetSetup& setup, ProbeObserver& display) {
    // --verify-scaling changes the IU count on purpose: CloudWatch would see that.
    if (!setup.aws || o.verify_scaling > 0) return;
    const EnvLookup env = process_environment();
    // A Rekognition endpoint of one's own (the emulator, moto) and AWS's CloudWatch do not go
    // together: without a CloudWatch endpoint given, skip rather than ask AWS about it.
    const bool configured = !o.aws.cloudwatch_endpoint_url.empty() ||
                            env("AWS_ENDPOINT_URL_CLOUDWATCH") || env("AWS_ENDPOINT_URL");
    if (!o.aws.endpoint_url.empty() && !configured) {
      display.on_status(
          "CloudWatch not read: --endpoint-url is not AWS; give --cloudwatch-endpoint-url to "
          "read the model's IU metrics");
      return;
    }
    auto endpoint = cloudwatch_endpoint_for(o.aws, setup.aws->region, env);
    if (!endpoint) {
      warning_ = endpoint.error().message;
      return;
    }
    client_.emplace(AwsJsonClient(kCloudWatchProtocol, *endpoint, setup.aws->region,
                                  setup.aws->credentials, setup.aws->tls, std::chrono::seconds(5)),
                    RetryPolicy{.attempts = 3});
    project_ = setup.aws->arn.project;
    version_ = setup.aws->arn.version;
  }

  // Before the search: the IUs of the last ten minutes, unless iuprobe has just started the
  // model (what ran before it was stopped tells nothing about this search).
  void before(bool model_started_by_iuprobe) {
    started_ = epoch_seconds_now();
    if (model_started_by_iuprobe) return;
    auto m = read(started_ - 600, started_ / 60 * 60);
    if (m && !m->in_service_iu.empty()) before_ = m->in_service_iu.back().value;
  }

  // After it: the minutes it ran, into the report (and a warning if the count moved).
  void after(ProbeReport& report) {
    if (!warning_.empty()) {
      report.warnings.push_back(warning_);
      return;
    }
    // Stopped by a signal: leave at once, without another round trip.
    if (!client_ || report.interrupted) return;
    // The minutes of the search, up to its end (the model may be stopped right after it).
    auto m = read(started_ / 60 * 60,
                  started_ + std::max<std::int64_t>(1, std::llround(to_seconds(report.wall))));
    if (!warning_.empty()) {
      report.warnings.push_back(warning_);
      return;
    }
    if (!m || m->in_service_iu.empty()) return;
    ProbeReport::RecordedUnits units{.before = before_,
                                     .low = m->in_service_iu.front().value,
                                     .high = m->in_service_iu.front().value,
                                     .minutes = m->in_service_iu.size(),
                                     .expected = report.inference_units};
    for (const MetricPoint& p : m->in_service_iu) {
      units.low = std::min(units.low, p.value);
      units.high = std::max(units.high, p.value);
    }
    for (const MetricPoint& p : m->desired_iu)
      units.desired_high = std::max(units.desired_high, p.value);
    report.recorded_units = units;
    if (units.changed()) {
      report.warnings.push_back(fmt::format(
          "the model auto-scaled while it was probed: CloudWatch's InServiceInferenceUnits "
          "(minute averages) went {}{:.1f} to {:.1f}, DesiredInferenceUnits up to {:.1f}; the "
          "answer is the capacity of a changing IU count, not a per-IU figure",
          before_ ? fmt::format("from {:.1f} before the probe, then ", *before_) : "from ",
          units.low, units.high, units.desired_high));
    }
  }

 private:
  std::optional<ModelMetrics> read(std::int64_t from, std::int64_t to) {
    if (!client_ || !warning_.empty() || to <= from) return std::nullopt;
    auto m = read_model_metrics(
        *client_,
        {.project = project_, .version = version_, .start = from, .end = to, .requests = false});
    if (m) return std::move(*m);
    warning_ = fmt::format("CloudWatch not read: {}; auto-scaling is judged from goodput only",
                           cloudwatch_read_error(m.error()).message);
    return std::nullopt;
  }

  std::optional<CloudWatchClient> client_;
  std::string project_, version_;
  std::int64_t started_ = 0;
  std::optional<double> before_;
  std::string warning_;
};

// The summary, the plans, result.json and report.html, and the live page's last event.
Result<void> write_probe(const ProbePlan& plan, const ProbeReport& report, LiveSession& live) {
  print_probe_summary(stdout, report);
  const std::string plans = render_probe_plans(report, plan.plans);
  fmt::print("{}", plans);
  const boost::json::object json = probe_json(report);
  const auto result = plan.dir / "result.json", html = plan.dir / "report.html";
  if (auto written = write_json_file(result, json); !written)
    return live.fail(output_failure(written.error()));
  if (auto written = write_text_file(html, render_probe_html(json)); !written)
    return live.fail(output_failure(written.error()));
  fmt::print("\nresult     {}\nreport     {}\n", result.string(), html.string());
  boost::json::object details{{"answer", json.at("answer")},
                              {"warnings", json.at("warnings")},
                              {"scaling", json.at("scaling")},
                              {"iu_minutes", report.iu_minutes},
                              {"wall_s", to_seconds(report.wall)}};
  if (!plans.empty()) details["plans"] = plans;
  live.end(probe_outcome(report), std::move(details),
           {{"report.html", html, "text/html; charset=utf-8"},
            {"result.json", result, "application/json"}});
  return {};
}

}  // namespace

Result<void> probe_outcome(const ProbeReport& report) {
  return outcome_of(report.interrupted ? report.stop_signal : 0, report.failure);
}

int probe_rank(const ProbeOptions& o, PlanPeers& peers) {
  auto plan = prepare_probe(o, /*output=*/false);
  if (!plan) return serve_rank(tl::unexpected(plan.error()), peers);
  return serve_rank(SessionOptions{.target = plan->setup.target, .connection = plan->connection},
                    peers);
}

Result<ProbeReport> probe_and_report(const ProbeOptions& o, StopSource& stop, LiveSession& live,
                                     PlanPeers* peers) {
  auto plan = prepare_probe(o);
  if (!plan) return refuse_ranks(peers, plan.error());
  live.hello("probe", plan->settings.target);
  fmt::print("probe      {}\n", plan->settings.target);
  ProbeDisplay display(live, o.output.quiet);
  // The endpoint is checked before the model is started: an unreachable one costs no IU time.
  auto load = open_ranked_load({.target = plan->setup.target,
                                .connection = plan->connection,
                                .observer = live.feed(),
                                .stop = stop.token(),
                                .peers = peers});
  if (!load) {
    discard_empty_output_dir(plan->dir, o.output.out);
    return live.fail(load.error());
  }
  plan->settings.rank_hosts = load->hosts;
  if (load->ranked) display.on_status(describe_ranks(load->hosts));
  if (plan->setup.aws && o.model.start_model)
    display.on_status(fmt::format("starting the model with {} IU (--start-model)", o.model.iu));
  auto model = open_model_session(plan->setup, o.model, stop.token());
  if (!model) {
    discard_empty_output_dir(plan->dir, o.output.out);
    return live.fail(model.error());
  }
  std::optional<ManagedModelSessions> managed;
  if (*model) {
    managed.emplace(ModelSessions(*plan->setup.aws, *build_model_session_options(o.model),
                                  stop.token(), stdout, std::move(*model)));
  }
  const RealClock clock;
  UnitsWatch units(o, plan->setup, display);
  units.before(managed && managed->started_by_iuprobe());
  ProbeReport report = run_probe(plan->settings, {.session = load->sender(),
                                                  .model = managed ? &*managed : nullptr,
                                                  .clock = clock,
                                                  .observer = display});
  units.after(report);
  if (load->ranked) load->ranked->finish();  // the other ranks are done
  if (auto written = write_probe(*plan, report, live); !written)
    return tl::unexpected(written.error());
  return report;
}

Result<void> probe_command(const ProbeOptions& o, StopSource& stop, PlanPeers* peers) {
  auto live = LiveSession::open(o.web, stop);
  if (!live) return refuse_ranks(peers, live.error());
  auto report = probe_and_report(o, stop, *live, peers);
  if (!report) return tl::unexpected(report.error());
  return probe_outcome(*report);
}

}  // namespace iuprobe
