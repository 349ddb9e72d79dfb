// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/json/object.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "app/aws_options.h"
#include "aws/model_session.h"
#include "core/result.h"
#include "engine/load_shape.h"
#include "engine/target.h"

namespace iuprobe {

// Options as typed on the command line. Values stay strings until validated, so that every
// error names the flag and says what a good value looks like.
struct TargetOptions {
  std::string url;
  std::string method;
  std::vector<std::string> headers;
  std::string body_file;
  std::string body_dir;
  std::string max_body_size = "64MiB";
  bool insecure = false;
  std::string ca_file;
  std::string throttle_statuses = "429";
  std::vector<std::string> throttle_error_types;
  std::string aws_sigv4;  // sign --url requests for this AWS service
  // A Rekognition Custom Labels model instead of --url:
  std::string project_version_arn;
  std::string images;
  std::string min_confidence;
  std::string max_results;
};

// Starting and stopping the model around a measurement.
struct ModelFlags {
  bool start_model = false;
  unsigned iu = 0;
  unsigned max_iu = 0;
  bool stop_model = false;
  std::string model_timeout = "30m";
  std::string poll_interval = "5s";
};

struct ConnectionFlags {
  unsigned threads = 0;  // 0: one per core
  unsigned max_connections = 1000;
  std::string connect_timeout = "10s";
  std::string request_timeout = "30s";
  std::string grace = "3s";
  std::string send_window = "250us";
};

struct LoadOptions {
  std::string rate;
  std::string duration;
  std::string steps;
  std::string step_duration;
  std::string ramp;
  std::string users;
  std::string pacing;
  std::string warmup;
  std::string arrivals = "uniform";
  std::uint64_t seed = 1;
};

struct OutputOptions {
  std::string out;
  bool quiet = false;
};

// What a command talks to: the engine's target and, for a model, the AWS context.
struct TargetSetup {
  Target target;
  std::optional<AwsContext> aws;
  std::vector<std::string> image_names;
};

// Validates and narrows the options into what the engine needs, each part on its own: the
// target (reads body files and images, resolves AWS credentials for model and --aws-sigv4
// targets), the connection settings and the load shape.
Result<TargetSetup> build_target(const TargetOptions& target, const AwsFlags& aws);
Result<ConnectionSettings> build_connection_settings(const ConnectionFlags& connection);
Result<LoadShape> build_load_shape(const LoadOptions& load);
// A closed loop's users need a connection each.
Result<void> check_users_fit(const LoadShape& shape, const ConnectionSettings& settings);
Result<ModelSessionOptions> build_model_session_options(const ModelFlags& flags);

// The exact configuration, for result.json. Secret-looking header values are redacted.
boost::json::object config_json(const TargetOptions& options, const LoadOptions& load,
                                const Target& target, const ConnectionSettings& settings,
                                const LoadShape& shape);

// Creates the output directory: `requested`, or ./iuprobe-results/<command>-<UTC time>.
Result<std::filesystem::path> prepare_output_dir(const std::string& requested,
                                                 std::string_view command);

// Removes an output directory that prepare_output_dir made (none was `requested`) when nothing
// was written into it: a command that failed before measuring leaves nothing behind.
void discard_empty_output_dir(const std::filesystem::path& dir, const std::string& requested);

// A result file that could not be written, with what the user still has and what to do.
Error output_failure(const Error& error);

// "iuprobe: <message>" on stderr (nothing for an empty message).
void print_error(const Error& error);

}  // namespace iuprobe
