// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>

#include "core/result.h"

namespace iuprobe {

// The process's exit codes, in one place (README.md lists them): 0 done; otherwise the kind of
// error that ended the command.
inline constexpr int kExitOk = 0;
int exit_code(const Error& error);

inline int exit_code(const Result<void>& outcome) {
  return outcome ? kExitOk : exit_code(outcome.error());
}

// How a command that measured something ends: stopped (by a signal, or the live page's Stop),
// failed, or done. The stop wins: a failure after it is part of stopping.
inline Result<void> outcome_of(int stop_signal, const std::optional<Error>& failure) {
  if (stop_signal != 0) return tl::unexpected(interrupted_error(stop_signal));
  if (failure) return tl::unexpected(*failure);
  return {};
}

}  // namespace iuprobe
