// SPDX-License-Identifier: Apache-2.0
#include "app/options.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <boost/beast/core/string.hpp>
#include <charconv>
#include <thread>

#include "aws/images.h"
#include "aws/rekognition.h"

namespace iuprobe {
namespace {

template <class T>
Result<T> flag(std::string_view name, Result<T> value) {
  if (!value) return with_context(value.error(), name);
  return value;
}

bool looks_secret(std::string_view header_name) {
  for (std::string_view secret : {"authorization", "x-api-key", "api-key", "cookie",
                                  "x-amz-security-token", "proxy-authorization", "x-auth-token"}) {
    if (boost::beast::iequals(header_name, secret)) return true;
  }
  return false;
}

Result<std::vector<unsigned>> parse_user_counts(std::string_view text) {
  std::vector<unsigned> counts;
  std::string_view rest = text;
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    unsigned n = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), n);
    if (ec != std::errc{} || end != item.data() + item.size() || n == 0 || n > 1'000'000) {
      return fail(ErrorKind::kUsage,
                  "'{}' is not a list of user counts (whole numbers from 1), e.g. 10,20,40,80",
                  text);
    }
    counts.push_back(n);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return counts;
}

Result<std::vector<unsigned>> parse_statuses(std::string_view text) {
  std::vector<unsigned> statuses;
  std::string_view rest = text;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    unsigned n = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), n);
    if (ec != std::errc{} || end != item.data() + item.size() || n < 100 || n > 599) {
      return fail(ErrorKind::kUsage, "'{}' is not a list of HTTP status codes, e.g. 429,503", text);
    }
    statuses.push_back(n);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return statuses;
}

Result<Duration> positive_duration(std::string_view name, const std::string& text) {
  auto d = flag(name, parse_duration(text));
  if (d && d->count() <= 0)
    return fail(ErrorKind::kUsage, "{}: '{}' must be longer than zero", name, text);
  return d;
}

}  // namespace

namespace {

// --rate R --duration D, or --ramp FROM:TO --duration D.
Result<RateProfile> rate_or_ramp(const LoadOptions& o) {
  if (!o.step_duration.empty())
    return fail(ErrorKind::kUsage, "--step-duration goes with --steps or --users; use --duration");
  if (o.duration.empty()) {
    return fail(ErrorKind::kUsage, "{} needs --duration, e.g. --duration 30s",
                o.rate.empty() ? "--ramp" : "--rate");
  }
  auto duration = positive_duration("--duration", o.duration);
  if (!duration) return tl::unexpected(duration.error());
  if (!o.rate.empty()) {
    auto rate = flag("--rate", parse_rate(o.rate));
    if (!rate) return tl::unexpected(rate.error());
    return RateProfile::constant(*rate, *duration);
  }
  const std::size_t colon = o.ramp.find(':');
  if (colon == std::string::npos)
    return fail(ErrorKind::kUsage, "--ramp: '{}' should be FROM:TO, e.g. 10:500", o.ramp);
  auto from = flag("--ramp", parse_rate(std::string_view(o.ramp).substr(0, colon)));
  auto to = flag("--ramp", parse_rate(std::string_view(o.ramp).substr(colon + 1)));
  if (!from) return tl::unexpected(from.error());
  if (!to) return tl::unexpected(to.error());
  return RateProfile::ramp(*from, *to, *duration);
}

// --steps R1,R2 --step-duration D.
Result<RateProfile> rate_steps(const LoadOptions& o) {
  if (o.step_duration.empty())
    return fail(ErrorKind::kUsage, "--steps needs --step-duration, e.g. --step-duration 10s");
  if (!o.duration.empty())
    return fail(ErrorKind::kUsage, "--steps takes --step-duration, not --duration");
  auto rates = flag("--steps", parse_rate_list(o.steps));
  if (!rates) return tl::unexpected(rates.error());
  auto step = positive_duration("--step-duration", o.step_duration);
  if (!step) return tl::unexpected(step.error());
  return RateProfile::steps(*rates, *step);
}

// --users N1,N2 --step-duration D (or --duration D for one count), [--pacing D].
Result<UsersProfile> user_steps(const LoadOptions& o) {
  auto users = flag("--users", parse_user_counts(o.users));
  if (!users) return tl::unexpected(users.error());
  std::optional<Duration> pacing;
  if (!o.pacing.empty()) {
    auto p = positive_duration("--pacing", o.pacing);
    if (!p) return tl::unexpected(p.error());
    pacing = *p;
  }
  const std::string& step_text = o.step_duration.empty() ? o.duration : o.step_duration;
  if (step_text.empty()) {
    return fail(ErrorKind::kUsage,
                "--users needs --step-duration (or --duration for a single count)");
  }
  if (!o.step_duration.empty() && !o.duration.empty())
    return fail(ErrorKind::kUsage, "give --step-duration or --duration, not both");
  auto step =
      positive_duration(o.step_duration.empty() ? "--duration" : "--step-duration", step_text);
  if (!step) return tl::unexpected(step.error());
  return UsersProfile::steps(*users, *step, pacing);
}

}  // namespace

