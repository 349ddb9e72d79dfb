// SPDX-License-Identifier: Apache-2.0
// The probe against each kind of limiter: windows that remember, stalls, random arrivals.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "probe/probe.h"
#include "probe/probe_test_support.h"

namespace iuprobe {
namespace {

using namespace probe_testing;
using Verdict = SearchAnswer::Verdict;

TEST(RunProbe, ALimiterThatCollapsesIsProbedUndrainedAfterAWholeWindow) {
  // Over-driven, a one-second window that counts refused requests serves almost nothing: no
  // bucket, so no drain (it would fill the window) and a settle that outlasts the window.
  Probe probe;
  FakeSession session(probe.clock, counting_window(200));
  session.window = 1s;
  const ProbeReport report = probe.run(session);
  EXPECT_EQ(report.answer.verdict, Verdict::kFound) << report.answer.reason;
  EXPECT_NEAR(report.answer.capacity / 200, 1.0, 0.03);
  bool saturated = false;
  for (const ProbeTrialRecord& r : report.trials) {
    EXPECT_EQ(r.set_aside, "") << r.index;
    const TrialPlan& plan = r.trial.plan;
    if (saturated) {
      EXPECT_EQ(plan.drain_rate, 0) << r.index;
      EXPECT_GE(plan.settle, 1s) << r.index;
    }
    saturated = saturated || plan.phase == TrialPlan::Phase::kSaturate;
  }
  EXPECT_TRUE(saturated);
  ASSERT_TRUE(report.answer.saturated);
  EXPECT_LT(report.answer.saturated->goodput, 20);
}

TEST(RunProbe, ALimiterThatRemembersTheOverloadIsProbedAfterALongerSettle) {
  // A two-second window still holds the overload of the step before after a one-second settle,
  // so the measure phase starts refused even at a rate the limiter sustains; the step is set
  // aside, run again after a longer settle, and the answer is the limit.
  Probe probe;
  FakeSession session(probe.clock, counting_window(200, 2));
  session.window = 1s;
  const ProbeReport report = probe.run(session);
  EXPECT_EQ(report.answer.verdict, Verdict::kFound) << report.answer.reason;
  EXPECT_NEAR(report.answer.capacity / 200, 1.0, 0.03);
  const auto set_aside =
      std::count_if(report.trials.begin(), report.trials.end(),
                    [](const ProbeTrialRecord& r) { return !r.set_aside.empty(); });
  EXPECT_EQ(set_aside, 1) << "the longer settle is kept for the steps after it";
  ASSERT_TRUE(report.answer.saturated);
  EXPECT_LT(report.answer.saturated->goodput, 150);
  EXPECT_NE(report.answer.saturation_note.find("counts the requests it refuses"),
            std::string::npos);
}

// Slots of `capacity` that stall in the second whole second of a measure phase offered between
// `from` and 1 × their capacity, in the first such phase only or in `every` one: 0.4% of that
// second refused while answers take 60 ms (10 ms otherwise).
SimulatedServer stalls(double capacity, double from, bool every) {
  auto seconds = std::make_shared<int>(0);  // whole seconds in a row
  auto stalled = std::make_shared<int>(0);
  return [=](double rate, Duration length) {
    Served served = slots(capacity)(rate, length);
    served.latency = 10ms;
    *seconds = length == 1s ? *seconds + 1 : 0;
    if (*seconds == 2 && rate >= from * capacity && rate < capacity && (every || *stalled == 0)) {
      ++*stalled;
      served = Served{.refused_fraction = 0.004, .latency = 60ms};
    }
    return served;
  };
}

// A probe of `server` whose steps report whole seconds, as the real session's do.
ProbeReport probe_by_the_second(SimulatedServer server) {
  Probe probe;
  FakeSession session(probe.clock, std::move(server));
  session.window = 1s;
  return probe.run(session);
}

TEST(RunProbe, AStepFailedByAStallIsRepeatedOnce) {
  const ProbeReport report = probe_by_the_second(stalls(500, 0.95, false));
  EXPECT_EQ(report.answer.verdict, Verdict::kFound) << report.answer.reason;
  std::vector<const ProbeTrialRecord*> set_aside;
  for (const auto& r : report.trials) {
    if (!r.set_aside.empty()) set_aside.push_back(&r);
  }
  ASSERT_EQ(set_aside.size(), 1U);
  EXPECT_NE(set_aside[0]->set_aside.find("a stall, not the rate"), std::string::npos)
      << set_aside[0]->set_aside;
  // The repeat ran next, at the same rate, and passed.
  const ProbeTrialRecord& repeat = report.trials[set_aside[0]->index];
  EXPECT_EQ(repeat.trial.plan.rate, set_aside[0]->trial.plan.rate);
  EXPECT_TRUE(repeat.trial.passed);
  EXPECT_NEAR(report.answer.capacity / 500, 1.0, 0.03);
}

TEST(RunProbe, AServerThatStallsOftenIsRepeatedAFewTimesOnly) {
  const ProbeReport report = probe_by_the_second(stalls(500, 0.5, true));
  EXPECT_EQ(report.answer.verdict, Verdict::kFound) << report.answer.reason;
  const auto set_aside =
      std::count_if(report.trials.begin(), report.trials.end(),
                    [](const ProbeTrialRecord& r) { return !r.set_aside.empty(); });
  EXPECT_EQ(set_aside, 3);
  // It is refused whenever it is offered above half its capacity: that is its sustainable rate.
  EXPECT_LT(report.answer.capacity, 0.5 * 500);
}

// Slots of `capacity` behind a generator that falls behind in the first `times` measure phases
// offered between 0.95 and 1 × their capacity: half its sends leave late, and the bunches
// overflow 2% of the slots' answers.
SimulatedServer behind_at(double capacity, int times) {
  auto left = std::make_shared<int>(times);
  return [=](double rate, Duration length) {
    Served served = slots(capacity)(rate, length);
    if (length >= 1s && rate >= 0.95 * capacity && rate<capacity&& * left> 0) {
      --*left;
      served = Served{.refused_fraction = 0.02, .late_fraction = 0.5};
    }
    return served;
  };
}

TEST(RunProbe, AStepWithAFewRefusedWhileTheGeneratorFellBehindIsRepeated) {
  Probe probe;
  FakeSession session(probe.clock, behind_at(500, 1));
  const ProbeReport report = probe.run(session);
  EXPECT_EQ(report.answer.verdict, Verdict::kFound) << report.answer.reason;
  // Counted, the bunch would cap the answer below the rate it was refused at (488.8/s, 0.978×).
  EXPECT_GT(report.answer.capacity / 500, 0.985) << report.answer.reason;
  EXPECT_LE(report.answer.capacity, 500) << report.answer.reason;
  std::vector<const ProbeTrialRecord*> set_aside;
  for (const auto& r : report.trials) {
    if (!r.set_aside.empty()) set_aside.push_back(&r);
  }
  ASSERT_EQ(set_aside.size(), 1U);
  EXPECT_NE(set_aside[0]->set_aside.find("while the load generator fell behind"), std::string::npos)
      << set_aside[0]->set_aside;
  EXPECT_TRUE(set_aside[0]->trial.result.generator_limited);
  const ProbeTrialRecord& repeat = report.trials[set_aside[0]->index];
  EXPECT_EQ(repeat.trial.plan.rate, set_aside[0]->trial.plan.rate);
  EXPECT_TRUE(repeat.trial.passed);
}

TEST(RunProbe, AGeneratorThatFallsBehindEveryTimeIsRepeatedTwiceOnly) {
  // Behind at every rate near the capacity: two repeats, then the verdicts count (a bound below
  // the capacity, not a probe that never ends).
  Probe probe;
  FakeSession session(probe.clock, behind_at(500, 1000));
  const ProbeReport report = probe.run(session);
  const auto set_aside =
      std::count_if(report.trials.begin(), report.trials.end(),
                    [](const ProbeTrialRecord& r) { return !r.set_aside.empty(); });
  EXPECT_EQ(set_aside, 2);
  EXPECT_TRUE(report.completed());
  EXPECT_LT(report.answer.capacity, 0.95 * 500) << report.answer.reason;
}

TEST(RunProbe, ATokenBucketIsNotSetAside) {
  Probe probe;
  FakeSession session(probe.clock, token_bucket(300, 300));
  session.window = 1s;
  const ProbeReport report = probe.run(session);
  EXPECT_NEAR(report.answer.capacity / 300, 1.0, 0.03) << report.answer.reason;
  for (const auto& r : report.trials) EXPECT_EQ(r.set_aside, "") << r.index;
}

TEST(RunProbe, PoissonArrivalsAreJudgedAtTheirToleranceWithConfidence) {
  // Random arrivals meet full slots now and then: refusals grow smoothly with the rate,
  // 0.1% at 250/s, and the slots serve 280/s at most. Steps near 250/s are held longer until
  // their bounds decide.
  Probe probe;
  probe.settings.arrivals = Arrivals::kPoisson;
  probe.settings.limits.max_error_rate = 0.001;
  FakeSession session(probe.clock, [](double rate, Duration) {
    const double random = std::min(0.01, 0.001 * std::pow(rate / 250, 20));
    return Served{.refused_fraction = std::max(random, 1 - 280 / rate)};
  });
  const ProbeReport report = probe.run(session);
  EXPECT_EQ(report.answer.verdict, Verdict::kFound) << report.answer.reason;
  EXPECT_NEAR(report.answer.capacity / 250, 1.0, 0.04);
  EXPECT_EQ(report.arrivals, Arrivals::kPoisson);
  // Some steps were held longer than planned (a plan of one measure phase each time).
  EXPECT_GT(session.plans.size(), report.trials.size());
  // The answer's step was held past its planned 8 s, until the bounds decided or 30 s had
  // passed, when its refused fraction itself decided; its evidence says how sure that is.
  const ProbeTrialRecord* at = answer_trial(report);
  ASSERT_NE(at, nullptr);
  const TrialResult& t = at->trial.result;
  EXPECT_GT(t.answered, static_cast<std::uint64_t>(at->trial.plan.rate * 8));
  EXPECT_LE(t.refused_fraction, 0.001);
  EXPECT_GE(at->refused_bounds.high, t.refused_fraction);
  EXPECT_TRUE(report.warnings.empty()) << report.warnings.front();
  // Explore steps are not held longer (they look for the first refusal, not for a tenth of a
  // percent), and refine steps for half as long as the answer's hold at most.
  for (const ProbeTrialRecord& r : report.trials) {
    const double rate = r.trial.plan.rate;
    const auto answered = static_cast<double>(r.trial.result.answered);
    if (r.trial.plan.phase == TrialPlan::Phase::kExplore) {
      EXPECT_LE(answered, rate * 2 + 1) << r.index;
    }
    if (r.trial.plan.phase == TrialPlan::Phase::kRefine) {
      EXPECT_LE(answered, rate * 15 + 4) << r.index;  // each extra measure rounds
    }
  }
}

// The share of random (Poisson) arrivals that find all `places` of `slots` taken, at `rate`, for
// exponential service times of `service_s` (Erlang's loss formula with a queue: M/M/c/K).
double refused_at_random(double rate, int slots, int places, double service_s) {
  const double load = rate * service_s;
  double term = 1, sum = 1;
  for (int n = 1; n <= places; ++n) {
    term *= load / std::min(n, slots);
    sum += term;
  }
  return term / sum;
}

TEST(RunProbe, ASmallQueueUnderRandomArrivalsIsFoundFarBelowItsSaturatedRate) {
  // The emulator's default model (5 slots and a queue of 2, 50 ms): 100/s when saturated, but
  // random arrivals find all 7 places taken 0.57% of the time at 40/s. Short explore steps
  // there see no refusal at all; they must not bound the search from below.
  const auto refused = [](double rate) { return refused_at_random(rate, 5, 7, 0.05); };
  double lo = 1, hi = 100;  // the truth: where the formula gives the tolerance
  for (int i = 0; i < 60; ++i) (refused((lo + hi) / 2) > 0.001 ? hi : lo) = (lo + hi) / 2;
  // Nine searches, each request refused at random as it would be (seeds 1 to 9): one seed
  // alone says little, since any change to the steps draws other refusals.
  std::vector<double> ratios;
  std::vector<std::size_t> steps;
  int unfinished = 0;
  for (unsigned seed = 1; seed <= 9; ++seed) {
    Probe probe;
    probe.settings.arrivals = Arrivals::kPoisson;
    probe.settings.limits.max_error_rate = 0.001;
    std::mt19937 random(seed);
    FakeSession session(probe.clock, [&](double rate, Duration length) {
      const auto offered = std::llround(rate * to_seconds(length));
      std::binomial_distribution<long long> refusals(offered,
                                                     std::max(refused(rate), 1 - 100 / rate));
      const auto n = offered > 0 ? refusals(random) : 0;
      return Served{.refused_fraction = offered > 0 ? static_cast<double>(n) / offered : 0};
    });
    const ProbeReport report = probe.run(session);
    steps.push_back(report.trials.size());
    if (report.answer.verdict != Verdict::kFound) {
      ++unfinished;
      EXPECT_EQ(report.answer.verdict, Verdict::kUnfinished) << report.answer.reason;
      continue;
    }
    ratios.push_back(report.answer.capacity / lo);
    // Steps of 15 s at most cannot prove 0.1% at 25/s (3,000 answers would): one refusal there
    // fails a step, none passes it, so single answers spread widely around the truth.
    EXPECT_GT(ratios.back(), 0.65) << "seed " << seed;
    EXPECT_LT(ratios.back(), 1.35) << "seed " << seed;
  }
  // Measured over seeds 1 to 60: answers from 0.67 to 1.32 times the truth, median 0.97 (before
  // the explore steps stopped bounding the search and the fraction guided the steps down,
  // 1.08 to 1.22 times, every one above); 19 of 60 searches ran out of steps (24), most within
  // 1% of the truth; 20.5 steps (median). Seeds 1 to 9: median 0.92, two out of steps, 21.3
  // steps on average. The spread and the searches out of steps are issue 12's open weakness.
  EXPECT_LE(unfinished, 3);
  std::sort(ratios.begin(), ratios.end());
  EXPECT_GT(ratios[ratios.size() / 2], 0.85);
  EXPECT_LT(ratios[ratios.size() / 2], 1.04);
  double mean_steps = 0;
  for (const std::size_t n : steps) mean_steps += static_cast<double>(n) / steps.size();
  EXPECT_LE(mean_steps, 22);
}

// Slots of `capacity` that refuse one stray request in the second whole second in a row of any
// step offered from 0.9 × their capacity up to it, with no slow answer (so no stall): a late
// timer, say. With `once`, only the first such step does.
SimulatedServer strays(double capacity, bool once = false) {
  auto seconds = std::make_shared<int>(0);
  auto strayed = std::make_shared<bool>(false);
  return [=](double rate, Duration length) {
    Served served = slots(capacity)(rate, length);
    served.latency = 10ms;
    *seconds = length == 1s ? *seconds + 1 : 0;
    if (*seconds == 2 && rate >= 0.9 * capacity && rate < capacity && !(once && *strayed)) {
      served.refused_fraction = 1 / rate;
      *strayed = true;
    }
    return served;
  };
}

ProbeReport probe_evenly(SimulatedServer server, double tolerance) {
  Probe probe;
  probe.settings.limits.max_error_rate = tolerance;
  FakeSession session(probe.clock, std::move(server));
  session.window = 1s;
  return probe.run(session);
}

TEST(RunProbe, EvenlySpacedRequestsAtTheDefaultToleranceLookPastAStrayRefusal) {
  // At zero tolerance one stray of 2,000 fails the step: the answer is below where strays begin.
  const ProbeReport strict = probe_evenly(strays(500), 0);
  EXPECT_EQ(strict.answer.verdict, Verdict::kFound) << strict.answer.reason;
  EXPECT_LT(strict.answer.capacity, 0.9 * 500);
  // At the default a step with one refusal is held longer to tell it from 0.1%, and passes.
  const ProbeReport report = probe_evenly(strays(500), kDefaultTolerance);
  EXPECT_EQ(report.answer.verdict, Verdict::kFound) << report.answer.reason;
  EXPECT_NEAR(report.answer.capacity / 500, 1.0, 0.03);
  const bool held = std::any_of(report.trials.begin(), report.trials.end(), [](const auto& r) {
    return r.trial.result.refused > 0 && r.trial.passed && r.trial.plan.duration > 8s;
  });
  EXPECT_TRUE(held);
}

TEST(RunProbe, AnEvenlySpacedExploreStepWithAStrayIsHeldNotFailed) {
  // Doubling from 12.5/s lands on 400/s, 0.91 × a capacity of 440: one stray of 800 (0.125%).
  // Failed, it would cap the answer below 400; held, it passes, as a refine step would (one
  // refusal is within 0.1% at 95% confidence from 4,744 answers on: 11.9 s here, of its 15).
  Probe probe;
  probe.settings.limits.max_error_rate = kDefaultTolerance;
  probe.settings.limits.start_rate = 12.5;
  FakeSession session(probe.clock, strays(440, true));
  session.window = 1s;
  const ProbeReport report = probe.run(session);
  EXPECT_EQ(report.answer.verdict, Verdict::kFound) << report.answer.reason;
  EXPECT_NEAR(report.answer.capacity / 440, 1.0, 0.03);
  ASSERT_GE(report.trials.size(), 6U);
  const MaxRateSearch::Trial& explore = report.trials[5].trial;
  EXPECT_EQ(explore.plan.rate, 400);
  EXPECT_EQ(explore.result.refused, 1U);
  EXPECT_TRUE(explore.passed);
  EXPECT_TRUE(report.limits.evenly_spaced);  // the report says what the search ran with
}

TEST(RunProbe, EvenlySpacedAboveATokenBucketAFewPercentRefusedIsOverloadNotAStrayFraction) {
  // 6% refused at 160/s: under random arrivals that would say where 0.1% is met (the fourth
  // root: half the rate), and bisecting up from 80/s past drains too weak to empty a second's
  // burst passed rates above 150 (found in the fault tests: 155/s).
  const ProbeReport report = probe_evenly(token_bucket(150, 150), kDefaultTolerance);
  EXPECT_EQ(report.answer.verdict, Verdict::kFound) << report.answer.reason;
  EXPECT_NEAR(report.answer.capacity / 150, 0.99, 0.011);
}

TEST(RunProbe, EvenlySpacedStepsThatRefusedNothingAreNotHeldLongerForATolerance) {
  // A clean step passes at once, however few it answered: the probe takes as long as at zero
  // tolerance. Random arrivals, at the same tolerance, hold short clean steps to bound it.
  const ProbeReport strict = probe_evenly(slots(500), 0);
  const ProbeReport tolerant = probe_evenly(slots(500), kDefaultTolerance);
  EXPECT_NEAR(tolerant.answer.capacity, strict.answer.capacity, 1e-9);
  EXPECT_EQ(tolerant.trials.size(), strict.trials.size());
  EXPECT_EQ(tolerant.wall, strict.wall);
  Probe random;
  random.settings.limits.max_error_rate = kDefaultTolerance;
  random.settings.arrivals = Arrivals::kPoisson;
  FakeSession session(random.clock, slots(500));
  session.window = 1s;
  EXPECT_GT(random.run(session).wall, strict.wall);
}

TEST(RunProbe, PoissonArrivalsAtZeroToleranceWarn) {
  Probe probe;
  probe.settings.arrivals = Arrivals::kPoisson;
  FakeSession session(probe.clock, slots(300));
  const ProbeReport report = probe.run(session);
  EXPECT_FALSE(report.limits.evenly_spaced);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_NE(report.warnings[0].find("Poisson arrivals at zero tolerance"), std::string::npos);
  // Every step's plan spaced its requests as asked: the session saw Poisson arrivals.
  EXPECT_EQ(session.arrivals, Arrivals::kPoisson);
}

}  // namespace
}  // namespace iuprobe
