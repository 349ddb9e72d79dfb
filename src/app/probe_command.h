// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>

#include "app/live_session.h"
#include "app/options.h"
#include "core/stop.h"
#include "engine/plan_peers.h"
#include "probe/probe_report.h"

namespace iuprobe {

struct ProbeOptions {
  TargetOptions target;
  AwsFlags aws;
  ConnectionFlags connection;
  ModelFlags model;
  OutputOptions output;
  std::optional<double> max_error_rate;  // default kDefaultTolerance
  std::string arrivals = "uniform";
  std::string slo_p95;
  std::string slo_p99;
  double start_tps = 10;
  double max_tps = 100000;
  double precision = 0.02;
  unsigned verify_scaling = 0;  // then probe again with this many IUs
  // Append a plan:
  std::optional<double> target_tps;
  std::optional<std::uint64_t> batch_images;
  std::string within;
  std::optional<double> price_per_iu_hour;
  WebFlags web;
};

// `iuprobe probe`, and the demo's probe: validates, checks the endpoint, starts the model if
// asked, runs the probe (probe/probe.h) on one warm session, prints the answer and the plans
// asked for, writes result.json and report.html into `dir`, and ends the live page. Fails
// before probing (bad options, an endpoint that cannot be reached, a model that will not
// start) with nothing written; afterwards returns the report, whatever the probe's end.
// `peers`: the other MPI ranks (mpirun -np N iuprobe probe), null for one process; this is
// rank 0, and every step is sent by all of them.
Result<ProbeReport> probe_and_report(const ProbeOptions& options, StopSource& stop,
                                     LiveSession& live, PlanPeers* peers = nullptr);

// How a finished probe maps to the process's end: stopped, failed, or done.
Result<void> probe_outcome(const ProbeReport& report);

Result<void> probe_command(const ProbeOptions& options, StopSource& stop,
                           PlanPeers* peers = nullptr);
// Every other rank: sends its share of rank 0's steps; returns the exit code.
int probe_rank(const ProbeOptions& options, PlanPeers& peers);

}  // namespace iuprobe
