// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/self_check.h"
#include "stats/error_tally.h"
#include "stats/summary.h"
#include "stats/window.h"

namespace iuprobe {

// One second of the run, merged over workers and reduced to what a table row needs, so the
// history grows by a few hundred bytes per second, never per request.
struct WindowRecord {
  std::size_t index = 0;  // 0-based second of the run (warm-up included)
  Duration start{};       // since the start of the run
  Duration length{};
  bool warmup = false;
  std::array<std::uint64_t, kOutcomeCount> outcomes{};
  std::uint64_t scheduled = 0, sent = 0, late = 0, queued = 0;
  std::uint64_t bytes_sent = 0, bytes_received = 0;
  LatencySummary latency;          // ok responses, from scheduled send
  LatencySummary service_latency;  // ok responses, from actual send
  std::uint64_t in_flight = 0;     // at the end of the window
  std::uint64_t connections = 0;   // open, at the end of the window
  double peak_worker_cpu = 0;      // busiest worker thread, fraction of one core

  std::uint64_t count(Outcome o) const { return outcomes[static_cast<std::size_t>(o)]; }
  std::uint64_t completed() const;
  std::uint64_t errors() const;
  double per_second(std::uint64_t n) const;
};

WindowRecord make_window_record(std::size_t index, Duration start, Duration length,
                                const Window& w);

// One step of the shape (a rate or a user count), with every request attributed to the step
// it was scheduled in.
struct SegmentRecord {
  std::size_t index = 0;                // among measured segments
  Duration start{};                     // since the start of the run
  Duration duration{};                  // how long it actually ran (shorter if interrupted)
  double rate_begin = 0, rate_end = 0;  // open loop
  unsigned users = 0;                   // closed loop
  Window totals;
};

struct RunResult {
  std::string started_at;  // UTC, ISO 8601
  std::string address;     // the endpoint actually connected to, "127.0.0.1:8080"
  Duration warmup{};
  Duration measured{};                // measured time (warm-up excluded; shorter if interrupted)
  Duration wall{};                    // whole run, from start to the last response
  std::vector<WindowRecord> windows;  // measured windows only
  std::vector<SegmentRecord> segments;
  Window total;  // every measured request
  StatusCounts statuses;
  ErrorTally errors;
  GeneratorCheck generator;
  int interrupted_by = 0;  // signal number, 0 if the run completed
  std::string
      stopped_early;  // why the run was cut short by an answer (see RunConfig::stop_on_error)
};

}  // namespace iuprobe
