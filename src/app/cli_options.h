// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "app/live_session.h"
#include "app/options.h"

namespace CLI {
class App;
}

namespace iuprobe {

// Option groups that several subcommands share (run and probe take most of them). Each adds
// its options to `command`, bound to the fields of `o`.
void add_target_options(CLI::App& command, TargetOptions& o);
void add_model_target_options(CLI::App& command, TargetOptions& o);
void add_aws_options(CLI::App& command, AwsFlags& o);
void add_model_flags(CLI::App& command, ModelFlags& o);
void add_connection_options(CLI::App& command, ConnectionFlags& o);
void add_load_options(CLI::App& command, LoadOptions& o);
void add_web_options(CLI::App& command, WebFlags& o);
void add_output_options(CLI::App& command, OutputOptions& o);

}  // namespace iuprobe
