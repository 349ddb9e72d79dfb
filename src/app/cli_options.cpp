// SPDX-License-Identifier: Apache-2.0
// The option groups shared by several subcommands; cli.cpp has the subcommands themselves.
// CLI11 costs ~10 s of compile time per file that includes it: these two files only.
#include "app/cli_options.h"

#include <CLI/CLI.hpp>

namespace iuprobe {

void add_target_options(CLI::App& command, TargetOptions& o) {
  command.add_option("--url", o.url, "Endpoint to load, http:// or https://")->group("Target");
  command
      .add_option("--method", o.method, "HTTP method (default GET, or POST when a body is given)")
      ->group("Target");
  command.add_option("--header", o.headers, "Request header 'Name: value' (repeatable)")
      ->group("Target");
  command.add_option("--body-file", o.body_file, "Send this file as every request's body")
      ->group("Target");
  command
      .add_option("--body-dir", o.body_dir,
                  "Send each file of this directory as a body, round-robin")
      ->group("Target");
  command.add_option("--max-body-size", o.max_body_size, "Refuse body files above this size")
      ->capture_default_str()
      ->group("Target");
  command.add_flag("--insecure", o.insecure, "Do not verify the server's TLS certificate")
      ->group("Target");
  command.add_option("--ca-file", o.ca_file, "Trust the CA certificates in this PEM file")
      ->group("Target");
  command
      .add_option("--throttle-status", o.throttle_statuses,
                  "Statuses that mean 'throttled', e.g. 429,503")
      ->capture_default_str()
      ->group("Target");
  command
      .add_option("--aws-sigv4", o.aws_sigv4,
                  "Sign --url requests with SigV4 for this AWS service (e.g. sagemaker)")
      ->group("Target");
  command
      .add_option(
          "--throttle-error-type", o.throttle_error_types,
          "JSON error __type that means 'throttled' (repeatable; default "
          "ProvisionedThroughputExceededException, ThrottlingException, LimitExceededException)")
      ->group("Target");
}

void add_model_target_options(CLI::App& command, TargetOptions& o) {
  const char* group = "Rekognition model (instead of --url)";
  command
      .add_option("--project-version-arn", o.project_version_arn, "The Custom Labels model to load")
      ->group(group);
  command
      .add_option("--images", o.images, "A JPEG/PNG file or a directory of them (up to 4 MB each)")
      ->group(group);
  command
      .add_option("--min-confidence", o.min_confidence, "DetectCustomLabels MinConfidence, 0-100")
      ->group(group);
  command.add_option("--max-results", o.max_results, "DetectCustomLabels MaxResults")->group(group);
}

void add_aws_options(CLI::App& command, AwsFlags& o) {
  command
      .add_option("--region", o.region,
                  "AWS region (default: the model ARN's, AWS_REGION, the profile's)")
      ->group("AWS");
  command.add_option("--profile", o.profile, "Profile of ~/.aws/credentials and ~/.aws/config")
      ->group("AWS");
  command
      .add_option("--endpoint-url", o.endpoint_url,
                  "Send to this endpoint instead (emulator, moto, VPC endpoint)")
      ->group("AWS");
  command.add_flag("--fips", o.fips, "Use the FIPS endpoint rekognition-fips.REGION.amazonaws.com")
      ->group("AWS");
}

void add_model_flags(CLI::App& command, ModelFlags& o) {
  const char* group = "Model lifecycle";
  command
      .add_flag("--start-model", o.start_model,
                "Start the model first if it is not running (needs --iu); "
                "iuprobe then stops it on every way out")
      ->group(group);
  command.add_option("--iu", o.iu, "Inference units to start the model with")->group(group);
  command.add_option("--max-iu", o.max_iu, "Upper bound for auto-scaling when starting the model")
      ->group(group);
  command
      .add_flag("--stop-model", o.stop_model,
                "Stop the model at the end even if iuprobe did not start it")
      ->group(group);
  command.add_option("--model-timeout", o.model_timeout, "How long to wait for the model to start")
      ->capture_default_str()
      ->group(group);
  command
      .add_option("--poll-interval", o.poll_interval, "Time between status checks while waiting")
      ->capture_default_str()
      ->group(group);
}

void add_connection_options(CLI::App& command, ConnectionFlags& o) {
  command
      .add_option("--threads", o.threads,
                  "Worker threads, one event loop each (default: one per core)")
      ->check(CLI::Range(1u, 256u))
      ->group("Connections");
  command.add_option("--max-connections", o.max_connections, "Upper bound on open connections")
      ->check(CLI::Range(1u, 1'000'000u))
      ->capture_default_str()
      ->group("Connections");
  command
      .add_option("--connect-timeout", o.connect_timeout,
                  "Time allowed to connect (and TLS handshake)")
      ->capture_default_str()
      ->group("Connections");
  command.add_option("--timeout", o.request_timeout, "Time allowed for one request's answer")
      ->capture_default_str()
      ->group("Connections");
  command.add_option("--grace", o.grace, "After Ctrl-C, time left to requests in flight")
      ->capture_default_str()
      ->group("Connections");
  command
      .add_option(
          "--send-window", o.send_window,
          "Sends due within this window of each other leave together, saving wake-ups at high "
          "rates (0 sends one by one)")
      ->capture_default_str()
      ->group("Connections");
}

void add_load_options(CLI::App& command, LoadOptions& o) {
  command.add_option("--rate", o.rate, "Constant rate, requests per second (with --duration)")
      ->group("Load shape");
  command
      .add_option("--duration", o.duration,
                  "Length of a --rate, --ramp or single --users run: 30s, 2m")
      ->group("Load shape");
  command
      .add_option("--steps", o.steps,
                  "Rates to hold one after another, e.g. 50,100,200 (with --step-duration)")
      ->group("Load shape");
  command.add_option("--step-duration", o.step_duration, "How long each step lasts")
      ->group("Load shape");
  command.add_option("--ramp", o.ramp, "Rate rising (or falling) linearly FROM:TO over --duration")
      ->group("Load shape");
  command
      .add_option("--users", o.users,
                  "Closed loop: users, or user counts per step, e.g. 10,20,40,80")
      ->group("Load shape");
  command
      .add_option("--pacing", o.pacing,
                  "Closed loop: each user starts a request at most this often")
      ->group("Load shape");
  command
      .add_option("--warmup", o.warmup,
                  "Send at the first step's load this long first, without recording")
      ->group("Load shape");
  command.add_option("--arrivals", o.arrivals, "Open-loop spacing: uniform or poisson")
      ->capture_default_str()
      ->group("Load shape");
  command.add_option("--seed", o.seed, "Seed for Poisson arrivals")
      ->capture_default_str()
      ->group("Load shape");
}

void add_web_options(CLI::App& command, WebFlags& o) {
  command
      .add_option("--web", o.listen,
                  "Serve a live page with charts and a Stop button on ADDRESS:PORT (default "
                  "127.0.0.1:8089; port 0 picks one)")
      ->expected(0, 1)
      ->default_str(kDefaultWebAddress)
      ->group("Live page");
  command
      .add_flag("--web-allow-remote", o.allow_remote,
                "Allow a non-loopback --web address; every request must then carry the token "
                "iuprobe prints")
      ->group("Live page");
}

void add_output_options(CLI::App& command, OutputOptions& o) {
  command
      .add_option("--out", o.out,
                  "Directory for result.json and history.csv (default: ./iuprobe-results/...)")
      ->group("Output");
  command.add_flag("--quiet", o.quiet, "No live table, only the summary")->group("Output");
}

}  // namespace iuprobe
