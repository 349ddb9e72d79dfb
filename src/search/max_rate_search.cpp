// SPDX-License-Identifier: Apache-2.0
#include "search/max_rate_search.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <cmath>

#include "search/endpoint_failure.h"

namespace iuprobe {
namespace {

using Verdict = SearchAnswer::Verdict;
using Phase = TrialPlan::Phase;

// Past the knee: p95 more than this many times the lowest rates' p95, and this much more.
constexpr double kKneeFactor = 4;
constexpr Duration kKneeMargin = std::chrono::milliseconds(100);
// Latency alone marks a limit only when it has run away: far more than near capacity on a
// server whose queue is short (a few service times).
constexpr double kRunawayFactor = 10;
constexpr Duration kRunawayMargin = std::chrono::milliseconds(500);
// What an endpoint serves when over-driven has collapsed below this share of the most a pass
// served: its limiter counts the requests it refuses.
constexpr double kCollapsed = 0.1;
// Clearly more than another step served: beyond noise.
constexpr double kClearlyMore = 1.2;
// Undrained steps on an endpoint that is no token bucket settle at least this long, so that the
// overload of the step before has left a one-second window.
constexpr Duration kWindowSettle = std::chrono::seconds(1);

// Where a step that refused `fraction` (above `tolerance`) would meet the tolerance, as a share
// of its rate: refusals of a queue under random arrivals grow as a steep power of the rate (the
// number of its places, or more), so the fourth root lands at or below that rate.
double rate_meeting(double tolerance, double fraction) {
  return std::pow(tolerance / fraction, 0.25);
}

}  // namespace

std::string_view to_string(Phase phase) {
  switch (phase) {
    case Phase::kExplore:
      return "explore";
    case Phase::kSaturate:
      return "saturate";
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

TrialPlan MaxRateSearch::trial(Phase phase, double rate, bool coarse) const {
  TrialPlan plan{.phase = phase, .rate = rate};
  // The saturate step is measured as long as a refine step: its goodput is a figure of the
  // answer, and two seconds of it read 3% low beside a busy neighbour on a 2-core machine.
  plan.duration = (phase == Phase::kRefine && !coarse) || phase == Phase::kSaturate
                      ? limits_.refine_step
                  : phase == Phase::kConfirm ? limits_.confirm_step
                                             : limits_.explore_step;
  // At low rates a step must still hold enough requests to tell rates `precision` apart.
  if (phase != Phase::kExplore)
    plan.duration = std::max(plan.duration, from_seconds(limits_.min_step_requests / rate));
  plan.settle = phase == Phase::kExplore ? limits_.explore_settle : limits_.settle;
  if (phase == Phase::kSaturate) {
    plan.drain_rate = rate;  // over-driven from the start
    plan.drain = limits_.drain;
  } else if (phase != Phase::kExplore && not_a_bucket()) {
    plan.settle = std::max(plan.settle, kWindowSettle);
  } else if (phase != Phase::kExplore && hi_ > 0 && refused_seen_ && !knee_mode_) {
    // Drains empty token buckets; after latency failures only, they would fill a queue.
    plan.drain_rate = hi_;
    plan.drain = limits_.drain;
  }
  return plan;
}

FractionBounds refused_bounds(std::uint64_t refused, std::uint64_t answered, double confidence) {
  using boost::math::binomial_distribution;
  if (answered == 0) return {};
  const auto n = static_cast<double>(answered);
  const auto k = static_cast<double>(refused);
  const double alpha = 1 - confidence;
  return {binomial_distribution<>::find_lower_bound_on_p(n, k, alpha),
          binomial_distribution<>::find_upper_bound_on_p(n, k, alpha)};
}

Judgement MaxRateSearch::judge_refusals(const TrialResult& r) const {
  const double tolerance = limits_.max_error_rate;
  if (tolerance <= 0) return r.refused_fraction > 0 ? Judgement::kFail : Judgement::kPass;
  if (limits_.evenly_spaced && r.answered > 0 && r.refused == 0) return Judgement::kPass;
  const FractionBounds b = refused_bounds(r.refused, r.answered, limits_.confidence);
  if (r.answered > 0 && b.high <= tolerance) return Judgement::kPass;
  if (r.answered > 0 && b.low > tolerance) return Judgement::kFail;
  // Simulated servers give a fraction only: judge those by it.
  if (r.answered == 0) return r.refused_fraction > tolerance ? Judgement::kFail : Judgement::kPass;
  return Judgement::kUndecided;
}

bool MaxRateSearch::passes(const TrialPlan& plan, const TrialResult& r) const {
  const Judgement j = judge_refusals(r);
  if (j == Judgement::kFail) return false;
  if (j == Judgement::kUndecided && r.refused_fraction > limits_.max_error_rate) {
    // A confirm step within the precision of the rate that meets the tolerance, and at most
    // 1.1× it: a coarse --precision must not widen it further.
    const double tolerance = limits_.max_error_rate;
    if (plan.phase != Phase::kConfirm || r.refused_fraction > 1.1 * tolerance ||
        rate_meeting(tolerance, r.refused_fraction) < 1 - limits_.precision)
      return false;
  }
  if (limits_.slo_p95 && (!r.p95 || *r.p95 > *limits_.slo_p95)) return false;
  if (limits_.slo_p99 && (!r.p99 || *r.p99 > *limits_.slo_p99)) return false;
  if (knee_mode_ && past_knee(r)) return false;
  return true;
}

bool MaxRateSearch::not_a_bucket() const {
  const std::optional<Saturation> s = saturation();
  if (!s) return false;
  double most_served = 0;
  bool drained_pass_above = false;
  for (const Trial& t : trials_) {
    if (!t.passed) continue;
    most_served = std::max(most_served, t.result.goodput);
    if (t.plan.drain_rate > 0 && t.plan.rate > s->goodput * (1 + limits_.precision))
      drained_pass_above = true;
  }
  // Drained, a bucket serves its refill rate at any rate above it: one that served clearly more
  // at a lower rate than at a higher one is none.
  const auto refused_drained = [&](const Trial& t) {
    return !t.passed && t.plan.drain_rate > 0 && t.result.refused_fraction > limits_.max_error_rate;
  };
  bool more_below = false;
  for (const Trial& low : trials_) {
    if (!refused_drained(low)) continue;
    for (const Trial& high : trials_) {
      if (refused_drained(high) && high.plan.rate > low.plan.rate &&
          low.result.goodput > kClearlyMore * high.result.goodput)
        more_below = true;
    }
  }
  return s->goodput < kCollapsed * most_served || drained_pass_above || more_below;
}

bool MaxRateSearch::past_knee(const TrialResult& r) const {
  return above_base_p95(r, kKneeFactor, kKneeMargin);
}

std::optional<Duration> MaxRateSearch::base_p95() const {
  if (knee_base_) return knee_base_;
  std::optional<Duration> base;
  for (const Trial& t : trials_) {
    if (t.passed && t.result.p95 && (!base || *t.result.p95 < *base)) base = t.result.p95;
  }
  return base;
}

bool MaxRateSearch::above_base_p95(const TrialResult& r, double factor, Duration margin) const {
  const std::optional<Duration> base = base_p95();
  if (!r.p95 || r.generator_limited || !base) return false;
  const Duration limit =
      std::max(std::chrono::duration_cast<Duration>(*base * factor), *base + margin);
  return *r.p95 > limit;
}

void MaxRateSearch::enter_knee_mode() {
  knee_base_ = base_p95();
  knee_mode_ = true;
  // Steps that passed before are judged again by latency: the highest still passing is the
  // floor, the lowest now failing the ceiling.
  lo_ = 0;
  for (Trial& t : trials_) {
    t.passed = passes(t.plan, t.result);
    if (t.passed && t.plan.rate > lo_) {
      lo_ = t.plan.rate;
      lo_goodput_ = t.result.goodput;
      lo_drained_ = t.plan.drain_rate > 0;
    } else if (!t.passed) {
      hi_ = hi_ == 0 ? t.plan.rate : std::min(hi_, t.plan.rate);
    }
  }
}

std::optional<TrialPlan> MaxRateSearch::next() const {
  if (done_) return std::nullopt;
  if (trials_.size() >= limits_.max_trials) return std::nullopt;
  if (knee_candidate_) return trial(Phase::kExplore, *knee_candidate_);
  if (hi_ == 0) {  // nothing refused yet: keep doubling
    const double rate =
        explored_ == 0 ? limits_.start_rate : std::min(explored_ * 2, limits_.max_rate);
    return trial(Phase::kExplore, rate);
  }
  if (saturate_at_) return trial(Phase::kSaturate, *saturate_at_);
  if (recheck_) {
    // The drain may have slowed an overloaded server down: let it recover before judging.
    TrialPlan plan = trial(Phase::kRefine, *recheck_);
    plan.settle = std::max(plan.settle, 2 * kWindowSettle);
    return plan;
  }
  if (reconfirm_) return trial(Phase::kConfirm, *reconfirm_);
  const double p = limits_.precision;
  if (lo_ > 0 && hi_ / lo_ - 1 <= p) return trial(Phase::kConfirm, lo_);
  const double mid = lo_ > 0 ? std::sqrt(lo_ * hi_) : hi_ / 2;
  if (rare_refusals_) {
    // A few refused while almost all was served (timer jitter at high rates, a concurrency
    // limit met now and then): the capacity is just below. Step down by twice the precision,
    // neither by halves nor creeping by one precision at a time. Above a tolerance for random
    // arrivals, by what the refused fraction says (rate_meeting), and bisection closes up from
    // there.
    const double tolerance = limits_.max_error_rate;
    const double by_fraction =
        fraction_guides() && last_refused_ > 0 ? rate_meeting(tolerance, last_refused_) : 1 - 2 * p;
    const double below = hi_ * std::clamp(by_fraction, 0.5, 1 - 2 * p);
    if (lo_ == 0 || below > mid) return trial(Phase::kRefine, below);
  }
  if (estimate_) {
    // Goodput under overload estimates the capacity: try just under it, then just over the
    // highest pass, so that two trials can close the bracket.
    const double under = *estimate_ * (1 - p / 2);
    if (!estimate_tried_ && under > lo_ * (1 + p / 4) && under < hi_ * (1 - p / 4))
      return trial(Phase::kRefine, under);
    const double over = lo_ * (1 + 0.9 * p);
    // Only next to the estimate: past it, stepping up by the precision would creep.
    const bool near = lo_ >= *estimate_ * (1 - p) && lo_ <= *estimate_;
    if (lo_ > 0 && near && over < hi_) return trial(Phase::kRefine, over);
  }
  // While the bracket is wide, bisection only needs to tell far-apart rates: short steps do.
  const bool coarse = lo_ == 0 || hi_ / lo_ - 1 > 4 * p;
  return trial(Phase::kRefine, mid, coarse);
}

void MaxRateSearch::record(const TrialPlan& plan, const TrialResult& result) {
  // Nothing refused yet, no SLO, and latency went through the roof at the same rate twice (once
  // could be a stall): a queue that delays instead of refusing. From here on, steps past the
  // knee fail, so the search finds the knee.
  const bool runaway = !knee_mode_ && !refused_seen_ && !limits_.slo_p95 && !limits_.slo_p99 &&
                       judge_refusals(result) == Judgement::kPass &&
                       above_base_p95(result, kRunawayFactor, kRunawayMargin);
  const bool held_again = knee_candidate_ && plan.rate >= *knee_candidate_;
  knee_candidate_.reset();
  if (runaway && held_again) {
    enter_knee_mode();
  } else if (runaway) {
    knee_candidate_ = plan.rate;  // hold it again before believing it
  }
  Trial t{plan, result, passes(plan, result)};
  // (A pass refuses more than the tolerance only as a confirm step within its precision.)
  if (result.refused_fraction > limits_.max_error_rate) refused_seen_ = true;
  trials_.push_back(t);
  if (plan.phase == Phase::kRefine) estimate_tried_ = true;
  if (plan.phase == Phase::kSaturate) saturate_at_.reset();
  const bool recheck = recheck_ && plan.phase == Phase::kRefine && plan.rate == *recheck_;
  recheck_.reset();
  reconfirm_.reset();
  rare_refusals_ = false;
  const double p = limits_.precision;

  if (auto failure = endpoint_failure(trials_, lo_)) {
    done_ = std::move(*failure);
    return;
  }

  if (result.generator_limited && t.passed) {
    // The rate was not really offered: what passed is a floor, not the capacity.
    lo_ = std::max(lo_, result.sent * (1 - p));
    done_ = SearchAnswer{Verdict::kGeneratorLimited, lo_, hi_,
                         fmt::format("the load generator could not offer {:.1f}/s ({})", plan.rate,
                                     result.generator_reason)};
    return;
  }

  if (t.passed) {
    // Over-driven from the start, at or above the rate that had failed, proven within the
    // tolerance (a short clean step of random arrivals proves nothing), and no other failure
    // stands at or below it above the lower bound (the one at the upper bound counts): that
    // failure did not last (a stall). Only a saturate step is planned at or above the failure;
    // should more than one failure stand below it, they stand, and the pass bounds nothing.
    const auto failed_below = std::count_if(
        trials_.begin(), trials_.end() - 1,
        [&](const Trial& o) { return !o.passed && o.plan.rate > lo_ && o.plan.rate <= plan.rate; });
    const Judgement judged = judge_refusals(result);
    if (plan.phase == Phase::kSaturate && judged == Judgement::kPass && hi_ > 0 &&
        plan.rate >= hi_ && failed_below <= 1) {
      overruled_.push_back({hi_, plan.rate});
      hi_ = 0;
      estimate_.reset();
    }
    if (plan.phase == Phase::kConfirm) {
      const std::string held =
          result.refused_fraction > limits_.max_error_rate
              ? fmt::format("{:.3g}% refused, within the precision of the {:g}% tolerance",
                            100 * result.refused_fraction, 100 * limits_.max_error_rate)
              : std::string("within the tolerance");
      done_ = SearchAnswer{Verdict::kFound, plan.rate, hi_,
                           fmt::format("{:.1f}/s held for {}, {}; {:.1f}/s was not", plan.rate,
                                       format_duration(plan.duration), held, hi_)};
      return;
    }
    explored_ = std::max(explored_, plan.rate);
    // Above zero tolerance a short explore step proves little: 80 answers without a refusal
    // leave room for 4% refused. Such a pass doubles the rate but bounds nothing. (A saturate
    // step is planned at or above a failure: it bounds nothing unless proven, above.)
    const bool proven = plan.phase != Phase::kExplore || judged != Judgement::kUndecided;
    const bool below_failure = hi_ == 0 || plan.rate < hi_;
    if (plan.rate >= lo_ && below_failure && (proven || plan.rate >= limits_.max_rate)) {
      lo_ = plan.rate;
      lo_goodput_ = result.goodput;
      lo_drained_ = plan.drain_rate > 0;
    }
    if (hi_ == 0 && plan.rate >= limits_.max_rate) {
      // "80.0/s and 181.5/s": the failures overruled, or the steps that passed at or above them.
      const auto rates = [&](auto pick) {
        std::string text;
        for (std::size_t i = 0; i < overruled_.size(); ++i) {
          const char* sep = i == 0 ? "" : i + 1 == overruled_.size() ? " and " : ", ";
          text += fmt::format("{}{:.1f}/s", sep, pick(overruled_[i]));
        }
        return text;
      };
      const auto failed = [](const auto& o) { return o.first; };
      const auto passed = [](const auto& o) { return o.second; };
      const std::string except = overruled_.empty() ? std::string()
                                 : overruled_.size() == 1
                                     ? fmt::format(
                                           " except once, at {}, where a step at {} then "
                                           "passed (a stall)",
                                           rates(failed), rates(passed))
                                     : fmt::format(
                                           " except at {}, stalls that steps at {} then "
                                           "passed",
                                           rates(failed), rates(passed));
      done_ = SearchAnswer{Verdict::kNoLimitFound, lo_, 0,
                           fmt::format("nothing was refused up to {:.1f}/s (--max-tps){}; the "
                                       "endpoint may not throttle at all",
                                       lo_, except)};
    }
    return;
  }

  // A recheck asks whether a burst allowance carried an undrained pass. It failed, but showed
  // the endpoint to be no bucket: then nothing carried that pass, which stands, and the drain
  // before the recheck (which slows such a server down or fills its window) failed it.
  if (recheck && not_a_bucket()) return;

  // Failed: the server refused at what was actually sent (less than planned when the
  // generator fell behind).
  const double at = result.generator_limited ? std::min(plan.rate, result.sent) : plan.rate;
  const bool first_refusal =
      hi_ == 0 && !result.generator_limited && result.refused_fraction > limits_.max_error_rate;
  hi_ = hi_ == 0 ? at : std::min(hi_, at);
  // Above a tolerance for random arrivals, refusals under a tenth are not overload yet: the
  // fraction guides.
  constexpr double kNotOverloaded = 0.1;
  rare_refusals_ = result.refused_fraction > limits_.max_error_rate &&
                   (result.goodput >= at * (1 - p) ||
                    (fraction_guides() && result.refused_fraction < kNotOverloaded));
  last_refused_ = result.refused_fraction;
  // Refused, but not clearly over-driven (a tolerance, random arrivals): push harder.
  constexpr int kSaturateTries = 5;
  if (plan.phase == Phase::kSaturate && !result.generator_limited && !over_driven(t) &&
      ++saturate_tries_ < kSaturateTries && plan.rate * 2 <= limits_.max_rate) {
    saturate_at_ = plan.rate * 2;
  }
  if (first_refusal && plan.phase == Phase::kExplore && !saturation()) {
    // Over-drive it once, drained, well above what it served, for the saturated figure.
    saturate_at_ = std::min(limits_.max_rate, std::max(at, std::min(1.5 * result.goodput, 2 * at)));
  }
  if (plan.phase == Phase::kConfirm) {
    lo_ = 0;  // shorter trials passed here; the hold did not
    // Refusals were rare, or latency alone failed (a queue grows for as long as it is held
    // over its rate, so a longer hold fails where shorter steps passed): step down, hold again.
    // Above a tolerance for random arrivals, the refused fraction says how far down: refine from
    // there instead.
    const bool by_fraction = fraction_guides() && rare_refusals_;
    if (!by_fraction &&
        (result.goodput >= at * (1 - p) || judge_refusals(result) == Judgement::kPass)) {
      reconfirm_ = at * (1 - p);
      return;
    }
  }
  if (lo_ >= hi_) lo_ = 0;
  // A drained trial served less than the highest pass did. Either that pass was a short,
  // undrained step that a burst allowance carried, or the endpoint serves less when over-driven
  // than it sustains (a limiter that counts refused requests): hold that rate again, drained, to
  // tell which. A drained pass stands, and so does any pass once the endpoint is shown to be
  // no bucket: there is no burst allowance to have carried it.
  if (plan.phase != Phase::kExplore && result.refused_fraction > limits_.max_error_rate &&
      result.goodput < lo_goodput_ * (1 - limits_.precision) && lo_ > 0 && !lo_drained_ &&
      !not_a_bucket()) {
    recheck_ = lo_;
  }
  // Goodput estimates capacity only when the server refused (a latency failure serves all), and
  // not when it served almost all it was sent (the estimate would be the failing rate itself).
  if (result.goodput > 0 && result.refused_fraction > limits_.max_error_rate && !rare_refusals_) {
    estimate_ = std::min(result.goodput, hi_);
    estimate_tried_ = false;
  }
  if (trials_.size() >= 3 && hi_ <= limits_.start_rate / 64) {
    done_ =
        SearchAnswer{Verdict::kNeverPassed, 0, hi_, fmt::format("refused even at {:.2f}/s", hi_)};
  }
}

}  // namespace iuprobe
