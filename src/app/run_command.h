// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "app/options.h"

namespace iuprobe {

struct RunOptions {
  TargetOptions target;
  AwsFlags aws;
  ModelFlags model;
  ConnectionFlags connection;
  LoadOptions load;
  OutputOptions output;
};

int run_command(const RunOptions& options);

}  // namespace iuprobe
