// SPDX-License-Identifier: Apache-2.0
#include "app/options.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <boost/beast/core/string.hpp>
#include <charconv>
#include <thread>

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
      return fail("'{}' is not a list of user counts (whole numbers from 1), e.g. 10,20,40,80",
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
      return fail("'{}' is not a list of HTTP status codes, e.g. 429,503", text);
    }
    statuses.push_back(n);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return statuses;
}

Result<Duration> positive_duration(std::string_view name, const std::string& text) {
  auto d = flag(name, parse_duration(text));
  if (d && d->count() <= 0) return fail("{}: '{}' must be longer than zero", name, text);
  return d;
}

}  // namespace

Result<LoadShape> build_load_shape(const LoadOptions& o) {
  const int shapes = !o.rate.empty() + !o.steps.empty() + !o.ramp.empty() + !o.users.empty();
  if (shapes == 0) {
    return fail(
        "no load shape: give one of --rate R --duration D, --steps R1,R2 --step-duration D, "
        "--ramp FROM:TO --duration D, or --users N --duration D");
  }
  if (shapes > 1)
    return fail("--rate, --steps, --ramp and --users are alternatives: give only one");
  Duration warmup{0};
  if (!o.warmup.empty()) {
    auto w = flag("--warmup", parse_duration(o.warmup));
    if (!w) return tl::unexpected(w.error());
    warmup = *w;
  }
  if (!o.pacing.empty() && o.users.empty()) return fail("--pacing applies to --users only");
  Arrivals arrivals = Arrivals::kUniform;
  if (o.arrivals == "poisson") {
    arrivals = Arrivals::kPoisson;
  } else if (o.arrivals != "uniform") {
    return fail("--arrivals: '{}' is not known; use uniform or poisson", o.arrivals);
  }

  if (!o.rate.empty() || !o.ramp.empty()) {
    if (!o.step_duration.empty())
      return fail("--step-duration goes with --steps or --users; use --duration");
    if (o.duration.empty())
      return fail("{} needs --duration, e.g. --duration 30s", o.rate.empty() ? "--ramp" : "--rate");
    auto duration = positive_duration("--duration", o.duration);
    if (!duration) return tl::unexpected(duration.error());
    RateProfile profile;
    if (!o.rate.empty()) {
      auto rate = flag("--rate", parse_rate(o.rate));
      if (!rate) return tl::unexpected(rate.error());
      profile = RateProfile::constant(*rate, *duration);
    } else {
      const std::size_t colon = o.ramp.find(':');
      if (colon == std::string::npos)
        return fail("--ramp: '{}' should be FROM:TO, e.g. 10:500", o.ramp);
      auto from = flag("--ramp", parse_rate(std::string_view(o.ramp).substr(0, colon)));
      auto to = flag("--ramp", parse_rate(std::string_view(o.ramp).substr(colon + 1)));
      if (!from) return tl::unexpected(from.error());
      if (!to) return tl::unexpected(to.error());
      profile = RateProfile::ramp(*from, *to, *duration);
    }
    return OpenLoop{profile.with_warmup(warmup), arrivals};
  }

  if (!o.steps.empty()) {
    if (o.step_duration.empty())
      return fail("--steps needs --step-duration, e.g. --step-duration 10s");
    if (!o.duration.empty()) return fail("--steps takes --step-duration, not --duration");
    auto rates = flag("--steps", parse_rate_list(o.steps));
    if (!rates) return tl::unexpected(rates.error());
    auto step = positive_duration("--step-duration", o.step_duration);
    if (!step) return tl::unexpected(step.error());
    return OpenLoop{RateProfile::steps(*rates, *step).with_warmup(warmup), arrivals};
  }

  auto users = flag("--users", parse_user_counts(o.users));
  if (!users) return tl::unexpected(users.error());
  std::optional<Duration> pacing;
  if (!o.pacing.empty()) {
    auto p = positive_duration("--pacing", o.pacing);
    if (!p) return tl::unexpected(p.error());
    pacing = *p;
  }
  const std::string& step_text = o.step_duration.empty() ? o.duration : o.step_duration;
  if (step_text.empty())
    return fail("--users needs --step-duration (or --duration for a single count)");
  if (!o.step_duration.empty() && !o.duration.empty())
    return fail("give --step-duration or --duration, not both");
  auto step =
      positive_duration(o.step_duration.empty() ? "--duration" : "--step-duration", step_text);
  if (!step) return tl::unexpected(step.error());
  return ClosedLoop{UsersProfile::steps(*users, *step, pacing).with_warmup(warmup)};
}

