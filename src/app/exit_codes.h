// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/result.h"

namespace iuprobe {

// The process's exit codes, in one place (README.md lists them): 0 done; otherwise the kind of
// error that ended the command.
inline constexpr int kExitOk = 0;
int exit_code(const Error& error);

inline int exit_code(const Result<void>& outcome) {
  return outcome ? kExitOk : exit_code(outcome.error());
}

}  // namespace iuprobe
