// SPDX-License-Identifier: Apache-2.0
#include "emulator/emulator.h"

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <unordered_map>

#include "aws/crypto.h"
#include "core/clock.h"
#include "emulator/control_plane.h"
#include "emulator/detect_request.h"
#include "emulator/labels.h"
#include "emulator/metric_store.h"
#include "emulator/request_auth.h"
#include "http/awaitable.h"

namespace iuprobe {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
constexpr std::string_view kTargetPrefix = "RekognitionService.";
constexpr std::string_view kCloudWatchPrefix = "GraniteServiceVersion20100801.";
// Bodies seen before (load tests send the same images again and again) skip hashing, parsing
// and image decoding; past this many bytes of remembered bodies the cache starts afresh.
constexpr std::size_t kBodyCacheBytes = 64 << 20;
constexpr Duration kClockTick = std::chrono::milliseconds(100);
constexpr std::array<std::string_view, 7> kOperations = {
    "DetectCustomLabels",  "DescribeProjects",   "DescribeProjectVersions",
    "StartProjectVersion", "StopProjectVersion", "GetMetricData",
    "ListMetrics"};

// What a body always yields, whatever the model's state: its payload hash and, once asked for
// as DetectCustomLabels, either the error or the answer's CustomLabels array and the image size.
struct BodyFacts {
  std::string payload_hash;
  std::optional<ServiceResult<std::pair<DetectRequest, std::string>>> detect;
  // For a refused body: the model its ProjectVersionArn names (for UserErrorCount), looked up once.
  std::optional<std::optional<std::size_t>> refused_model;
};

// Exact-content lookup (equality still compares every byte) with a hash of the length and the
// last 4 KB only: hashing a whole 100 KB body would cost more than the rest of a cached request.
// The tail is base64 of an image's entropy-coded data, which differs between images, whereas
// the head (JSON, then JPEG tables) is often the same.
struct BodyHash {
  std::size_t operator()(const std::string& body) const {
    constexpr std::size_t kTail = 4096;
    const std::string_view view(body);
    return image_digest(view.substr(view.size() > kTail ? view.size() - kTail : 0)) ^ view.size();
  }
};

std::string request_id(SplitMix64& rng) {
  const std::uint64_t a = rng.next();
  const std::uint64_t b = rng.next();
  return fmt::format("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xfff,
                     0x8000 | (b >> 48 & 0x3fff), b & 0xffffffffffffULL);
}

std::string prometheus_label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

// An AWS JSON request's body, which must be an object.
ServiceResult<json::object> json_object(const std::string& body) {
  boost::system::error_code ec;
  json::value input = json::parse(body, ec);
  if (ec || !input.is_object())
    return service_error("SerializationException", "The request body is not a JSON object.");
  return std::move(input.get_object());
}

}  // namespace

struct Emulator::State : std::enable_shared_from_this<State> {
  asio::io_context& io;
  EmulatorConfig config;
  std::vector<ModelEntry> models;
  SignatureVerifier verifier;
  SignatureVerifier cloudwatch_verifier;  // CloudWatch calls are signed for "monitoring"
  MetricStore metrics;                    // one entry per model, in the order of `models`
  std::unordered_map<std::string, BodyFacts, BodyHash> body_cache;
  std::size_t body_cache_bytes = 0;
  SplitMix64 rng;
  std::map<std::pair<std::string, std::string>, std::uint64_t> outcomes;  // (operation, outcome)
  asio::steady_timer clock;
  bool closing = false;
  const HttpServer* server = nullptr;  // for its connection counts in /metrics

  State(asio::io_context& io_context, EmulatorConfig c)
      : io(io_context),
        config(std::move(c)),
        verifier(config.credentials, config.region, "rekognition"),
        cloudwatch_verifier(config.credentials, config.region, "monitoring"),
        rng{config.seed},
        clock(io_context) {
    const auto now = std::chrono::steady_clock::now();
    const std::int64_t epoch = epoch_seconds_now() / 60 * 60;
    for (const ModelConfig& m : config.models) {
      models.push_back({emulated_project_arn(config, m), emulated_version_arn(config, m),
                        EmulatedModel(m, now), m.stop_failures});
      const std::size_t index = metrics.add_model(m.project, m.version);
      if (!m.recorded.empty()) {  // a recorded past replaces the made-up one
        metrics.add_recorded(index, m.recorded, epoch);
        continue;
      }
      if (config.history_days == 0) continue;
      // A made-up past that ran always-on, a little short at the daily peak.
      const double per_iu = capacity_per_iu(m.capacity, 1.0);
      const double peak = m.history_peak_tps.value_or(2.2 * per_iu);
      metrics.add_history(
          index, {.from = epoch - std::int64_t{config.history_days} * 86400,
                  .to = epoch,
                  .peak_tps = peak,
                  .iu = static_cast<unsigned>(std::max(1.0, std::round(0.9 * peak / per_iu))),
                  .tps_per_iu = per_iu,
                  .seed = config.seed + index});
    }
  }

