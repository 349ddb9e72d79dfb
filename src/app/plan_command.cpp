// SPDX-License-Identifier: Apache-2.0
#include "app/plan_command.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cmath>

#include "app/options.h"
#include "aws/arn.h"
#include "cloudwatch/model_metrics.h"
#include "core/clock.h"
#include "core/environment.h"
#include "http/bodies.h"
#include "plan/plan.h"
#include "plan/traffic.h"
#include "report/format.h"
#include "report/html_report.h"
#include "report/plan_report.h"
#include "report/probe_report.h"
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
  auto value = read_probe_tps_per_iu(file->bytes);
  if (!value) return with_context(value.error(), "--from " + path);
  fmt::print("capacity   {:.2f} TPS per IU, from {}\n", value->tps_per_iu, path);
  fmt::print("figure     {}\n\n", value->figure);
  return value->tps_per_iu;
}

// The questions asked, checked, with the capacity they are asked of.
struct Questions {
  PlanOptions o;
  double tps_per_iu = 0;
  PriceSource price;
  Duration startup{};
  BillingGranularity granularity = BillingGranularity::kMinute;
};

Result<Questions> check_questions(PlanOptions o) {
  if (!o.from.empty()) {
    if (o.tps_per_iu) return fail(ErrorKind::kUsage, "give --tps-per-iu or --from, not both");
    auto from = tps_per_iu_from(o.from);
    if (!from) return tl::unexpected(from.error());
    o.tps_per_iu = *from;
  }
  if (!o.tps_per_iu) {
    return fail(ErrorKind::kUsage,
                "give the capacity: --tps-per-iu X, or --from result.json of a probe");
  }
  if (!(*o.tps_per_iu > 0)) {
    return fail(ErrorKind::kUsage,
                "--tps-per-iu must be above zero (got {}): a model that serves nothing cannot be "
                "planned for",
                *o.tps_per_iu);
  }
  if (!(o.headroom >= 0 && o.headroom < 10))
    return fail(ErrorKind::kUsage, "--headroom {} : give a fraction such as 0.2 for 20%",
                o.headroom);
  if (o.images.has_value() != o.within.has_value())
    return fail(ErrorKind::kUsage, "--images and --within go together: N images within a deadline");
  if (o.iu.has_value() != o.run_for.has_value()) {
    return fail(ErrorKind::kUsage,
                "--iu and --for go together: how many images N IUs process in a time");
  }
  if (!o.target_tps && !o.images && !o.iu && o.profile.empty() && !o.cloudwatch) {
    return fail(ErrorKind::kUsage,
                "ask a question: --target-tps T, --images N --within D, --iu N --for D, "
                "--profile daily.csv, or --cloudwatch --project-version-arn ARN");
  }
  if (o.cloudwatch && !o.profile.empty())
    return fail(ErrorKind::kUsage,
                "give --profile or --cloudwatch, not both: each is a daily profile to plan for");
  if (o.cloudwatch && o.project_version_arn.empty())
    return fail(ErrorKind::kUsage,
                "--cloudwatch reads the traffic of one model: give --project-version-arn ARN");
  if (!o.cloudwatch && !o.project_version_arn.empty())
    return fail(ErrorKind::kUsage, "--project-version-arn goes with --cloudwatch");
  if (o.cloudwatch && !(o.peak_percentile > 0 && o.peak_percentile <= 100))
    return fail(ErrorKind::kUsage,
                "--peak-percentile {}: give a percentile above 0, up to 100 (100: the maximum)",
                o.peak_percentile);
  if (o.cloudwatch && (o.days < 1 || o.days > 455))
    return fail(ErrorKind::kUsage,
                "--days {}: CloudWatch keeps 1 to 455 days (1-minute points for 15, 5-minute "
                "for 63, hourly for 455)",
                o.days);
  const PriceSource price{o.price_per_iu_hour.value_or(kDefaultPricePerIuHour),
                          o.price_per_iu_hour.has_value()};
  if (!(price.usd_per_iu_hour >= 0))
    return fail(ErrorKind::kUsage, "--price-per-iu-hour must not be negative");
  auto startup = duration_option(o.startup, "--startup");
  if (!startup) return tl::unexpected(startup.error());
  if (o.billing_granularity != "minute" && o.billing_granularity != "hour") {
    return fail(ErrorKind::kUsage, "--billing-granularity '{}': use minute or hour",
                o.billing_granularity);
  }
  const auto granularity =
      o.billing_granularity == "hour" ? BillingGranularity::kHour : BillingGranularity::kMinute;
  const double tps_per_iu = *o.tps_per_iu;
  return Questions{std::move(o), tps_per_iu, price, *startup, granularity};
}

