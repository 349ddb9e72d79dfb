// SPDX-License-Identifier: Apache-2.0
#include "probe/judge.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/run_load.h"
#include "search/endpoint_failure.h"

namespace iuprobe {

JudgedStep judge_step(const PlanResult& plan, const GeneratorContext& context,
                      std::span<const std::string> hosts) {
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
  t.answered = w.completed();
  t.refused = w.count(Outcome::kThrottled) + w.errors();
  t.timed_out = w.count(Outcome::kTimeout);
  t.unanswered = t.timed_out + w.count(Outcome::kTransportError);
  if (t.answered > 0) {
    t.refused_fraction = static_cast<double>(t.refused) / static_cast<double>(t.answered);
    t.error_fraction = static_cast<double>(w.errors()) / static_cast<double>(t.answered);
  }
  if (w.errors() > 0 && !plan.errors.empty()) {
    const ErrorTally::Entry top = plan.errors.sorted().front();
    t.dominant_error = top.status == 0 ? top.detail
                                       : fmt::format("HTTP {}{}{}", top.status,
                                                     top.detail.empty() ? "" : " ", top.detail);
    t.dominant_error_count = top.count;
  }
  step.latency = LatencySummary::of(w.latency);
  if (step.latency.count > 0) {
    t.p95 = step.latency.p95;
    t.p99 = step.latency.p99;
  }
  std::vector<WindowRecord> windows;
  bool rated = false;
  for (const WindowRecord& window : plan.windows) {
    if (!window.judged()) continue;
    windows.push_back(window);
    // Whole seconds only: a window cut short at a phase boundary is too noisy to rate.
    if (window.length < std::chrono::milliseconds(900)) continue;
    const double ok = window.per_second(window.count(Outcome::kOk));
    t.goodput_low = rated ? std::min(t.goodput_low, ok) : ok;
    t.goodput_high = rated ? std::max(t.goodput_high, ok) : ok;
    rated = true;
  }
  step.generator = check_generator(windows, w, context);
  const std::size_t measured[] = {measure->index};
  step.ranks = check_ranks(plan, measured, context, hosts);
  name_ranks_behind(step.generator, step.ranks);
  t.generator_limited = step.generator.bound;
  t.generator_reason = fmt::format("{}", fmt::join(step.generator.reasons, "; "));
  step.throttled_per_s = static_cast<double>(w.count(Outcome::kThrottled)) / seconds;
  step.errors_per_s = static_cast<double>(w.errors()) / seconds;
  return step;
}

LoadShape step_phases(const TrialPlan& plan, std::optional<Duration> last_p99,
                      Duration settle_floor, Arrivals arrivals) {
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
  Duration settle =
      std::min(std::max(plan.settle, latencies * last_p99.value_or(Duration{0})), kMaxSettle);
  if (plan.phase == TrialPlan::Phase::kRefine || plan.phase == TrialPlan::Phase::kConfirm)
    settle = std::max(settle, settle_floor);
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
  return OpenLoop{RateProfile(std::move(segments)), arrivals};
}

LoadShape measure_phase(double rate, Duration settle, Duration duration, Arrivals arrivals) {
  std::vector<RateSegment> segments;
  if (settle > Duration{0}) {
    segments.push_back(
        {.duration = settle, .rate_begin = rate, .rate_end = rate, .phase = Phase::kSettle});
  }
  segments.push_back(
      {.duration = duration, .rate_begin = rate, .rate_end = rate, .phase = Phase::kMeasure});
  return OpenLoop{RateProfile(std::move(segments)), arrivals};
}

void extend_measure(PlanResult& step, const PlanResult& more) {
  const auto measure = [](auto& phases) {
    return std::find_if(phases.rbegin(), phases.rend(),
                        [](const PhaseRecord& p) { return is_judged(p.phase); });
  };
  auto into = measure(step.phases);
  const auto from = measure(more.phases);
  if (into == step.phases.rend() || from == more.phases.rend()) return;
  into->totals.merge(from->totals);
  into->duration += from->duration;
  step.sent_for += more.sent_for;
  step.wall = more.start + more.wall - step.start;
  for (const WindowRecord& w : more.windows) step.windows.push_back(w);
  step.statuses.merge(more.statuses);
  step.errors.merge(more.errors);
  // Each rank's part too, for its own self-check.
  for (std::size_t r = 0; r < step.ranks.size() && r < more.ranks.size(); ++r) {
    RankPlan& part = step.ranks[r];
    const RankPlan& extra = more.ranks[r];
    if (into->index < part.phases.size() && from->index < extra.phases.size())
      part.phases[into->index].merge(extra.phases[from->index]);
    for (const WindowRecord& w : extra.windows) part.windows.push_back(w);
  }
}

std::optional<Duration> overload_echo(const TrialPlan& plan, const PlanResult& ran) {
  constexpr Duration kQuietAtLeast = std::chrono::seconds(1);
  if (plan.phase != TrialPlan::Phase::kRefine && plan.phase != TrialPlan::Phase::kConfirm)
    return std::nullopt;
  // Where the refusals are: an echo refuses a share of the start far above any stray (a
  // concurrency limit near its rate refuses one in hundreds or thousands, as the default
  // tolerance allows) and nothing after. 2%: the slowing-down model in the matrix echoed 4 of 95
  // (4.2%) in the first second after a drain and nothing after, and 5% failed that step and
  // answered 6% low.
  constexpr double kEchoRefusedAtLeast = 0.02;
  Duration measured{0}, last_refusal{0};
  std::uint64_t refused = 0, answered_before = 0, answered_after = 0;
  for (const WindowRecord& w : ran.windows) {
    if (!w.judged()) continue;
    measured += w.length;
    const std::uint64_t refused_here = w.count(Outcome::kThrottled) + w.errors();
    answered_after += w.completed();
    if (refused_here > 0) {
      refused += refused_here;
      last_refusal = measured;
      answered_before += answered_after;
      answered_after = 0;
    }
  }
  const Duration quiet = measured - last_refusal;
  // And at least three: at 50/s or less one refusal is 2% of a second, and it may be a stray.
  constexpr std::uint64_t kEchoRefusedCountAtLeast = 3;
  if (refused < kEchoRefusedCountAtLeast || quiet < kQuietAtLeast || quiet < last_refusal ||
      answered_after == 0 ||
      static_cast<double>(refused) < kEchoRefusedAtLeast * static_cast<double>(answered_before))
    return std::nullopt;
  return last_refusal;
}

std::optional<Stall> stall(const TrialPlan& plan, const PlanResult& ran) {
  constexpr double kRareAtMost = 0.01;
  constexpr std::size_t kStretchAtMost = 2;  // windows: a stall may straddle a second's edge
  constexpr double kSlowerThan = 2;
  if (plan.phase != TrialPlan::Phase::kRefine && plan.phase != TrialPlan::Phase::kConfirm)
    return std::nullopt;
  std::vector<const WindowRecord*> judged;
  for (const WindowRecord& w : ran.windows) {
    if (w.judged()) judged.push_back(&w);
  }
  Stall s;
  std::optional<std::size_t> first, last;
  for (std::size_t i = 0; i < judged.size(); ++i) {
    const std::uint64_t refused_here = judged[i]->count(Outcome::kThrottled) + judged[i]->errors();
    s.answered += judged[i]->completed();
    if (refused_here == 0) continue;
    s.refused += refused_here;
    if (!first) first = i;
    last = i;
  }
  if (!first || *last - *first + 1 > kStretchAtMost ||
      static_cast<double>(s.refused) > kRareAtMost * static_cast<double>(s.answered))
    return std::nullopt;
  std::vector<Duration> others;  // p99 of the seconds outside the stretch
  for (std::size_t i = 0; i < judged.size(); ++i) {
    const WindowRecord& w = *judged[i];
    const bool in = i >= *first && i <= *last;
    if (in) s.within += w.length;
    if (w.latency.count == 0) continue;
    // The stall may have begun in the second before the refusals, or ended in the one after.
    if (i + 1 >= *first && i <= *last + 1) s.slowest = std::max(s.slowest, w.latency.max);
    if (!in) others.push_back(w.latency.p99);
  }
  if (others.empty()) return std::nullopt;
  // Typical of the other seconds: their median (a neighbour may hold part of the stall).
  const auto median = others.begin() + static_cast<std::ptrdiff_t>((others.size() - 1) / 2);
  std::nth_element(others.begin(), median, others.end());
  s.elsewhere_p99 = *median;
  if (s.slowest <= kSlowerThan * s.elsewhere_p99) return std::nullopt;
  return s;
}

bool refused_while_behind(const TrialPlan& plan, const TrialResult& result) {
  // 4 of 196 (2%) at 49/s where 10 slots of 200 ms hold 50/s, on three MPI ranks that shared
  // two cores with the server.
  constexpr double kFewAtMost = 0.05;
  return plan.phase != TrialPlan::Phase::kSaturate && result.generator_limited &&
         result.refused > 0 && result.refused_fraction <= kFewAtMost;
}

std::optional<std::string> capacity_change_warning(std::span<const ProbeTrialRecord> trials,
                                                   const SearchAnswer& answer) {
  if (answer.upper <= 0) return std::nullopt;
  for (const ProbeTrialRecord& r : trials) {
    if (r.trial.plan.phase == TrialPlan::Phase::kExplore) continue;
    // A concurrency limit serves more when saturated than it sustains: compare with that.
    const double served =
        answer.saturated ? std::max(answer.upper, answer.saturated->goodput) : answer.upper;
    if (r.trial.result.goodput > 1.1 * served) {
      return fmt::format(
          "goodput reached {:.1f}/s in step {}, above the answer's bound: the endpoint's capacity "
          "changed during the probe (auto-scaling?)",
          r.trial.result.goodput, r.index);
    }
  }
  return std::nullopt;
}

std::optional<ErrorBurst> error_burst(const TrialPlan& plan, const TrialResult& result,
                                      std::span<const MaxRateSearch::Trial> before) {
  if (plan.phase == TrialPlan::Phase::kSaturate ||
      !failed_by_errors({.plan = plan, .result = result, .passed = false}))
    return std::nullopt;
  const bool passed_before = std::any_of(before.begin(), before.end(),
                                         [](const MaxRateSearch::Trial& t) { return t.passed; });
  if (!passed_before || std::any_of(before.begin(), before.end(), failed_by_errors))
    return std::nullopt;
  return ErrorBurst{.errors = static_cast<std::uint64_t>(
                        std::llround(result.error_fraction * static_cast<double>(result.answered))),
                    .refused = result.refused,
                    .answered = result.answered,
                    .no_answer = result.answered > 0 && result.unanswered == result.answered,
                    .dominant = fmt::format("{} × {}", result.dominant_error_count,
                                            result.dominant_error.empty() ? std::string("unknown")
                                                                          : result.dominant_error)};
}

}  // namespace iuprobe
