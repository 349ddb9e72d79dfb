// SPDX-License-Identifier: Apache-2.0
#include "app/run_command.h"

#include <fmt/format.h>

#include "app/exit_codes.h"
#include "core/interrupt.h"
#include "engine/runner.h"
#include "report/csv_history.h"
#include "report/live_table.h"
#include "report/run_json.h"
#include "report/run_summary.h"

namespace iuprobe {

Result<std::unique_ptr<ModelSession>> open_model_session(const RunSetup& setup,
                                                         const ModelFlags& flags) {
  if (!setup.aws) {
    if (flags.start_model || flags.stop_model) {
      return fail("--start-model and --stop-model apply to a model target (--project-version-arn)");
    }
    return std::unique_ptr<ModelSession>();
  }
  auto options = build_model_session_options(flags);
  if (!options) return tl::unexpected(options.error());
  if (!options->start && !options->stop_at_end) return std::unique_ptr<ModelSession>();
  return ModelSession::open(*setup.aws, *options, stdout);
}

int failure_exit_code() {
  const int signal_number = interrupt_signal();
  return signal_number != 0 ? exit_code_for_signal(signal_number) : kExitFailure;
}

int run_command(const RunOptions& o) {
  auto setup = build_run_config(o.target, o.aws, o.connection, o.load);
  if (!setup) {
    print_error(setup.error());
    return kExitUsage;
  }
  const RunConfig& config = setup->config;
  auto dir = prepare_output_dir(o.output.out, "run");
  if (!dir) {
    print_error(dir.error());
    return kExitUsage;
  }
  auto live = LiveSession::open(o.web);
  if (!live) {
    print_error(live.error());
    return kExitUsage;
  }
  live->hello("run", config.description);
  // From here on, a model this command starts is stopped on every way out (see ModelSession).
  if (setup->aws && o.model.start_model) live->status("starting the model (--start-model)");
  auto session = open_model_session(*setup, o.model);
  if (!session) {
    print_error(session.error());
    live->failed(session.error().message);
    return failure_exit_code();
  }
  auto csv = CsvHistory::open(*dir / "history.csv");
  if (!csv) {
    print_error(csv.error());
    return kExitFailure;
  }
  LiveTable table(stdout);
  std::vector<RunObserver*> observers{csv->get()};
  if (!o.output.quiet) observers.insert(observers.begin(), &table);
  if (live->feed()) observers.push_back(live->feed());
  FanOut fan_out(std::move(observers));

  live->status("load running");
  auto result = run_load(config, fan_out);
  if (!result) {
    print_error(result.error());
    live->failed(result.error().message);
    csv->reset();
    std::error_code ignored;
    std::filesystem::remove(*dir / "history.csv", ignored);
    if (o.output.out.empty())
      std::filesystem::remove(*dir, ignored);  // only if we made it and it is empty
    if (*session && !(*session)->close()) return kExitFailure;
    return failure_exit_code();
  }
  print_run_summary(stdout, config, *result);
  auto json = run_result_json("run", config_json(o.target, o.connection, o.load, config), *result);
  const bool model_ok = !*session || (*session)->close();
  if (*session) {
    json["model"] = {{"started_by_iuprobe", (*session)->started_by_iuprobe()},
                     {"inference_units", (*session)->inference_units()},
                     {"iu_minutes", (*session)->iu_minutes()}};
  }
  if (auto written = write_json_file(*dir / "result.json", json); !written) {
    print_error(written.error());
    return kExitFailure;
  }
  fmt::print("\nresult     {}\nhistory    {}\n", (*dir / "result.json").string(),
             (*dir / "history.csv").string());
  const int code = result->interrupted_by != 0 ? exit_code_for_signal(result->interrupted_by)
                   : !result->stopped_early.empty() || !model_ok ? kExitFailure
                                                                 : kExitOk;
  csv->reset();  // flushed and closed before the page fetches it
  boost::json::object details{{"summary", json["summary"]}, {"generator", json["generator"]}};
  if (!result->stopped_early.empty()) details["reason"] = result->stopped_early;
  live->end(code, std::move(details),
            {{"result.json", *dir / "result.json", "application/json"},
             {"history.csv", *dir / "history.csv", "text/csv; charset=utf-8"}});
  return code;
}

}  // namespace iuprobe
