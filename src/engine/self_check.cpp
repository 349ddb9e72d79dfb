// SPDX-License-Identifier: Apache-2.0
#include "engine/self_check.h"

#include <fmt/format.h>

#include <algorithm>

#include "engine/run_result.h"

namespace iuprobe {

GeneratorCheck check_generator(std::span<const WindowRecord> windows,
                               const SelfCheckLimits& limits) {
  GeneratorCheck check;
  std::uint64_t scheduled = 0, late = 0, queued = 0;
  for (const WindowRecord& w : windows) {
    scheduled += w.scheduled;
    late += w.late;
    queued += w.queued;
    check.peak_cpu = std::max(check.peak_cpu, w.peak_worker_cpu);
    if (w.peak_worker_cpu >= limits.saturated_cpu) ++check.cpu_saturated_windows;
  }
  if (scheduled > 0) {
    check.late_fraction = static_cast<double>(late) / static_cast<double>(scheduled);
    check.queued_fraction = static_cast<double>(queued) / static_cast<double>(scheduled);
  }
  if (!limits.closed_loop && check.late_fraction > limits.max_late_fraction) {
    check.reasons.push_back(fmt::format(
        "{:.1f}% of requests left later than scheduled (by more than {} or one interval)",
        100.0 * check.late_fraction, format_duration(limits.late_threshold)));
  }
  if (!limits.closed_loop && check.queued_fraction > limits.max_late_fraction) {
    check.reasons.push_back(fmt::format(
        "{:.1f}% of requests waited for a free connection: all {} connections were busy (raise "
        "--max-connections)",
        100.0 * check.queued_fraction, limits.max_connections));
  }
  const auto saturated_limit =
      static_cast<double>(windows.size()) * limits.max_saturated_window_fraction;
  if (!windows.empty() && static_cast<double>(check.cpu_saturated_windows) > saturated_limit) {
    check.reasons.push_back(
        fmt::format("a worker thread was CPU-saturated (>= {:.0f}% of a core) in {} of {} seconds "
                    "(add --threads "
                    "or run iuprobe on a bigger machine)",
                    100.0 * limits.saturated_cpu, check.cpu_saturated_windows, windows.size()));
  }
  check.bound = !check.reasons.empty();
  return check;
}

}  // namespace iuprobe
