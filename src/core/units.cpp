// SPDX-License-Identifier: Apache-2.0
#include "core/units.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>

namespace iuprobe {
namespace {

struct Unit {
  std::string_view name;
  double scale;
};

// Parses a leading non-negative decimal number; advances `text` past it.
std::optional<double> take_number(std::string_view& text) {
  double value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (begin == end || *begin == '-' || *begin == '+') return std::nullopt;
  auto [ptr, ec] = std::from_chars(begin, end, value, std::chars_format::fixed);
  if (ec != std::errc{} || !std::isfinite(value)) return std::nullopt;
  text.remove_prefix(static_cast<std::size_t>(ptr - begin));
  return value;
}

std::string_view take_letters(std::string_view& text) {
  std::size_t n = 0;
  while (n < text.size() && (std::isalpha(static_cast<unsigned char>(text[n])) != 0 ||
                             static_cast<unsigned char>(text[n]) >= 0x80)) {
    ++n;
  }
  std::string_view letters = text.substr(0, n);
  text.remove_prefix(n);
  return letters;
}

constexpr std::array kDurationUnits = {
    Unit{"ns", 1e-9}, Unit{"us", 1e-6},  Unit{"µs", 1e-6},  Unit{"ms", 1e-3},   Unit{"s", 1.0},
    Unit{"m", 60.0},  Unit{"min", 60.0}, Unit{"h", 3600.0}, Unit{"d", 86400.0},
};

constexpr std::array kSizeUnits = {
    Unit{"", 1},     Unit{"B", 1},        Unit{"KB", 1e3},        Unit{"MB", 1e6},
    Unit{"GB", 1e9}, Unit{"KiB", 1024.0}, Unit{"MiB", 1048576.0}, Unit{"GiB", 1073741824.0},
    Unit{"k", 1e3},  Unit{"K", 1e3},      Unit{"M", 1e6},         Unit{"G", 1e9},
};

template <std::size_t N>
const Unit* find_unit(const std::array<Unit, N>& units, std::string_view name) {
  for (const Unit& unit : units) {
    if (unit.name == name) return &unit;
  }
  return nullptr;
}

}  // namespace

std::string_view trim_space(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

Result<Duration> parse_duration(std::string_view text) {
  text = trim_space(text);
  constexpr std::string_view kHint = "use e.g. 500ms, 30s, 2m, 1h30m";
  if (text.empty()) return fail(ErrorKind::kUsage, "empty duration; {}", kHint);
  std::string_view rest = text;
  double seconds = 0;
  bool first = true;
  while (!rest.empty()) {
    auto number = take_number(rest);
    if (!number) return fail(ErrorKind::kUsage, "'{}' is not a duration; {}", text, kHint);
    std::string_view unit_name = take_letters(rest);
    if (unit_name.empty()) {
      // A bare number means seconds, but only on its own: "1m30" is ambiguous.
      if (!first || !rest.empty())
        return fail(ErrorKind::kUsage, "'{}': missing unit after a number; {}", text, kHint);
      seconds = *number;
      break;
    }
    const Unit* unit = find_unit(kDurationUnits, unit_name);
    if (unit == nullptr) {
      return fail(ErrorKind::kUsage, "'{}': unknown unit '{}' (known: ns, us, ms, s, m, h, d); {}",
                  text, unit_name, kHint);
    }
    seconds += *number * unit->scale;
    first = false;
  }
  constexpr double kMaxSeconds = 366.0 * 86400.0;
  if (seconds > kMaxSeconds) return fail(ErrorKind::kUsage, "'{}' is longer than a year", text);
  return from_seconds(seconds);
}

Result<double> parse_number(std::string_view text) {
  std::string_view rest = trim_space(text);
  const bool negative = !rest.empty() && rest.front() == '-';
  if (negative) rest.remove_prefix(1);
  auto number = take_number(rest);
  if (!number || !rest.empty()) return fail(ErrorKind::kUsage, "'{}' is not a number", text);
  return negative ? -*number : *number;
}

Result<double> parse_rate(std::string_view text) {
  std::string_view rest = trim_space(text);
  if (!rest.empty() && rest.front() == '-')
    return fail(ErrorKind::kUsage, "'{}' is negative; a rate must be > 0", text);
  auto number = take_number(rest);
  if (!number || !rest.empty())
    return fail(ErrorKind::kUsage, "'{}' is not a number of requests per second", text);
  if (*number <= 0) return fail(ErrorKind::kUsage, "'{}': a rate must be greater than 0", text);
  if (*number > 1e7)
    return fail(ErrorKind::kUsage, "'{}' is above 10,000,000 requests per second", text);
  return *number;
}

Result<std::vector<double>> parse_rate_list(std::string_view text) {
  std::vector<double> rates;
  std::string_view rest = text;
  while (true) {
    std::size_t comma = rest.find(',');
    auto rate = parse_rate(rest.substr(0, comma));
    if (!rate) return tl::unexpected(rate.error());
    rates.push_back(*rate);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return rates;
}

Result<std::uint64_t> parse_size(std::string_view text) {
  std::string_view rest = trim_space(text);
  auto number = take_number(rest);
  if (!number)
    return fail(ErrorKind::kUsage, "'{}' is not a size; use e.g. 512, 100KB, 4MB, 1MiB", text);
  std::string_view unit_name = trim_space(take_letters(rest));
  const Unit* unit = find_unit(kSizeUnits, unit_name);
  if (unit == nullptr || !trim_space(rest).empty()) {
    return fail(ErrorKind::kUsage, "'{}': unknown size unit; use B, KB, MB, GB, KiB, MiB or GiB",
                text);
  }
  double bytes = *number * unit->scale;
  if (bytes > 1e15) return fail(ErrorKind::kUsage, "'{}' is too large", text);
  return static_cast<std::uint64_t>(std::llround(bytes));
}

std::string format_duration(Duration d) {
  using namespace std::chrono;
  const double s = to_seconds(d);
  // Three significant digits at most below a minute: 412us, 12.3ms, 2.22s.
  const auto rounded = [](double v) { return std::round(v * 100.0) / 100.0; };
  if (s == 0) return "0s";
  if (s < 1e-3) return fmt::format("{:g}us", rounded(s * 1e6));
  if (s < 1.0) return fmt::format("{:g}ms", rounded(s * 1e3));
  if (s < 60.0) return fmt::format("{:g}s", rounded(s));
  auto total = static_cast<long long>(std::llround(s));
  long long h = total / 3600, m = (total % 3600) / 60, sec = total % 60;
  std::string out;
  if (h > 0) out += fmt::format("{}h", h);
  if (m > 0) out += fmt::format("{}m", m);
  if (sec > 0) out += fmt::format("{}s", sec);
  return out;
}

}  // namespace iuprobe
