// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/stop.h"
#include "emulator/config.h"

namespace iuprobe {

// `iuprobe emulate`'s flags as typed. Model flags describe the one model served when no
// --config is given; with --config they are refused (the file says it all).
struct EmulateOptions {
  std::string config_file;
  std::string write_samples;  // write sample images here and exit
  std::string listen = "127.0.0.1:8990";
  bool allow_remote = false;
  bool no_auth = false;
  std::optional<std::uint64_t> seed;
  std::optional<std::string> region;
  std::optional<unsigned> history_days;
  std::optional<std::string> max_buffered;
  std::optional<double> history_peak_tps;
  std::optional<std::string> history_csv;
  std::optional<std::string> project;
  std::optional<std::string> version;
  std::optional<std::string> type;
  std::optional<std::vector<std::string>> labels;
  std::optional<std::string> status;
  std::optional<unsigned> iu;
  std::optional<unsigned> max_iu;
  std::optional<std::string> service_time;
  std::optional<std::string> per_megapixel;
  std::optional<double> jitter;
  std::optional<unsigned> slots;
  std::optional<unsigned> queue;
  std::optional<std::string> limiter;
  std::optional<double> limit;
  std::optional<std::string> burst;
  std::optional<std::string> window;
  std::optional<double> slowdown;
  std::optional<std::string> start_time;
  std::optional<std::string> stop_time;
  std::optional<std::string> scale_up_after;
  std::optional<std::string> scale_down_after;
};

// The configuration the flags (and file) describe, validated.
Result<EmulatorConfig> build_emulator_config(const EmulateOptions& options);

// Serves until SIGINT/SIGTERM, then prints each model's billed IU time. With --write-samples,
// writes sample images instead and exits.
Result<void> emulate_command(const EmulateOptions& options, StopSource& stop);

}  // namespace iuprobe
