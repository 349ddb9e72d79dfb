// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "app/live_session.h"
#include "app/options.h"
#include "core/stop.h"
#include "engine/plan_peers.h"

namespace iuprobe {

struct RunOptions {
  TargetOptions target;
  AwsFlags aws;
  ModelFlags model;
  ConnectionFlags connection;
  LoadOptions load;
  OutputOptions output;
  WebFlags web;
};

// Runs one load shape and writes result.json and history.csv (partial after a stop request).
// A model it started is stopped on every way out.
// `peers`: the other MPI ranks (mpirun -np N iuprobe run), null for one process. This is rank 0.
Result<void> run_command(const RunOptions& options, StopSource& stop, PlanPeers* peers = nullptr);
// Every other rank: sends its share of rank 0's plans; returns the exit code.
int run_rank(const RunOptions& options, PlanPeers& peers);

}  // namespace iuprobe