Result<RunConfig> build_run_config(const TargetOptions& t, const ConnectionFlags& c,
                                   const LoadOptions& l) {
  RunConfig config;
  if (t.url.empty()) return fail("--url is required, e.g. --url http://127.0.0.1:8080/");
  auto url = flag("--url", parse_http_url(t.url));
  if (!url) return tl::unexpected(url.error());
  config.url = *url;

  auto load = build_load_shape(l);
  if (!load) return tl::unexpected(load.error());
  config.load = std::move(*load);

  HttpRequestSpec spec;
  spec.url = config.url;
  for (const std::string& text : t.headers) {
    auto header = parse_header(text);
    if (!header) return tl::unexpected(header.error());
    spec.headers.push_back(std::move(*header));
  }
  auto max_body = flag("--max-body-size", parse_size(t.max_body_size));
  if (!max_body) return tl::unexpected(max_body.error());
  if (!t.body_file.empty() && !t.body_dir.empty())
    return fail("give --body-file or --body-dir, not both");
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
      return fail("--method: '{}' is not an HTTP method; use e.g. GET or POST", spec.method);
    }
  }
  config.head_request = spec.method == "HEAD";
  auto requests = std::make_shared<const HttpRequests>(std::move(spec));
  config.make_source = [requests](unsigned worker) { return make_http_source(requests, worker); };

  config.threads = c.threads != 0 ? c.threads : std::max(1u, std::thread::hardware_concurrency());
  config.max_connections = c.max_connections;
  if (const auto* closed = std::get_if<ClosedLoop>(&config.load);
      closed != nullptr && closed->profile.max_users() > config.max_connections) {
    return fail(
        "--users {} needs one connection per user, above --max-connections {}; raise "
        "--max-connections",
        closed->profile.max_users(), config.max_connections);
  }
  auto connect_timeout = positive_duration("--connect-timeout", c.connect_timeout);
  auto request_timeout = positive_duration("--timeout", c.request_timeout);
  auto grace = flag("--grace", parse_duration(c.grace));
  auto send_window = flag("--send-window", parse_duration(c.send_window));
  if (!send_window) return tl::unexpected(send_window.error());
  if (*send_window > std::chrono::milliseconds(10)) {
    return fail(
        "--send-window: '{}' is above 10ms; it should stay well below the latencies you measure",
        c.send_window);
  }
  config.send_window = *send_window;
  if (!connect_timeout) return tl::unexpected(connect_timeout.error());
  if (!request_timeout) return tl::unexpected(request_timeout.error());
  if (!grace) return tl::unexpected(grace.error());
  config.connect_timeout = *connect_timeout;
  config.request_timeout = *request_timeout;
  config.grace = *grace;

  config.tls.insecure = t.insecure;
  if (!t.ca_file.empty()) {
    if (t.insecure) return fail("--ca-file and --insecure contradict each other: give one");
    config.tls.ca_file = t.ca_file;
  }
  if ((t.insecure || !t.ca_file.empty()) && !config.url.tls) {
    return fail("--insecure and --ca-file apply to https:// URLs only");
  }
  auto statuses = flag("--throttle-status", parse_statuses(t.throttle_statuses));
  if (!statuses) return tl::unexpected(statuses.error());
  config.throttle.statuses = *statuses;
  if (!t.throttle_error_types.empty()) config.throttle.error_types = t.throttle_error_types;
  config.seed = l.seed;
  return config;
}

boost::json::object config_json(const TargetOptions& t, const ConnectionFlags&,
                                const LoadOptions& l, const RunConfig& config) {
  namespace json = boost::json;
  json::object o;
  o["url"] = config.url.text;
  o["method"] = config.head_request ? "HEAD" : (t.method.empty() ? "(default)" : t.method);
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
  load["closed_loop"] = std::holds_alternative<ClosedLoop>(config.load);
  load["total_duration_s"] = to_seconds(total_duration(config.load));
  o["load"] = std::move(load);
  o["threads"] = config.threads;
  o["max_connections"] = config.max_connections;
  o["connect_timeout_s"] = to_seconds(config.connect_timeout);
  o["request_timeout_s"] = to_seconds(config.request_timeout);
  o["grace_s"] = to_seconds(config.grace);
  o["send_window_s"] = to_seconds(config.send_window);
  o["tls"] = {{"insecure", config.tls.insecure}, {"ca_file", config.tls.ca_file.value_or("")}};
  json::array statuses(config.throttle.statuses.begin(), config.throttle.statuses.end());
  json::array types;
  for (const std::string& type : config.throttle.error_types) types.emplace_back(type);
  o["throttle"] = {{"statuses", std::move(statuses)}, {"error_types", std::move(types)}};
  return o;
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
  if (ec) return fail("--out {}: cannot create the directory: {}", dir.string(), ec.message());
  return dir;
}

void print_error(const Error& error) {
  fmt::print(stderr, "iuprobe: {}\n", error.message);
}

}  // namespace iuprobe
