// SPDX-License-Identifier: Apache-2.0
#include "engine/run_load.h"

#include <fmt/chrono.h>

namespace iuprobe {
namespace {

std::string utc_now() {
  return fmt::format(
      "{:%Y-%m-%dT%H:%M:%SZ}",
      fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
}

}  // namespace

RunResult summarize_run(const PlanResult& plan, const LoadShape& shape,
                        const ConnectionSettings& settings) {
  RunResult result;
  result.warmup = std::min(warmup_duration(shape), plan.sent_for);
  result.wall = plan.wall;
  for (const PhaseRecord& phase : plan.phases) {
    if (!is_judged(phase.phase)) continue;
    PhaseRecord step = phase;
    step.index = result.segments.size();
    result.measured += step.duration;
    result.total.merge(step.totals);
    result.segments.push_back(std::move(step));
  }
  for (const WindowRecord& window : plan.windows) {
    if (window.judged()) result.windows.push_back(window);
  }
  result.statuses = plan.statuses;
  result.errors = plan.errors;
  result.interrupted_by = plan.stopped_by;
  result.stopped_early = plan.aborted;
  result.generator =
      check_generator(result.windows, result.total,
                      GeneratorContext{.late_threshold = settings.late_threshold_floor,
                                       .max_connections = settings.max_connections,
                                       .closed_loop = std::holds_alternative<ClosedLoop>(shape)});
  return result;
}

RunResult run_shape(NetworkSession& session, const LoadShape& shape) {
  const std::string started_at = utc_now();
  RunResult result = summarize_run(session.run(shape), shape, session.settings());
  result.started_at = started_at;
  result.address = session.address();
  return result;
}

Result<RunResult> run_load(SessionOptions options, const LoadShape& shape) {
  auto session = NetworkSession::open(std::move(options));
  if (!session) return tl::unexpected(session.error());
  return run_shape(**session, shape);
}

}  // namespace iuprobe
