// SPDX-License-Identifier: Apache-2.0
#include "emulator/config.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <cmath>
#include <ctime>
#include <regex>
#include <set>

#include "aws/credentials.h"
#include "http/bodies.h"

namespace iuprobe {
namespace {

namespace json = boost::json;

// Reads one object's keys, refusing any key nobody asked for.
class ObjectReader {
 public:
  ObjectReader(const json::object& object, std::string where)
      : object_(object), where_(std::move(where)) {}

  const json::value* take(std::string_view key) {
    taken_.emplace_back(key);
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &it->value();
  }

  Result<void> read(std::string_view key, std::string& out) {
    const json::value* v = take(key);
    if (!v) return {};
    if (!v->is_string()) return fail(ErrorKind::kInput, "{}.{}: expected a string", where_, key);
    out = std::string(v->get_string());
    return {};
  }

  Result<void> read(std::string_view key, bool& out) {
    const json::value* v = take(key);
    if (!v) return {};
    if (!v->is_bool()) return fail(ErrorKind::kInput, "{}.{}: expected true or false", where_, key);
    out = v->get_bool();
    return {};
  }

  Result<void> read(std::string_view key, double& out) {
    const json::value* v = take(key);
    if (!v) return {};
    if (!v->is_number()) return fail(ErrorKind::kInput, "{}.{}: expected a number", where_, key);
    out = v->to_number<double>();
    return {};
  }

  template <class Unsigned>
  requires std::is_unsigned_v<Unsigned> Result<void> read(std::string_view key, Unsigned& out) {
    const json::value* v = take(key);
    if (!v) return {};
    if (!v->is_int64() && !v->is_uint64())
      return fail(ErrorKind::kInput, "{}.{}: expected a whole number", where_, key);
    if (v->is_int64() && v->get_int64() < 0)
      return fail(ErrorKind::kInput, "{}.{}: must not be negative", where_, key);
    out = static_cast<Unsigned>(v->to_number<std::uint64_t>());
    return {};
  }

  // Absent or null: no value.
  template <class T>
  Result<void> read(std::string_view key, std::optional<T>& out) {
    const auto it = object_.find(key);
    if (it == object_.end() || it->value().is_null()) {
      taken_.emplace_back(key);
      out.reset();
      return {};
    }
    T value{};
    if (auto r = read(key, value); !r) return r;
    out = value;
    return {};
  }

  // "50ms", "2s", "1.5s": the units `iuprobe run` accepts.
  Result<void> read(std::string_view key, Duration& out) {
    const json::value* v = take(key);
    if (!v) return {};
    if (!v->is_string())
      return fail(ErrorKind::kInput,
                  "{}.{}: expected a duration as a string such as \"50ms\" or \"2s\"", where_, key);
    auto parsed = parse_duration(v->get_string());
    if (!parsed) return with_context(parsed.error(), fmt::format("{}.{}", where_, key));
    out = *parsed;
    return {};
  }

  Result<void> read(std::string_view key, std::vector<std::string>& out) {
    const json::value* v = take(key);
    if (!v) return {};
    if (!v->is_array())
      return fail(ErrorKind::kInput, "{}.{}: expected an array of strings", where_, key);
    out.clear();
    for (const auto& item : v->get_array()) {
      if (!item.is_string())
        return fail(ErrorKind::kInput, "{}.{}: expected an array of strings", where_, key);
      out.emplace_back(item.get_string());
    }
    return {};
  }

  // Call last: any key not taken is a mistake in the file.
  Result<void> finish() const {
    for (const auto& entry : object_) {
      if (std::find(taken_.begin(), taken_.end(), entry.key()) == taken_.end()) {
        std::string known;
        for (const auto& k : taken_) known += (known.empty() ? "" : ", ") + k;
        return fail(ErrorKind::kInput, "{}: unknown key '{}' (known: {})", where_,
                    std::string(entry.key()), known);
      }
    }
    return {};
  }

