// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/result.h"
#include "engine/network_session.h"

namespace iuprobe {

// The measured part of a plan, as `iuprobe run` reports it: measured phases are the steps,
// warm-up is left out, and the one generator self-check judges the measured windows.
RunResult summarize_run(const PlanResult& plan, const LoadShape& shape,
                        const ConnectionSettings& settings);

// `iuprobe run`: one load shape on an open session, summarised; after a stop request it returns
// what it measured, marked.
RunResult run_shape(NetworkSession& session, const LoadShape& shape);

// The same on a session of its own. Fails before sending anything when the endpoint cannot be
// reached.
Result<RunResult> run_load(SessionOptions options, const LoadShape& shape);

}  // namespace iuprobe
