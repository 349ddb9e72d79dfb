// SPDX-License-Identifier: Apache-2.0
#include "search/max_rate_search.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <utility>

#include "search/search_test_support.h"

namespace iuprobe {
namespace {

using namespace std::chrono_literals;
using Verdict = SearchAnswer::Verdict;
using namespace search_testing;  // NOLINT(google-build-using-namespace)

// A token bucket of `capacity` per second holding up to `burst` tokens, simulated in 1 ms steps,
// its state carried from trial to trial (like nginx's limit_req with burst and nodelay).
Server token_bucket(double capacity, double burst) {
  auto tokens = std::make_shared<double>(burst);
  return [=](const TrialPlan& plan) {
    auto run = [&](double rate, Duration length, double* refused) {
      const double dt = 0.001;
      double accepted = 0;
      for (double t = 0; t < to_seconds(length); t += dt) {
        *tokens = std::min(burst + capacity * dt, *tokens + capacity * dt);
        const double want = rate * dt;
        const double take = std::min(want, *tokens);
        *tokens -= take;
        accepted += take;
        *refused += want - take;
      }
      return accepted;
    };
    double ignored = 0;
    if (plan.drain_rate > 0) run(plan.drain_rate, plan.drain, &ignored);
    run(plan.rate, plan.settle, &ignored);
    double refused = 0;
    const double accepted = run(plan.rate, plan.duration, &refused);
    const double seconds = to_seconds(plan.duration);
    TrialResult r{.offered = plan.rate, .sent = plan.rate, .goodput = accepted / seconds};
    // Refusals below one request are not refusals.
    r.refused_fraction = refused >= 1 ? refused / (plan.rate * seconds) : 0;
    return r;
  };
}

// A concurrency-limited model: a rate above capacity is refused in proportion, goodput is the
// capacity; `noise` scatters the capacity per trial (deterministically).
Server slots(double capacity, double noise = 0) {
  auto trial = std::make_shared<int>(0);
  return [=](const TrialPlan& plan) {
    const double c = capacity * (1 + noise * std::sin(++*trial * 12.9898));
    TrialResult r{.offered = plan.rate, .sent = plan.rate};
    r.goodput = std::min(plan.rate, c);
    r.refused_fraction = plan.rate > c ? (plan.rate - c) / plan.rate : 0;
    r.p95 = from_seconds(0.05 * (1 + std::pow(std::min(plan.rate / c, 1.0), 8) * 4));
    r.p99 = r.p95;
    return r;
  };
}

TEST(MaxRateSearch, FindsSlotCapacitiesFromFiveToFiveThousand) {
  for (double capacity : {5.0, 37.0, 100.0, 480.0, 2500.0, 5000.0}) {
    SCOPED_TRACE(capacity);
    expect_within(run(MaxRateSearch({}), slots(capacity)), capacity);
  }
}

// A search cut short before any step was refused has no upper bound: it says so, not
// "between 40/s and 0/s".
TEST(MaxRateSearch, ASearchStoppedBeforeAnyRefusalNamesNoUpperBound) {
  MaxRateSearch search(SearchLimits{.start_rate = 10});
  const Server server = slots(1000);
  for (int i = 0; i < 3; ++i) {
    const auto plan = search.next();
    ASSERT_TRUE(plan);
    search.record(*plan, server(*plan));
  }
  const SearchAnswer a = search.answer();
  EXPECT_EQ(a.verdict, Verdict::kUnfinished);
  EXPECT_EQ(a.reason,
            "stopped after 3 trials without converging: 40.0/s passed, no higher rate was "
            "refused yet");
}

TEST(MaxRateSearch, ToleratesNoisyCapacity) {
  for (double capacity : {20.0, 300.0, 4000.0}) {
    SCOPED_TRACE(capacity);
    expect_within(run(MaxRateSearch({}), slots(capacity, 0.01)), capacity, 0.035);
  }
}

TEST(MaxRateSearch, AFailureThatAnOverDrivenStepAboveItPassedDidNotLast) {
  // Slots of 120/s whose first explore step at 80/s met a stall (24% refused); the saturate step
  // at 1.5 × its goodput then passed. The bracket was left upside down, [90.8, 80), and the
  // search confirmed 90.8 at once (found in the matrix: the 4 MB PNG case answered -25%).
  const Server healthy = slots(120);
  auto stalled = std::make_shared<bool>(false);
  const Server once = [&](const TrialPlan& plan) {
    if (plan.rate == 80 && !*stalled) {
      *stalled = true;
      return TrialResult{.offered = 80, .sent = 80, .goodput = 60.5, .refused_fraction = 0.244};
    }
    return healthy(plan);
  };
  const auto out = run(MaxRateSearch({}), once);
  expect_within(out, 120);
  EXPECT_GT(out.answer.upper, out.answer.capacity);
  // Stalls twice, at 80/s and on the way up again at 181.5/s, each overruled by the saturate
  // step above it: the first, below the bracket by then, no longer stands against the second.
  const Server wide = slots(400);
  auto stalls = std::make_shared<int>(0);
  const Server twice = [&](const TrialPlan& plan) {
    const bool stall_here =
        plan.phase == TrialPlan::Phase::kExplore &&
        ((*stalls == 0 && plan.rate == 80) || (*stalls == 1 && plan.rate > 160));
    if (stall_here) {
      ++*stalls;
      return TrialResult{.offered = plan.rate,
                         .sent = plan.rate,
                         .goodput = plan.rate * 0.756,
                         .refused_fraction = 0.244};
    }
    return wide(plan);
  };
  const auto again = run(MaxRateSearch({}), twice);
  EXPECT_EQ(*stalls, 2);
  expect_within(again, 400);
  // Two failures at or below it stand: refused a little at 80/s and again when over-driven at
  // 119/s (not clearly over-driven, so pushed harder), then nothing at 239/s. That pass bounds
  // nothing: the answer stays below the failures.
  const Server odd = [](const TrialPlan& plan) {
    const double x = plan.rate;
    const double refused = x >= 80 && x < 200 ? 0.005 : 0;
    return TrialResult{
        .offered = x, .sent = x, .goodput = x * (1 - refused), .refused_fraction = refused};
  };
  const auto stands = run(MaxRateSearch({}), odd);
  EXPECT_LT(stands.answer.capacity, 80);
  EXPECT_LE(stands.answer.upper, 80);
}

TEST(MaxRateSearch, AnOverruledFailureIsNamedWhenNothingElseWasRefusedUpToTheMaxTps) {
  // A server that never throttles stalled once, at 320/s; the saturate step above it passed and
  // the search went on to --max-tps. No limit, but the answer must not say nothing was refused.
  SearchLimits limits;
  limits.max_rate = 500;
  auto stalled = std::make_shared<bool>(false);
  const Server once = [&](const TrialPlan& plan) {
    const double x = plan.rate;
    const double refused = x == 320 && !std::exchange(*stalled, true) ? 0.244 : 0;
    return TrialResult{
        .offered = x, .sent = x, .goodput = x * (1 - refused), .refused_fraction = refused};
  };
  const auto out = run(MaxRateSearch(limits), once);
  EXPECT_TRUE(*stalled);
  EXPECT_EQ(out.answer.verdict, Verdict::kNoLimitFound) << out.answer.reason;
  EXPECT_EQ(out.answer.capacity, 500);
  EXPECT_NE(out.answer.reason.find("except once, at 320.0/s, where a step at"), std::string::npos)
      << out.answer.reason;
  // Stalls twice, at 80/s and on the way up again above 160/s: both are named.
  auto stalls = std::make_shared<int>(0);
  const Server twice = [&](const TrialPlan& plan) {
    const double x = plan.rate;
    const bool stall_here = plan.phase == TrialPlan::Phase::kExplore &&
                            ((*stalls == 0 && x == 80) || (*stalls == 1 && x > 160));
    if (stall_here) ++*stalls;
    const double refused = stall_here ? 0.244 : 0;
    return TrialResult{
        .offered = x, .sent = x, .goodput = x * (1 - refused), .refused_fraction = refused};
  };
  const auto again = run(MaxRateSearch(limits), twice);
  EXPECT_EQ(*stalls, 2);
  EXPECT_EQ(again.answer.verdict, Verdict::kNoLimitFound) << again.answer.reason;
  EXPECT_NE(again.answer.reason.find("except at 80.0/s and "), std::string::npos)
      << again.answer.reason;
  // Without the stall, the plain sentence.
  const auto clean = run(MaxRateSearch(limits), [](const TrialPlan& plan) {
    return TrialResult{.offered = plan.rate, .sent = plan.rate, .goodput = plan.rate};
  });
  EXPECT_EQ(clean.answer.verdict, Verdict::kNoLimitFound);
  EXPECT_EQ(clean.answer.reason.find("except"), std::string::npos) << clean.answer.reason;
}

TEST(MaxRateSearch, TokenBucketBurstsDoNotInflateTheAnswer) {
  // A burst worth seconds of traffic fools short steps; the drain before each judged step and
  // the long hold keep the answer at the refill rate.
  for (double capacity : {10.0, 200.0, 3000.0}) {
    for (double burst_seconds : {0.0, 0.5, 2.0, 5.0, 8.0}) {
      SCOPED_TRACE(::testing::Message() << capacity << "/s, burst " << burst_seconds << " s");
      const auto out = run(MaxRateSearch({}), token_bucket(capacity, capacity * burst_seconds));
      // At 10/s, steps are long (30 requests or more) and a 5 s burst costs two more of them:
      // the answer is right, the 75 s budget is not met (issue 12 sets its target at 20/s).
      if (capacity < 20 && burst_seconds > 2) {
        EXPECT_EQ(out.answer.verdict, Verdict::kFound);
        EXPECT_NEAR(out.answer.capacity / capacity, 1.0, 0.03) << out.answer.reason;
      } else {
        expect_within(out, capacity);
      }
    }
  }
}

TEST(MaxRateSearch, LatencySloLimitsTheAnswer) {
  // p95 = 50 ms × (1 + 4 (r/c)^8): 150 ms at r = c × 0.5^(1/8) ≈ 0.917 c.
  SearchLimits limits;
  limits.slo_p95 = 150ms;
  const auto out = run(MaxRateSearch(limits), slots(1000));
  expect_within(out, 1000 * std::pow(0.5, 1.0 / 8), 0.03);
}

TEST(MaxRateSearch, ToleratedErrorRateRaisesTheAnswer) {
  SearchLimits limits;
  limits.max_error_rate = 0.05;  // refused fraction (r - c) / r <= 5%: r <= c / 0.95
  expect_within(run(MaxRateSearch(limits), slots(400)), 400 / 0.95);
}

TEST(MaxRateSearch, GeneratorLimitIsALowerBoundNeverACapacity) {
  const Server limited = [](const TrialPlan& plan) {
    TrialResult r{.offered = plan.rate, .sent = std::min(plan.rate, 1200.0)};
    r.goodput = r.sent;
    r.generator_limited = plan.rate > 1200;
    r.generator_reason = "late sends";
    return r;
  };
  const auto out = run(MaxRateSearch({}), limited);
  EXPECT_EQ(out.answer.verdict, Verdict::kGeneratorLimited);
  EXPECT_GT(out.answer.capacity, 600);
  EXPECT_LE(out.answer.capacity, 1200);
  EXPECT_NE(out.answer.reason.find("late sends"), std::string::npos);
}

TEST(MaxRateSearch, AServerThatNeverRefusesHasNoLimitFound) {
  SearchLimits limits;
  limits.max_rate = 5000;
  const Server never = [](const TrialPlan& plan) {
    return TrialResult{.offered = plan.rate, .sent = plan.rate, .goodput = plan.rate};
  };
  const auto out = run(MaxRateSearch(limits), never);
  EXPECT_EQ(out.answer.verdict, Verdict::kNoLimitFound);
  EXPECT_DOUBLE_EQ(out.answer.capacity, 5000);
}

// A queue that delays instead of refusing (nginx limit_req without nodelay): nothing is ever
// refused; above `capacity`, the backlog, and with it latency, grows for as long as the step
// lasts. Every step starts with an empty queue (a step ends when its requests are answered).
Server delaying_queue(double capacity, Duration service = 2ms) {
  return [=](const TrialPlan& plan) {
    // Every request is answered, later: the step's own goodput is its rate.
    TrialResult r{.offered = plan.rate, .sent = plan.rate, .goodput = plan.rate};
    const double held = to_seconds(plan.drain + plan.settle + plan.duration);
    const double backlog_s = plan.rate > capacity ? (plan.rate / capacity - 1) * held : 0;
    r.p95 = service + from_seconds(0.95 * backlog_s);
    r.p99 = service + from_seconds(0.99 * backlog_s);
    r.answered = static_cast<std::uint64_t>(plan.rate * to_seconds(plan.duration));
    return r;
  };
}

TEST(MaxRateSearch, AQueueThatDelaysHasNoLimitButAKnee) {
  // 140: an explore step (160/s) passes with p95 far above the lowest rates' before the next
  // one runs away; it must be judged again once latency is what marks the limit.
  for (double capacity : {50.0, 140.0, 150.0, 2000.0}) {
    SCOPED_TRACE(capacity);
    const auto out = run(MaxRateSearch({}), delaying_queue(capacity));
    EXPECT_EQ(out.answer.verdict, Verdict::kNoLimitFound) << out.answer.reason;
    ASSERT_TRUE(out.answer.knee);
    // A 4 s step at 1.025 × capacity gathers 100 ms of backlog: the knee lies within that.
    EXPECT_GE(*out.answer.knee / capacity, 0.97) << out.answer.reason;
    EXPECT_LE(*out.answer.knee / capacity, 1.03) << out.answer.reason;
    EXPECT_EQ(out.answer.capacity, *out.answer.knee) << "never a rate whose latency runs away";
    EXPECT_NE(out.answer.reason.find("--slo-p95"), std::string::npos);
    EXPECT_LT(out.trial_time, 75s) << out.trials << " trials";
  }
}

TEST(MaxRateSearch, OneLatencySpikeIsNotAQueue) {
  // A plain rate limit whose explore step at 160/s stalled once (p95 2 s): the step is held
  // again, runs clean, and the search goes on to find the limit by its refusals.
  auto stalls = std::make_shared<int>(0);
  const Server server = [inner = slots(300), stalls](const TrialPlan& plan) {
    TrialResult r = inner(plan);
    if (plan.rate == 160 && (*stalls)++ == 0) r.p95 = r.p99 = 2s;
    return r;
  };
  const auto out = run(MaxRateSearch({}), server);
  EXPECT_FALSE(out.answer.knee);
  expect_within(out, 300);
  EXPECT_EQ(*stalls, 2) << "160/s was held twice";
}

TEST(MaxRateSearch, ALatencySloFindsTheRateOfAQueueThatDelays) {
  SearchLimits limits;
  limits.slo_p95 = 200ms;
  const auto out = run(MaxRateSearch(limits), delaying_queue(150));
  EXPECT_FALSE(out.answer.knee) << "the SLO, not the knee, judged";
  // Never drained (a drain would fill the queue): a step passes up to 200 ms of backlog.
  expect_within(out, 150, 0.05);
  for (const auto& t : out.steps) EXPECT_EQ(t.plan.drain_rate, 0);
}

TEST(MaxRateSearch, StartingAboveCapacityStillConverges) {
  SearchLimits limits;
  limits.start_rate = 800;
  expect_within(run(MaxRateSearch(limits), slots(30)), 30);
}

TEST(MaxRateSearch, AFailedHoldLowersTheAnswerAndHoldsAgain) {
  // Passes every short step at any rate up to 1000 but refuses rarely: one request in 3,000, so
  // only the long hold sees it below 1000; 900 holds.
  const Server rare = [](const TrialPlan& plan) {
    TrialResult r{.offered = plan.rate, .sent = plan.rate, .goodput = std::min(plan.rate, 1000.0)};
    const double requests = plan.rate * to_seconds(plan.duration);
    if (plan.rate > 1000)
      r.refused_fraction = (plan.rate - 1000) / plan.rate;
    else if (plan.rate > 900 && requests > 6000)
      r.refused_fraction = 1.0 / 3000;
    return r;
  };
  const auto out = run(MaxRateSearch({}), rare);
  EXPECT_EQ(out.answer.verdict, Verdict::kFound);
  EXPECT_LE(out.answer.capacity, 900);
  EXPECT_GT(out.answer.capacity, 850);
}

// A concurrency limit: evenly spaced requests pass up to `sustained`; above it, some meet full
// slots, and over-driven it serves `saturated`, more than it sustains.
Server concurrency(double sustained, double saturated) {
  return [=](const TrialPlan& plan) {
    TrialResult r{.offered = plan.rate, .sent = plan.rate};
    const double x = plan.rate;
    r.goodput = x <= sustained ? x : std::min(saturated, x - (x - sustained) / 2);
    r.refused_fraction = (x - r.goodput) / x;
    r.goodput_low = r.goodput * 0.97;
    r.goodput_high = r.goodput * 1.03;
    return r;
  };
}

// A sliding-window limiter that counts the requests it refuses: over `limit`, goodput collapses.
Server counting_window(double limit) {
  return [=](const TrialPlan& plan) {
    TrialResult r{.offered = plan.rate, .sent = plan.rate};
    const double over = plan.rate / limit - 1;
    r.goodput = over <= 0 ? plan.rate : limit * std::max(0.05, 1 - 20 * over);
    r.refused_fraction = (plan.rate - r.goodput) / plan.rate;
    return r;
  };
}

// A server that slows down when overloaded: above `capacity`, goodput falls as c² / rate.
Server slows_down(double capacity) {
  return [=](const TrialPlan& plan) {
    TrialResult r{.offered = plan.rate, .sent = plan.rate};
    r.goodput = plan.rate <= capacity ? plan.rate : capacity * capacity / plan.rate;
    r.refused_fraction = 1 - r.goodput / plan.rate;
    return r;
  };
}

TEST(MaxRateSearch, ReportsTheSaturatedGoodputOfAConcurrencyLimitAndWhyItDiffers) {
  const auto out = run(MaxRateSearch({}), concurrency(400, 440));
  expect_within(out, 400);
  ASSERT_TRUE(out.answer.saturated);
  EXPECT_NEAR(out.answer.saturated->goodput / 440, 1.0, 0.02);
  EXPECT_LT(out.answer.saturated->low, out.answer.saturated->goodput);
  EXPECT_GT(out.answer.saturated->high, out.answer.saturated->goodput);
  EXPECT_NE(out.answer.saturation_note.find("concurrency"), std::string::npos)
      << out.answer.saturation_note;
}

TEST(MaxRateSearch, ALimiterWhoseGoodputCollapsesIsStillFoundAndSaidToCollapse) {
  const auto out = run(MaxRateSearch({}), counting_window(200));
  expect_within(out, 200);
  ASSERT_TRUE(out.answer.saturated);
  EXPECT_LT(out.answer.saturated->goodput, 100);
  EXPECT_NE(out.answer.saturation_note.find("counts the requests it refuses"), std::string::npos)
      << out.answer.saturation_note;
}

TEST(MaxRateSearch, ALimiterThatCollapsesIsBisectedUndrainedAndCoarselyWhileTheBracketIsWide) {
  // Over-driven it serves a twentieth of its limit: no token bucket, so no drain (it would fill
  // the window) but a settle that outlasts a one-second window, and while the bracket is wide,
  // bisection steps as short as explore steps.
  const auto out = run(MaxRateSearch({}), counting_window(200));
  expect_within(out, 200);
  bool saturated = false;
  int coarse = 0;
  for (const auto& t : out.steps) {
    if (saturated) {
      EXPECT_EQ(t.plan.drain_rate, 0) << t.plan.rate;
      EXPECT_GE(t.plan.settle, 1s) << t.plan.rate;
    }
    saturated = saturated || t.plan.phase == TrialPlan::Phase::kSaturate;
    if (t.plan.phase == TrialPlan::Phase::kRefine && t.plan.duration == SearchLimits{}.explore_step)
      ++coarse;
  }
  EXPECT_TRUE(saturated);
  EXPECT_GE(coarse, 2);
}

TEST(MaxRateSearch, AServerThatSlowsDownWhenOverloadedIsNoLongerDrainedOnceShownToBeNoBucket) {
  // Goodput falls above capacity (c²/r): over-driven it serves less than it sustains, but not so
  // little that it looks collapsed. A drained step that served less than an undrained pass has
  // that pass held again, drained, after a settle long enough for the server to recover; once a
  // drained step passed above the saturated goodput, it is no bucket, and no drain follows.
  const auto out = run(MaxRateSearch({}), slows_down(200));
  expect_within(out, 200);
  ASSERT_TRUE(out.answer.saturated);
  const double saturated = out.answer.saturated->goodput;
  EXPECT_LT(saturated, 150);
  bool shown = false, rechecked = false;
  for (const auto& t : out.steps) {
    if (shown) {
      EXPECT_EQ(t.plan.drain_rate, 0) << t.plan.rate;
    }
    if (t.passed && t.plan.drain_rate > 0 && t.plan.phase == TrialPlan::Phase::kRefine) {
      rechecked = true;
      EXPECT_GE(t.plan.settle, 2s) << "the recheck of " << t.plan.rate;
    }
    shown = shown || (t.passed && t.plan.drain_rate > 0 && t.plan.rate > saturated * 1.02);
  }
  EXPECT_TRUE(rechecked);
  EXPECT_TRUE(shown);
}

TEST(MaxRateSearch, ARecheckFailedByItsOwnDrainLeavesThePassStanding) {
  // A server slowed down for the whole step by a drain well over its capacity: the recheck of the
  // undrained pass at 160/s fails too, but serves clearly more than the over-driven step above
  // it did, which no bucket does. The pass stands, the search goes on undrained.
  const double c = 200;
  const Server slowed_by_drains = [c, inner = slows_down(c)](const TrialPlan& plan) {
    TrialResult r = inner(plan);
    if (plan.drain_rate >= 1.5 * c) {
      r.goodput = std::min(r.goodput, 0.78 * c);
      r.refused_fraction = 1 - r.goodput / plan.rate;
    }
    return r;
  };
  const auto out = run(MaxRateSearch({}), slowed_by_drains);
  expect_within(out, c);
  const auto recheck = std::find_if(out.steps.begin(), out.steps.end(), [](const auto& t) {
    return t.plan.phase == TrialPlan::Phase::kRefine && t.plan.rate == 160;
  });
  ASSERT_NE(recheck, out.steps.end());
  EXPECT_FALSE(recheck->passed);
  EXPECT_GT(recheck->plan.drain_rate, 0);
}

TEST(MaxRateSearch, TheSaturatedFigureGoesWithTheRateThatOverDroveIt) {
  // Goodput collapses the harder it is driven: the figure is the saturate step's, at its rate.
  MaxRateSearch search({});
  const auto out = run(search, slows_down(200));
  ASSERT_TRUE(out.answer.saturated);
  const auto saturate = std::find_if(out.steps.begin(), out.steps.end(), [](const auto& t) {
    return t.plan.phase == TrialPlan::Phase::kSaturate;
  });
  ASSERT_NE(saturate, out.steps.end());
  EXPECT_EQ(out.answer.saturated->offered, saturate->plan.rate);
  EXPECT_DOUBLE_EQ(out.answer.saturated->goodput, saturate->result.goodput);
}

TEST(MaxRateSearch, ARateLimitHasNoSaturationNote) {
  const auto out = run(MaxRateSearch({}), slots(300));
  expect_within(out, 300);
  ASSERT_TRUE(out.answer.saturated);
  EXPECT_NEAR(out.answer.saturated->goodput / 300, 1.0, 0.02);
  EXPECT_EQ(out.answer.saturation_note, "");
}

TEST(MaxRateSearch, PushesHarderWhenTheFirstRefusalsWereNotOverload) {
  // Random arrivals at a concurrency limit: a few refusals long before it saturates at 99/s.
  SearchLimits limits;
  limits.max_error_rate = 0.001;
  const Server random_arrivals = [](const TrialPlan& plan) {
    const double x = plan.rate;
    const double refused = x <= 99 ? 0.01 * x / 99 : (x - 99) / x + 0.01;
    TrialResult r{.offered = x, .sent = x, .goodput = std::min(x * (1 - refused), 99.0)};
    r.refused_fraction = 1 - r.goodput / x;
    return r;
  };
  const auto out = run(MaxRateSearch(limits), random_arrivals);
  ASSERT_TRUE(out.answer.saturated) << out.answer.reason;
  EXPECT_NEAR(out.answer.saturated->goodput / 99, 1.0, 0.02);
  EXPECT_EQ(out.answer.verdict, Verdict::kFound) << out.answer.reason;
  EXPECT_NEAR(out.answer.capacity / 9.9, 1.0, 0.03);  // 0.1% refused at 9.9/s
}

}  // namespace
}  // namespace iuprobe
