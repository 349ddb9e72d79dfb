// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/units.h"

namespace iuprobe {

struct WindowRecord;

// Whether the load generator, not the server, limited the run. A run marked `bound` must never
// be presented as the server's capacity.
struct GeneratorCheck {
  bool bound = false;
  std::vector<std::string> reasons;  // why, one sentence each
  double late_fraction = 0;          // late sends / scheduled sends
  double queued_fraction = 0;        // sends that waited for a connection / scheduled
  double peak_cpu = 0;               // busiest worker thread in any window, fraction of a core
  std::size_t cpu_saturated_windows = 0;
};

struct SelfCheckLimits {
  double max_late_fraction = 0.01;
  double saturated_cpu = 0.95;
  double max_saturated_window_fraction = 0.2;
  Duration late_threshold{std::chrono::milliseconds(1)};
  unsigned max_connections = 0;
  bool closed_loop = false;
};

// A pure judgement over the measured windows.
GeneratorCheck check_generator(std::span<const WindowRecord> windows,
                               const SelfCheckLimits& limits);

}  // namespace iuprobe
