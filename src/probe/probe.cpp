// SPDX-License-Identifier: Apache-2.0
#include "probe/probe.h"

#include <fmt/format.h>

#include "probe/judge.h"

namespace iuprobe {
namespace {

// Each rank's sends over the probe's judged steps, and its self-check at the step that gave the
// answer (else the last step): at an over-driven step every rank may fall behind, as one process
// does, and that says nothing about the answer.
std::vector<RankRun> probe_ranks(const ProbeReport& report) {
  std::vector<RankRun> ranks;
  for (const ProbeTrialRecord& t : report.trials) {
    if (ranks.size() < t.ranks.size()) ranks.resize(t.ranks.size());
    for (std::size_t r = 0; r < t.ranks.size(); ++r) {
      ranks[r].host = t.ranks[r].host;
      ranks[r].scheduled += t.ranks[r].scheduled;
      ranks[r].sent += t.ranks[r].sent;
      ranks[r].generator = t.ranks[r].generator;
    }
  }
  if (const ProbeTrialRecord* at = answer_trial(report)) {
    for (std::size_t r = 0; r < at->ranks.size() && r < ranks.size(); ++r)
      ranks[r].generator = at->ranks[r].generator;
  }
  return ranks;
}

// One search to its end on the session, filling the report's trials, series, answer and wall.
void search(const ProbeSettings& settings, const ProbeRig& rig, ProbeReport& report) {
  const SearchLimits& limits = report.limits;
  MaxRateSearch search(limits);
  const TimePoint began = rig.clock.now();
  // Runs a plan; its windows join the series. Nullopt when it was stopped or aborted.
  const auto run = [&](const LoadShape& shape) -> std::optional<PlanResult> {
    const Duration started = rig.clock.now() - began;
    PlanResult ran = rig.session.run(shape);
    if (ran.stopped_by != 0) {
      report.interrupted = true;
      report.stop_signal = ran.stopped_by;
    }
    if (ran.aborted) report.failure = ran.aborted;
    if (!ran.complete()) return std::nullopt;
    for (WindowRecord w : ran.windows) {
      w.start = started + (w.start - ran.start);  // relative to the probe
      report.series.push_back(w);
    }
    return ran;
  };
  std::optional<Duration> last_p99;
  // Refine and confirm steps settle at least this long: grows when a limiter is seen to remember
  // the overload before a step.
  Duration settle_floor{0};
  constexpr Duration kMaxSettleFloor = std::chrono::seconds(10);
  bool repeating = false;  // the step about to run repeats one whose verdict was set aside
  // Steps repeated after a stall: a server that stalls often is refused that often, and
  // that is its sustainable rate.
  int stall_repeats = 0;
  constexpr int kMaxStallRepeats = 3;
  // Steps repeated after errors rather than throttles (see error_burst), and the settle before
  // such a repeat: time for an endpoint that restarted or had a burst of 5xx to come back.
  int error_repeats = 0;
  constexpr int kMaxErrorRepeats = 3;
  constexpr Duration kFaultSettle = std::chrono::seconds(3);
  bool after_fault = false;
  // Steps repeated because the generator fell behind while a few were refused (even a repeat of
  // one set aside for another reason: a stall of the machine slows the generator too).
  int behind_repeats = 0;
  constexpr int kMaxBehindRepeats = 2;
  while (auto plan = search.next()) {
    const Duration started = rig.clock.now() - began;
    const std::size_t index = report.trials.size() + 1;
    rig.observer.on_step(index, *plan);
    TrialPlan shaped = *plan;
    if (std::exchange(after_fault, false)) shaped.settle = std::max(shaped.settle, kFaultSettle);
    auto ran = run(step_phases(shaped, last_p99, settle_floor, settings.arrivals));
    if (!ran) break;
    JudgedStep step = judge_step(*ran, settings.generator, settings.rank_hosts);
    // Refusals too close to the tolerance to tell at the confidence asked: hold the rate longer,
    // the answer's hold up to max_measure, a refine step up to half that. Saturate steps, and
    // explore steps of random arrivals, only look for refusals far above the tolerance: their
    // refused fraction decides. An evenly spaced explore step with a stray refusal (its clean
    // ones pass at once) is held as a refine step is: failed, the stray would cap the answer.
    const bool held_as_refine = plan->phase == TrialPlan::Phase::kRefine ||
                                (plan->phase == TrialPlan::Phase::kExplore && limits.evenly_spaced);
    const Duration hold_at_most = plan->phase == TrialPlan::Phase::kConfirm ? limits.max_measure
                                  : held_as_refine                          ? limits.max_measure / 2
                                                                            : plan->duration;
    Duration measured = plan->duration;
    while (search.judge_refusals(step.result) == Judgement::kUndecided && measured < hold_at_most) {
      const Duration more = std::min(plan->duration, hold_at_most - measured);
      auto extra = run(measure_phase(plan->rate, plan->settle, more, settings.arrivals));
      if (!extra) break;
      extend_measure(*ran, *extra);
      measured += more;
      step = judge_step(*ran, settings.generator, settings.rank_hosts);
    }
    if (!report.completed()) break;
    if (step.result.p99) last_p99 = step.result.p99;
    ProbeTrialRecord record{.index = index,
                            .started = started,
                            .throttled_per_s = step.throttled_per_s,
                            .errors_per_s = step.errors_per_s,
                            .latency = step.latency,
                            .generator = step.generator,
                            .refused_bounds = refused_bounds(
                                step.result.refused, step.result.answered, limits.confidence),
                            .ranks = std::move(step.ranks)};
    const bool failed = !search.passes(*plan, step.result);
    const bool may_set_aside = !repeating && failed;
    repeating = false;
    // Set aside: reported, not recorded by the search, and run again.
    const auto set_aside = [&](std::string why) {
      record.trial = MaxRateSearch::Trial{*plan, step.result, false};
      record.lower = search.lower();
      record.upper = search.upper();
      record.set_aside = std::move(why);
      rig.observer.on_trial(record);
      report.trials.push_back(record);
      repeating = true;
    };
    const auto echo = may_set_aside ? overload_echo(*plan, *ran) : std::nullopt;
    if (echo && settle_floor < kMaxSettleFloor) {
      // Run again after a longer settle, kept for the steps that follow.
      settle_floor = std::min(kMaxSettleFloor, std::max(settle_floor, plan->settle) + *echo +
                                                   std::chrono::milliseconds(500));
      set_aside(fmt::format(
          "refused only in its first {}, then nothing for {}: the limiter still counted the "
          "overload before it; repeated after a {} settle",
          format_duration(*echo), format_duration(measured - *echo),
          format_duration(settle_floor)));
      continue;
    }
    const auto stalled = may_set_aside && !echo ? stall(*plan, *ran) : std::nullopt;
    if (stalled && stall_repeats < kMaxStallRepeats) {
      ++stall_repeats;
      set_aside(fmt::format(
          "{} of {} refused, all within {}, while an answer there took {} (p99 {} in its "
          "other seconds): a stall, not the rate; repeated once",
          stalled->refused, stalled->answered, format_duration(stalled->within),
          format_duration(stalled->slowest), format_duration(stalled->elsewhere_p99)));
      continue;
    }
    const auto burst = may_set_aside && !echo && error_repeats < kMaxErrorRepeats
                           ? error_burst(*plan, step.result, search.trials())
                           : std::nullopt;
    if (burst) {
      ++error_repeats;
      after_fault = true;
      set_aside(burst->no_answer
                    ? fmt::format("not one of its {} requests got an HTTP answer ({}) after a "
                                  "step had passed: the endpoint went away; repeated once after "
                                  "a {} settle",
                                  burst->answered, burst->dominant, format_duration(kFaultSettle))
                    : fmt::format("{} of its {} refusals were errors, not throttles ({}), after "
                                  "a step had passed: a fault rather than the rate; repeated "
                                  "once after a {} settle",
                                  burst->errors, burst->refused, burst->dominant,
                                  format_duration(kFaultSettle)));
      continue;
    }
    if (failed && behind_repeats < kMaxBehindRepeats && refused_while_behind(*plan, step.result)) {
      ++behind_repeats;
      set_aside(fmt::format(
          "{} of {} refused while the load generator fell behind ({}): late sends leave "
          "together, and a bunch is refused where the schedule would not be; repeated",
          step.result.refused, step.result.answered, step.result.generator_reason));
      continue;
    }
    TrialPlan held = *plan;  // as long as it was measured, undecided steps held longer
    held.duration = measured;
    search.record(held, step.result);
    record.trial = search.trials().back();
    record.lower = search.lower();
    record.upper = search.upper();
    rig.observer.on_trial(record);
    report.trials.push_back(record);
  }
  report.wall = rig.clock.now() - began;
  report.answer = search.answer();
  if (report.interrupted) report.answer.reason = "interrupted: " + report.answer.reason;
}

// --verify-scaling: the model restarted with more IUs, the same search, and how far its TPS per
// IU is from the first one's.
void verify_scaling(const ProbeSettings& settings, const ProbeRig& rig, ProbeReport& report) {
  const unsigned iu = settings.verify_scaling;
  rig.observer.on_status(fmt::format("restarting the model with {} IUs (--verify-scaling)", iu));
  if (auto restarted = rig.model->restart(iu); !restarted) {
    report.failure = restarted.error();
    return;
  }
  rig.observer.on_second_search(iu, report.answer);
  ProbeReport second{.target = report.target, .limits = report.limits, .arrivals = report.arrivals};
  search(settings, rig, second);
  report.interrupted = second.interrupted;
  report.stop_signal = second.stop_signal;
  report.failure = second.failure;
  const double per_iu_before = report.answer.capacity / report.inference_units;
  const double per_iu_after = second.answer.capacity / iu;
  report.scaling = ProbeReport::Scaling{.inference_units = iu,
                                        .answer = second.answer,
                                        .efficiency = per_iu_after / per_iu_before,
                                        .wall = second.wall};
}

}  // namespace

ProbeReport run_probe(const ProbeSettings& settings, ProbeRig rig) {
  ProbeReport report{
      .target = settings.target, .limits = settings.limits, .arrivals = settings.arrivals};
  // Evenly spaced requests above a limit are refused in every second of a step: there a step
  // that refused nothing passes however short, and the tolerance is for stray refusals.
  report.limits.evenly_spaced = settings.arrivals == Arrivals::kUniform;
  report.inference_units = rig.model ? rig.model->inference_units() : settings.inference_units;
  if (settings.may_autoscale) {
    constexpr std::string_view kAutoscaling =
        "the model may auto-scale (--max-iu): the answer is not a per-IU figure";
    report.warnings.emplace_back(kAutoscaling);  // in place: g++ 12 misreads a moved literal
  }
  if (settings.arrivals == Arrivals::kPoisson && settings.limits.max_error_rate == 0) {
    report.warnings.emplace_back(fmt::format(
        "Poisson arrivals at zero tolerance: random traffic is refused now and then by any "
        "concurrency limit, so the answer is only where no refusal happened to be seen; give "
        "--max-error-rate (the default is {})",
        kDefaultTolerance));
  }
  rig.observer.on_status("probing: doubling the rate until the first refusal");
  search(settings, rig, report);
  report.ranks = probe_ranks(report);
  const bool scale = settings.verify_scaling > 0 && rig.model != nullptr && report.completed() &&
                     report.answer.verdict == SearchAnswer::Verdict::kFound &&
                     report.inference_units > 0;
  if (scale) verify_scaling(settings, rig, report);
  if (auto warning = capacity_change_warning(report.trials, report.answer))
    report.warnings.push_back(*warning);
  if (rig.model) {
    if (rig.model->started_by_iuprobe()) rig.observer.on_status("stopping the model");
    if (auto stopped = rig.model->stop(); !stopped && !report.failure)
      report.failure = stopped.error();
  }
  // A model iuprobe started bills from its start request to its stop request; otherwise the
  // probe's own share is its wall time at the IU count (each search at its own).
  const auto billed = rig.model ? rig.model->billed_iu_minutes() : std::nullopt;
  report.iu_minutes = billed ? *billed
                             : to_seconds(report.wall) / 60 * report.inference_units +
                                   (report.scaling ? to_seconds(report.scaling->wall) / 60 *
                                                         report.scaling->inference_units
                                                   : 0);
  return report;
}

const ProbeTrialRecord* answer_trial(const ProbeReport& report) {
  const ProbeTrialRecord* best = nullptr;
  for (const auto& r : report.trials) {
    if (!r.trial.passed) continue;
    const bool confirm = r.trial.plan.phase == TrialPlan::Phase::kConfirm;
    if (!best || confirm ||
        (best->trial.plan.phase != TrialPlan::Phase::kConfirm &&
         r.trial.plan.rate > best->trial.plan.rate))
      best = &r;
  }
  return best;
}

}  // namespace iuprobe