 private:
  const json::object& object_;
  std::string where_;
  std::vector<std::string> taken_;
};

#define IUPROBE_TRY(expr)              \
  if (auto r_ = (expr); !r_) {         \
    return tl::unexpected(r_.error()); \
  }

Result<ModelConfig> parse_model(const json::value& value, const std::string& where) {
  if (!value.is_object()) return fail(ErrorKind::kInput, "{}: expected an object", where);
  ModelConfig model;
  ObjectReader in(value.get_object(), where);
  std::string kind = "classification";
  std::string status = "RUNNING";
  IUPROBE_TRY(in.read("project", model.project));
  IUPROBE_TRY(in.read("version", model.version));
  IUPROBE_TRY(in.read("type", kind));
  IUPROBE_TRY(in.read("labels", model.labels));
  IUPROBE_TRY(in.read("status", status));
  IUPROBE_TRY(in.read("inference_units", model.inference_units));
  IUPROBE_TRY(in.read("max_inference_units", model.max_inference_units));
  IUPROBE_TRY(in.read("base_service", model.capacity.base_service));
  IUPROBE_TRY(in.read("service_per_megapixel", model.capacity.service_per_megapixel));
  IUPROBE_TRY(in.read("jitter", model.capacity.jitter));
  IUPROBE_TRY(in.read("slots_per_iu", model.capacity.slots_per_iu));
  IUPROBE_TRY(in.read("queue_per_iu", model.capacity.queue_per_iu));
  std::string limiter = "none";
  IUPROBE_TRY(in.read("limiter", limiter));
  IUPROBE_TRY(in.read("limit_per_iu", model.capacity.limit.per_iu));
  IUPROBE_TRY(in.read("burst", model.capacity.limit.burst));
  IUPROBE_TRY(in.read("window", model.capacity.limit.window));
  IUPROBE_TRY(in.read("slowdown", model.capacity.slowdown));
  IUPROBE_TRY(in.read("history_peak_tps", model.history_peak_tps));
  IUPROBE_TRY(in.read("history_csv", model.history_csv));
  IUPROBE_TRY(in.read("start_time", model.start_time));
  IUPROBE_TRY(in.read("stop_time", model.stop_time));
  IUPROBE_TRY(in.read("stop_failures", model.stop_failures));
  IUPROBE_TRY(in.read("scale_up_after", model.scaling.scale_up_after));
  IUPROBE_TRY(in.read("scale_down_after", model.scaling.scale_down_after));
  IUPROBE_TRY(in.finish());
  if (kind == "classification") {
    model.kind = ModelKind::kClassification;
  } else if (kind == "detection") {
    model.kind = ModelKind::kDetection;
  } else {
    return fail(ErrorKind::kInput,
                "{}.type: '{}' is not a model type (use classification or detection)", where, kind);
  }
  if (auto parsed = parse_limiter_kind(limiter)) {
    model.capacity.limit.kind = *parsed;
  } else {
    return fail(ErrorKind::kInput,
                "{}.limiter: '{}' is not a limiter (use none, token_bucket, fixed_window or "
                "sliding_window)",
                where, limiter);
  }
  if (status != "RUNNING" && status != "STOPPED")
    return fail(ErrorKind::kInput,
                "{}.status: '{}' is not a start-up state (use RUNNING or STOPPED)", where, status);
  model.running = status == "RUNNING";
  return model;
}

}  // namespace

Result<EmulatorConfig> parse_emulator_config(std::string_view json_text) {
  boost::system::error_code ec;
  json::value root = json::parse(json_text, ec);
  if (ec) return fail(ErrorKind::kInput, "not valid JSON: {}", ec.message());
  if (!root.is_object()) return fail(ErrorKind::kInput, "expected a JSON object at the top");
  EmulatorConfig config;
  ObjectReader in(root.get_object(), "config");
  IUPROBE_TRY(in.read("region", config.region));
  IUPROBE_TRY(in.read("account", config.account));
  IUPROBE_TRY(in.read("seed", config.seed));
  IUPROBE_TRY(in.read("max_buffered_bytes", config.max_buffered_bytes));
  IUPROBE_TRY(in.read("verify_signatures", config.verify_signatures));
  IUPROBE_TRY(in.read("history_days", config.history_days));
  if (const json::value* keys = in.take("credentials")) {
    if (!keys->is_array())
      return fail(ErrorKind::kInput, "config.credentials: expected an array of key pairs");
    config.credentials.clear();
    for (std::size_t i = 0; i < keys->get_array().size(); ++i) {
      const auto& item = keys->get_array()[i];
      std::string where = fmt::format("config.credentials[{}]", i);
      if (!item.is_object()) return fail(ErrorKind::kInput, "{}: expected an object", where);
      AccessKey key;
      ObjectReader key_in(item.get_object(), where);
      IUPROBE_TRY(key_in.read("access_key_id", key.access_key_id));
      IUPROBE_TRY(key_in.read("secret_access_key", key.secret_access_key));
      std::optional<std::string> expires;  // absent or null: never
      IUPROBE_TRY(key_in.read("expires", expires));
      if (expires) {
        key.expires = parse_iso8601(*expires);
        if (!key.expires)
          return fail(ErrorKind::kInput,
                      "{}.expires: '{}' is not an ISO 8601 UTC time such as 2026-12-02T14:05:00Z",
                      where, *expires);
      }
      IUPROBE_TRY(key_in.finish());
      config.credentials.push_back(std::move(key));
    }
  }
  if (const json::value* models = in.take("models")) {
    if (!models->is_array())
      return fail(ErrorKind::kInput, "config.models: expected an array of models");
    config.models.clear();
    for (std::size_t i = 0; i < models->get_array().size(); ++i) {
      auto model = parse_model(models->get_array()[i], fmt::format("config.models[{}]", i));
      if (!model) return tl::unexpected(model.error());
      config.models.push_back(std::move(*model));
    }
  }
  IUPROBE_TRY(in.finish());
  return config;
}

#undef IUPROBE_TRY

Result<EmulatorConfig> load_emulator_config(const std::filesystem::path& path) {
  auto file = load_body_file(path, kDefaultMaxBodyBytes, "--config");
  if (!file) return tl::unexpected(file.error());
  auto config = parse_emulator_config(file->bytes);
  if (!config) return with_context(config.error(), "--config " + path.string());
  for (ModelConfig& m : config->models) {
    if (m.history_csv.empty()) continue;
    const std::filesystem::path csv = path.parent_path() / m.history_csv;
    auto rows = load_history_csv(csv, "history_csv");
    if (!rows) return with_context(rows.error(), "--config " + path.string());
    m.recorded = std::move(*rows);
  }
  return config;
}

namespace {

// "2026-11-30T14:05Z", "2026-11-30T14:05:00Z", "2026-11-30 14:05" (UTC), or epoch seconds.
std::optional<std::int64_t> parse_csv_time(std::string_view text) {
  std::int64_t epoch = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), epoch);
  if (ec == std::errc{} && end == text.data() + text.size()) return epoch;
  std::tm tm{};
  int second = 0;
  char sep = 0;
  const std::string copy(text);
  const int n = std::sscanf(copy.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon,
                            &tm.tm_mday, &sep, &tm.tm_hour, &tm.tm_min, &second);
  if (n < 6 || (sep != 'T' && sep != ' ')) return std::nullopt;
  const std::size_t minutes_end = copy.find(':') + 3;
  const std::string rest =
      copy.substr(std::min(copy.size(), n == 7 ? minutes_end + 3 : minutes_end));
  if (!(rest.empty() || rest == "Z" || rest == "+00:00")) return std::nullopt;
  if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
      tm.tm_min > 59 || second < 0 || second > 59)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_sec = second;
  return static_cast<std::int64_t>(timegm(&tm));
}