  // A refused image or parameter of a known model counts as its UserErrorCount. The body is read
  // again only the first time it is refused: the cache keeps what it named.
  void record_user_error(BodyFacts& facts, const std::string& body) {
    if (!facts.refused_model) {
      facts.refused_model.emplace();
      boost::system::error_code ec;
      const json::value input = json::parse(body, ec);
      const json::value* arn =
          !ec && input.is_object() ? input.get_object().if_contains("ProjectVersionArn") : nullptr;
      if (arn != nullptr && arn->is_string()) {
        if (auto entry = find_model(models, arn->get_string()))
          *facts.refused_model = static_cast<std::size_t>(*entry - models.data());
      }
    }
    if (*facts.refused_model)
      record(models[**facts.refused_model], MetricStore::Outcome::kUserError);
  }

  // What CloudWatch records of a DetectCustomLabels answer.
  void record(const ModelEntry& entry, MetricStore::Outcome outcome) {
    metrics.count(static_cast<std::size_t>(&entry - models.data()), epoch_seconds_now(), outcome);
  }

  // Auto-scaling and billing advance even when no request arrives.
  asio::awaitable<void> run_clock() {
    auto self = shared_from_this();
    while (!closing) {
      clock.expires_after(kClockTick);
      auto [ec] = co_await clock.async_wait(kUseTuple);
      if (ec || closing) break;
      const auto now = std::chrono::steady_clock::now();
      const std::int64_t epoch = epoch_seconds_now();
      for (ModelEntry& entry : models) {
        EmulatedModel& m = entry.model;
        m.advance(now);
        if (m.status(now) != ModelStatus::kRunning) continue;
        metrics.sample_iu(static_cast<std::size_t>(&entry - models.data()), epoch,
                          m.inference_units(), m.inference_units(), m.min_inference_units(),
                          m.max_inference_units().value_or(m.min_inference_units()));
      }
    }
  }

  HttpResponse answer(http::status status, std::string body, const std::string& id,
                      std::string_view content_type = "application/x-amz-json-1.1") {
    HttpResponse response{status, 11};
    response.set(http::field::content_type, content_type);
    response.set("x-amzn-RequestId", id);
    response.body() = std::move(body);
    return response;
  }

  HttpResponse error_answer(const ServiceError& error, std::string_view operation,
                            const std::string& id) {
    ++outcomes[{std::string(operation), error.type}];
    json::object body{{"__type", error.type}, {"Message", error.message}};
    HttpResponse response =
        answer(static_cast<http::status>(error.http_status()), json::serialize(body), id);
    response.set("x-amzn-ErrorType", error.type);
    return response;
  }

  HttpResponse ok_answer(std::string body, std::string_view operation, const std::string& id) {
    ++outcomes[{std::string(operation), "ok"}];
    return answer(http::status::ok, std::move(body), id);
  }

  // The facts of a body, cached once its request is authenticated (when signatures are checked,
  // strangers cannot fill the cache; its size is bounded either way).
  BodyFacts& remember(const std::string& body, std::string payload_hash) {
    if (body_cache_bytes + body.size() > kBodyCacheBytes) {
      body_cache.clear();
      body_cache_bytes = 0;
    }
    body_cache_bytes += body.size();
    return body_cache.emplace(body, BodyFacts{std::move(payload_hash), std::nullopt}).first->second;
  }

