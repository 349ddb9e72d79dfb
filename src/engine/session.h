// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "engine/load_shape.h"
#include "engine/run_result.h"
#include "engine/target.h"
#include "engine/window_series.h"
#include "stats/window.h"

namespace iuprobe {

// With several ranks (SessionOptions::peers), what one of them did in a plan, as rank 0 heard it:
// for each rank's own generator self-check (which rank fell behind) and the report.
struct RankPlan {
  WindowSeries windows;        // as PlanResult::windows, this rank's part only
  std::vector<Window> phases;  // every phase's totals, this rank's part only
};

// What one plan did.
struct PlanResult {
  Duration start{};                 // since the session opened
  Duration sent_for{};              // how long its schedule ran (shorter if stopped)
  Duration wall{};                  // from its start to its last answer
  WindowSeries windows;             // every window (merged beyond 5 min), marked with its phase
  std::vector<PhaseRecord> phases;  // every phase, in order, trimmed at a stop
  StatusCounts statuses;            // measure phases only
  ErrorTally errors;                // measure phases only
  int stopped_by = 0;               // the stop request's signal; 0 if it ran to its end
  std::optional<Error> aborted;     // an answer that ended the load (Target::stop_on_error)
  // With several ranks, on rank 0: each rank's part, in rank order (the figures above are their
  // sum). Empty on the other ranks and in one process.
  std::vector<RankPlan> ranks;

  bool complete() const { return stopped_by == 0 && !aborted; }
};

// Hears about a session as it goes: report/ implements it for the live table and the CSV
// history, live/ for the live page. Called on the thread that runs the plans.
class SessionObserver {
 public:
  virtual ~SessionObserver() = default;
  virtual void on_open(const Target& /*target*/, const ConnectionSettings& /*settings*/,
                       std::string_view /*address*/) {}
  virtual void on_window(const WindowRecord& window) = 0;
  virtual void on_stopping(int /*signal_number*/) {}
};

// A warm load session: it keeps its threads and connections up and runs plans handed to it one
// after another. `run` and the probe see it through this interface; NetworkSession sends over
// sockets, the probe's tests simulate a server behind it on a manual clock.
class LoadSession {
 public:
  virtual ~LoadSession() = default;
  // Runs the phases of `plan` back to back from now, and returns once every request scheduled
  // in them has its outcome; connections stay open for the next plan. After a stop request or
  // an abort it returns what it did, marked, and later plans return at once.
  virtual PlanResult run(const LoadShape& plan) = 0;
};

}  // namespace iuprobe
