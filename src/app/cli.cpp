// SPDX-License-Identifier: Apache-2.0
// The whole command line: every subcommand's options, parsing, and dispatch to one file per
// subcommand. CLI11 is header-only and costs ~10 s of compile time per file that includes it,
// so it is included here and nowhere else.
#include "app/cli.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "app/exit_codes.h"
#include "app/run_command.h"
#include "core/interrupt.h"

namespace iuprobe {
namespace {

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
      .add_option(
          "--throttle-error-type", o.throttle_error_types,
          "JSON error __type that means 'throttled' (repeatable; default "
          "ProvisionedThroughputExceededException, ThrottlingException, LimitExceededException)")
      ->group("Target");
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

void add_output_options(CLI::App& command, OutputOptions& o) {
  command
      .add_option("--out", o.out,
                  "Directory for result.json and history.csv (default: ./iuprobe-results/...)")
      ->group("Output");
  command.add_flag("--quiet", o.quiet, "No live table, only the summary")->group("Output");
}

CLI::App* add_run_command(CLI::App& app, RunOptions& o) {
  CLI::App* command =
      app.add_subcommand("run", "Run one explicit load shape and report, like a load tester");
  add_target_options(*command, o.target);
  add_load_options(*command, o.load);
  add_connection_options(*command, o.connection);
  add_output_options(*command, o.output);
  command->footer(R"(
Examples:
  iuprobe run --url http://127.0.0.1:8080/ --rate 200 --duration 30s
  iuprobe run --url https://host/infer --body-dir images/ --header 'Content-Type: image/jpeg' \
              --steps 50,100,200 --step-duration 10s --warmup 5s
  iuprobe run --url http://127.0.0.1:8080/ --ramp 10:500 --duration 60s --arrivals poisson
  iuprobe run --url http://127.0.0.1:8080/ --users 10,20,40,80 --step-duration 30s)");
  return command;
}

}  // namespace

int cli_main(int argc, char** argv) {
  install_interrupt_handlers();

  CLI::App app{
      "iuprobe: measure how many requests per second one inference unit sustains, and plan IUs"};
  app.set_version_flag("--version", "iuprobe " IUPROBE_VERSION);
  app.require_subcommand(1);
  app.footer("Run 'iuprobe <command> --help' for a command's options.");

  RunOptions run_options;
  CLI::App* run = add_run_command(app, run_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    fmt::print(stderr,
               "iuprobe: {}\nRun 'iuprobe --help' or 'iuprobe <command> --help' for the options.\n",
               e.what());
    return kExitUsage;
  }
  if (run->parsed()) return run_command(run_options);
  return kExitUsage;
}

}  // namespace iuprobe
