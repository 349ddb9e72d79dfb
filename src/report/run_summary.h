// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "engine/load_shape.h"
#include "engine/run_result.h"

namespace iuprobe {

// "constant 200/s for 30s, uniform arrivals", "steps 50, 100, 200/s x 10s", "users 10, 20 x 30s".
std::string describe_shape(const LoadShape& shape);

// The final summary of a run: outcomes, rates, latency, per-step table, error kinds and the
// generator's verdict (prominent when the generator, not the server, was the limit).
void print_run_summary(std::FILE* out, std::string_view target, const LoadShape& shape,
                       const RunResult& result);

// One line per rank when several MPI ranks sent the load: host, sends and their share, and
// whether that rank kept up. Nothing for one process.
void print_ranks(std::FILE* out, const std::vector<RankRun>& ranks);

}  // namespace iuprobe
