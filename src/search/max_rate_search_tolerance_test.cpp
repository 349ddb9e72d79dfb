// SPDX-License-Identifier: Apache-2.0
// The search at a tolerance above zero: confidence bounds, holds, and what a refused fraction
// says about the next rate. (Capacities, kinds of limiter and bounds: max_rate_search_test.cpp.)
#include <gtest/gtest.h>

#include <cmath>

#include "search/max_rate_search.h"
#include "search/search_test_support.h"

namespace iuprobe {
namespace {

using namespace std::chrono_literals;
using Verdict = SearchAnswer::Verdict;
using namespace search_testing;  // NOLINT(google-build-using-namespace)

TEST(MaxRateSearch, AShortCleanSaturateStepOfRandomArrivalsDoesNotOverruleAFailure) {
  // Random arrivals at a 0.1% tolerance: the explore step at 40/s refused 1 of 80, and the
  // saturate step above it refused none of its few hundred by chance, which proves nothing
  // about 0.1%. The failure at 40/s stands; the pass neither lifts the bracket above it nor
  // bounds the search from below.
  SearchLimits limits;
  limits.max_error_rate = 0.001;
  const Server lucky = [](const TrialPlan& plan) {
    const double x = plan.rate;
    const auto answered = static_cast<std::uint64_t>(x * to_seconds(plan.duration));
    // At least one refused from 30/s up (the probe's holds, which this search alone does not
    // run, would find the fraction there above 0.1%), none below.
    const double fraction = 0.001 * std::pow(x / 30, 4);
    std::uint64_t refused =
        x < 30 ? 0 : std::max<std::uint64_t>(1, std::lround(fraction * answered));
    if (plan.phase == TrialPlan::Phase::kSaturate) refused = 0;
    if (plan.phase == TrialPlan::Phase::kExplore && x == 40) refused = 1;
    const double share = static_cast<double>(refused) / static_cast<double>(answered);
    return TrialResult{.offered = x,
                       .sent = x,
                       .goodput = x * (1 - share),
                       .refused_fraction = share,
                       .answered = answered,
                       .refused = refused};
  };
  const auto out = run(MaxRateSearch(limits), lucky);
  ASSERT_EQ(out.answer.verdict, Verdict::kFound) << out.answer.reason;
  EXPECT_LT(out.answer.capacity, 30);
  EXPECT_GT(out.answer.capacity, 30 * 0.96);
  EXPECT_LE(out.answer.upper, 40);
  // Nothing but that saturate step went above the failure (overruled, the search explored on
  // from 59/s, to be failed again at 118/s and 89/s).
  for (const MaxRateSearch::Trial& t : out.steps) {
    if (t.plan.phase != TrialPlan::Phase::kSaturate) {
      EXPECT_LE(t.plan.rate, 40);
    }
  }
}

TEST(MaxRateSearch, RareRefusalsStepDownByTwiceThePrecisionInsteadOfCreeping) {
  // Timer jitter at high rates: a tenth of a percent refused from 0.9 c up, while nearly
  // everything is served. Each such failure steps down by 2% at once: four failed steps, where
  // creeping down by 1% at a time from the estimate (c) took nine.
  const double c = 5000;
  const Server jitter = [c](const TrialPlan& plan) {
    const double x = plan.rate;
    TrialResult r{.offered = x, .sent = x};
    r.refused_fraction = x > c ? (x - c) / x + 0.001 : x > 0.9 * c ? 0.001 : 0;
    r.goodput = x * (1 - r.refused_fraction);
    return r;
  };
  const auto out = run(MaxRateSearch({}), jitter);
  expect_within(out, 0.9 * c);
  const auto rare_failures = std::count_if(out.steps.begin(), out.steps.end(), [](const auto& t) {
    return t.plan.phase == TrialPlan::Phase::kRefine && !t.passed &&
           t.result.goodput >= t.plan.rate * 0.98;
  });
  EXPECT_LE(rare_failures, 4) << out.trials << " trials";
}

TEST(MaxRateSearch, AHoldAHairAboveTheToleranceIsWithinThePrecisionAndDoesNotCreep) {
  // Jittered service behind a concurrency limit (nginx limit_conn in front of such a backend):
  // the refused fraction grows smoothly with the rate and crosses the 1% tolerance at 330/s, and
  // a long hold refuses a little more than a short step at the same rate. Failing each hold on a
  // fraction a hair above 1% (1.03% here) sent the search down by a precision per hold, and back
  // up by bisection, until its trials ran out. Over-driven, it serves 383/s.
  SearchLimits limits;
  limits.max_error_rate = 0.01;
  const Server smooth = [](const TrialPlan& plan) {
    const double x = plan.rate;
    const double longer = plan.phase == TrialPlan::Phase::kConfirm ? 1.12 : 1;
    const double fraction =
        std::max(std::min(0.01 * std::pow(x / 330, 8) * longer, 0.04), 1 - 383 / x);
    const auto answered = static_cast<std::uint64_t>(x * to_seconds(plan.duration));
    const auto refused = static_cast<std::uint64_t>(std::lround(fraction * answered));
    return TrialResult{.offered = x,
                       .sent = x,
                       .goodput = x * (1 - fraction),
                       .refused_fraction = static_cast<double>(refused) / answered,
                       .answered = answered,
                       .refused = refused};
  };
  // Evenly spaced requests (the refused fraction does not guide the step down) too.
  for (const bool evenly_spaced : {false, true}) {
    SCOPED_TRACE(evenly_spaced ? "evenly spaced" : "random arrivals");
    limits.evenly_spaced = evenly_spaced;
    const auto out = run(MaxRateSearch(limits), smooth);
    expect_within(out, 330);
    EXPECT_LE(out.trials, 16);
    const MaxRateSearch::Trial& hold = out.steps.back();
    EXPECT_EQ(hold.plan.phase, TrialPlan::Phase::kConfirm);
    EXPECT_GT(hold.result.refused_fraction, 0.01);  // the hold that passed above the tolerance
    EXPECT_NE(out.answer.reason.find("within the precision of the 1% tolerance"), std::string::npos)
        << out.answer.reason;
  }
}

TEST(MaxRateSearch, JudgesAToleranceByItsConfidenceBounds) {
  SearchLimits limits;
  limits.max_error_rate = 0.001;
  const MaxRateSearch search(limits);
  const auto with = [](std::uint64_t refused, std::uint64_t answered) {
    return TrialResult{.refused_fraction = static_cast<double>(refused) / answered,
                       .answered = answered,
                       .refused = refused};
  };
  // None of 4,000: at most 0.075% at 95% confidence. Two of 4,000 (0.05%): could be 0.16%.
  // Twenty of 4,000: at least 0.34%.
  EXPECT_EQ(search.judge_refusals(with(0, 4000)), Judgement::kPass);
  EXPECT_EQ(search.judge_refusals(with(2, 4000)), Judgement::kUndecided);
  EXPECT_EQ(search.judge_refusals(with(20, 4000)), Judgement::kFail);
  EXPECT_EQ(search.judge_refusals(with(0, 400)), Judgement::kUndecided);
  // Undecided at the end of a refine step's longest hold: the fraction itself decides. A confirm
  // step passes up to 1.08× the tolerance (at the default 2% precision): 0.105%, not 0.125%.
  const TrialPlan refine{.phase = TrialPlan::Phase::kRefine, .rate = 100};
  const TrialPlan confirm{.phase = TrialPlan::Phase::kConfirm, .rate = 100};
  EXPECT_TRUE(search.passes(refine, with(2, 4000)));
  EXPECT_FALSE(search.passes(refine, with(8, 4000)));
  EXPECT_FALSE(search.passes(refine, with(21, 20000)));
  EXPECT_TRUE(search.passes(confirm, with(21, 20000)));
  EXPECT_FALSE(search.passes(confirm, with(25, 20000)));
  EXPECT_FALSE(search.passes(confirm, with(218, 200000)));  // 1.09×, undecided
  // A coarse precision (10%: 1.52×) does not widen it past 1.1×.
  limits.precision = 0.1;
  EXPECT_FALSE(MaxRateSearch(limits).passes(confirm, with(24, 20000)));
  EXPECT_TRUE(MaxRateSearch(limits).passes(confirm, with(21, 20000)));
  EXPECT_FALSE(search.passes(confirm, with(20, 4000)));
  // Evenly spaced, a step that refused nothing passes however short; one refusal is judged.
  limits.evenly_spaced = true;
  EXPECT_EQ(MaxRateSearch(limits).judge_refusals(with(0, 400)), Judgement::kPass);
  EXPECT_EQ(MaxRateSearch(limits).judge_refusals(with(1, 400)), Judgement::kUndecided);
  const FractionBounds b = refused_bounds(0, 4000, 0.95);
  EXPECT_DOUBLE_EQ(b.low, 0);
  EXPECT_NEAR(b.high, 1 - std::pow(0.05, 1.0 / 4000), 1e-9);
}

TEST(MaxRateSearch, AtZeroToleranceOneRefusalFails) {
  const MaxRateSearch search({});
  EXPECT_EQ(search.judge_refusals({.refused_fraction = 1.0 / 4000, .answered = 4000, .refused = 1}),
            Judgement::kFail);
  EXPECT_EQ(search.judge_refusals({.answered = 40}), Judgement::kPass);
}

}  // namespace
}  // namespace iuprobe
