// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <filesystem>
#include <string_view>

#include "core/result.h"
#include "engine/run_result.h"

namespace iuprobe {

inline constexpr int kResultSchemaVersion = 1;

// The result file's `summary`/`steps` block for a set of requests measured over `duration`.
boost::json::object requests_json(const Window& w, Duration duration);
boost::json::object latency_json(const LatencySummary& s);
// One second as charts plot it: rates per second, p50/p95/p99 in ms (null without answers),
// requests in flight and open connections, and whether the second was unjudged (warm-up, or a
// probe step's drain and settle). `t_s` is the window's start.
boost::json::object series_point_json(const WindowRecord& w);

// The whole result of a `run`: versioned schema, the exact configuration (`config`, built by
// the caller from its options), the summary, every step and every measured window.
// The generator self-check, and each rank's part of a run sent from several MPI ranks (host,
// sends, share of all sends, its own self-check): result.json's "generator" and "ranks".
boost::json::object generator_json(const GeneratorCheck& g);
boost::json::array ranks_json(const std::vector<RankRun>& ranks);

boost::json::object run_result_json(std::string_view command, const boost::json::object& config,
                                    const RunResult& result);

// Writes JSON atomically (temp file, then rename), so a reader never sees half a file.
// Written to a temporary file first, then renamed into place: never half a file.
Result<void> write_text_file(const std::filesystem::path& path, std::string_view text);
Result<void> write_json_file(const std::filesystem::path& path, const boost::json::value& json);

}  // namespace iuprobe
