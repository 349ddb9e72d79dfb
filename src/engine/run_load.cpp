// SPDX-License-Identifier: Apache-2.0
#include "engine/run_load.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace iuprobe {
namespace {

std::string utc_now() {
  return fmt::format(
      "{:%Y-%m-%dT%H:%M:%SZ}",
      fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
}

}  // namespace

std::vector<RankRun> check_ranks(const PlanResult& plan, std::span<const std::size_t> phases,
                                 const GeneratorContext& context,
                                 std::span<const std::string> hosts) {
  std::vector<RankRun> ranks;
  for (std::size_t r = 0; r < plan.ranks.size(); ++r) {
    const RankPlan& part = plan.ranks[r];
    Window total;
    for (const std::size_t phase : phases) {
      if (phase < part.phases.size()) total.merge(part.phases[phase]);
    }
    std::vector<WindowRecord> windows;
    for (const WindowRecord& window : part.windows) {
      if (window.judged()) windows.push_back(window);
    }
    ranks.push_back({.host = r < hosts.size() ? hosts[r] : std::string("?"),
                     .scheduled = total.scheduled,
                     .sent = total.sent,
                     .generator = check_generator(windows, total, context)});
  }
  return ranks;
}

void name_ranks_behind(GeneratorCheck& all, const std::vector<RankRun>& ranks) {
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    if (!ranks[r].generator.bound) continue;
    // One rank behind is enough: the others do not send its share.
    all.bound = true;
    for (const std::string& reason : ranks[r].generator.reasons)
      all.reasons.push_back(fmt::format("rank {} ({}): {}", r, ranks[r].host, reason));
  }
}

RunResult summarize_run(const PlanResult& plan, const LoadShape& shape,
                        const ConnectionSettings& settings, std::span<const std::string> hosts) {
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
  const GeneratorContext context{.late_threshold = settings.late_threshold_floor,
                                 .max_connections = settings.max_connections,
                                 .closed_loop = std::holds_alternative<ClosedLoop>(shape)};
  result.generator = check_generator(result.windows, result.total, context);
  std::vector<std::size_t> judged;
  for (const PhaseRecord& phase : plan.phases) {
    if (is_judged(phase.phase)) judged.push_back(phase.index);
  }
  result.ranks = check_ranks(plan, judged, context, hosts);
  name_ranks_behind(result.generator, result.ranks);
  return result;
}

RunResult run_shape(NetworkSession& session, const LoadShape& shape, LoadSession* sender,
                    std::span<const std::string> hosts) {
  const std::string started_at = utc_now();
  LoadSession& runner = sender != nullptr ? *sender : session;
  RunResult result = summarize_run(runner.run(shape), shape, session.settings(), hosts);
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