Result<LoadShape> build_load_shape(const LoadOptions& o) {
  const int shapes = !o.rate.empty() + !o.steps.empty() + !o.ramp.empty() + !o.users.empty();
  if (shapes == 0) {
    return fail(
        ErrorKind::kUsage,
        "no load shape: give one of --rate R --duration D, --steps R1,R2 --step-duration D, "
        "--ramp FROM:TO --duration D, or --users N --duration D");
  }
  if (shapes > 1)
    return fail(ErrorKind::kUsage,
                "--rate, --steps, --ramp and --users are alternatives: give only one");
  Duration warmup{0};
  if (!o.warmup.empty()) {
    auto w = flag("--warmup", parse_duration(o.warmup));
    if (!w) return tl::unexpected(w.error());
    warmup = *w;
  }
  if (!o.pacing.empty() && o.users.empty())
    return fail(ErrorKind::kUsage, "--pacing applies to --users only");
  const auto arrivals = parse_arrivals(o.arrivals);
  if (!arrivals) return tl::unexpected(arrivals.error());
  if (!o.users.empty()) {
    auto users = user_steps(o);
    if (!users) return tl::unexpected(users.error());
    return ClosedLoop{users->with_warmup(warmup)};
  }
  auto profile = o.steps.empty() ? rate_or_ramp(o) : rate_steps(o);
  if (!profile) return tl::unexpected(profile.error());
  return OpenLoop{profile->with_warmup(warmup), *arrivals};
}