// The answers so far, for people and for plan.json.
struct Answers {
  std::string text;
  boost::json::array plans;
};

Result<void> answer_rate(const Questions& q, Answers& a) {
  auto plan = plan_for_rate(*q.o.target_tps, q.tps_per_iu, q.o.headroom, q.o.min_iu,
                            q.price.usd_per_iu_hour);
  if (!plan) return tl::unexpected(plan.error());
  a.text += render_rate_plan(*plan, q.o.min_iu, q.price) + "\n";
  a.plans.push_back(rate_plan_json(*plan));
  return {};
}

Result<void> answer_throughput(const Questions& q, Answers& a) {
  auto run_for = duration_option(*q.o.run_for, "--for");
  if (!run_for) return tl::unexpected(run_for.error());
  const unsigned iu = *q.o.iu;
  const std::uint64_t images = images_in(q.tps_per_iu, iu, *run_for);
  const double billed =
      iu * to_seconds(round_up_billing(q.startup + *run_for, q.granularity)) / 3600;
  a.text += fmt::format(
      "throughput: {} IU{} at {} TPS each for {} process {} images; {:.2f} IU-hours, ${:.2f} "
      "(model start {} included)\n\n",
      iu, iu == 1 ? "" : "s", q.tps_per_iu, format_duration(*run_for), with_commas(images), billed,
      billed * q.price.usd_per_iu_hour, format_duration(q.startup));
  a.plans.push_back({{"kind", "throughput"},
                     {"iu", iu},
                     {"duration_s", to_seconds(*run_for)},
                     {"images", images},
                     {"billed_iu_hours", billed}});
  return {};
}

Result<void> answer_batch(const Questions& q, Answers& a) {
  auto within = duration_option(*q.o.within, "--within");
  if (!within) return tl::unexpected(within.error());
  const BatchInput input{.images = *q.o.images,
                         .deadline = *within,
                         .tps_per_iu = q.tps_per_iu,
                         .startup = q.startup,
                         .granularity = q.granularity,
                         .price_per_iu_hour = q.price.usd_per_iu_hour};
  auto plan = plan_batch(input);
  if (!plan) return tl::unexpected(plan.error());
  a.text += render_batch_plan(*plan, input, q.price) + "\n";
  a.plans.push_back(batch_plan_json(*plan, input));
  return {};
}

Result<void> answer_profile(const Questions& q, Answers& a) {
  const std::string& path = q.o.profile;
  auto csv = load_body_file(path, kDefaultMaxBodyBytes, "--profile");
  if (!csv) return tl::unexpected(csv.error());
  auto tps = parse_daily_profile(csv->bytes);
  if (!tps) return with_context(tps.error(), "--profile " + path);
  const ProfileInput input{.tps = std::vector<double>(tps->begin(), tps->end()),
                           .tps_per_iu = q.tps_per_iu,
                           .headroom = q.o.headroom,
                           .min_iu = q.o.min_iu,
                           .startup = q.startup,
                           .price_per_iu_hour = q.price.usd_per_iu_hour};
  auto plan = plan_profile(input);
  if (!plan) return with_context(plan.error(), "--profile " + path);
  a.text += render_profile_plan(*plan, input, q.price) + "\n";
  a.plans.push_back(profile_plan_json(*plan, input));
  return {};
}

