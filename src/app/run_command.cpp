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

int run_command(const RunOptions& o) {
  auto config = build_run_config(o.target, o.connection, o.load);
  if (!config) {
    print_error(config.error());
    return kExitUsage;
  }
  auto dir = prepare_output_dir(o.output.out, "run");
  if (!dir) {
    print_error(dir.error());
    return kExitUsage;
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

  auto result = run_load(*config, fan_out);
  if (!result) {
    print_error(result.error());
    csv->reset();
    std::error_code ignored;
    std::filesystem::remove(*dir / "history.csv", ignored);
    if (o.output.out.empty())
      std::filesystem::remove(*dir, ignored);  // only if we made it and it is empty
    return kExitFailure;
  }
  print_run_summary(stdout, *config, *result);
  const auto json =
      run_result_json("run", config_json(o.target, o.connection, o.load, *config), *result);
  if (auto written = write_json_file(*dir / "result.json", json); !written) {
    print_error(written.error());
    return kExitFailure;
  }
  fmt::print("\nresult     {}\nhistory    {}\n", (*dir / "result.json").string(),
             (*dir / "history.csv").string());
  return result->interrupted_by != 0 ? exit_code_for_signal(result->interrupted_by) : kExitOk;
}

}  // namespace iuprobe