namespace {

Result<TlsOptions> tls_options(const TargetOptions& t) {
  TlsOptions tls{.insecure = t.insecure};
  if (!t.ca_file.empty()) {
    if (t.insecure)
      return fail(ErrorKind::kUsage, "--ca-file and --insecure contradict each other: give one");
    tls.ca_file = t.ca_file;
  }
  return tls;
}

Result<DetectOptions> detect_options(const TargetOptions& t) {
  DetectOptions options;
  if (!t.min_confidence.empty()) {
    auto value = flag("--min-confidence", parse_number(t.min_confidence));
    if (!value) return tl::unexpected(value.error());
    if (*value < 0 || *value > 100)
      return fail(ErrorKind::kUsage, "--min-confidence: '{}' must be from 0 to 100",
                  t.min_confidence);
    options.min_confidence = *value;
  }
  if (!t.max_results.empty()) {
    auto value = flag("--max-results", parse_number(t.max_results));
    if (!value) return tl::unexpected(value.error());
    if (*value < 1 || *value != static_cast<int>(*value)) {
      return fail(ErrorKind::kUsage, "--max-results: '{}' must be a whole number from 1",
                  t.max_results);
    }
    options.max_results = static_cast<int>(*value);
  }
  return options;
}

// DetectCustomLabels on a model: the images, signed per send, stopping on hopeless errors.
Result<void> set_rekognition_target(const TargetOptions& t, const AwsFlags& aws,
                                    TargetSetup& setup) {
  if (!t.url.empty())
    return fail(ErrorKind::kUsage, "--url and --project-version-arn are alternatives: give one");
  for (const auto& [given, name] : {std::pair{!t.body_file.empty(), "--body-file"},
                                    {!t.body_dir.empty(), "--body-dir"},
                                    {!t.headers.empty(), "--header"},
                                    {!t.method.empty(), "--method"},
                                    {!t.aws_sigv4.empty(), "--aws-sigv4"}}) {
    if (given)
      return fail(ErrorKind::kUsage, "{} applies to --url targets; a model takes --images", name);
  }
  if (t.images.empty())
    return fail(ErrorKind::kUsage,
                "--project-version-arn needs --images DIR (JPEG or PNG files, up to 4 MB each)");
  auto detect = detect_options(t);
  if (!detect) return tl::unexpected(detect.error());
  auto images = load_images(t.images);
  if (!images) return tl::unexpected(images.error());
  for (const std::string& skipped : images->skipped)
    fmt::print(stderr, "iuprobe: skipping {}\n", skipped);
  auto context = build_aws_context(aws, t.project_version_arn, setup.target.tls);
  if (!context) return tl::unexpected(context.error());
  auto requests = detect_custom_labels_requests(context->endpoint, context->region, context->arn,
                                                *images, *detect, context->credentials);
  setup.target.url = context->endpoint;
  setup.target.make_source = [requests](unsigned worker) { return requests->make_source(worker); };
  setup.target.stop_on_error = [arn = context->arn](const ErrorInfo& error) {
    return rekognition_stop_advice(error, arn);
  };
  setup.target.description = fmt::format(
      "DetectCustomLabels on {} ({} image{}, {})", context->arn.text, images->images.size(),
      images->images.size() == 1 ? "" : "s", context->credentials->current()->describe());
  setup.image_names.reserve(images->images.size());
  for (const Body& image : images->images) setup.image_names.push_back(image.name);
  setup.aws = std::move(*context);
  return {};
}

// SigV4 for an AWS service behind a plain URL (a SageMaker endpoint, an API Gateway): each
// request signed as it leaves, over bodies hashed once.
Result<void> sign_http_target(HttpRequestSpec spec, const AwsFlags& aws, const std::string& service,
                              TargetSetup& setup) {
  auto region = choose_region(aws, std::nullopt, process_environment());
  if (!region) return tl::unexpected(region.error());
  auto credentials = load_credentials(aws);
  if (!credentials) return tl::unexpected(credentials.error());
  std::vector<SignedTemplate> templates;
  const auto add = [&](std::string body, std::string name) {
    templates.push_back({.method = spec.method,
                         .url = spec.url,
                         .headers = spec.headers,
                         .body = std::move(body),
                         .body_name = std::move(name)});
  };
  if (spec.bodies.empty()) add("", "");
  for (Body& body : spec.bodies) add(std::move(body.bytes), std::move(body.name));
  auto requests =
      std::make_shared<SignedRequests>(std::move(templates), *region, service, *credentials);
  setup.target.make_source = [requests](unsigned worker) { return requests->make_source(worker); };
  setup.target.description += fmt::format(" (SigV4 for {} in {}, {})", service, *region,
                                          (*credentials)->current()->describe());
  return {};
}

// Any HTTP endpoint: bodies round-robin, optionally SigV4-signed for an AWS service.
Result<void> set_http_target(const TargetOptions& t, const AwsFlags& aws, TargetSetup& setup) {
  if (t.url.empty()) {
    return fail(
        ErrorKind::kUsage,
        "no target: give --url URL (any HTTP endpoint) or --project-version-arn ARN --images DIR "
        "(a Rekognition Custom Labels model)");
  }
  if (!t.images.empty())
    return fail(ErrorKind::kUsage,
                "--images goes with --project-version-arn; for --url use --body-dir");
  auto url = flag("--url", parse_http_url(t.url));
  if (!url) return tl::unexpected(url.error());
  setup.target.url = *url;
  if ((t.insecure || !t.ca_file.empty()) && !url->tls)
    return fail(ErrorKind::kUsage, "--insecure and --ca-file apply to https:// URLs only");

  HttpRequestSpec spec;
  spec.url = *url;
  for (const std::string& text : t.headers) {
    auto header = parse_header(text);
    if (!header) return tl::unexpected(header.error());
    spec.headers.push_back(std::move(*header));
  }
  auto max_body = flag("--max-body-size", parse_size(t.max_body_size));
  if (!max_body) return tl::unexpected(max_body.error());
  if (!t.body_file.empty() && !t.body_dir.empty())
    return fail(ErrorKind::kUsage, "give --body-file or --body-dir, not both");
  if (!t.body_file.empty()) {
    auto body = load_body_file(t.body_file, *max_body);
    if (!body) return tl::unexpected(body.error());
    spec.bodies.push_back(std::move(*body));
  } else if (!t.body_dir.empty()) {
    auto bodies = load_body_dir(t.body_dir, *max_body);
    if (!bodies) return tl::unexpected(bodies.error());
    spec.bodies = std::move(*bodies);
  }
  spec.method = t.method.empty() ? (spec.bodies.empty() ? "GET" : "POST") : t.method;
  for (char ch : spec.method) {
    if (std::isupper(static_cast<unsigned char>(ch)) == 0 && ch != '-' && ch != '_') {
      return fail(ErrorKind::kUsage, "--method: '{}' is not an HTTP method; use e.g. GET or POST",
                  spec.method);
    }
  }
  setup.target.head_request = spec.method == "HEAD";
  setup.target.description = fmt::format("{} {}", spec.method, url->text);
  if (t.aws_sigv4.empty()) {
    auto requests = std::make_shared<const HttpRequests>(std::move(spec));
    setup.target.make_source = [requests](unsigned worker) {
      return make_http_source(requests, worker);
    };
    return {};
  }
  return sign_http_target(std::move(spec), aws, t.aws_sigv4, setup);
}

}  // namespace

