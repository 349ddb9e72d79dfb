// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace iuprobe {

using Duration = std::chrono::nanoseconds;

// "250ms", "30s", "1.5s", "2m", "1h30m", "90" (seconds). Negative or unknown units fail.
Result<Duration> parse_duration(std::string_view text);

// `s` without the white space (std::isspace) at either end: for the line-based parsers.
std::string_view trim_space(std::string_view s);

// Any finite decimal number: "-3", "12.5".
Result<double> parse_number(std::string_view text);

// A strictly positive, finite number of requests per second: "200", "12.5".
Result<double> parse_rate(std::string_view text);

// "512", "100KB", "4MB", "1MiB", "2GB": a byte count (KB = 1000, KiB = 1024).
Result<std::uint64_t> parse_size(std::string_view text);

// A comma-separated list of rates: "50,100,200".
Result<std::vector<double>> parse_rate_list(std::string_view text);

// "1.5s", "250ms", "2m30s", "1h": the shortest faithful rendering for humans.
std::string format_duration(Duration d);

inline double to_seconds(Duration d) {
  return std::chrono::duration<double>(d).count();
}
// Events per second over `d`; 0 for an empty interval.
inline double per_second(std::uint64_t events, Duration d) {
  return d.count() > 0 ? static_cast<double>(events) / to_seconds(d) : 0.0;
}
inline double to_millis(Duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}
// Rounds to the nearest nanosecond (a cast would truncate 9.995 s to 9.994999999 s).
inline Duration from_seconds(double s) {
  return Duration{std::llround(s * 1e9)};
}

}  // namespace iuprobe
