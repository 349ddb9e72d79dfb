// SPDX-License-Identifier: Apache-2.0
#include "probe/probe.h"

#include <fmt/format.h>

#include "probe/judge.h"

namespace iuprobe {
namespace {

// One search to its end on the session, filling the report's trials, series, answer and wall.
void search(const ProbeSettings& settings, const ProbeRig& rig, ProbeReport& report) {
  MaxRateSearch search(settings.limits);
  const TimePoint began = rig.clock.now();
  std::optional<Duration> last_p99;
  while (auto plan = search.next()) {
    const Duration started = rig.clock.now() - began;
    rig.observer.on_step(search.trials().size() + 1, *plan);
    const PlanResult ran = rig.session.run(step_phases(*plan, last_p99));
    if (ran.stopped_by != 0) {
      report.interrupted = true;
      report.stop_signal = ran.stopped_by;
    }
    if (ran.aborted) report.failure = ran.aborted;
    if (!ran.complete()) break;
    const JudgedStep step = judge_step(ran, settings.generator);
    if (step.result.p99) last_p99 = step.result.p99;
    search.record(*plan, step.result);
    ProbeTrialRecord record{.index = search.trials().size(),
                            .trial = search.trials().back(),
                            .started = started,
                            .lower = search.lower(),
                            .upper = search.upper(),
                            .throttled_per_s = step.throttled_per_s,
                            .errors_per_s = step.errors_per_s,
                            .latency = step.latency,
                            .generator = step.generator};
    rig.observer.on_trial(record);
    report.trials.push_back(record);
    for (WindowRecord w : ran.windows) {
      w.start = started + (w.start - ran.start);  // relative to the probe
      report.series.push_back(w);
    }
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
  ProbeReport second{.target = report.target, .limits = report.limits};
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
  ProbeReport report{.target = settings.target, .limits = settings.limits};
  report.inference_units = rig.model ? rig.model->inference_units() : settings.inference_units;
  if (settings.may_autoscale) {
    constexpr std::string_view kAutoscaling =
        "the model may auto-scale (--max-iu): the answer is not a per-IU figure";
    report.warnings.emplace_back(kAutoscaling);  // in place: g++ 12 misreads a moved literal
  }
  rig.observer.on_status("probing: doubling the rate until the first refusal");
  search(settings, rig, report);
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
