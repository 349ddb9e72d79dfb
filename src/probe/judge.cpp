// SPDX-License-Identifier: Apache-2.0
#include "probe/judge.h"

#include <fmt/format.h>

#include <algorithm>

namespace iuprobe {

JudgedStep judge_step(const PlanResult& plan, const GeneratorContext& context) {
  JudgedStep step;
  const auto measure = std::find_if(plan.phases.rbegin(), plan.phases.rend(),
                                    [](const PhaseRecord& p) { return is_judged(p.phase); });
  if (measure == plan.phases.rend()) return step;
  const Window& w = measure->totals;
  const double seconds = std::max(1e-9, to_seconds(measure->duration));
  TrialResult& t = step.result;
  t.offered = static_cast<double>(w.scheduled) / seconds;
  t.sent = static_cast<double>(w.sent) / seconds;
  t.goodput = static_cast<double>(w.count(Outcome::kOk)) / seconds;
  const double answered = static_cast<double>(w.completed());
  t.refused_fraction =
      answered > 0 ? static_cast<double>(w.count(Outcome::kThrottled) + w.errors()) / answered : 0;
  step.latency = LatencySummary::of(w.latency);
  if (step.latency.count > 0) {
    t.p95 = step.latency.p95;
    t.p99 = step.latency.p99;
  }
  std::vector<WindowRecord> windows;
  for (const WindowRecord& window : plan.windows) {
    if (window.judged()) windows.push_back(window);
  }
  step.generator = check_generator(windows, w, context);
  t.generator_limited = step.generator.bound;
  t.generator_reason = fmt::format("{}", fmt::join(step.generator.reasons, "; "));
  step.throttled_per_s = static_cast<double>(w.count(Outcome::kThrottled)) / seconds;
  step.errors_per_s = static_cast<double>(w.errors()) / seconds;
  return step;
}

LoadShape step_phases(const TrialPlan& plan, std::optional<Duration> last_p99) {
  constexpr Duration kMaxSettle = std::chrono::seconds(3);
  std::vector<RateSegment> segments;
  if (plan.drain_rate > 0) {
    segments.push_back({.duration = plan.drain,
                        .rate_begin = plan.drain_rate,
                        .rate_end = plan.drain_rate,
                        .phase = Phase::kDrain});
  }
  // A drain's requests queue in the server for up to a few latencies; a rate's new connections
  // open within about one.
  const int latencies = plan.drain_rate > 0 ? 3 : 1;
  const Duration settle =
      std::min(std::max(plan.settle, latencies * last_p99.value_or(Duration{0})), kMaxSettle);
  if (settle > Duration{0}) {
    segments.push_back({.duration = settle,
                        .rate_begin = plan.rate,
                        .rate_end = plan.rate,
                        .phase = Phase::kSettle});
  }
  segments.push_back({.duration = plan.duration,
                      .rate_begin = plan.rate,
                      .rate_end = plan.rate,
                      .phase = Phase::kMeasure});
  return OpenLoop{RateProfile(std::move(segments))};
}

std::optional<std::string> capacity_change_warning(std::span<const ProbeTrialRecord> trials,
                                                   const SearchAnswer& answer) {
  if (answer.upper <= 0) return std::nullopt;
  for (const ProbeTrialRecord& r : trials) {
    if (r.trial.plan.phase == TrialPlan::Phase::kExplore) continue;
    if (r.trial.result.goodput > 1.1 * answer.upper) {
      return fmt::format(
          "goodput reached {:.1f}/s in step {}, above the answer's bound: the endpoint's capacity "
          "changed during the probe (auto-scaling?)",
          r.trial.result.goodput, r.index);
    }
  }
  return std::nullopt;
}

}  // namespace iuprobe
