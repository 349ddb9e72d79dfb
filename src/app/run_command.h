// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "app/live_session.h"
#include "app/options.h"

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

int run_command(const RunOptions& options);

// Starts (or waits for) the model when the flags ask for it; null when there is nothing to manage.
Result<std::unique_ptr<ModelSession>> open_model_session(const RunSetup& setup,
                                                         const ModelFlags& flags);
// 130/143 after Ctrl-C/SIGTERM, else 1.
int failure_exit_code();

}  // namespace iuprobe
