// SPDX-License-Identifier: Apache-2.0
#include "app/plan_command.h"

#include <fmt/format.h>

#include <boost/json/parse.hpp>

#include "app/exit_codes.h"
#include "app/options.h"
#include "http/bodies.h"
#include "plan/plan.h"
#include "report/format.h"
#include "report/plan_report.h"
#include "report/run_json.h"

namespace iuprobe {
namespace {

Result<Duration> duration_option(const std::string& text, std::string_view option) {
  auto parsed = parse_duration(text);
  if (!parsed) return with_context(parsed.error(), option);
  return parsed;
}

// TPS per IU from a probe's result.json; refuses what is not a measured capacity.
Result<double> tps_per_iu_from(const std::string& path) {
  auto file = load_body_file(path, kDefaultMaxBodyBytes, "--from");
  if (!file) return tl::unexpected(file.error());
  boost::system::error_code ec;
  const boost::json::value root = boost::json::parse(file->bytes, ec);
  const boost::json::object* result = ec ? nullptr : root.if_object();
  if (!result || !result->contains("schema") || result->at("schema") != "iuprobe.probe") {
    return fail(
        "--from {}: not a result.json written by iuprobe probe (run results carry no "
        "capacity); give --tps-per-iu instead",
        path);
  }
  const auto& answer = result->at("answer").as_object();
  const std::string verdict(answer.at("verdict").as_string());
  if (verdict == "generator-limited") {
    return fail(
        "--from {}: that probe was limited by the load generator, so its figure is a lower "
        "bound, not a capacity; probe again with more threads/connections, or give "
        "--tps-per-iu if you accept it",
        path);
  }
  if (verdict != "found")
    return fail("--from {}: that probe found no capacity ({})", path, verdict);
  const auto* per_iu = answer.if_contains("tps_per_iu");
  if (!per_iu) {
    return fail(
        "--from {}: the probe did not know the IU count (probe with --iu N); give "
        "--tps-per-iu instead",
        path);
  }
  const double value = per_iu->to_number<double>();
  fmt::print("capacity   {:.2f} TPS per IU, from {}\n\n", value, path);
  return value;
}

// Runs every question asked; the first error ends it.
Result<boost::json::array> make_plans(PlanOptions o) {
  if (!o.from.empty()) {
    if (o.tps_per_iu) return fail("give --tps-per-iu or --from, not both");
    auto from = tps_per_iu_from(o.from);
    if (!from) return tl::unexpected(from.error());
    o.tps_per_iu = *from;
  }
  if (!o.tps_per_iu)
    return fail("give the capacity: --tps-per-iu X, or --from result.json of a probe");
  if (!(*o.tps_per_iu > 0))
    return fail(
        "--tps-per-iu must be above zero (got {}): a model that serves nothing cannot be "
        "planned for",
        *o.tps_per_iu);
  if (!(o.headroom >= 0 && o.headroom < 10))
    return fail("--headroom {} : give a fraction such as 0.2 for 20%", o.headroom);
  if (o.images.has_value() != o.within.has_value())
    return fail("--images and --within go together: N images within a deadline");
  if (o.iu.has_value() != o.run_for.has_value())
    return fail("--iu and --for go together: how many images N IUs process in a time");
  if (!o.target_tps && !o.images && !o.iu && o.profile.empty()) {
    return fail(
        "ask a question: --target-tps T, --images N --within D, --iu N --for D, or "
        "--profile daily.csv");
  }
  const PriceSource price{o.price_per_iu_hour.value_or(kDefaultPricePerIuHour),
                          o.price_per_iu_hour.has_value()};
  if (!(price.usd_per_iu_hour >= 0)) return fail("--price-per-iu-hour must not be negative");
  auto startup = duration_option(o.startup, "--startup");
  if (!startup) return tl::unexpected(startup.error());
  if (o.billing_granularity != "minute" && o.billing_granularity != "hour")
    return fail("--billing-granularity '{}': use minute or hour", o.billing_granularity);
  const auto granularity =
      o.billing_granularity == "hour" ? BillingGranularity::kHour : BillingGranularity::kMinute;
  boost::json::array plans;
  std::string text;
  if (o.target_tps) {
    auto plan =
        plan_for_rate(*o.target_tps, *o.tps_per_iu, o.headroom, o.min_iu, price.usd_per_iu_hour);
    if (!plan) return tl::unexpected(plan.error());
    text += render_rate_plan(*plan, o.min_iu, price) + "\n";
    plans.push_back(rate_plan_json(*plan));
  }
  if (o.iu) {
    auto run_for = duration_option(*o.run_for, "--for");
    if (!run_for) return tl::unexpected(run_for.error());
    const std::uint64_t images = images_in(*o.tps_per_iu, *o.iu, *run_for);
    const double billed =
        *o.iu * to_seconds(round_up_billing(*startup + *run_for, granularity)) / 3600;
    text += fmt::format(
        "throughput: {} IU{} at {} TPS each for {} process {} images; {:.2f} IU-hours, ${:.2f} "
        "(model start {} included)\n\n",
        *o.iu, *o.iu == 1 ? "" : "s", *o.tps_per_iu, format_duration(*run_for), with_commas(images),
        billed, billed * price.usd_per_iu_hour, format_duration(*startup));
    plans.push_back({{"kind", "throughput"},
                     {"iu", *o.iu},
                     {"duration_s", to_seconds(*run_for)},
                     {"images", images},
                     {"billed_iu_hours", billed}});
  }
  if (o.images) {
    auto within = duration_option(*o.within, "--within");
    if (!within) return tl::unexpected(within.error());
    const BatchInput input{.images = *o.images,
                           .deadline = *within,
                           .tps_per_iu = *o.tps_per_iu,
                           .startup = *startup,
                           .granularity = granularity,
                           .price_per_iu_hour = price.usd_per_iu_hour};
    auto plan = plan_batch(input);
    if (!plan) return tl::unexpected(plan.error());
    text += render_batch_plan(*plan, input, price) + "\n";
    plans.push_back(batch_plan_json(*plan, input));
  }
  if (!o.profile.empty()) {
    auto csv = load_body_file(o.profile, kDefaultMaxBodyBytes, "--profile");
    if (!csv) return tl::unexpected(csv.error());
    auto tps = parse_daily_profile(csv->bytes);
    if (!tps) return with_context(tps.error(), "--profile " + o.profile);
    const ProfileInput input{.tps = *tps,
                             .tps_per_iu = *o.tps_per_iu,
                             .headroom = o.headroom,
                             .min_iu = o.min_iu,
                             .startup = *startup,
                             .price_per_iu_hour = price.usd_per_iu_hour};
    auto plan = plan_profile(input);
    if (!plan) return with_context(plan.error(), "--profile " + o.profile);
    text += render_profile_plan(*plan, input, price) + "\n";
    plans.push_back(profile_plan_json(*plan, input));
  }
  fmt::print("{}", text);
  return plans;
}

}  // namespace

int plan_command(const PlanOptions& options) {
  auto plans = make_plans(options);
  if (!plans) {
    print_error(plans.error());
    return kExitUsage;
  }
  if (!options.json_out.empty()) {
    const boost::json::object json{
        {"schema", "iuprobe.plan"}, {"schema_version", 1}, {"plans", std::move(*plans)}};
    if (auto written = write_json_file(options.json_out, json); !written) {
      print_error(with_context(written.error(), "--json").value());
      return kExitFailure;
    }
  }
  return kExitOk;
}

}  // namespace iuprobe
