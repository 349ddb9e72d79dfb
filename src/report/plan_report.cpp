// SPDX-License-Identifier: Apache-2.0
#include "report/plan_report.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "report/format.h"

namespace iuprobe {
namespace {

std::string money(double usd) {
  const auto cents = static_cast<std::uint64_t>(std::llround(usd * 100));
  return fmt::format("${}.{:02}", with_commas(cents / 100), cents % 100);
}

std::string number(double x) {
  return x == std::floor(x) && x < 1e15 ? with_commas(static_cast<std::uint64_t>(x))
                                        : fmt::format("{:.2f}", x);
}

const char* granularity_name(BillingGranularity g) {
  return g == BillingGranularity::kHour ? "hour" : "minute";
}

boost::json::object option_json(const BatchOption& o) {
  return {{"iu", o.iu},
          {"processing_s", to_seconds(o.processing)},
          {"wall_s", to_seconds(o.wall)},
          {"billed_iu_hours", o.billed_iu_hours},
          {"cost_usd", o.cost},
          {"meets_deadline", o.meets_deadline}};
}

std::string utc(std::int64_t epoch_seconds) {
  return fmt::format("{:%Y-%m-%d %H:%M}", fmt::gmtime(static_cast<std::time_t>(epoch_seconds)));
}

std::string resolution(std::int64_t period_s) {
  return period_s == 60     ? "per-minute"
         : period_s == 3600 ? "hourly"
                            : fmt::format("{}-minute", period_s / 60);
}

// What the current setting cost a day, if CloudWatch knew its IUs.
std::optional<double> current_cost_per_day(const TrafficPast& past, double price) {
  if (!past.iu_known || !(past.days > 0)) return std::nullopt;
  return past.iu_hours / past.days * price;
}

}  // namespace

std::string render_price(const PriceSource& price) {
  if (price.given)
    return fmt::format("{} per IU-hour (--price-per-iu-hour)", money(price.usd_per_iu_hour));
  return fmt::format(
      "{} per IU-hour, ASSUMED: the US East (N. Virginia) list price in AWS's public\n"
      "               Custom Labels pricing example; prices differ by region and change: pass "
      "--price-per-iu-hour",
      money(price.usd_per_iu_hour));
}

std::string render_rate_plan(const RatePlan& p, unsigned min_iu, const PriceSource& price) {
  std::string out =
      fmt::format("plan: {} TPS at {} TPS per IU{}\n", number(p.target_tps), number(p.tps_per_iu),
                  p.headroom > 0 ? fmt::format(", {:.0f}% headroom", p.headroom * 100) : "");
  out += fmt::format("  IUs          {}\n", p.iu);
  out += fmt::format(
      "               {} x (1 + {:.0f}%) / {} = {:.2f}, rounded up to {}{}\n", number(p.target_tps),
      p.headroom * 100, number(p.tps_per_iu), p.target_tps * (1 + p.headroom) / p.tps_per_iu,
      p.iu_for_rate,
      p.iu > p.iu_for_rate ? fmt::format("; --min-iu {} raises it to {}", min_iu, p.iu) : "");
  out += fmt::format("  capacity     {} TPS, {:.0f}% used at the target\n", number(p.capacity_tps),
                     p.utilisation * 100);
  out += fmt::format("  cost         {}/hour, {}/day, {}/month (730 hours)\n",
                     money(p.cost_per_hour), money(p.cost_per_day), money(p.cost_per_month));
  out += fmt::format("  price        {}\n", render_price(price));
  if (p.iu < 2) {
    out +=
        "  availability AWS advises at least 2 IUs for production: one IU is one point of "
        "failure (--min-iu 2)\n";
  }
  return out;
}

std::string render_batch_plan(const BatchPlan& p, const BatchInput& in, const PriceSource& price) {
  std::string out =
      fmt::format("batch: {} images within {} at {} TPS per IU (model start {}, billed per {})\n",
                  with_commas(p.images), format_duration(p.deadline), number(in.tps_per_iu),
                  format_duration(in.startup), granularity_name(in.granularity));
  const BatchOption& c = p.chosen;
  out += fmt::format("  IUs          {}\n", c.iu);
  out += fmt::format("  wall time    {} (start {} + processing {})\n", format_duration(c.wall),
                     format_duration(in.startup), format_duration(c.processing));
  out += fmt::format("  billed       {:.2f} IU-hours, {}\n", c.billed_iu_hours, money(c.cost));
  out += fmt::format("  price        {}\n", render_price(price));
  out +=
      "  billing      from the start request to the stop request, start-up included, rounded up "
      "per start\n";
  out += fmt::format("\n  alternatives   {:>4} {:>12} {:>10} {:>12} {:>10}\n", "IUs", "wall time",
                     "IU-hours", "cost", "in time");
  for (const BatchOption& o : p.alternatives) {
    out += fmt::format("                 {:>4} {:>12} {:>10.2f} {:>12} {:>10}{}\n", o.iu,
                       format_duration(o.wall), o.billed_iu_hours, money(o.cost),
                       o.meets_deadline ? "yes" : "no", o.iu == c.iu ? "   <- plan" : "");
  }
  return out;
}

std::string render_profile_plan(const ProfilePlan& p, const ProfileInput& in,
                                const PriceSource& price) {
  const bool weekly = in.tps.size() == 168;
  std::string out =
      fmt::format("{} profile at {} TPS per IU{} (model start {})\n", weekly ? "weekly" : "daily",
                  number(in.tps_per_iu),
                  in.headroom > 0 ? fmt::format(", {:.0f}% headroom", in.headroom * 100) : "",
                  format_duration(in.startup));
  const auto rate = [](double t) {
    return t >= 10 ? fmt::format("{:.0f}", t) : fmt::format("{:.1f}", t);
  };
  std::size_t column = 4;
  for (double t : in.tps) column = std::max(column, rate(t).size() + 1);
  static constexpr std::string_view kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  const std::size_t day_count = in.tps.size() / 24;
  // Days whose IUs are the same under every option share one block (their TPS row is the
  // highest of the days, hour by hour): one block per day, the demand, then each option's IUs.
  const auto same_ius = [&](std::size_t d1, std::size_t d2) {
    for (const ProfileOption& o : p.options) {
      if (!std::equal(o.iu.begin() + d1 * 24, o.iu.begin() + d1 * 24 + 24, o.iu.begin() + d2 * 24))
        return false;
    }
    return true;
  };
  std::size_t label = 17;  // "Sat-Sun auto-scaling IUs" at most
  for (const ProfileOption& o : p.options)
    label = std::max(label, o.name.size() + 4 + (weekly ? 8 : 0) + 1);
  for (std::size_t first = 0; first < day_count;) {
    std::size_t last = first;
    while (last + 1 < day_count && same_ius(first, last + 1)) ++last;
    std::string prefix;
    if (weekly)
      prefix =
          std::string(kDays[first]) + (last > first ? "-" + std::string(kDays[last]) : "") + " ";
    std::vector<double> tps(24, 0.0);
    for (std::size_t d = first; d <= last; ++d) {
      for (std::size_t h = 0; h < 24; ++h) tps[h] = std::max(tps[h], in.tps[d * 24 + h]);
    }
    out += fmt::format("  {:<{}}", prefix + "hour", label);
    for (int h = 0; h < 24; ++h) out += fmt::format("{:>{}}", h, column);
    out += fmt::format("\n  {:<{}}", prefix + (last > first ? "TPS (peak)" : "TPS"), label);
    for (double t : tps) out += fmt::format("{:>{}}", rate(t), column);
    out += "\n";
    for (const ProfileOption& o : p.options) {
      out += fmt::format("  {:<{}}", prefix + o.name + " IUs", label);
      for (std::size_t h = 0; h < 24; ++h)
        out += fmt::format("{:>{}}", o.iu[first * 24 + h], column);
      out += "\n";
    }
    first = last + 1;
  }
  out += fmt::format("\n  {:<14} {:>12} {:>12} {:>14}  {}\n", "option", "IU-h/day", "per day",
                     "per month", "how");
  for (std::size_t i = 0; i < p.options.size(); ++i) {
    const ProfileOption& o = p.options[i];
    out += fmt::format("  {:<14} {:>12.2f} {:>12} {:>14}  {}{}\n", o.name, o.iu_hours_per_day,
                       money(o.cost_per_day), money(o.cost_per_month), o.how,
                       i == p.recommended ? "   <- recommended" : "");
    if (!o.caveat.empty()) out += fmt::format("  {:<14} {}\n", "", "note: " + o.caveat);
  }
  out += fmt::format("\n  recommended  {}: the cheapest option that is never short of capacity\n",
                     p.options[p.recommended].name);
  out += fmt::format("  price        {}\n", render_price(price));
  return out;
}

boost::json::object rate_plan_json(const RatePlan& p) {
  return {{"kind", "rate"},
          {"target_tps", p.target_tps},
          {"tps_per_iu", p.tps_per_iu},
          {"headroom", p.headroom},
          {"iu_for_rate", p.iu_for_rate},
          {"iu", p.iu},
          {"capacity_tps", p.capacity_tps},
          {"utilisation", p.utilisation},
          {"cost_per_hour_usd", p.cost_per_hour},
          {"cost_per_day_usd", p.cost_per_day},
          {"cost_per_month_usd", p.cost_per_month}};
}

boost::json::object batch_plan_json(const BatchPlan& p, const BatchInput& in) {
  boost::json::array alternatives;
  for (const auto& o : p.alternatives) alternatives.push_back(option_json(o));
  return {{"kind", "batch"},
          {"images", p.images},
          {"deadline_s", to_seconds(p.deadline)},
          {"tps_per_iu", in.tps_per_iu},
          {"startup_s", to_seconds(in.startup)},
          {"billing_granularity", granularity_name(in.granularity)},
          {"plan", option_json(p.chosen)},
          {"alternatives", std::move(alternatives)}};
}

boost::json::object profile_plan_json(const ProfilePlan& p, const ProfileInput& in) {
  boost::json::array options;
  for (const auto& o : p.options) {
    boost::json::array iu(o.iu.begin(), o.iu.end());
    options.push_back({{"name", o.name},
                       {"how", o.how},
                       {"iu_per_hour", std::move(iu)},
                       {"iu_hours_per_day", o.iu_hours_per_day},
                       {"cost_per_day_usd", o.cost_per_day},
                       {"cost_per_month_usd", o.cost_per_month},
                       {"never_short", o.never_short},
                       {"caveat", o.caveat}});
  }
  return {{"kind", in.tps.size() == 168 ? "weekly_profile" : "daily_profile"},
          {"tps_per_iu", in.tps_per_iu},
          {"tps_per_hour", boost::json::array(in.tps.begin(), in.tps.end())},
          {"options", std::move(options)},
          {"recommended", p.options[p.recommended].name}};
}

std::string render_traffic_plan(const TrafficPlan& t, const PriceSource& price) {
  const TrafficSource& src = t.source;
  const TrafficPast& past = t.past;
  std::string out = fmt::format("history    {:g} days of {} data, {} to {} UTC, {} in {}\n",
                                past.days, resolution(t.history.period_s), utc(t.history.start),
                                utc(t.history.end), src.model, src.region);
  out +=
      fmt::format("           request counts under {}{}\n", src.dimensions,
                  src.account_wide ? fmt::format(" (none under the model's own dimensions): every "
                                                 "DetectCustomLabels call of the account in {}",
                                                 src.region)
                                   : "");
  out +=
      fmt::format("           read {} points in {} GetMetricData call{} ({} retried) in {:.1f} s\n",
                  with_commas(static_cast<std::uint64_t>(src.points)), src.calls,
                  src.calls == 1 ? "" : "s", src.retries, src.read_s);
  if (t.history.start > src.asked_start) {
    out += fmt::format(
        "           nothing recorded before {} UTC: the model's history starts there, not {:g} "
        "days back\n",
        utc(t.history.start), static_cast<double>(t.history.end - src.asked_start) / 86400);
  }
  if (!src.note.empty()) out += fmt::format("           {}\n", src.note);
  const double share = past.requests > 0 ? past.throttled / past.requests * 100 : 0;
  out += fmt::format("past       {} requests, {} throttled ({:.2f}%)\n",
                     with_commas(static_cast<std::uint64_t>(past.requests)),
                     with_commas(static_cast<std::uint64_t>(past.throttled)), share);
  for (const TrafficPast::Hour& h : past.worst_hours) {
    out += fmt::format("           throttled most {}: {} of {} ({:.1f}%)\n", utc(h.start),
                       with_commas(static_cast<std::uint64_t>(h.throttled)),
                       with_commas(static_cast<std::uint64_t>(h.requests)),
                       h.requests > 0 ? h.throttled / h.requests * 100 : 0);
  }
  const auto current = current_cost_per_day(past, price.usd_per_iu_hour);
  if (current) {
    out += fmt::format(
        "           in service: {:.2f} IUs on average, {:g} at most; {:.1f} IU-hours, {} ({} a "
        "day)\n",
        past.iu_hours / (past.days * 24), past.peak_iu, past.iu_hours,
        money(past.iu_hours * price.usd_per_iu_hour), money(*current));
  } else {
    out += "           in service: unknown (no InServiceInferenceUnits data for the model)\n";
  }
  out += fmt::format(
      "profile    {}\n           each hour's (UTC) peak {} rate, {} across {:g} days\n\n",
      t.profile.why, resolution(t.history.period_s),
      t.profile.peak_percentile >= 100 ? std::string("the maximum")
                                       : fmt::format("percentile {:g}", t.profile.peak_percentile),
      t.profile.days);
  out += render_profile_plan(t.plan, t.input, price);
  const ProfileOption& best = t.plan.options[t.plan.recommended];
  if (current) {
    const double saving = *current - best.cost_per_day;
    out += fmt::format(
        "  against now  {} costs {} a day, against {} under the current setting: {} {} a day, {} "
        "a month\n",
        best.name, money(best.cost_per_day), money(*current), saving >= 0 ? "saves" : "costs",
        money(std::abs(saving)), money(std::abs(saving) * kHoursPerMonth / 24));
    if (past.throttled > 0)
      out += fmt::format(
          "               it is sized for each hour's peak; the current setting throttled {:.2f}% "
          "of requests\n",
          share);
  }
  return out;
}

boost::json::object traffic_plan_json(const TrafficPlan& t) {
  const TrafficSource& src = t.source;
  const TrafficPast& past = t.past;
  boost::json::array worst;
  for (const auto& h : past.worst_hours)
    worst.push_back({{"start", h.start}, {"requests", h.requests}, {"throttled", h.throttled}});
  boost::json::object out{{"kind", "cloudwatch"},
                          {"source",
                           {{"region", src.region},
                            {"model", src.model},
                            {"dimensions", src.dimensions},
                            {"account_wide", src.account_wide},
                            {"start", t.history.start},
                            {"asked_start", src.asked_start},
                            {"end", t.history.end},
                            {"period_s", t.history.period_s},
                            {"calls", src.calls},
                            {"retries", src.retries},
                            {"points", src.points},
                            {"read_s", src.read_s}}},
                          {"past",
                           {{"days", past.days},
                            {"requests", past.requests},
                            {"throttled", past.throttled},
                            {"iu_known", past.iu_known},
                            {"iu_hours", past.iu_hours},
                            {"peak_iu", past.peak_iu},
                            {"worst_hours", std::move(worst)}}},
                          {"profile_why", t.profile.why},
                          {"weekly", t.profile.weekly},
                          {"peak_percentile", t.profile.peak_percentile},
                          {"plan", profile_plan_json(t.plan, t.input)}};
  if (auto current = current_cost_per_day(past, t.input.price_per_iu_hour)) {
    out["current_cost_per_day_usd"] = *current;
    out["saving_per_day_usd"] = *current - t.plan.options[t.plan.recommended].cost_per_day;
  }
  return out;
}

std::string render_probe_plans(const ProbeReport& report, const ProbePlanRequest& request) {
  const SearchAnswer& a = report.answer;
  if (!request.target_tps && !request.batch_images) return "";
  if (a.verdict != SearchAnswer::Verdict::kFound || !report.completed()) {
    return fmt::format("\nplan       not made: the probe found no capacity to plan with ({})\n",
                       report.completed() ? to_string(a.verdict) : "it did not finish");
  }
  std::string out;
  const unsigned iu = std::max(1u, report.inference_units);
  const double per_iu = a.capacity / iu;
  if (report.inference_units == 0)
    out += "\nplan       assumes the endpoint had 1 IU (give --iu N for a per-IU figure)\n";
  const double price = request.price.usd_per_iu_hour;
  if (request.target_tps) {
    if (auto plan = plan_for_rate(*request.target_tps, per_iu, 0, 1, price))
      out += "\n" + render_rate_plan(*plan, 1, request.price);
    else
      out += "\nplan       " + plan.error().message + "\n";
  }
  if (request.batch_images) {
    const BatchInput input{.images = *request.batch_images,
                           .deadline = request.within,
                           .tps_per_iu = per_iu,
                           .price_per_iu_hour = price};
    if (auto plan = plan_batch(input))
      out += "\n" + render_batch_plan(*plan, input, request.price);
    else
      out += "\nplan       " + plan.error().message + "\n";
  }
  return out;
}

}  // namespace iuprobe
