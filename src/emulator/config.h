// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/units.h"
#include "emulator/rate_limiter.h"

namespace iuprobe {

// AWS's documented example key pair (IAM user guide): the emulator accepts it by default, so
// that boto3, the AWS CLI and iuprobe work against it with no real credentials.
inline constexpr const char* kEmulatorAccessKeyId = "AKIAIOSFODNN7EXAMPLE";
inline constexpr const char* kEmulatorSecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

enum class ModelKind { kClassification, kDetection };

// How one inference unit serves requests: each of `slots_per_iu` slots holds one request for
// base + per-megapixel time (± jitter); `queue_per_iu` more may wait; the rest are refused.
// Capacity is therefore IUs × slots ÷ mean service time, or the rate limit's rate if that is
// lower. `slowdown` models a server that spends capacity on the requests it turns away: while
// it refuses R requests a second against a capacity C, service takes (1 + slowdown × min(1,
// R / C)) times longer, so goodput falls above capacity (and recovers below it).
struct CapacityModel {
  Duration base_service = std::chrono::milliseconds(50);
  Duration service_per_megapixel = std::chrono::milliseconds(0);
  double jitter = 0.1;  // service time is uniform in mean × [1 - jitter, 1 + jitter]
  unsigned slots_per_iu = 5;
  unsigned queue_per_iu = 2;
  RateLimit limit;
  double slowdown = 0;
};

struct AutoScaling {
  Duration scale_up_after = std::chrono::seconds(60);     // of sustained saturation
  Duration scale_down_after = std::chrono::seconds(300);  // of sustained idleness
};

// One minute of a model's recorded past, for the emulator's CloudWatch (a history CSV).
struct RecordedMinute {
  std::int64_t time = 0;  // epoch seconds, the minute's start (UTC)
  double requests = 0;    // all requests of the minute
  double throttled = 0;   // of which refused with ProvisionedThroughputExceeded
  std::optional<double> inference_units;
};

// CSV rows `time,requests[,throttled[,inference_units]]`, one per minute: time as epoch seconds
// or ISO 8601 UTC (2026-11-30T14:05Z, seconds allowed); a header row, blank lines and # comments
// are skipped. Errors name the line.
Result<std::vector<RecordedMinute>> parse_history_csv(std::string_view text);
// The same from a file; `option` names it in errors.
Result<std::vector<RecordedMinute>> load_history_csv(const std::filesystem::path& path,
                                                     std::string_view option);

struct ModelConfig {
  std::string project = "demo";
  std::string version = "demo.v1";
  ModelKind kind = ModelKind::kClassification;
  std::vector<std::string> labels = {"cat", "dog", "bird"};
  bool running = true;           // at start-up: RUNNING, or STOPPED
  unsigned inference_units = 1;  // MinInferenceUnits when started running
  std::optional<unsigned> max_inference_units;
  CapacityModel capacity;
  AutoScaling scaling;
  // The synthetic history's busiest minute (requests per second), for EmulatorConfig's
  // history_days; default: 2.2 × what one IU serves for a 1-megapixel image.
  std::optional<double> history_peak_tps;
  // A recorded past from a CSV instead of the made-up one (JSON key history_csv, a path relative
  // to the config file; --history-csv).
  std::string history_csv;
  std::vector<RecordedMinute> recorded;
  Duration start_time = std::chrono::seconds(5);  // STARTING → RUNNING
  Duration stop_time = std::chrono::seconds(2);   // STOPPING → STOPPED
  // Injected faults: the first StopProjectVersion calls answer these errors, one each, in order
  // (ThrottlingException, InternalServerError, LimitExceededException, AccessDeniedException).
  std::vector<std::string> stop_failures;
};

struct AccessKey {
  std::string access_key_id;
  std::string secret_access_key;
  // Temporary credentials: requests signed with this key from then on get ExpiredTokenException
  // (JSON key "expires", ISO 8601 UTC, e.g. "2026-12-02T14:05:00Z").
  std::optional<std::chrono::system_clock::time_point> expires;
};

// The largest request body the emulator reads (a 4 MB image in base64 is 5.6 MB); larger ones
// get 413 before they are read.
inline constexpr std::uint64_t kMaxRequestBodyBytes = 8 << 20;

struct EmulatorConfig {
  std::string region = "us-east-1";
  std::string account = "123456789012";
  std::vector<AccessKey> credentials = {{kEmulatorAccessKeyId, kEmulatorSecretAccessKey}};
  bool verify_signatures = true;
  std::uint64_t seed = 1;
  // Days of made-up CloudWatch history before start-up (0: none; at most 63), so that a plan
  // from "recorded" traffic can be shown offline: see emulator/metric_store.h.
  unsigned history_days = 0;
  // Request bodies held at once, all connections together; beyond it requests get 503 (JSON key
  // max_buffered_bytes, --max-buffered). 0 (no cap) or at least kMaxRequestBodyBytes.
  std::uint64_t max_buffered_bytes = 256 << 20;
  std::vector<ModelConfig> models = {ModelConfig{}};
};

// Reads a JSON configuration file (format in README.md). Unknown keys are errors, so that a
// misspelt setting is not silently ignored; the error names the file and the key.
Result<EmulatorConfig> load_emulator_config(const std::filesystem::path& path);
Result<EmulatorConfig> parse_emulator_config(std::string_view json_text);

// Checks what the file and flags cannot express by type: names, counts, ranges.
Result<void> validate_emulator_config(const EmulatorConfig& config);

// Requests per second one IU serves, evenly spaced, for an image of `megapixels`: its slots'
// rate (mean service time), or its rate limit if lower.
double capacity_per_iu(const CapacityModel& capacity, double megapixels);

// arn:aws:rekognition:REGION:ACCOUNT:project/NAME/TIMESTAMP and …/version/VERSION/TIMESTAMP.
std::string emulated_project_arn(const EmulatorConfig& config, const ModelConfig& model);
std::string emulated_version_arn(const EmulatorConfig& config, const ModelConfig& model);

}  // namespace iuprobe