// The model's recorded traffic, read from CloudWatch, as a history to plan from.
Result<TrafficPlan> read_traffic(const Questions& q) {
  const PlanOptions& o = q.o;
  auto arn = parse_project_version_arn(o.project_version_arn);
  if (!arn) return with_context(arn.error(), "--project-version-arn");
  const EnvLookup env = process_environment();
  auto region = choose_region(o.aws, *arn, env);
  if (!region) return tl::unexpected(region.error());
  auto endpoint = cloudwatch_endpoint_for(o.aws, *region, env);
  if (!endpoint) return tl::unexpected(endpoint.error());
  auto credentials = load_credentials(o.aws);
  if (!credentials) return tl::unexpected(credentials.error());
  const CloudWatchClient client(AwsJsonClient(kCloudWatchProtocol, *endpoint, *region, *credentials,
                                              nullptr, std::chrono::seconds(30)));
  // Whole hours, the last one complete.
  const std::int64_t end = epoch_seconds_now() / 3600 * 3600;
  const std::int64_t days = o.days;
  ModelMetricsQuery query{.project = arn->project,
                          .version = arn->version,
                          .start = end - days * 86400,
                          .end = end,
                          .period_s = finest_period_for(days)};
  fmt::print(stderr, "cloudwatch reading {} day{} of AWS/Rekognition metrics for {}/{} from {}\n",
             days, days == 1 ? "" : "s", arn->project, arn->version, endpoint->host_header);
  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  auto metrics = read_model_metrics(client, query, [&](std::int64_t done, std::int64_t total) {
    if (terminal)
      fmt::print(stderr, "\r           {:.0f} of {} days read", done / 86400.0, total / 86400);
  });
  if (terminal) fmt::print(stderr, "\r\033[K");
  if (!metrics) return tl::unexpected(cloudwatch_read_error(metrics.error()));
  if (!metrics->has_requests()) {
    return fail(
        ErrorKind::kInput,
        "no data points: AWS/Rekognition SuccessfulRequestCount, ThrottledCount, ServerErrorCount "
        "and UserErrorCount (Sum, {} s) are empty under ProjectName={}, VersionName={} and under "
        "Operation=DetectCustomLabels in {} from {:%Y-%m-%d %H:%M} to {:%Y-%m-%d %H:%M} UTC. Check "
        "the ARN and the region, and that the model served requests then (--days)",
        query.period_s, arn->project, arn->version, *region,
        fmt::gmtime(static_cast<std::time_t>(query.start)),
        fmt::gmtime(static_cast<std::time_t>(query.end)));
  }
  TrafficHistory history{.start = query.start, .end = query.end, .period_s = query.period_s};
  for (const ModelMetrics::Demand& d : metrics->demand())
    history.requests.push_back({d.time, d.requests, d.throttled});
  for (const MetricPoint& p : metrics->in_service_iu)
    history.in_service.push_back({p.time, p.value});
  TrafficPlan t;
  t.history = from_first_data(std::move(history));
  t.source = {.region = *region,
              .model = arn->project + "/" + arn->version,
              .dimensions = describe_dimensions(metrics->request_dimensions),
              .account_wide = metrics->account_wide,
              .calls = metrics->stats.calls,
              .retries = metrics->stats.retries,
              .points = metrics->stats.points,
              .read_s = to_seconds(metrics->stats.took),
              .asked_start = query.start,
              .note = fmt::format(
                  "demand = SuccessfulRequestCount + ThrottledCount + ServerErrorCount{}",
                  query.period_s == 60
                      ? std::string()
                      : fmt::format("; {}-second points: CloudWatch keeps 1-minute points for "
                                    "15 days only, so short peaks are averaged out",
                                    query.period_s))};
  return t;
}

Result<void> answer_cloudwatch(const Questions& q, Answers& a) {
  auto t = read_traffic(q);
  if (!t) return tl::unexpected(t.error());
  t->past = traffic_past(t->history);
  auto profile = traffic_profile(t->history, q.o.peak_percentile);
  if (!profile) return tl::unexpected(profile.error());
  t->profile = std::move(*profile);
  t->input = {.tps = t->profile.tps,
              .tps_per_iu = q.tps_per_iu,
              .headroom = q.o.headroom,
              .min_iu = q.o.min_iu,
              .startup = q.startup,
              .price_per_iu_hour = q.price.usd_per_iu_hour};
  auto plan = plan_profile(t->input);
  if (!plan) return with_context(plan.error(), "--cloudwatch");
  t->plan = std::move(*plan);
  a.text += render_traffic_plan(*t, q.price) + "\n";
  a.plans.push_back(traffic_plan_json(*t));
  return {};
}

// Runs every question asked; the first error ends it.
Result<boost::json::array> make_plans(PlanOptions options) {
  auto q = check_questions(std::move(options));
  if (!q) return tl::unexpected(q.error());
  Answers answers;
  const std::pair<bool, Result<void> (*)(const Questions&, Answers&)> asked[] = {
      {q->o.target_tps.has_value(), answer_rate},
      {q->o.iu.has_value(), answer_throughput},
      {q->o.images.has_value(), answer_batch},
      {!q->o.profile.empty(), answer_profile},
      {q->o.cloudwatch, answer_cloudwatch}};
  for (const auto& [wanted, answer] : asked) {
    if (!wanted) continue;
    if (auto ok = answer(*q, answers); !ok) return tl::unexpected(ok.error());
  }
  fmt::print("{}", answers.text);
  return std::move(answers.plans);
}

}  // namespace

Result<void> plan_command(const PlanOptions& options) {
  auto plans = make_plans(options);
  if (!plans) return tl::unexpected(plans.error());
  const boost::json::object json{
      {"schema", "iuprobe.plan"}, {"schema_version", 1}, {"plans", std::move(*plans)}};
  if (!options.json_out.empty()) {
    if (auto written = write_json_file(options.json_out, json); !written)
      return with_context(written.error(), "--json");
  }
  if (!options.html_out.empty()) {
    if (auto written = write_text_file(options.html_out, render_plan_html(json)); !written)
      return with_context(written.error(), "--html");
  }
  return {};
}

}  // namespace iuprobe
