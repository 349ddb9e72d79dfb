// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/result.h"
#include "engine/load_shape.h"
#include "engine/worker.h"

namespace iuprobe {

// What processes that share one load (MPI ranks) send each other, as JSON text: the plan every
// rank runs, each rank's report at the end of every window, and each rank's totals at the end of
// a plan. Counts and histograms arrive exactly (a histogram as its non-empty buckets), so merging
// what the ranks sent gives what one process sending every request would have counted.
// Decoding checks every field and names what is wrong: a rank may run another iuprobe version.
inline constexpr int kWireVersion = 1;

std::string encode_plan(const LoadShape& plan);
Result<LoadShape> decode_plan(std::string_view text);

// Rank 0's order to the other ranks: run `plan` with its schedule starting at `start` (on the
// system clock, which synchronised hosts share), or, without a plan, stop serving.
struct PlanOrder {
  std::optional<LoadShape> plan;
  std::chrono::system_clock::time_point start;
};
std::string encode_order(const PlanOrder& order);
Result<PlanOrder> decode_order(std::string_view text);

// A rank's answer once its session is open (or could not be): its host, and why not.
std::string encode_ready(const std::string& host, const std::optional<Error>& failure);
Result<std::pair<std::string, std::optional<Error>>> decode_ready(std::string_view text);

// What a rank tells the others at a window's end besides its counts, and what rank 0 answers
// for them all: whether the plan is done (answer: done on every rank), the stop requests it saw
// (Ctrl-C, SIGTERM, the live page; answer: the most any rank saw, with the first signal), and
// an answer that ended its load (answer: the first one).
struct PeerFlags {
  bool done = false;
  int stop_requests = 0;
  int stop_signal = 0;
  std::optional<Error> abort;
};

std::string encode_window(const WorkerReport& report, const PeerFlags& flags);
Result<std::pair<WorkerReport, PeerFlags>> decode_window(std::string_view text);

std::string encode_verdict(const PeerFlags& flags);
Result<PeerFlags> decode_verdict(std::string_view text);

std::string encode_totals(const PlanTotals& totals);
Result<PlanTotals> decode_totals(std::string_view text);

}  // namespace iuprobe
