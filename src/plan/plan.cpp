// SPDX-License-Identifier: Apache-2.0
#include "plan/plan.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace iuprobe {
namespace {

// ceil that forgives floating-point dust: 108000 / (5 × 10800) must be 2, not 3.
unsigned ceil_count(double x) {
  const double nearest = std::round(x);
  if (std::abs(x - nearest) < 1e-9 * std::max(1.0, std::abs(x)))
    return static_cast<unsigned>(nearest);
  return static_cast<unsigned>(std::ceil(x));
}

Result<void> check_rate(double tps_per_iu) {
  if (!(tps_per_iu > 0) || !std::isfinite(tps_per_iu))
    return fail(ErrorKind::kUsage, "TPS per IU must be above zero (got {})", tps_per_iu);
  return {};
}

// More IUs than this is not a plan but a mistake (a rate in the wrong unit, a typo): refused,
// which also keeps the IU arithmetic within `unsigned`.
constexpr double kMaxIu = 100000;

Result<void> check_iu_count(double needed, std::string_view what) {
  if (!(needed <= kMaxIu)) {
    return fail(ErrorKind::kUsage,
                "{} would need {:.3g} IUs, more than {:g}: check the rates and their units", what,
                needed, kMaxIu);
  }
  return {};
}

// IUs for a rate with headroom, before rounding up.
double exact_iu(double tps, double tps_per_iu, double headroom) {
  return tps * (1 + headroom) / tps_per_iu;
}

double hours(Duration d) {
  return to_seconds(d) / 3600;
}

}  // namespace

Duration round_up_billing(Duration d, BillingGranularity granularity) {
  const Duration unit = granularity == BillingGranularity::kHour
                            ? Duration(std::chrono::hours(1))
                            : Duration(std::chrono::minutes(1));
  if (d <= Duration::zero()) return Duration::zero();
  return ((d + unit - Duration(1)) / unit) * unit;
}

unsigned iu_for_rate(double tps, double tps_per_iu, double headroom, unsigned min_iu) {
  const unsigned needed = tps > 0 ? ceil_count(exact_iu(tps, tps_per_iu, headroom)) : 0;
  return std::max(needed, min_iu);
}

std::uint64_t images_in(double tps_per_iu, unsigned iu, Duration duration) {
  return static_cast<std::uint64_t>(std::floor(tps_per_iu * iu * to_seconds(duration) + 1e-6));
}

Result<RatePlan> plan_for_rate(double target_tps, double tps_per_iu, double headroom,
                               unsigned min_iu, double price_per_iu_hour) {
  if (auto ok = check_rate(tps_per_iu); !ok) return tl::unexpected(ok.error());
  if (!(target_tps > 0))
    return fail(ErrorKind::kUsage, "--target-tps must be above zero (got {})", target_tps);
  if (!(headroom >= 0))
    return fail(ErrorKind::kUsage, "--headroom must not be negative (got {})", headroom);
  if (auto ok = check_iu_count(exact_iu(target_tps, tps_per_iu, headroom), "--target-tps"); !ok)
    return tl::unexpected(ok.error());
  RatePlan plan{.target_tps = target_tps, .tps_per_iu = tps_per_iu, .headroom = headroom};
  plan.iu_for_rate = iu_for_rate(target_tps, tps_per_iu, headroom, 0);
  plan.iu = std::max({plan.iu_for_rate, min_iu, 1u});
  plan.capacity_tps = plan.iu * tps_per_iu;
  plan.utilisation = target_tps / plan.capacity_tps;
  plan.cost_per_hour = plan.iu * price_per_iu_hour;
  plan.cost_per_day = plan.cost_per_hour * 24;
  plan.cost_per_month = plan.cost_per_hour * kHoursPerMonth;
  return plan;
}

