// SPDX-License-Identifier: Apache-2.0
#include "search/max_rate_search.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace iuprobe {
namespace {

using Verdict = SearchAnswer::Verdict;
using Phase = TrialPlan::Phase;

}  // namespace

std::string_view to_string(Phase phase) {
  switch (phase) {
    case Phase::kExplore:
      return "explore";
    case Phase::kRefine:
      return "refine";
    case Phase::kConfirm:
      return "confirm";
  }
  return "?";
}

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::kFound:
      return "found";
    case Verdict::kGeneratorLimited:
      return "generator-limited";
    case Verdict::kNoLimitFound:
      return "no-limit-found";
    case Verdict::kNeverPassed:
      return "never-passed";
    case Verdict::kUnfinished:
      return "unfinished";
  }
  return "?";
}

MaxRateSearch::MaxRateSearch(SearchLimits limits) : limits_(limits) {}

TrialPlan MaxRateSearch::trial(Phase phase, double rate) const {
  TrialPlan plan{.phase = phase, .rate = rate};
  plan.duration = phase == Phase::kExplore  ? limits_.explore_step
                  : phase == Phase::kRefine ? limits_.refine_step
                                            : limits_.confirm_step;
  // At low rates a step must still hold enough requests to tell rates `precision` apart.
  if (phase != Phase::kExplore)
    plan.duration = std::max(plan.duration, from_seconds(limits_.min_step_requests / rate));
  plan.settle = phase == Phase::kExplore ? limits_.explore_settle : limits_.settle;
  if (phase != Phase::kExplore && hi_ > 0) {
    plan.drain_rate = hi_;
    plan.drain = limits_.drain;
  }
  return plan;
}

bool MaxRateSearch::passes(const TrialResult& r) const {
  if (r.refused_fraction > limits_.max_error_rate) return false;
  if (limits_.slo_p95 && (!r.p95 || *r.p95 > *limits_.slo_p95)) return false;
  if (limits_.slo_p99 && (!r.p99 || *r.p99 > *limits_.slo_p99)) return false;
  return true;
}

std::optional<TrialPlan> MaxRateSearch::next() const {
  if (done_) return std::nullopt;
  if (trials_.size() >= limits_.max_trials) return std::nullopt;
  if (hi_ == 0) {  // nothing refused yet: keep doubling
    const double rate = lo_ == 0 ? limits_.start_rate : std::min(lo_ * 2, limits_.max_rate);
    return trial(Phase::kExplore, rate);
  }
  if (reconfirm_) return trial(Phase::kConfirm, *reconfirm_);
  const double p = limits_.precision;
  if (lo_ > 0 && hi_ / lo_ - 1 <= p) return trial(Phase::kConfirm, lo_);
  if (estimate_) {
    // Goodput under overload estimates the capacity: try just under it, then just over the
    // highest pass, so that two trials can close the bracket.
    const double under = *estimate_ * (1 - p / 2);
    if (!estimate_tried_ && under > lo_ * (1 + p / 4) && under < hi_ * (1 - p / 4))
      return trial(Phase::kRefine, under);
    const double over = lo_ * (1 + 0.9 * p);
    if (lo_ > 0 && lo_ >= *estimate_ * (1 - p) && over < hi_) return trial(Phase::kRefine, over);
  }
  const double mid = lo_ > 0 ? std::sqrt(lo_ * hi_) : hi_ / 2;
  return trial(Phase::kRefine, mid);
}

void MaxRateSearch::record(const TrialPlan& plan, const TrialResult& result) {
  Trial t{plan, result, passes(result)};
  trials_.push_back(t);
  if (plan.phase == Phase::kRefine) estimate_tried_ = true;
  reconfirm_.reset();
  const double p = limits_.precision;

  if (result.generator_limited && t.passed) {
    // The rate was not really offered: what passed is a floor, not the capacity.
    lo_ = std::max(lo_, result.sent * (1 - p));
    done_ = SearchAnswer{Verdict::kGeneratorLimited, lo_, hi_,
                         fmt::format("the load generator could not offer {:.1f}/s ({})", plan.rate,
                                     result.generator_reason)};
    return;
  }

  if (t.passed) {
    if (plan.phase == Phase::kConfirm) {
      done_ = SearchAnswer{Verdict::kFound, plan.rate, hi_,
                           fmt::format("{:.1f}/s held for {} within the tolerance; {:.1f}/s was "
                                       "not",
                                       plan.rate, format_duration(plan.duration), hi_)};
      return;
    }
    lo_ = std::max(lo_, plan.rate);
    if (hi_ == 0 && plan.rate >= limits_.max_rate) {
      done_ = SearchAnswer{Verdict::kNoLimitFound, lo_, 0,
                           fmt::format("nothing was refused up to {:.1f}/s (--max-tps): the "
                                       "endpoint may not throttle at all",
                                       lo_)};
    }
    return;
  }

  // Failed: the server refused at what was actually sent (less than planned when the
  // generator fell behind).
  const double at = result.generator_limited ? std::min(plan.rate, result.sent) : plan.rate;
  hi_ = hi_ == 0 ? at : std::min(hi_, at);
  if (plan.phase == Phase::kConfirm) {
    lo_ = 0;  // shorter trials passed here; the hold did not
    if (result.goodput >= at * (1 - p)) {
      // Refusals were rare: step down and hold again.
      reconfirm_ = at * (1 - p);
      return;
    }
  }
  if (lo_ >= hi_) lo_ = 0;
  // A drained trial served less than an earlier pass offered: that pass was a short step the
  // burst allowance carried, not a sustainable rate.
  if (plan.phase != Phase::kExplore && result.refused_fraction > limits_.max_error_rate &&
      result.goodput < lo_ * (1 - limits_.precision)) {
    lo_ = 0;
  }
  // Goodput estimates capacity only when the server refused: a latency failure serves all.
  if (result.goodput > 0 && result.refused_fraction > limits_.max_error_rate) {
    estimate_ = std::min(result.goodput, hi_);
    estimate_tried_ = false;
  }
  if (trials_.size() >= 3 && hi_ <= limits_.start_rate / 64) {
    done_ =
        SearchAnswer{Verdict::kNeverPassed, 0, hi_, fmt::format("refused even at {:.2f}/s", hi_)};
  }
}

SearchAnswer MaxRateSearch::answer() const {
  if (done_) return *done_;
  return SearchAnswer{Verdict::kUnfinished, lo_, hi_,
                      fmt::format("stopped after {} trials without converging: between {:.1f}/s "
                                  "and {:.1f}/s",
                                  trials_.size(), lo_, hi_)};
}

}  // namespace iuprobe