  asio::awaitable<HttpResponse> handle(HttpRequest& request, SteadyTime arrived) {
    auto self = shared_from_this();  // a request waiting for its slot outlives ~Emulator
    const std::string id = request_id(rng);
    if (request.method() == http::verb::get && request.target() == "/metrics") {
      HttpResponse response{http::status::ok, 11};
      response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      response.set("x-amzn-RequestId", id);
      response.body() = metrics_text();
      co_return response;
    }
    const auto target = request.find("x-amz-target");
    std::string_view operation =
        target == request.end() ? std::string_view{} : std::string_view(target->value());
    if (request.method() == http::verb::post && request.target() == "/" &&
        operation.starts_with(kCloudWatchPrefix)) {
      operation.remove_prefix(kCloudWatchPrefix.size());
      co_return cloudwatch(request, operation, id);
    }
    if (request.method() != http::verb::post || request.target() != "/" ||
        !operation.starts_with(kTargetPrefix)) {
      co_return error_answer({"UnknownOperationException",
                              "Send AWS JSON 1.1: POST / with X-Amz-Target: "
                              "RekognitionService.<Operation>."},
                             "unknown", id);
    }
    operation.remove_prefix(kTargetPrefix.size());
    // Metrics name only the operations we know: clients choose the header, not our memory use.
    const auto known = std::find(kOperations.begin(), kOperations.end(), operation);
    const std::string_view label = known == kOperations.end() ? "unknown" : *known;
    const std::string& body = request.body();
    const bool is_detect = operation == "DetectCustomLabels";
    // Only DetectCustomLabels bodies are remembered: they repeat, and are the large ones.
    const auto cached = is_detect ? body_cache.find(body) : body_cache.end();
    const bool hashed = cached != body_cache.end();
    std::string hash = hashed || !(config.verify_signatures || is_detect) ? "" : sha256_hex(body);
    if (config.verify_signatures) {
      if (auto refused = verifier.verify(request, hashed ? cached->second.payload_hash : hash,
                                         std::chrono::system_clock::now())) {
        co_return error_answer(*refused, label, id);
      }
    }
    if (!is_detect) co_return control(operation, label, body, id);
    BodyFacts& facts = hashed ? cached->second : remember(body, std::move(hash));
    co_return co_await detect(facts, body, id, arrived);
  }

  // CloudWatch's GetMetricData and ListMetrics (AWS JSON 1.0) over the models' recorded minutes.
  HttpResponse cloudwatch(const HttpRequest& request, std::string_view operation,
                          const std::string& id) {
    const auto known = std::find(kOperations.begin(), kOperations.end(), operation);
    const std::string_view label = known == kOperations.end() ? "unknown" : *known;
    const auto refuse = [&](const ServiceError& error) {
      HttpResponse response = error_answer(error, label, id);
      response.set(http::field::content_type, "application/x-amz-json-1.0");
      return response;
    };
    const std::string& body = request.body();
    if (config.verify_signatures) {
      if (auto refused = cloudwatch_verifier.verify(request, sha256_hex(body),
                                                    std::chrono::system_clock::now()))
        return refuse(*refused);
    }
    const auto result = json_object(body).and_then(
        [&](const json::object& input) { return metrics.call(operation, input); });
    if (!result) return refuse(result.error());
    ++outcomes[{std::string(label), "ok"}];
    return answer(http::status::ok, json::serialize(*result), id, "application/x-amz-json-1.0");
  }

  HttpResponse control(std::string_view operation, std::string_view label, const std::string& body,
                       const std::string& id) {
    const auto now = std::chrono::steady_clock::now();
    ServiceResult<json::object> result =
        json_object(body).and_then([&](const json::object& object) -> ServiceResult<json::object> {
          if (operation == "DescribeProjects") return describe_projects(models, object);
          if (operation == "DescribeProjectVersions")
            return describe_project_versions(models, object, now);
          if (operation == "StartProjectVersion") return start_project_version(models, object, now);
          if (operation == "StopProjectVersion") return stop_project_version(models, object, now);
          return service_error(
              "UnknownOperationException",
              fmt::format("{} is not an operation this endpoint emulates (DetectCustomLabels, "
                          "DescribeProjects, DescribeProjectVersions, StartProjectVersion, "
                          "StopProjectVersion).",
                          operation));
        });
    if (!result) return error_answer(result.error(), label, id);
    return ok_answer(json::serialize(*result), label, id);
  }

