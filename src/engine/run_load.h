// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "engine/network_session.h"

namespace iuprobe {

// Each rank's part of a plan that several ranks sent (plan.ranks; empty for one process),
// counted over the given phases (their indexes) and judged by the self-check on its own: a
// rank that fell behind is hidden in the sum when the others kept up. `hosts` in rank order.
std::vector<RankRun> check_ranks(const PlanResult& plan, std::span<const std::size_t> phases,
                                 const GeneratorContext& context,
                                 std::span<const std::string> hosts);
// Marks `all` bound when any rank fell behind, with that rank's reasons, naming it and its host.
void name_ranks_behind(GeneratorCheck& all, const std::vector<RankRun>& ranks);

// The measured part of a plan, as `iuprobe run` reports it: measured phases are the steps,
// warm-up is left out, and the one generator self-check judges the measured windows.
// With ranks (plan.ranks, `hosts` in rank order), each rank is judged on its own part too, and
// the run is generator-bound when any rank fell behind.
RunResult summarize_run(const PlanResult& plan, const LoadShape& shape,
                        const ConnectionSettings& settings,
                        std::span<const std::string> hosts = {});

// `iuprobe run`: one load shape on an open session, summarised; after a stop request it returns
// what it measured, marked. With ranks, `sender` orders the plan to all of them (RankedSession).
RunResult run_shape(NetworkSession& session, const LoadShape& shape, LoadSession* sender = nullptr,
                    std::span<const std::string> hosts = {});

// The same on a session of its own. Fails before sending anything when the endpoint cannot be
// reached.
Result<RunResult> run_load(SessionOptions options, const LoadShape& shape);

}  // namespace iuprobe
