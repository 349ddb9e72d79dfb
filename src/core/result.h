// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>

namespace iuprobe {

// What kind of failure an error is: it decides the exit code (app/exit_codes.h, the one place
// that maps kinds to codes) and tells the user where to look.
enum class ErrorKind : std::uint8_t {
  kUsage,        // bad options or flag values: fix the command line
  kInput,        // an input file is missing, unreadable or malformed
  kNetwork,      // the endpoint cannot be reached: DNS, connect, TLS
  kAuth,         // credentials missing, expired or refused
  kService,      // the service refused the work: model not running, start failed, not stopped
  kOutput,       // results could not be written
  kInterrupted,  // Ctrl-C, SIGTERM or the live page's Stop
  kInternal,     // a bug in iuprobe
};
std::string_view to_string(ErrorKind kind);

// An expected failure, worded for the user: it names the input and says how to fix it.
struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string message;
  int signal = 0;  // kInterrupted: the signal (SIGINT also for the live page's Stop)
};

template <class T>
using Result = tl::expected<T, Error>;

// `return fail(ErrorKind::kUsage, "--rate: '{}' is not a number", text);`
template <class... Args>
tl::unexpected<Error> fail(ErrorKind kind, fmt::format_string<Args...> format, Args&&... args) {
  return tl::unexpected(Error{kind, fmt::format(format, std::forward<Args>(args)...)});
}

// Prefixes an error with where it happened, keeping its kind: `with_context(e, "--body-dir")`.
inline tl::unexpected<Error> with_context(const Error& error, std::string_view where) {
  return tl::unexpected(
      Error{error.kind, fmt::format("{}: {}", where, error.message), error.signal});
}

// The same error, counted as another kind (a parse error in a flag is usage, in a file input).
inline tl::unexpected<Error> as_kind(const Error& error, ErrorKind kind) {
  return tl::unexpected(Error{kind, error.message, error.signal});
}

inline Error interrupted_error(int signal_number, std::string message = {}) {
  return Error{ErrorKind::kInterrupted, std::move(message), signal_number};
}

}  // namespace iuprobe
