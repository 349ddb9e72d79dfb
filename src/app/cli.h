// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace iuprobe {

// Parses the command line and runs the chosen subcommand; returns the process exit code.
int cli_main(int argc, char** argv);

}  // namespace iuprobe
