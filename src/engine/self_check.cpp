// SPDX-License-Identifier: Apache-2.0
#include "engine/self_check.h"

#include <fmt/format.h>

#include <algorithm>

#include "engine/run_result.h"

namespace iuprobe {

GeneratorCheck check_generator(std::span<const WindowRecord> windows, const Window& totals,
                               const GeneratorContext& context, const GeneratorLimits& limits) {
  GeneratorCheck check;
  std::size_t seconds = 0;  // windows: a merged record covers several
  for (const WindowRecord& w : windows) {
    check.peak_cpu = std::max(check.peak_cpu, w.peak_worker_cpu);
    check.cpu_saturated_windows += w.saturated_windows(limits.saturated_cpu);
    seconds += w.covers;
  }
  const auto scheduled = static_cast<double>(totals.scheduled);
  if (scheduled > 0) {
    check.sent_fraction = static_cast<double>(totals.sent) / scheduled;
    check.late_fraction = static_cast<double>(totals.late) / scheduled;
    check.queued_fraction = static_cast<double>(totals.queued) / scheduled;
  }
  if (!context.closed_loop) {
    if (check.sent_fraction < limits.min_sent_fraction) {
      check.reasons.push_back(fmt::format("it sent {} of {} scheduled requests ({:.1f}%)",
                                          totals.sent, totals.scheduled,
                                          100.0 * check.sent_fraction));
    }
    if (check.late_fraction > limits.max_late_fraction) {
      check.reasons.push_back(fmt::format(
          "{:.1f}% of requests left later than scheduled (by more than {} or one interval)",
          100.0 * check.late_fraction, format_duration(context.late_threshold)));
    }
    if (check.queued_fraction > limits.max_queued_fraction) {
      check.reasons.push_back(
          fmt::format("{:.1f}% of requests waited for a free connection: all {} connections "
                      "were busy (raise --max-connections)",
                      100.0 * check.queued_fraction, context.max_connections));
    }
  }
  const auto saturated_limit = static_cast<double>(seconds) * limits.max_saturated_window_fraction;
  if (seconds > 0 && static_cast<double>(check.cpu_saturated_windows) > saturated_limit) {
    check.reasons.push_back(
        fmt::format("a worker thread was CPU-saturated (>= {:.0f}% of a core) in {} of {} seconds "
                    "(add --threads or run iuprobe on a bigger machine)",
                    100.0 * limits.saturated_cpu, check.cpu_saturated_windows, seconds));
  }
  check.bound = !check.reasons.empty();
  return check;
}

}  // namespace iuprobe