  asio::awaitable<HttpResponse> detect(BodyFacts& facts, const std::string& body,
                                       const std::string& id, SteadyTime arrived) {
    constexpr std::string_view kOperation = "DetectCustomLabels";
    if (!facts.detect) {
      facts.detect = parse_detect_request(body).and_then(
          [&](DetectRequest request) -> ServiceResult<std::pair<DetectRequest, std::string>> {
            auto entry = find_model(models, request.project_version_arn);
            if (!entry) return tl::unexpected(entry.error());
            const auto labels =
                emulated_labels((*entry)->model.config(), request.image_digest, config.seed);
            std::string answer =
                "{\"CustomLabels\":" +
                custom_labels_json(labels, request.min_confidence, request.max_results) + "}";
            return std::pair{std::move(request), std::move(answer)};
          });
    }
    // Copies: the cache may be cleared while this request waits for its slot.
    if (!*facts.detect) {
      record_user_error(facts, body);
      co_return error_answer(facts.detect->error(), kOperation, id);
    }
    const double megapixels = (*facts.detect)->first.image.megapixels();
    std::string answer_body = (*facts.detect)->second;
    auto entry = find_model(models, (*facts.detect)->first.project_version_arn);
    if (!entry) co_return error_answer(entry.error(), kOperation, id);
    EmulatedModel& model = (*entry)->model;
    const auto now = std::chrono::steady_clock::now();
    if (const ModelStatus status = model.status(now); status != ModelStatus::kRunning) {
      co_return error_answer(
          {"ResourceNotReadyException", fmt::format("The model {} is {}; it must be RUNNING.",
                                                    (*entry)->version_arn, to_string(status))},
          kOperation, id);
    }
    asio::steady_timer timer(io);
    // Service runs from when the slot is ours: when the request came (admit), or when the
    // request before it finished.
    const EmulatedModel::Admission admission = model.admit(std::min(arrived, now));
    std::optional<SteadyTime> service_start = model.admitted_at();
    const ModelEntry& recorded = **entry;
    switch (admission) {
      case EmulatedModel::Admission::kRefuse:
        record(recorded, MetricStore::Outcome::kThrottled);
        co_return error_answer({"ProvisionedThroughputExceededException",
                                "The number of requests exceeded your throughput limit. If you "
                                "want to increase this limit, start the model with more "
                                "inference units."},
                               kOperation, id);
      case EmulatedModel::Admission::kQueue: {
        timer.expires_at(asio::steady_timer::time_point::max());
        bool woken = false;  // at once, when a slot's end had passed before this was read
        model.enqueue([&](std::optional<SteadyTime> slot_free_at) {
          service_start = slot_free_at;
          woken = true;
          timer.cancel();
        });
        if (!woken) co_await timer.async_wait(kUseTuple);  // cancelled: the slot is ours
        break;
      }
      case EmulatedModel::Admission::kServe:
        break;
    }
    if (closing || !service_start) {  // woken by close(), without a slot
      record(recorded, MetricStore::Outcome::kServerError);
      co_return error_answer({"InternalServerError", "The endpoint is shutting down."}, kOperation,
                             id);
    }
    const SteadyTime done =
        *service_start + model.service_time(megapixels, rng.uniform(), *service_start);
    model.hold_until(done);
    timer.expires_at(done);
    co_await timer.async_wait(kUseTuple);
    model.release(done);
    record(recorded, MetricStore::Outcome::kSuccess);
    co_return ok_answer(std::move(answer_body), kOperation, id);
  }