std::optional<double> parse_csv_number(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value) || value < 0)
    return std::nullopt;
  return value;
}

}  // namespace

Result<std::vector<RecordedMinute>> parse_history_csv(std::string_view csv) {
  std::vector<RecordedMinute> rows;
  std::set<std::int64_t> seen;
  std::size_t line_number = 0;
  bool first_data = true;
  while (!csv.empty()) {
    const std::size_t end = csv.find('\n');
    const std::string_view line = trim_space(csv.substr(0, end));
    csv = end == std::string_view::npos ? std::string_view{} : csv.substr(end + 1);
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string_view> fields;
    for (std::string_view rest = line;;) {
      const std::size_t comma = rest.find(',');
      fields.push_back(trim_space(rest.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    const auto time = parse_csv_time(fields[0]);
    if (!time && first_data) {  // a header row such as "time,requests,throttled"
      first_data = false;
      continue;
    }
    first_data = false;
    if (fields.size() < 2 || fields.size() > 4)
      return fail(ErrorKind::kInput,
                  "line {}: '{}' is not 'time,requests[,throttled[,inference_units]]'", line_number,
                  line);
    if (!time)
      return fail(ErrorKind::kInput,
                  "line {}: '{}' is not a time (epoch seconds, or UTC such as 2026-11-30T14:05Z)",
                  line_number, fields[0]);
    RecordedMinute row{.time = *time - ((*time % 60) + 60) % 60};
    const auto requests = parse_csv_number(fields[1]);
    const auto throttled = fields.size() > 2 ? parse_csv_number(fields[2]) : std::optional(0.0);
    if (!requests || !throttled)
      return fail(ErrorKind::kInput, "line {}: requests and throttled must be numbers, 0 or more",
                  line_number);
    if (*throttled > *requests)
      return fail(ErrorKind::kInput, "line {}: throttled ({}) is more than requests ({})",
                  line_number, *throttled, *requests);
    row.requests = *requests;
    row.throttled = *throttled;
    if (fields.size() > 3 && !fields[3].empty()) {
      row.inference_units = parse_csv_number(fields[3]);
      if (!row.inference_units)
        return fail(ErrorKind::kInput, "line {}: inference_units must be a number, 0 or more",
                    line_number);
    }
    if (!seen.insert(row.time).second)
      return fail(ErrorKind::kInput, "line {}: the minute of {} appears twice", line_number,
                  fields[0]);
    rows.push_back(row);
  }
  if (rows.empty()) return fail(ErrorKind::kInput, "no rows: give time,requests for each minute");
  return rows;
}

Result<std::vector<RecordedMinute>> load_history_csv(const std::filesystem::path& path,
                                                     std::string_view option) {
  auto file = load_body_file(path, kDefaultMaxBodyBytes, option);
  if (!file) return tl::unexpected(file.error());
  auto rows = parse_history_csv(file->bytes);
  if (!rows) return with_context(rows.error(), fmt::format("{} {}", option, path.string()));
  return rows;
}

Result<void> validate_emulator_config(const EmulatorConfig& config) {
  static const std::regex kName("[a-zA-Z0-9][a-zA-Z0-9_.\\-]{0,254}");
  static const std::regex kRegion("[a-z]{2}(-[a-z]+)+-[0-9]");
  static const std::regex kAccount("[0-9]{12}");
  if (!std::regex_match(config.region, kRegion))
    return fail(ErrorKind::kInput, "region '{}' is not a region name such as us-east-1",
                config.region);
  if (!std::regex_match(config.account, kAccount))
    return fail(ErrorKind::kInput, "account '{}' must be 12 digits", config.account);
  if (config.verify_signatures && config.credentials.empty())
    return fail(ErrorKind::kInput,
                "no credentials: give at least one key pair, or switch signatures off (--no-auth)");
  for (const auto& key : config.credentials) {
    if (key.access_key_id.empty() || key.secret_access_key.empty())
      return fail(ErrorKind::kInput,
                  "credentials: access_key_id and secret_access_key must both be set");
  }
  if (config.models.empty()) return fail(ErrorKind::kInput, "no models: configure at least one");
  if (config.max_buffered_bytes != 0 && config.max_buffered_bytes < kMaxRequestBodyBytes)
    return fail(ErrorKind::kInput,
                "max_buffered_bytes (--max-buffered) {}: below the largest request the emulator "
                "accepts ({} "
                "bytes), such a request would be refused as busy forever; give 0 (no cap) or "
                "at least that",
                config.max_buffered_bytes, kMaxRequestBodyBytes);
  if (config.history_days > 63)
    return fail(ErrorKind::kInput,
                "history_days {}: the emulator makes up to 63 days of history (1-minute points)",
                config.history_days);
  for (std::size_t i = 0; i < config.models.size(); ++i) {
    const ModelConfig& m = config.models[i];
    const std::string where = fmt::format("model {} ({}/{})", i + 1, m.project, m.version);
    if (!std::regex_match(m.project, kName) || !std::regex_match(m.version, kName))
      return fail(ErrorKind::kInput,
                  "{}: names take letters, digits, '.', '_' and '-' (1-255, first a letter or "
                  "digit)",
                  where);
    for (std::size_t j = 0; j < i; ++j) {
      if (config.models[j].project == m.project && config.models[j].version == m.version)
        return fail(ErrorKind::kInput, "{}: configured twice", where);
    }
    if (m.labels.empty()) return fail(ErrorKind::kInput, "{}: labels must not be empty", where);
    for (const std::string& type : m.stop_failures) {
      if (type != "ThrottlingException" && type != "InternalServerError" &&
          type != "LimitExceededException" && type != "AccessDeniedException")
        return fail(ErrorKind::kInput,
                    "{}: stop_failures: '{}' is not an error the emulator injects (use "
                    "ThrottlingException, InternalServerError, LimitExceededException or "
                    "AccessDeniedException)",
                    where, type);
    }
    if (m.inference_units < 1)
      return fail(ErrorKind::kInput, "{}: inference_units must be at least 1", where);
    if (m.max_inference_units && *m.max_inference_units < m.inference_units)
      return fail(ErrorKind::kInput, "{}: max_inference_units ({}) is below inference_units ({})",
                  where, *m.max_inference_units, m.inference_units);
    if (m.history_peak_tps && !(*m.history_peak_tps > 0 && std::isfinite(*m.history_peak_tps)))
      return fail(ErrorKind::kInput, "{}: history_peak_tps must be above zero", where);
    const CapacityModel& c = m.capacity;
    if (c.slots_per_iu < 1)
      return fail(ErrorKind::kInput, "{}: slots_per_iu must be at least 1", where);
    if (c.base_service <= Duration::zero())
      return fail(ErrorKind::kInput, "{}: base_service must be above zero", where);
    if (c.service_per_megapixel < Duration::zero())
      return fail(ErrorKind::kInput, "{}: service_per_megapixel must not be negative", where);
    if (!(c.jitter >= 0 && c.jitter < 1))
      return fail(ErrorKind::kInput, "{}: jitter must be in [0, 1)", where);
    if (!(c.slowdown >= 0 && std::isfinite(c.slowdown)))
      return fail(ErrorKind::kInput, "{}: slowdown must be a finite number, 0 or more", where);
    if (c.limit.kind != LimiterKind::kNone) {
      if (!(c.limit.per_iu > 0 && std::isfinite(c.limit.per_iu)))
        return fail(ErrorKind::kInput, "{}: a {} limiter needs limit_per_iu above zero", where,
                    to_string(c.limit.kind));
      if (c.limit.burst <= Duration::zero() || c.limit.window <= Duration::zero())
        return fail(ErrorKind::kInput, "{}: burst and window must be above zero", where);
      if (c.limit.kind == LimiterKind::kFixedWindow &&
          c.limit.per_iu * to_seconds(c.limit.window) < 1)
        return fail(ErrorKind::kInput,
                    "{}: a fixed window of {} at {}/s lets no request through; lengthen the "
                    "window or raise limit_per_iu",
                    where, format_duration(c.limit.window), c.limit.per_iu);
    } else if (c.limit.per_iu != 0) {
      return fail(ErrorKind::kInput, "{}: limit_per_iu is set but no limiter kind (limiter)",
                  where);
    }
  }
  return {};
}

double capacity_per_iu(const CapacityModel& capacity, double megapixels) {
  const double service_seconds =
      to_seconds(capacity.base_service) + to_seconds(capacity.service_per_megapixel) * megapixels;
  const double slots = capacity.slots_per_iu / service_seconds;
  return capacity.limit.kind == LimiterKind::kNone ? slots : std::min(slots, capacity.limit.per_iu);
}

std::string emulated_project_arn(const EmulatorConfig& config, const ModelConfig& model) {
  return fmt::format("arn:aws:rekognition:{}:{}:project/{}/1600000000000", config.region,
                     config.account, model.project);
}

std::string emulated_version_arn(const EmulatorConfig& config, const ModelConfig& model) {
  return fmt::format("arn:aws:rekognition:{}:{}:project/{}/version/{}/1600000000001", config.region,
                     config.account, model.project, model.version);
}

}  // namespace iuprobe
