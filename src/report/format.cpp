// SPDX-License-Identifier: Apache-2.0
#include "report/format.h"

#include <fmt/format.h>

#include <cmath>
#include <csignal>

namespace iuprobe {

std::string with_commas(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  const std::size_t lead = digits.size() % 3;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (i % 3) == lead % 3 && i >= lead) out += ',';
    out += digits[i];
  }
  return out;
}

std::string format_ms(Duration d) {
  const double ms = to_millis(d);
  if (ms < 1) return fmt::format("{:.3f}", ms);
  if (ms < 10) return fmt::format("{:.2f}", ms);
  if (ms < 100) return fmt::format("{:.1f}", ms);
  return with_commas(static_cast<std::uint64_t>(std::llround(ms)));
}

std::string format_rate(double per_second) {
  if (per_second < 10) return fmt::format("{:.2f}", per_second);
  if (per_second < 1000) return fmt::format("{:.1f}", per_second);
  return with_commas(static_cast<std::uint64_t>(std::llround(per_second)));
}

std::string format_percent(double fraction) {
  const double pct = 100.0 * fraction;
  if (pct > 0 && pct < 0.1) return "<0.1%";
  return fmt::format("{:.1f}%", pct);
}

std::string signal_name(int signal_number) {
  if (signal_number == SIGINT) return "SIGINT";
  if (signal_number == SIGTERM) return "SIGTERM";
  if (signal_number == SIGUSR1) return "SIGUSR1";
  return "signal " + std::to_string(signal_number);
}

}  // namespace iuprobe