Result<TargetSetup> build_target(const TargetOptions& t, const AwsFlags& aws) {
  TargetSetup setup;
  auto tls = tls_options(t);
  if (!tls) return tl::unexpected(tls.error());
  setup.target.tls = *tls;
  auto target = t.project_version_arn.empty() ? set_http_target(t, aws, setup)
                                              : set_rekognition_target(t, aws, setup);
  if (!target) return tl::unexpected(target.error());
  auto statuses = flag("--throttle-status", parse_statuses(t.throttle_statuses));
  if (!statuses) return tl::unexpected(statuses.error());
  setup.target.throttle.statuses = *statuses;
  if (!t.throttle_error_types.empty()) setup.target.throttle.error_types = t.throttle_error_types;
  return setup;
}

Result<ConnectionSettings> build_connection_settings(const ConnectionFlags& c) {
  ConnectionSettings settings;
  settings.threads = c.threads != 0 ? c.threads : std::max(1u, std::thread::hardware_concurrency());
  settings.max_connections = c.max_connections;
  auto connect_timeout = positive_duration("--connect-timeout", c.connect_timeout);
  if (!connect_timeout) return tl::unexpected(connect_timeout.error());
  auto request_timeout = positive_duration("--timeout", c.request_timeout);
  if (!request_timeout) return tl::unexpected(request_timeout.error());
  auto grace = flag("--grace", parse_duration(c.grace));
  if (!grace) return tl::unexpected(grace.error());
  auto send_window = flag("--send-window", parse_duration(c.send_window));
  if (!send_window) return tl::unexpected(send_window.error());
  if (*send_window > std::chrono::milliseconds(10)) {
    return fail(ErrorKind::kUsage,
                "--send-window: '{}' is above 10ms; it should stay well below the latencies you "
                "measure",
                c.send_window);
  }
  settings.connect_timeout = *connect_timeout;
  settings.request_timeout = *request_timeout;
  settings.grace = *grace;
  settings.send_window = *send_window;
  return settings;
}

Result<void> check_users_fit(const LoadShape& shape, const ConnectionSettings& settings) {
  const auto* closed = std::get_if<ClosedLoop>(&shape);
  if (closed == nullptr || closed->profile.max_users() <= settings.max_connections) return {};
  return fail(ErrorKind::kUsage,
              "--users {} needs one connection per user, above --max-connections {}; raise "
              "--max-connections",
              closed->profile.max_users(), settings.max_connections);
}

