// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "app/live_session.h"
#include "app/options.h"
#include "core/stop.h"

namespace iuprobe {

struct RunOptions {
  TargetOptions target;
  AwsFlags aws;
  ModelFlags model;
  ConnectionFlags connection;
  LoadOptions load;
  OutputOptions output;
  WebFlags web;
};

// Runs one load shape and writes result.json and history.csv (partial after a stop request).
// A model it started is stopped on every way out.
Result<void> run_command(const RunOptions& options, StopSource& stop);

}  // namespace iuprobe
