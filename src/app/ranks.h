// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/stop.h"
#include "engine/network_session.h"
#include "engine/plan_peers.h"
#include "engine/ranked_session.h"
#include "mpi/mpi_peers.h"

namespace iuprobe {

// `mpirun -np N iuprobe run|probe ...`: the other ranks when an MPI launcher started this
// process among several (null: one process, as without a launcher). Only `run` and `probe`
// send load from several ranks; `command` names the subcommand for the error of any other.
Result<std::unique_ptr<MpiPeers>> join_ranks(std::string_view command);

// Rank 0's load session: every rank opens its own and agrees (a rank that cannot reach the
// endpoint is named), and `sender` orders each plan to every rank, merging what they measured.
// Without peers, `sender` is the session itself.
struct RankedLoad {
  std::unique_ptr<NetworkSession> session;
  std::unique_ptr<RankedSession> ranked;
  std::vector<std::string> hosts;  // each rank's, in rank order (empty without peers)

  LoadSession& sender() {
    if (ranked) return *ranked;
    return *session;
  }
};
Result<RankedLoad> open_ranked_load(SessionOptions options);

// Rank 0 failing before its session opens (bad flags, the output directory, the live page):
// tells the other ranks, so that none waits for it, and returns the failure. Without peers,
// only returns it.
tl::unexpected<Error> refuse_ranks(PlanPeers* peers, Error failure);

// Every rank but 0: opens its session (`options`: the target and connection settings, or why
// this rank could not build them), agrees, and runs the plans rank 0 orders until it says there
// are no more. Returns the exit code. Its own failures are printed naming the rank; one that
// rank 0 reports (another rank's) only sets the code.
// This rank's own stop signals are ignored: rank 0, which gets the same ones, stops every rank.
int serve_rank(Result<SessionOptions> options, PlanPeers& peers);

// The ranks that send the load, for the terminal's and the live page's status line:
// "3 MPI ranks send one schedule, from gen-a (2), gen-b (1)" (hosts in order of first rank).
std::string describe_ranks(const std::vector<std::string>& hosts);

}  // namespace iuprobe
