// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "engine/self_check.h"
#include "load/phase.h"
#include "stats/error_tally.h"
#include "stats/summary.h"
#include "stats/window.h"

namespace iuprobe {

// One window of a session (a second, or less where a phase ends), merged over workers and
// reduced to what a table row needs, so the history grows by a few hundred bytes per second,
// never per request. Every window lies within one phase.
struct WindowRecord {
  std::size_t index = 0;  // 0-based, within its plan
  Duration start{};       // since the session opened
  Duration length{};
  Phase phase = Phase::kMeasure;
  std::size_t segment = 0;  // the plan's segment (a phase or a step) it lies in
  std::array<std::uint64_t, kOutcomeCount> outcomes{};
  std::uint64_t scheduled = 0, sent = 0, late = 0, queued = 0;
  std::uint64_t bytes_sent = 0, bytes_received = 0;
  LatencySummary latency;          // ok responses, from scheduled send
  LatencySummary service_latency;  // ok responses, from actual send
  std::uint64_t in_flight = 0;     // at the end of the window
  std::uint64_t connections = 0;   // open, at the end of the window
  double peak_worker_cpu = 0;      // busiest worker thread, fraction of one core
  // A record may stand for several windows merged (see WindowSeries): how many, and how many
  // of them had a worker thread at or above the saturation the series was given.
  std::uint32_t covers = 1;
  std::uint32_t cpu_saturated_windows = 0;

  bool judged() const { return is_judged(phase); }
  std::uint64_t count(Outcome o) const { return outcomes[static_cast<std::size_t>(o)]; }
  std::uint64_t completed() const;
  std::uint64_t errors() const;
  double per_second(std::uint64_t n) const;
  // The windows it covers whose busiest worker reached `saturated_cpu` (a merged record's count
  // was taken with the threshold its series was given).
  std::uint32_t saturated_windows(double saturated_cpu) const;
};

WindowRecord make_window_record(std::size_t index, Duration start, Duration length,
                                const Window& w);

// One phase of a plan as it ran, with every request attributed to the phase it was scheduled in.
struct PhaseRecord {
  std::size_t index = 0;  // within its plan (a run's steps count measured phases only)
  Phase phase = Phase::kMeasure;
  Duration start{};                     // since the session opened
  Duration duration{};                  // how long it was sent (shorter if stopped)
  double rate_begin = 0, rate_end = 0;  // open loop
  unsigned users = 0;                   // closed loop
  Window totals;
};

// One rank's part of a run that several MPI ranks sent (rank 0 keeps one per rank).
struct RankRun {
  std::string host;
  std::uint64_t scheduled = 0;  // measured sends of the schedule that were this rank's
  std::uint64_t sent = 0;
  GeneratorCheck generator;  // this rank's own self-check
};

// Rank r's share of what every rank sent (0 when none sent).
double sent_share(const std::vector<RankRun>& ranks, std::size_t r);

// What `iuprobe run` reports: the measured part of one plan.
struct RunResult {
  std::string started_at;  // UTC, ISO 8601
  std::string address;     // the endpoint actually connected to, "127.0.0.1:8080"
  Duration warmup{};
  Duration measured{};                // measured time (shorter if interrupted)
  Duration wall{};                    // whole run, from start to the last response
  std::vector<WindowRecord> windows;  // measured windows only (merged beyond 300: WindowSeries)
  std::vector<PhaseRecord> segments;  // measured phases (the steps)
  Window total;                       // every measured request
  StatusCounts statuses;
  ErrorTally errors;
  GeneratorCheck generator;            // with ranks: bound when any rank fell behind, naming it
  std::vector<RankRun> ranks;          // in rank order; empty when one process sent the load
  int interrupted_by = 0;              // signal number, 0 if the run completed
  std::optional<Error> stopped_early;  // an answer that ended the run (see Target::stop_on_error)
};

}  // namespace iuprobe
