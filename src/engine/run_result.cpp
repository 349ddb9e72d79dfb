// SPDX-License-Identifier: Apache-2.0
#include "engine/run_result.h"

#include <numeric>

namespace iuprobe {

std::uint64_t WindowRecord::completed() const {
  return std::accumulate(outcomes.begin(), outcomes.end(), std::uint64_t{0});
}

std::uint64_t WindowRecord::errors() const {
  return completed() - count(Outcome::kOk) - count(Outcome::kThrottled);
}

double WindowRecord::per_second(std::uint64_t n) const {
  return iuprobe::per_second(n, length);
}

std::uint32_t WindowRecord::saturated_windows(double saturated_cpu) const {
  if (covers > 1) return cpu_saturated_windows;
  return peak_worker_cpu >= saturated_cpu ? 1 : 0;
}

double sent_share(const std::vector<RankRun>& ranks, std::size_t r) {
  std::uint64_t sent = 0;
  for (const RankRun& rank : ranks) sent += rank.sent;
  return sent > 0 ? static_cast<double>(ranks[r].sent) / static_cast<double>(sent) : 0.0;
}

WindowRecord make_window_record(std::size_t index, Duration start, Duration length,
                                const Window& w) {
  WindowRecord r;
  r.index = index;
  r.start = start;
  r.length = length;
  r.outcomes = w.outcomes;
  r.scheduled = w.scheduled;
  r.sent = w.sent;
  r.late = w.late;
  r.queued = w.queued;
  r.bytes_sent = w.bytes_sent;
  r.bytes_received = w.bytes_received;
  r.latency = LatencySummary::of(w.latency);
  r.service_latency = LatencySummary::of(w.service_latency);
  return r;
}

}  // namespace iuprobe