  std::string metrics_text() {
    const auto now = std::chrono::steady_clock::now();
    std::string out;
    out +=
        "# HELP iuprobe_emulator_requests_total Requests answered, by operation and outcome "
        "(ok or the error type).\n# TYPE iuprobe_emulator_requests_total counter\n";
    for (const auto& [key, count] : outcomes) {
      out += fmt::format("iuprobe_emulator_requests_total{{operation=\"{}\",outcome=\"{}\"}} {}\n",
                         prometheus_label(key.first), prometheus_label(key.second), count);
    }
    struct Gauge {
      std::string_view name, type, help;
      std::function<double(EmulatedModel&)> value;
    };
    const Gauge gauges[] = {
        {"iuprobe_emulator_inference_units", "gauge",
         "Inference units now (auto-scaling included).",
         [](EmulatedModel& m) { return double(m.inference_units()); }},
        {"iuprobe_emulator_running", "gauge", "1 while the model is RUNNING.",
         [now](EmulatedModel& m) { return m.status(now) == ModelStatus::kRunning ? 1.0 : 0.0; }},
        {"iuprobe_emulator_billed_iu_seconds_total", "counter",
         "Inference-unit seconds billed (while RUNNING).",
         [](EmulatedModel& m) { return m.billed_iu_seconds(); }},
        {"iuprobe_emulator_in_flight", "gauge", "Requests holding a slot.",
         [](EmulatedModel& m) { return double(m.busy_slots()); }},
        {"iuprobe_emulator_queue_depth", "gauge", "Requests waiting for a slot.",
         [](EmulatedModel& m) { return double(m.queued()); }},
        {"iuprobe_emulator_scale_events_total", "counter", "Auto-scaling changes of the IU count.",
         [](EmulatedModel& m) { return double(m.scale_events()); }},
    };
    for (const Gauge& gauge : gauges) {
      out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", gauge.name, gauge.help, gauge.name,
                         gauge.type);
      for (ModelEntry& entry : models) {
        entry.model.advance(now);
        out += fmt::format("{}{{model=\"{}\"}} {}\n", gauge.name,
                           prometheus_label(entry.version_arn), gauge.value(entry.model));
      }
    }
    out += fmt::format(
        "# HELP iuprobe_emulator_connections Open client connections.\n"
        "# TYPE iuprobe_emulator_connections gauge\niuprobe_emulator_connections {}\n"
        "# HELP iuprobe_emulator_connections_accepted_total Client connections accepted.\n"
        "# TYPE iuprobe_emulator_connections_accepted_total counter\n"
        "iuprobe_emulator_connections_accepted_total {}\n"
        "# HELP iuprobe_emulator_buffered_request_bytes Request body bytes held now.\n"
        "# TYPE iuprobe_emulator_buffered_request_bytes gauge\n"
        "iuprobe_emulator_buffered_request_bytes {}\n"
        "# HELP iuprobe_emulator_refused_busy_total Requests answered 503 because request bodies "
        "held at once reached max_buffered_bytes.\n"
        "# TYPE iuprobe_emulator_refused_busy_total counter\n"
        "iuprobe_emulator_refused_busy_total {}\n",
        server ? server->connections() : 0, server ? server->accepted() : 0,
        server ? server->buffered_bytes() : 0, server ? server->refused_busy() : 0);
    return out;
  }
};

Emulator::Emulator(asio::io_context& io, EmulatorConfig config)
    : state_(std::make_shared<State>(io, std::move(config))) {
  ServerLimits limits;
  limits.max_body_bytes = kMaxRequestBodyBytes;
  limits.max_buffered_bytes = state_->config.max_buffered_bytes;
  auto* state = state_.get();
  server_ = std::make_unique<HttpServer>(
      io, TimedHttpHandler([state](HttpRequest& request, TimePoint arrived) {
        return state->handle(request, arrived);
      }),
      limits);
  state_->server = server_.get();
}

Emulator::~Emulator() {
  close();
}

Result<void> Emulator::listen(const asio::ip::tcp::endpoint& endpoint) {
  if (auto ok = server_->listen(endpoint); !ok) return ok;
  asio::co_spawn(state_->io, state_->run_clock(), asio::detached);
  return {};
}

asio::ip::tcp::endpoint Emulator::local_endpoint() const {
  return server_->local_endpoint();
}

void Emulator::close() {
  state_->closing = true;
  state_->clock.cancel();
  server_->close();
  for (ModelEntry& entry : state_->models) entry.model.wake_all_waiters();
}

const EmulatorConfig& Emulator::config() const {
  return state_->config;
}

std::vector<EmulatedModelState> Emulator::models() {
  const auto now = std::chrono::steady_clock::now();
  std::vector<EmulatedModelState> out;
  for (ModelEntry& entry : state_->models) {
    EmulatedModel& m = entry.model;
    out.push_back({entry.version_arn, std::string(to_string(m.status(now))), m.inference_units(),
                   m.busy_slots(), m.queued(), m.billed_iu_seconds()});
  }
  return out;
}

std::string Emulator::metrics_text() {
  return state_->metrics_text();
}

}  // namespace iuprobe