boost::json::object config_json(const TargetOptions& t, const LoadOptions& l, const Target& target,
                                const ConnectionSettings& settings, const LoadShape& shape) {
  namespace json = boost::json;
  json::object o;
  o["target"] = target.description;
  o["url"] = target.url.text;
  if (!t.project_version_arn.empty()) {
    o["project_version_arn"] = t.project_version_arn;
    o["images"] = t.images;
    if (!t.min_confidence.empty()) o["min_confidence"] = t.min_confidence;
    if (!t.max_results.empty()) o["max_results"] = t.max_results;
  }
  if (!t.aws_sigv4.empty()) o["aws_sigv4_service"] = t.aws_sigv4;
  o["method"] = target.head_request ? "HEAD" : (t.method.empty() ? "(default)" : t.method);
  json::array headers;
  for (const std::string& text : t.headers) {
    auto header = parse_header(text);
    if (!header) continue;
    headers.push_back({{"name", header->first},
                       {"value", looks_secret(header->first) ? "<redacted>" : header->second}});
  }
  o["headers"] = std::move(headers);
  if (!t.body_file.empty()) o["body_file"] = t.body_file;
  if (!t.body_dir.empty()) o["body_dir"] = t.body_dir;
  json::object load;
  for (const auto& [key, value] : {std::pair{"rate", l.rate},
                                   {"duration", l.duration},
                                   {"steps", l.steps},
                                   {"step_duration", l.step_duration},
                                   {"ramp", l.ramp},
                                   {"users", l.users},
                                   {"pacing", l.pacing},
                                   {"warmup", l.warmup}}) {
    if (!value.empty()) load[key] = value;
  }
  load["arrivals"] = l.arrivals;
  load["seed"] = l.seed;
  load["closed_loop"] = std::holds_alternative<ClosedLoop>(shape);
  load["total_duration_s"] = to_seconds(total_duration(shape));
  o["load"] = std::move(load);
  o["threads"] = settings.threads;
  o["max_connections"] = settings.max_connections;
  o["connect_timeout_s"] = to_seconds(settings.connect_timeout);
  o["request_timeout_s"] = to_seconds(settings.request_timeout);
  o["grace_s"] = to_seconds(settings.grace);
  o["send_window_s"] = to_seconds(settings.send_window);
  o["tls"] = {{"insecure", target.tls.insecure}, {"ca_file", target.tls.ca_file.value_or("")}};
  json::array statuses(target.throttle.statuses.begin(), target.throttle.statuses.end());
  json::array types;
  for (const std::string& type : target.throttle.error_types) types.emplace_back(type);
  o["throttle"] = {{"statuses", std::move(statuses)}, {"error_types", std::move(types)}};
  return o;
}

Result<ModelSessionOptions> build_model_session_options(const ModelFlags& f) {
  ModelSessionOptions options{
      .start = f.start_model, .inference_units = f.iu, .stop_at_end = f.stop_model};
  if (f.max_iu != 0) {
    if (f.max_iu < f.iu)
      return fail(ErrorKind::kUsage, "--max-iu {} is below --iu {}", f.max_iu, f.iu);
    options.max_inference_units = f.max_iu;
  }
  if (f.start_model && f.iu == 0)
    return fail(ErrorKind::kUsage,
                "--start-model needs --iu N: how many inference units to start with");
  auto timeout = positive_duration("--model-timeout", f.model_timeout);
  if (!timeout) return tl::unexpected(timeout.error());
  auto poll = positive_duration("--poll-interval", f.poll_interval);
  if (!poll) return tl::unexpected(poll.error());
  options.start_timeout = *timeout;
  options.poll_interval = *poll;
  return options;
}

Result<std::filesystem::path> prepare_output_dir(const std::string& requested,
                                                 std::string_view command) {
  std::filesystem::path dir = requested;
  if (dir.empty()) {
    const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    dir = std::filesystem::path("iuprobe-results") /
          fmt::format("{}-{:%Y%m%dT%H%M%SZ}", command, fmt::gmtime(now));
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return fail(ErrorKind::kOutput, "--out {}: cannot create the directory: {}", dir.string(),
                ec.message());
  return dir;
}

Error output_failure(const Error& error) {
  return Error{ErrorKind::kOutput,
               error.message +
                   " (the figures printed above are complete; for files next time, free space "
                   "on that disk or choose another --out)"};
}

void discard_empty_output_dir(const std::filesystem::path& dir, const std::string& requested) {
  std::error_code ignored;
  if (requested.empty() && std::filesystem::is_empty(dir, ignored))
    std::filesystem::remove(dir, ignored);
}

void print_error(const Error& error) {
  if (!error.message.empty()) fmt::print(stderr, "iuprobe: {}\n", error.message);
}

}  // namespace iuprobe