Result<BatchPlan> plan_batch(const BatchInput& in) {
  if (auto ok = check_rate(in.tps_per_iu); !ok) return tl::unexpected(ok.error());
  if (in.images == 0) return fail(ErrorKind::kUsage, "--images must be at least 1");
  if (in.startup < Duration::zero())
    return fail(ErrorKind::kUsage, "--startup must not be negative");
  if (in.deadline <= in.startup) {
    return fail(ErrorKind::kUsage,
                "--within {} leaves no time to process: the model takes {} to start (--startup)",
                format_duration(in.deadline), format_duration(in.startup));
  }
  const double exact = in.images / (in.tps_per_iu * to_seconds(in.deadline - in.startup));
  if (auto ok = check_iu_count(exact, "the batch"); !ok) return tl::unexpected(ok.error());
  const unsigned needed = std::max(1u, ceil_count(exact));
  auto option = [&](unsigned iu) {
    BatchOption o{.iu = iu};
    o.processing = from_seconds(in.images / (in.tps_per_iu * iu));
    o.wall = in.startup + o.processing;
    o.billed_iu_hours = iu * hours(round_up_billing(o.wall, in.granularity));
    o.cost = o.billed_iu_hours * in.price_per_iu_hour;
    o.meets_deadline = o.wall <= in.deadline + std::chrono::milliseconds(1);
    return o;
  };
  BatchPlan plan{.images = in.images, .deadline = in.deadline, .chosen = option(needed)};
  const unsigned last = std::max(needed + 2, std::min(needed * 2, needed + 6));
  for (unsigned iu = std::max(1u, needed > 3 ? needed - 3 : 1u); iu <= last; ++iu)
    plan.alternatives.push_back(option(iu));
  return plan;
}

Result<DailyProfile> parse_daily_profile(std::string_view csv) {
  DailyProfile tps{};
  std::array<bool, 24> seen{};
  std::size_t line_number = 0;
  bool first_data = true;
  while (!csv.empty()) {
    const std::size_t end = csv.find('\n');
    std::string_view line = trim_space(csv.substr(0, end));
    csv = end == std::string_view::npos ? std::string_view{} : csv.substr(end + 1);
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    const std::size_t comma = line.find(',');
    const std::string_view hour_text = trim_space(line.substr(0, comma));
    const std::string_view tps_text =
        comma == std::string_view::npos ? std::string_view{} : trim_space(line.substr(comma + 1));
    unsigned hour = 0;
    double rate = 0;
    auto [hour_end, hour_ec] =
        std::from_chars(hour_text.data(), hour_text.data() + hour_text.size(), hour);
    auto [rate_end, rate_ec] =
        std::from_chars(tps_text.data(), tps_text.data() + tps_text.size(), rate);
    const bool numeric = hour_ec == std::errc{} &&
                         hour_end == hour_text.data() + hour_text.size() &&
                         rate_ec == std::errc{} && rate_end == tps_text.data() + tps_text.size();
    if (!numeric) {
      if (first_data) {  // a header row such as "hour,tps"
        first_data = false;
        continue;
      }
      return fail(ErrorKind::kInput, "line {}: '{}' is not 'hour,tps' (e.g. '13,42.5')",
                  line_number, line);
    }
    first_data = false;
    if (hour > 23)
      return fail(ErrorKind::kInput, "line {}: hour {} is not 0-23", line_number, hour);
    if (!(rate >= 0) || !std::isfinite(rate))
      return fail(ErrorKind::kInput, "line {}: the rate must be zero or more (got {})", line_number,
                  tps_text);
    if (seen[hour])
      return fail(ErrorKind::kInput, "line {}: hour {} appears twice", line_number, hour);
    seen[hour] = true;
    tps[hour] = rate;
  }
  std::string missing;
  for (unsigned h = 0; h < 24; ++h) {
    if (!seen[h]) missing += (missing.empty() ? "" : ", ") + std::to_string(h);
  }
  if (!missing.empty())
    return fail(ErrorKind::kInput, "hours missing: {} (give all 24, 0 for idle hours)", missing);
  return tps;
}

