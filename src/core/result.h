// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <fmt/format.h>

#include <string>
#include <tl/expected.hpp>
#include <utility>

namespace iuprobe {

// An expected failure, worded for the user: it names the input and says how to fix it.
struct Error {
  std::string message;
};

template <class T>
using Result = tl::expected<T, Error>;

// `return fail("--rate: '{}' is not a number", text);`
template <class... Args>
tl::unexpected<Error> fail(fmt::format_string<Args...> format, Args&&... args) {
  return tl::unexpected(Error{fmt::format(format, std::forward<Args>(args)...)});
}

// Prefixes an error with where it happened: `return context(std::move(r), "--body-dir")`.
inline tl::unexpected<Error> with_context(const Error& error, std::string_view where) {
  return tl::unexpected(Error{fmt::format("{}: {}", where, error.message)});
}

}  // namespace iuprobe
