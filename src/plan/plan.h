// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/units.h"

namespace iuprobe {

// US East (N. Virginia) list price of one Custom Labels inference unit per hour, as AWS's public
// pricing example uses it. Always printed as an assumption; --price-per-iu-hour overrides it.
inline constexpr double kDefaultPricePerIuHour = 4.00;
inline constexpr double kHoursPerMonth = 730;  // AWS's monthly convention (8,760 h / 12)

enum class BillingGranularity { kMinute, kHour };

// Billed time is rounded up to whole minutes or hours, per model start.
Duration round_up_billing(Duration d, BillingGranularity granularity);

// IUs to serve `tps` with `headroom` spare capacity: ceil(tps × (1 + headroom) / tps_per_iu),
// at least `min_iu` (and 0 only for a zero rate with min_iu 0).
unsigned iu_for_rate(double tps, double tps_per_iu, double headroom, unsigned min_iu);

// Images processed by `iu` IUs in `duration` at full speed.
std::uint64_t images_in(double tps_per_iu, unsigned iu, Duration duration);

struct RatePlan {
  double target_tps = 0;
  double tps_per_iu = 0;
  double headroom = 0;
  unsigned iu_for_rate = 0;  // before the min-IU floor
  unsigned iu = 0;
  double capacity_tps = 0;  // iu × tps_per_iu
  double utilisation = 0;   // target / capacity
  double cost_per_hour = 0, cost_per_day = 0, cost_per_month = 0;
};
Result<RatePlan> plan_for_rate(double target_tps, double tps_per_iu, double headroom,
                               unsigned min_iu, double price_per_iu_hour);

struct BatchOption {
  unsigned iu = 0;
  Duration processing{};  // images ÷ (iu × tps_per_iu)
  Duration wall{};        // startup + processing
  double billed_iu_hours = 0;
  double cost = 0;
  bool meets_deadline = false;
};

struct BatchPlan {
  std::uint64_t images = 0;
  Duration deadline{};
  BatchOption chosen;                     // the fewest IUs that meet the deadline
  std::vector<BatchOption> alternatives;  // 1 … a few more than chosen: time against cost
};

struct BatchInput {
  std::uint64_t images = 0;
  Duration deadline{};
  double tps_per_iu = 0;
  Duration startup{};  // model start time: waited for, and billed (the conservative reading)
  BillingGranularity granularity = BillingGranularity::kMinute;
  double price_per_iu_hour = kDefaultPricePerIuHour;
};
Result<BatchPlan> plan_batch(const BatchInput& input);

// Expected TPS in each hour of a day, 0-23.
using DailyProfile = std::array<double, 24>;

// CSV "hour,tps" (a header row is allowed, # comments and blank lines are skipped): every hour
// 0-23 exactly once, rates >= 0. Errors name the line.
Result<DailyProfile> parse_daily_profile(std::string_view csv_text);

struct ProfileOption {
  std::string name;          // always-on, scheduled, auto-scaling
  std::string how;           // one line: what to configure
  std::vector<unsigned> iu;  // per hour of the profile
  double iu_hours_per_day = 0;
  double cost_per_day = 0;
  double cost_per_month = 0;
  bool never_short = true;  // capacity covers every hour's demand
  std::string caveat;
};

struct ProfilePlan {
  std::vector<ProfileOption> options;
  std::size_t recommended = 0;  // the cheapest that is never short of capacity
};

// A profile is 24 hours (a day, repeated) or 168 (a week from Monday 00:00, repeated).
struct ProfileInput {
  std::vector<double> tps;
  double tps_per_iu = 0;
  double headroom = 0;
  unsigned min_iu = 1;
  Duration startup{};
  double price_per_iu_hour = kDefaultPricePerIuHour;
};
Result<ProfilePlan> plan_profile(const ProfileInput& input);

}  // namespace iuprobe