Result<ProfilePlan> plan_profile(const ProfileInput& in) {
  if (auto ok = check_rate(in.tps_per_iu); !ok) return tl::unexpected(ok.error());
  if (!(in.headroom >= 0)) return fail(ErrorKind::kUsage, "--headroom must not be negative");
  const std::size_t n = in.tps.size();
  if (n != 24 && n != 168)
    return fail(ErrorKind::kInternal, "a profile has 24 or 168 hours, not {}", n);
  const double days = static_cast<double>(n) / 24;
  const double peak = *std::max_element(in.tps.begin(), in.tps.end());
  if (!(peak > 0))
    return fail(ErrorKind::kUsage, "the profile has no traffic: every hour is 0 TPS");
  if (auto ok = check_iu_count(exact_iu(peak, in.tps_per_iu, in.headroom), "the profile's peak");
      !ok)
    return tl::unexpected(ok.error());
  std::vector<unsigned> need(n);
  for (std::size_t h = 0; h < n; ++h)
    need[h] = in.tps[h] > 0
                  ? iu_for_rate(in.tps[h], in.tps_per_iu, in.headroom, std::max(1u, in.min_iu))
                  : 0;
  auto finish = [&](ProfileOption o) {
    o.cost_per_day = o.iu_hours_per_day * in.price_per_iu_hour;
    o.cost_per_month = o.cost_per_day * kHoursPerMonth / 24;
    return o;
  };
  const auto previous = [n](std::size_t h) { return (h + n - 1) % n; };
  ProfilePlan plan;

  const unsigned peak_iu = *std::max_element(need.begin(), need.end());
  ProfileOption always{.name = "always-on",
                       .how = fmt::format("start once with {} IU(s), never stop", peak_iu),
                       .iu = std::vector<unsigned>(n, peak_iu)};
  always.iu_hours_per_day = 24.0 * peak_iu;
  plan.options.push_back(finish(always));

  // Scheduled: a model runs each hour with that hour's IUs; a change of IU count means a new start
  // (Custom Labels cannot resize a running model), begun `startup` early so it is RUNNING on time,
  // its start-up billed too. The profile wraps around: its last hour runs into its first.
  ProfileOption scheduled{.name = "scheduled", .iu = need};
  unsigned starts = 0;
  double iu_hours = 0;
  for (std::size_t h = 0; h < n; ++h) {
    iu_hours += need[h];
    if (need[h] > 0 && need[h] != need[previous(h)]) {
      ++starts;
      iu_hours += need[h] * hours(in.startup);
    }
  }
  scheduled.iu_hours_per_day = iu_hours / days;
  scheduled.how =
      n == 24 ? fmt::format("{} start(s) a day at the hours where the IU count changes", starts)
              : fmt::format("{} start(s) a week at the hours where the IU count changes", starts);
  if (starts > 0 && in.startup == Duration::zero())
    scheduled.caveat = "model start time not included: pass --startup (typically 5-20 minutes)";
  plan.options.push_back(finish(scheduled));

  // Auto-scaling between the quietest and the busiest hour's needs. It reacts to load, so a
  // rise in demand is served short until the new IU is up.
  unsigned low = peak_iu;
  for (std::size_t h = 0; h < n; ++h)
    low = std::min(low, std::max(need[h], std::max(1u, in.min_iu)));
  ProfileOption scaling{
      .name = "auto-scaling",
      .how = fmt::format("start with MinInferenceUnits {} and MaxInferenceUnits {}", low, peak_iu),
      .iu = std::vector<unsigned>(n)};
  iu_hours = 0;
  for (std::size_t h = 0; h < n; ++h) {
    scaling.iu[h] = std::max(need[h], low);
    iu_hours += scaling.iu[h];
  }
  for (std::size_t h = 0; h < n; ++h) {
    if (scaling.iu[h] > scaling.iu[previous(h)]) scaling.never_short = false;
  }
  scaling.iu_hours_per_day = iu_hours / days;
  if (!scaling.never_short)
    scaling.caveat = "throttles while it scales up at each rise in demand (minutes per step)";
  plan.options.push_back(finish(scaling));

  plan.recommended = 0;
  for (std::size_t i = 1; i < plan.options.size(); ++i) {
    const auto& o = plan.options[i];
    if (o.never_short && o.cost_per_day < plan.options[plan.recommended].cost_per_day - 1e-9)
      plan.recommended = i;
  }
  return plan;
}

}  // namespace iuprobe
