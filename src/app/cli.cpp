// SPDX-License-Identifier: Apache-2.0
// The command line: every subcommand and its own options, parsing, and dispatch to one file per
// subcommand. Option groups shared by several subcommands are in cli_options.cpp. CLI11 is
// header-only and costs ~10 s of compile time per file that includes it: these two files only.
#include "app/cli.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "app/cli_options.h"
#include "app/demo_command.h"
#include "app/emulate_command.h"
#include "app/exit_codes.h"
#include "app/model_command.h"
#include "app/options.h"
#include "app/plan_command.h"
#include "app/probe_command.h"
#include "app/ranks.h"
#include "app/run_command.h"
#include "app/sign_command.h"
#include "build_info.h"  // generated at build time: IUPROBE_COMMIT, IUPROBE_BUILD_KIND
#include "core/stop.h"

namespace iuprobe {
namespace {

CLI::App* add_run_command(CLI::App& app, RunOptions& o) {
  CLI::App* command =
      app.add_subcommand("run", "Run one explicit load shape and report, like a load tester");
  add_target_options(*command, o.target);
  add_model_target_options(*command, o.target);
  add_aws_options(*command, o.aws);
  add_model_flags(*command, o.model);
  add_load_options(*command, o.load);
  add_connection_options(*command, o.connection);
  add_output_options(*command, o.output);
  add_web_options(*command, o.web);
  command->footer(R"(
Examples:
  iuprobe run --url http://127.0.0.1:8080/ --rate 200 --duration 30s
  iuprobe run --url https://host/infer --body-dir images/ --header 'Content-Type: image/jpeg' \
              --steps 50,100,200 --step-duration 10s --warmup 5s
  iuprobe run --url http://127.0.0.1:8080/ --ramp 10:500 --duration 60s --arrivals poisson
  iuprobe run --url http://127.0.0.1:8080/ --users 10,20,40,80 --step-duration 30s
  iuprobe run --url http://127.0.0.1:8080/ --rate 500 --duration 5m --web    # live page on :8089)");
  return command;
}

void add_model_identity(CLI::App& command, ModelCommandOptions& o) {
  command.add_option("--project-version-arn", o.project_version_arn, "The Custom Labels model")
      ->required();
  command.add_option("--project-arn", o.project_arn,
                     "The project's ARN (default: looked up by the project's name)");
  add_aws_options(command, o.aws);
  command.add_flag("--insecure", o.insecure, "Do not verify the endpoint's TLS certificate");
  command.add_option("--ca-file", o.ca_file, "Trust the CA certificates in this PEM file");
}

void add_waiting(CLI::App& command, ModelCommandOptions& o) {
  command.add_flag("--wait", o.wait, "Wait until the model gets there, printing its status");
  command.add_option("--timeout", o.timeout, "Give up waiting after this long")
      ->capture_default_str();
  command.add_option("--poll-interval", o.poll_interval, "Time between status checks")
      ->capture_default_str();
}

struct ModelCommands {
  CLI::App* start;
  CLI::App* stop;
  CLI::App* status;
};

ModelCommands add_model_command(CLI::App& app, ModelCommandOptions& o) {
  CLI::App* model = app.add_subcommand("model", "Start, stop or describe a Custom Labels model");
  model->require_subcommand(1);
  CLI::App* start = model->add_subcommand("start", "StartProjectVersion with N inference units");
  add_model_identity(*start, o);
  start->add_option("--min-iu", o.min_iu, "Inference units to start with")->required();
  start->add_option("--max-iu", o.max_iu, "Upper bound for auto-scaling");
  add_waiting(*start, o);
  CLI::App* stop = model->add_subcommand("stop", "StopProjectVersion");
  add_model_identity(*stop, o);
  add_waiting(*stop, o);
  CLI::App* status =
      model->add_subcommand("status", "DescribeProjectVersions: status and inference units");
  add_model_identity(*status, o);
  model->footer(R"(
Examples:
  iuprobe model start --project-version-arn ARN --min-iu 1 --wait
  iuprobe model status --project-version-arn ARN
  iuprobe model stop --project-version-arn ARN --wait)");
  return {start, stop, status};
}

CLI::App* add_sign_command(CLI::App& app, SignOptions& o) {
  CLI::App* sign =
      app.add_subcommand("sign",
                         "Show how SigV4 signs a request: canonical request, string to sign, "
                         "Authorization header");
  sign->add_option("--method", o.method, "HTTP method")->capture_default_str();
  sign->add_option("--url", o.url, "Request URL")->required();
  sign->add_option("--header", o.headers, "Header 'Name: value' to sign (repeatable)");
  sign->add_option("--body-file", o.body_file, "The request body");
  sign->add_option("--service", o.service, "Signing name of the service, e.g. rekognition")
      ->required();
  sign->add_option("--date", o.date, "Sign as of this time, YYYYMMDDTHHMMSSZ (default: now)");
  add_aws_options(*sign, o.aws);
  sign->footer(R"(
Example (AWS's own test credentials, fixed time):
  AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY \
  iuprobe sign --method POST --url https://rekognition.us-east-1.amazonaws.com/ --service rekognition \
    --region us-east-1 --header 'Content-Type: application/x-amz-json-1.1' \
    --header 'X-Amz-Target: RekognitionService.DetectCustomLabels' --body-file body.json --date 20150830T123600Z)");
  return sign;
}

CLI::App* add_emulate_command(CLI::App& app, EmulateOptions& o) {
  CLI::App* emulate = app.add_subcommand(
      "emulate",
      "Serve a local Rekognition Custom Labels endpoint with IU capacity, lifecycle, throttling "
      "and billing");
  emulate->add_option("--config", o.config_file, "Models and credentials from a JSON file")
      ->check(CLI::ExistingFile);
  emulate->add_option("--write-samples", o.write_samples,
                      "Write sample JPEG and PNG images into this directory and exit");
  emulate->add_option("--listen", o.listen, "ADDRESS:PORT to serve on; port 0 picks one")
      ->capture_default_str();
  emulate->add_flag("--allow-remote", o.allow_remote,
                    "Allow a non-loopback --listen address (anyone who can reach it can call)");
  emulate->add_flag("--no-auth", o.no_auth, "Accept requests without checking SigV4 signatures");
  emulate->add_option("--seed", o.seed, "Seed for jitter and labels (default 1)");
  emulate->add_option("--region", o.region, "Region in ARNs and signatures (default us-east-1)");
  emulate->add_option("--history-days", o.history_days,
                      "CloudWatch: make up this many days of traffic history, 0-63 (default 0)");
  emulate->add_option("--max-buffered", o.max_buffered,
                      "Request bytes held at once, all connections together; beyond it, 503 "
                      "(default 256MiB, 0: no cap)");
  const std::string model = "Model (without --config)";
  emulate->add_option("--project", o.project, "Project name (default demo)")->group(model);
  emulate->add_option("--version-name", o.version, "Version name (default demo.v1)")->group(model);
  emulate->add_option("--type", o.type, "classification (default) or detection")->group(model);
  emulate->add_option("--labels", o.labels, "Label names (default cat,dog,bird)")
      ->delimiter(',')
      ->group(model);
  emulate->add_option("--status", o.status, "RUNNING (default) or STOPPED at start-up")
      ->group(model);
  emulate->add_option("--iu", o.iu, "Inference units when running (default 1)")->group(model);
  emulate->add_option("--max-iu", o.max_iu, "Auto-scale up to this many IUs (default: no)")
      ->group(model);
  emulate
      ->add_option("--service-time", o.service_time,
                   "Service time per request at 0 megapixels (default 50ms)")
      ->group(model);
  emulate
      ->add_option("--per-megapixel", o.per_megapixel,
                   "Added service time per megapixel of the image (default 0ms)")
      ->group(model);
  emulate
      ->add_option("--jitter", o.jitter, "Service time spread, fraction of the mean (default 0.1)")
      ->group(model);
  emulate->add_option("--slots", o.slots, "Concurrent requests per IU (default 5)")->group(model);
  emulate->add_option("--queue", o.queue, "Waiting requests per IU before refusals (default 2)")
      ->group(model);
  emulate
      ->add_option("--limiter", o.limiter,
                   "A rate limiter in front of the slots: token-bucket, fixed-window or "
                   "sliding-window (counts refused requests too) (default none)")
      ->group(model);
  emulate->add_option("--limit", o.limit, "The limiter's rate per IU, requests/s")->group(model);
  emulate->add_option("--burst", o.burst, "Token bucket size, in time at the rate (default 1s)")
      ->group(model);
  emulate->add_option("--window", o.window, "Window length of a window limiter (default 1s)")
      ->group(model);
  emulate
      ->add_option("--slowdown", o.slowdown,
                   "Refusing costs capacity: while refusing as many requests a second as it "
                   "serves, service takes this much longer, e.g. 1 (default 0)")
      ->group(model);
  emulate
      ->add_option("--history-peak-tps", o.history_peak_tps,
                   "The history's busiest rate (default 2.2 x one IU's capacity at 1 MP)")
      ->group(model);
  emulate
      ->add_option("--history-csv", o.history_csv,
                   "CloudWatch: the model's past from a CSV of time,requests[,throttled[,iu]] per "
                   "minute, instead of a made-up one")
      ->group(model);
  emulate->add_option("--start-time", o.start_time, "STARTING lasts this long (default 5s)")
      ->group(model);
  emulate->add_option("--stop-time", o.stop_time, "STOPPING lasts this long (default 2s)")
      ->group(model);
  emulate
      ->add_option("--scale-up-after", o.scale_up_after,
                   "Saturation that adds an IU, with --max-iu (default 60s)")
      ->group(model);
  emulate
      ->add_option("--scale-down-after", o.scale_down_after,
                   "Idleness that removes an IU (default 300s)")
      ->group(model);
  emulate->footer(R"(
Capacity = IUs x slots / (service time + per-megapixel time x image megapixels), or IUs x
--limit if a limiter is lower.
Examples:
  iuprobe emulate                                   # 1 model, 100 TPS per IU, on 127.0.0.1:8990
  iuprobe emulate --listen 127.0.0.1:0 --iu 2 --slots 4 --service-time 20ms --per-megapixel 10ms
  iuprobe emulate --slots 50 --limiter token-bucket --limit 80 --burst 5s   # 80 TPS, 5 s bursts
  iuprobe emulate --config emulator.json           # several models, credentials, auto-scaling
  iuprobe emulate --history-days 14                 # CloudWatch history for plan --cloudwatch)");
  return emulate;
}

CLI::App* add_probe_command(CLI::App& app, ProbeOptions& o) {
  CLI::App* command = app.add_subcommand(
      "probe", "Find the maximum sustainable TPS of an endpoint (per IU), quickly and honestly");
  add_target_options(*command, o.target);
  add_model_target_options(*command, o.target);
  add_aws_options(*command, o.aws);
  command
      ->add_option("--cloudwatch-endpoint-url", o.aws.cloudwatch_endpoint_url,
                   "Where to read the model's IU metrics (default: AWS_ENDPOINT_URL_CLOUDWATCH, "
                   "AWS_ENDPOINT_URL, monitoring.REGION.amazonaws.com)")
      ->group("AWS");
  add_model_flags(*command, o.model);
  add_connection_options(*command, o.connection);
  add_output_options(*command, o.output);
  add_web_options(*command, o.web);
  const std::string group = "Search";
  command
      ->add_option("--max-error-rate", o.max_error_rate,
                   "Tolerated fraction of throttled + failed requests (default 0.001), judged "
                   "at 95% confidence; 0: none")
      ->group(group);
  command
      ->add_option("--arrivals", o.arrivals,
                   "Spacing of each step's requests: uniform, or poisson (random, as real "
                   "traffic arrives)")
      ->capture_default_str()
      ->group(group);
  command->add_option("--slo-p95", o.slo_p95, "Also require p95 latency (from schedule) <= this")
      ->group(group);
  command->add_option("--slo-p99", o.slo_p99, "Also require p99 latency <= this")->group(group);
  command->add_option("--start-tps", o.start_tps, "First rate tried; doubled until a refusal")
      ->capture_default_str()
      ->group(group);
  command->add_option("--max-tps", o.max_tps, "Give up looking above this rate")
      ->capture_default_str()
      ->group(group);
  command->add_option("--precision", o.precision, "Refine until the bracket is this narrow")
      ->capture_default_str()
      ->group(group);
  command
      ->add_option("--verify-scaling", o.verify_scaling,
                   "Then restart the model with N IUs, probe again, and report how far TPS "
                   "scales from linear (with --start-model)")
      ->group(group);
  const std::string plan = "Plan (appended to the answer)";
  command->add_option("--target-tps", o.target_tps, "IUs and cost for this rate")->group(plan);
  command->add_option("--batch", o.batch_images, "IUs and cost for this many images …")
      ->group(plan);
  command->add_option("--within", o.within, "… within this deadline, e.g. 3h")->group(plan);
  command->add_option("--price-per-iu-hour", o.price_per_iu_hour, "USD (default 4.00, assumed)")
      ->group(plan);
  command->footer(R"(
Examples:
  iuprobe probe --project-version-arn ARN --images photos/ --iu 1
  iuprobe probe --project-version-arn ARN --images photos/ --start-model --iu 1 --stop-model \
                --target-tps 40
  iuprobe probe --url http://127.0.0.1:8080/infer --body-dir images/ --slo-p95 200ms
  iuprobe probe --project-version-arn ARN --images photos/ --iu 1 --web 127.0.0.1:0)");
  return command;
}

CLI::App* add_demo_command(CLI::App& app, DemoOptions& o) {
  CLI::App* demo = app.add_subcommand(
      "demo",
      "Offline: emulator + sample images + probe (starting and stopping the model) + plan "
      "+ report");
  demo->add_option("--images", o.images, "Your own JPEG/PNG file or directory instead of samples");
  demo->add_option("--out", o.out, "Output directory (default ./iuprobe-results/demo-<time>)");
  demo->add_flag("--quiet", o.quiet, "No step table, only the summary");
  add_web_options(*demo, o.web);
  return demo;
}

CLI::App* add_plan_command(CLI::App& app, PlanOptions& o) {
  CLI::App* plan = app.add_subcommand(
      "plan", "IUs, wall time, IU-hours and cost for a rate, a batch or a daily traffic profile");
  plan->add_option("--tps-per-iu", o.tps_per_iu, "Sustained TPS of one IU (from iuprobe probe)");
  plan->add_option("--from", o.from, "Take TPS per IU from a probe's result.json")
      ->check(CLI::ExistingFile);
  plan->add_option("--target-tps", o.target_tps, "Plan for this steady rate");
  plan->add_option("--headroom", o.headroom, "Spare capacity on top of the rate, e.g. 0.2 for 20%")
      ->capture_default_str();
  plan->add_option("--min-iu", o.min_iu,
                   "Never fewer IUs than this (AWS advises 2 in production for availability)")
      ->capture_default_str();
  plan->add_option("--images", o.images, "Batch: this many images …");
  plan->add_option("--within", o.within, "… within this deadline, e.g. 3h");
  plan->add_option("--iu", o.iu, "Throughput: this many IUs …");
  plan->add_option("--for", o.run_for, "… running this long, e.g. 3h");
  plan->add_option("--startup", o.startup, "Model start time, waited for and billed, e.g. 10m")
      ->capture_default_str();
  plan->add_option("--billing-granularity", o.billing_granularity,
                   "Billed time rounds up to a whole minute or hour")
      ->capture_default_str();
  plan->add_option("--profile", o.profile, "Daily profile: CSV of hour (0-23),tps")
      ->check(CLI::ExistingFile);
  plan->add_option("--price-per-iu-hour", o.price_per_iu_hour,
                   "USD per IU-hour (default 4.00, an assumption)");
  plan->add_option("--json", o.json_out, "Also write the plans to this JSON file");
  plan->add_option("--html", o.html_out,
                   "Also write a self-contained page with the profile chart to this file");
  const std::string cw = "From the model's recorded traffic (CloudWatch)";
  plan->add_flag("--cloudwatch", o.cloudwatch,
                 "Plan for the traffic CloudWatch recorded: each hour's peak over --days")
      ->group(cw);
  plan->add_option("--project-version-arn", o.project_version_arn,
                   "The model whose traffic to read")
      ->group(cw);
  plan->add_option("--days", o.days, "Days of history to read, 1-455")
      ->capture_default_str()
      ->group(cw);
  plan->add_option("--peak-percentile", o.peak_percentile,
                   "Each hour's peak across days: this percentile (100: the maximum)")
      ->capture_default_str()
      ->group(cw);
  plan->add_option("--cloudwatch-endpoint-url", o.aws.cloudwatch_endpoint_url,
                   "CloudWatch endpoint (default: AWS_ENDPOINT_URL_CLOUDWATCH, AWS_ENDPOINT_URL, "
                   "monitoring.REGION.amazonaws.com)")
      ->group(cw);
  plan->add_option("--region", o.aws.region, "AWS region (default: the model ARN's)")->group(cw);
  plan->add_option("--aws-profile", o.aws.profile,
                   "Profile of ~/.aws/credentials and ~/.aws/config (AWS_PROFILE otherwise)")
      ->group(cw);
  plan->footer(R"(
Examples:
  iuprobe plan --tps-per-iu 5 --target-tps 15 --min-iu 2
  iuprobe plan --tps-per-iu 5 --images 108000 --within 3h --startup 10m
  iuprobe plan --tps-per-iu 5 --iu 1 --for 3h
  iuprobe plan --from iuprobe-results/demo/result.json --profile daily.csv --startup 10m
  iuprobe plan --from result.json --cloudwatch --project-version-arn ARN --days 14 --html plan.html)");
  return plan;
}

}  // namespace

int cli_main(int argc, char** argv) {
  StopSource stop;
  route_stop_signals(stop);

  CLI::App app{
      "iuprobe: measure how many requests per second one inference unit sustains, and plan IUs"};
  // The version, then what was built (help2man puts the whole line in the man page's footer).
  app.set_version_flag("--version", fmt::format("iuprobe {} (commit {}, {} build)", IUPROBE_VERSION,
                                                IUPROBE_COMMIT, IUPROBE_BUILD_KIND));
  app.require_subcommand(1);
  app.footer("Run 'iuprobe <command> --help' for a command's options.");

  RunOptions run_options;
  CLI::App* run = add_run_command(app, run_options);
  ModelCommandOptions model_options;
  const ModelCommands model = add_model_command(app, model_options);
  SignOptions sign_options;
  CLI::App* sign = add_sign_command(app, sign_options);
  EmulateOptions emulate_options;
  PlanOptions plan_options;
  ProbeOptions probe_options;
  DemoOptions demo_options;
  CLI::App* demo = add_demo_command(app, demo_options);
  CLI::App* probe = add_probe_command(app, probe_options);
  CLI::App* plan = add_plan_command(app, plan_options);
  CLI::App* emulate = add_emulate_command(app, emulate_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    fmt::print(stderr,
               "iuprobe: {}\nRun 'iuprobe --help' or 'iuprobe <command> --help' for the options.\n",
               e.what());
    return exit_code(Error{ErrorKind::kUsage, e.what()});
  }
  // Under an MPI launcher (mpirun -np N iuprobe run|probe): rank 0 runs the command, the
  // others send their share of its load.
  std::unique_ptr<MpiPeers> peers;
  if (auto joined = join_ranks(app.get_subcommands().front()->get_name()); !joined) {
    print_error(joined.error());
    return exit_code(joined.error());
  } else {
    peers = std::move(*joined);
  }
  if (peers && peers->rank() != 0) {
    try {
      return run->parsed() ? run_rank(run_options, *peers) : probe_rank(probe_options, *peers);
    } catch (const std::exception& e) {
      const Error bug{ErrorKind::kInternal, fmt::format("internal error: {}", e.what())};
      print_error(bug);
      return exit_code(bug);
    }
  }
  const auto dispatch = [&]() -> Result<void> {
    if (run->parsed()) return run_command(run_options, stop, peers.get());
    if (model.start->parsed()) return model_start_command(model_options, stop);
    if (model.stop->parsed()) return model_stop_command(model_options, stop);
    if (model.status->parsed()) return model_status_command(model_options, stop);
    if (sign->parsed()) return sign_command(sign_options);
    if (emulate->parsed()) return emulate_command(emulate_options, stop);
    if (plan->parsed()) return plan_command(plan_options);
    if (probe->parsed()) return probe_command(probe_options, stop, peers.get());
    if (demo->parsed()) return demo_command(demo_options, stop);
    return fail(ErrorKind::kUsage, "no command given");
  };
  // An exception reaching here is a bug; catching it still unwinds the stack, so a model that
  // iuprobe started is stopped by its session's destructor on the way out.
  Result<void> outcome;
  try {
    outcome = dispatch();
  } catch (const std::exception& e) {
    outcome = fail(ErrorKind::kInternal, "internal error: {}", e.what());
  }
  if (outcome && peers && peers->failed()) {
    // Done, but the last word to the ranks was lost: a rank may still wait.
    outcome = fail(ErrorKind::kNetwork,
                   "the results are complete, but a rank could not be told "
                   "that the command ended");
  }
  if (!outcome) print_error(outcome.error());
  if (peers && !outcome) {
    // Rank 0 ends every rank with its exit code, which mpirun then returns (it would return 0
    // for a rank 0 that merely exited non-zero). After a lost rank MPI cannot end normally,
    // and the launcher would wait for ranks that wait for this one. Everything is written and
    // the model stopped by now.
    std::fflush(nullptr);
    peers->abort_all(exit_code(outcome));
  }
  return exit_code(outcome);
}

}  // namespace iuprobe
