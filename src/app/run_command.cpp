// SPDX-License-Identifier: Apache-2.0
#include "app/run_command.h"

#include <fmt/format.h>

#include "app/exit_codes.h"
#include "app/managed_model.h"
#include "app/ranks.h"
#include "engine/network_session.h"
#include "engine/run_load.h"
#include "report/csv_history.h"
#include "report/live_table.h"
#include "report/run_json.h"
#include "report/run_summary.h"

namespace iuprobe {
namespace {

// What `run` runs, validated before anything is started.
struct RunPlan {
  TargetSetup setup;
  ConnectionSettings settings;
  LoadShape shape;
};

Result<RunPlan> prepare_run(const RunOptions& o) {
  auto shape = build_load_shape(o.load);
  if (!shape) return tl::unexpected(shape.error());
  auto settings = build_connection_settings(o.connection);
  if (!settings) return tl::unexpected(settings.error());
  settings->seed = o.load.seed;
  if (auto fits = check_users_fit(*shape, *settings); !fits) return tl::unexpected(fits.error());
  auto setup = build_target(o.target, o.aws);
  if (!setup) return tl::unexpected(setup.error());
  return RunPlan{std::move(*setup), *settings, std::move(*shape)};
}

// How the run ended, for the exit code: stopped, cut short by an answer, or a model left running.
Result<void> run_outcome(const RunResult& result, bool model_stopped) {
  std::optional<Error> failure = result.stopped_early;
  if (!failure && !model_stopped)
    failure = Error{ErrorKind::kService, "the model could not be stopped and may still be running"};
  return outcome_of(result.interrupted_by, failure);
}

// The summary, result.json and the live page's last event.
Result<void> finish_run(const RunOptions& o, const RunPlan& plan, const RunResult& result,
                        ModelSession* model, const std::filesystem::path& dir, LiveSession& live,
                        std::optional<Error> history_failure) {
  print_run_summary(stdout, plan.setup.target.description, plan.shape, result);
  auto json = run_result_json(
      "run", config_json(o.target, o.load, plan.setup.target, plan.settings, plan.shape), result);
  const bool model_stopped = !model || model->close();
  if (model) {
    json["model"] = {{"started_by_iuprobe", model->started_by_iuprobe()},
                     {"inference_units", model->inference_units()},
                     {"iu_minutes", model->iu_minutes()}};
  }
  if (auto written = write_json_file(dir / "result.json", json); !written) {
    Error failure = written.error();
    if (history_failure) failure.message += "; and " + history_failure->message;
    return live.fail(output_failure(failure));
  }
  fmt::print("\nresult     {}\nhistory    {}{}\n", (dir / "result.json").string(),
             (dir / "history.csv").string(), history_failure ? " (incomplete: see below)" : "");
  Result<void> outcome = run_outcome(result, model_stopped);
  if (history_failure) {
    if (outcome) {
      outcome = tl::unexpected(output_failure(*history_failure));
    } else {
      print_error(*history_failure);  // the run's own failure is the exit code; say this too
    }
  }
  boost::json::object details{{"summary", json["summary"]}, {"generator", json["generator"]}};
  live.end(outcome, std::move(details),
           {{"result.json", dir / "result.json", "application/json"},
            {"history.csv", dir / "history.csv", "text/csv; charset=utf-8"}});
  return outcome;
}

}  // namespace

int run_rank(const RunOptions& o, PlanPeers& peers) {
  auto plan = prepare_run(o);
  if (!plan) return serve_rank(tl::unexpected(plan.error()), peers);
  return serve_rank(SessionOptions{.target = plan->setup.target, .connection = plan->settings},
                    peers);
}

Result<void> run_command(const RunOptions& o, StopSource& stop, PlanPeers* peers) {
  auto plan = prepare_run(o);
  if (!plan) return refuse_ranks(peers, plan.error());
  auto dir = prepare_output_dir(o.output.out, "run");
  if (!dir) return refuse_ranks(peers, dir.error());
  auto live = LiveSession::open(o.web, stop);
  if (!live) return refuse_ranks(peers, live.error());
  live->hello("run", plan->setup.target.description);
  auto csv = CsvHistory::open(*dir / "history.csv");
  if (!csv) return live->fail(refuse_ranks(peers, csv.error()).value());
  LiveTable table(stdout);
  std::vector<SessionObserver*> observers{csv->get()};
  if (!o.output.quiet) observers.insert(observers.begin(), &table);
  if (live->feed()) observers.push_back(live->feed());
  FanOut fan_out(std::move(observers));
  // Nothing is left behind by a run that could not start.
  const auto discard = [&](Error error) {
    csv->reset();
    std::error_code ignored;
    std::filesystem::remove(*dir / "history.csv", ignored);
    discard_empty_output_dir(*dir, o.output.out);
    return live->fail(std::move(error));
  };
  // The endpoint is checked before the model is started: an unreachable one costs no IU time.
  auto load = open_ranked_load({.target = plan->setup.target,
                                .connection = plan->settings,
                                .observer = &fan_out,
                                .stop = stop.token(),
                                .window_points = WindowSeries::kRunPoints,
                                .peers = peers});
  if (!load) return discard(load.error());
  if (load->ranked) live->status(describe_ranks(load->hosts));
  // From here on, a model this command starts is stopped on every way out (see ModelSession).
  if (plan->setup.aws && o.model.start_model) live->status("starting the model (--start-model)");
  auto model = open_model_session(plan->setup, o.model, stop.token());
  if (!model) return discard(model.error());
  live->status("load running");
  RunResult result = run_shape(*load->session, plan->shape, &load->sender(), load->hosts);
  if (load->ranked) load->ranked->finish();  // the other ranks are done
  const std::optional<Error> history_failure = (*csv)->failure();
  csv->reset();  // flushed and closed before the page fetches it
  return finish_run(o, *plan, result, model->get(), *dir, *live, history_failure);
}

}  // namespace iuprobe
