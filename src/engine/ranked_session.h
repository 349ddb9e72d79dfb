// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "core/stop.h"
#include "engine/network_session.h"
#include "engine/plan_peers.h"

namespace iuprobe {

// Once every rank has tried to open its session: rank 0 hears each rank's host and whether it
// could, and every rank learns the outcome. Fails on every rank, naming the rank and host and
// why, when any could not (rank 0 says it; the others end quietly). On rank 0, returns each
// rank's host in rank order. `opening`: how long a rank may take to open its session (its
// connect timeout), waited for on top of the transport's deadline.
Result<std::vector<std::string>> agree_ready(PlanPeers& peers, const std::optional<Error>& mine,
                                             Duration opening = Duration{0});

// Rank 0's load session when several ranks send the load (SessionOptions::peers): each plan is
// sent to every rank with a start a moment ahead on the system clock, every rank runs its share
// from then, and the result is every rank's, merged (NetworkSession::run_at). finish(), or the
// destructor, tells the other ranks there are no more plans.
class RankedSession final : public LoadSession {
 public:
  // Time for the order to reach every rank before the schedule starts.
  static constexpr Duration kLead = std::chrono::milliseconds(100);

  RankedSession(NetworkSession& session, PlanPeers& peers) : session_(session), peers_(peers) {}
  ~RankedSession() override { finish(); }
  RankedSession(const RankedSession&) = delete;
  RankedSession& operator=(const RankedSession&) = delete;

  PlanResult run(const LoadShape& plan) override;
  void finish();

 private:
  NetworkSession& session_;
  PlanPeers& peers_;
  std::optional<Error> lost_;
  bool finished_ = false;
};

// On every rank but 0: runs the plans rank 0 orders, each from its start, until rank 0 says
// there are no more (success), `stop` asks (the launcher's SIGTERM), or rank 0 cannot be heard.
Result<void> serve_plans(NetworkSession& session, PlanPeers& peers, StopToken stop);

}  // namespace iuprobe
