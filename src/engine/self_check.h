// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/units.h"
#include "stats/window.h"

namespace iuprobe {

struct WindowRecord;

// Whether the load generator, not the server, limited a run or a probe step. A result marked
// `bound` must never be presented as the server's capacity.
struct GeneratorCheck {
  bool bound = false;
  std::vector<std::string> reasons;  // why, one sentence each
  double sent_fraction = 1;          // sends that left / sends scheduled
  double late_fraction = 0;          // late sends / scheduled sends
  double queued_fraction = 0;        // sends that waited for a connection / scheduled
  double peak_cpu = 0;               // busiest worker thread in any window, fraction of a core
  std::size_t cpu_saturated_windows = 0;
};

// The limits of the one self-check, named; `run` and `probe` judge with the same ones. They
// tell jitter from falling behind: on a busy machine a few sends leave late here and there, and
// the schedule is still offered; a generator that cannot keep up leaves most sends late, sends
// less than scheduled, runs out of connections, or saturates a worker thread.
struct GeneratorLimits {
  double min_sent_fraction = 0.97;
  // A send is late when it leaves more than max(1 ms, one interval of the schedule) after its
  // scheduled time. On a busy two-core machine (the server under test beside the generator),
  // scheduling alone makes 1-2% late at 300-500/s and over 10% at 640/s at times; a generator
  // that falls behind makes nearly all of them late.
  double max_late_fraction = 0.20;
  double max_queued_fraction = 0.05;  // sends that waited for a free connection
  double saturated_cpu = 0.95;        // a worker thread at this share of a core is saturated
  double max_saturated_window_fraction = 0.5;
};

// What the verdict needs to know of the load besides its counts.
struct GeneratorContext {
  Duration late_threshold{std::chrono::milliseconds(1)};  // the floor, for the message
  unsigned max_connections = 0;                           // for the message
  bool closed_loop = false;  // users send when answered: lateness means nothing there
};

// A pure judgement over what was measured: `totals` counts the judged requests (attributed to
// the phase they were scheduled in), `windows` are the judged seconds.
GeneratorCheck check_generator(std::span<const WindowRecord> windows, const Window& totals,
                               const GeneratorContext& context, const GeneratorLimits& limits = {});

}  // namespace iuprobe
