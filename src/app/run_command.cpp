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
  // From here on, a model this command starts is stopped on every way out (see ModelSession).
  auto session = open_model_session(*setup, o.model);
  if (!session) {
    print_error(session.error());
    return failure_exit_code();
  }
  auto csv = CsvHistory::open(*dir / "history.csv");
  if (!csv) {
    print_error(csv.error());
    return kExitFailure;
  }
  LiveTable live(stdout);
  std::vector<RunObserver*> observers{csv->get()};
  if (!o.output.quiet) observers.insert(observers.begin(), &live);
  FanOut fan_out(std::move(observers));

  auto result = run_load(config, fan_out);
  if (!result) {
    print_error(result.error());
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
  if (result->interrupted_by != 0) return exit_code_for_signal(result->interrupted_by);
  if (!result->stopped_early.empty() || !model_ok) return kExitFailure;
  return kExitOk;
}

}  // namespace iuprobe
