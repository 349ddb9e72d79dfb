// SPDX-License-Identifier: Apache-2.0
#include "search/endpoint_failure.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace iuprobe {

bool failed_by_errors(const MaxRateSearch::Trial& t) {
  const double errors = t.result.error_fraction * static_cast<double>(t.result.answered);
  return !t.passed && !t.result.generator_limited && t.result.refused > 0 &&
         2 * errors > static_cast<double>(t.result.refused);
}

namespace {

// As in max_rate_search.cpp: the same alias, so that a unity build sees one declaration.
using Verdict = SearchAnswer::Verdict;

// Errors at a small fraction that does not fall with the rate: two steps failed by errors at
// rates at least 2x apart, both with at most a fifth of their answers errors, the slower one's
// fraction at least three quarters of the faster one's (a reset or a cut-off answer every so
// often, a share of 5xx). An endpoint that answers overload with errors cannot do that. Evenly
// spaced, at a rate r above its capacity C it fails 1 - C/r of its requests, so a step at twice
// a failing rate fails more than half. Poisson arrivals at one slot or a limiter without burst
// lose rho/(1 + rho) (Erlang B), so half the rate loses at most 0.56 of the share while that is
// a fifth or less; more slots fall faster still. Bisecting towards zero would only creep down
// in ever shorter steps.
std::optional<SearchAnswer> steady_errors(const std::vector<MaxRateSearch::Trial>& trials,
                                          double lo) {
  const MaxRateSearch::Trial& t = trials.back();
  constexpr double kSmall = 0.2;
  if (!failed_by_errors(t) || t.result.error_fraction > kSmall) return std::nullopt;
  for (auto it = trials.begin(); it + 1 != trials.end(); ++it) {
    if (!failed_by_errors(*it) || it->result.error_fraction > kSmall) continue;
    const auto& [slow, fast] =
        it->plan.rate < t.plan.rate ? std::pair(&*it, &t) : std::pair(&t, &*it);
    if (fast->plan.rate < 2 * slow->plan.rate ||
        slow->result.error_fraction < 0.75 * fast->result.error_fraction)
      continue;
    const auto errors = [](const MaxRateSearch::Trial* x) {
      return x->result.error_fraction * static_cast<double>(x->result.answered);
    };
    const double pooled = (errors(slow) + errors(fast)) /
                          static_cast<double>(slow->result.answered + fast->result.answered);
    return SearchAnswer{
        Verdict::kUnfinished, lo, 0,
        fmt::format("the endpoint fails {:.1f}% of requests at {:.1f}/s and {:.1f}% at {:.1f}/s "
                    "with errors, not throttles (most often {} × {}): errors that do not fall "
                    "with the rate are a fault, not its capacity. Fix the endpoint, or tolerate "
                    "them with --max-error-rate {:.2g} (twice their share)",
                    100 * slow->result.error_fraction, slow->plan.rate,
                    100 * fast->result.error_fraction, fast->plan.rate,
                    t.result.dominant_error_count,
                    t.result.dominant_error.empty() ? "unknown" : t.result.dominant_error,
                    std::ceil(200 * pooled) / 100)};
  }
  return std::nullopt;
}

}  // namespace

std::optional<SearchAnswer> endpoint_failure(const std::vector<MaxRateSearch::Trial>& trials,
                                             double lo) {
  using Trial = MaxRateSearch::Trial;
  const Trial& t = trials.back();
  const TrialPlan& plan = t.plan;
  const TrialResult& result = t.result;
  // Errors rather than throttles at the lowest rate tried, and at a low rate or twice in a row
  // (servers that answer overload with 5xx recover at half the rate): the endpoint or the
  // request is broken, and bisecting towards zero would not find a capacity.
  const auto error_bound = [&](const Trial& trial) {
    return !trial.passed && trial.result.error_fraction > 0.5;
  };
  const bool lowest = std::all_of(trials.begin(), trials.end(),
                                  [&](const Trial& other) { return other.plan.rate >= plan.rate; });
  constexpr double kLowRate = 10;
  const bool again = std::any_of(trials.begin(), trials.end(), [&](const Trial& other) {
    return other.plan.rate > plan.rate && error_bound(other);
  });
  const std::string dominant =
      result.dominant_error.empty() ? std::string("unknown") : result.dominant_error;
  // Not a single HTTP answer (every request refused, reset or timed out) after a step that
  // passed: the endpoint died, or its network did. A limiter answers, if only with 429, 403 or
  // 503; bisecting towards zero against a dead endpoint would only end in "nothing passed"
  // (found by the fault tests: 38 s of steps against an nginx stopped mid-probe). Over-driven
  // (saturate) steps and steps the generator fell behind in (its own EMFILE, EADDRNOTAVAIL)
  // do not count.
  double passed_at = 0;
  for (auto it = trials.begin(); it + 1 != trials.end(); ++it) {
    if (it->passed) passed_at = std::max(passed_at, it->plan.rate);
  }
  if (passed_at > 0 && plan.phase != TrialPlan::Phase::kSaturate && !result.generator_limited &&
      result.answered > 0 && result.unanswered == result.answered) {
    return SearchAnswer{
        Verdict::kUnfinished, lo, plan.rate,
        fmt::format("the endpoint stopped answering at {:.1f}/s: none of {} requests got an HTTP "
                    "answer ({} × {}) after {:.1f}/s had passed. It failed or went away rather "
                    "than refused, so its capacity is not known: check it, and probe again",
                    plan.rate, result.answered, result.dominant_error_count, dominant, passed_at)};
  }
  if (auto steady = steady_errors(trials, lo)) return steady;
  if (plan.phase != TrialPlan::Phase::kSaturate && lo == 0 && lowest && error_bound(t) &&
      (plan.rate <= kLowRate || again)) {
    if (result.timed_out == result.answered) {
      return SearchAnswer{
          Verdict::kNeverPassed, 0, plan.rate,
          fmt::format("the endpoint does not answer: all {} requests at {:.1f}/s timed out ({}): "
                      "check that it is up and serving, or raise --timeout if it is that slow",
                      result.answered, plan.rate, dominant)};
    }
    return SearchAnswer{
        Verdict::kNeverPassed, 0, plan.rate,
        fmt::format("most requests failed with errors, not throttles, at {:.1f}/s, the lowest "
                    "rate tried ({} of {} answers; most often {} × {}): fix the endpoint or "
                    "the request before probing its capacity",
                    plan.rate, result.refused, result.answered, result.dominant_error_count,
                    dominant)};
  }
  return std::nullopt;
}

}  // namespace iuprobe
