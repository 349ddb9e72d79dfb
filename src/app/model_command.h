// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "app/aws_options.h"
#include "core/stop.h"

namespace iuprobe {

struct ModelCommandOptions {
  AwsFlags aws;
  std::string project_version_arn;
  std::string project_arn;
  unsigned min_iu = 0;
  unsigned max_iu = 0;
  bool wait = false;
  std::string timeout = "30m";
  std::string poll_interval = "5s";
  bool insecure = false;
  std::string ca_file;
};

// iuprobe model start | stop | status
Result<void> model_start_command(const ModelCommandOptions& options, StopSource& stop);
Result<void> model_stop_command(const ModelCommandOptions& options, StopSource& stop);
Result<void> model_status_command(const ModelCommandOptions& options, StopSource& stop);

}  // namespace iuprobe
