// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/result.h"
#include "engine/run_config.h"
#include "engine/run_result.h"

namespace iuprobe {

// Hears about a run as it goes; report/ implements it for the live table and the CSV history.
// Called on the controlling thread.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void on_start(const RunConfig& /*config*/, const std::string& /*address*/) {}
  virtual void on_window(const WindowRecord& window) = 0;
  virtual void on_stopping(int /*signal_number*/) {}
};

// Runs one load shape against one endpoint. Fails before sending anything when the endpoint
// cannot be reached (the message names the URL and says what to check). Stops early on
// SIGINT/SIGTERM (see core/interrupt.h) and returns what it measured, marked interrupted.
Result<RunResult> run_load(const RunConfig& config, RunObserver& observer);

// Raises the soft RLIMIT_NOFILE to at least `needed` if the hard limit allows it.
Result<void> ensure_fd_limit(std::uint64_t needed);

}  // namespace iuprobe
