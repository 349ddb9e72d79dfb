// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "app/live_session.h"
#include "core/stop.h"

namespace iuprobe {

struct DemoOptions {
  std::string images;  // default: sample images written into the output directory
  std::string out;
  bool quiet = false;  // no step table, only the summary
  WebFlags web;
};

// The main job, offline: an in-process emulator with a documented model, sample images, a
// probe that starts the model and stops it again, an example plan, report.html and result.json,
// and how the answer compares with the emulator's configured capacity.
Result<void> demo_command(const DemoOptions& options, StopSource& stop);

}  // namespace iuprobe
