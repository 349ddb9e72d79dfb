// SPDX-License-Identifier: Apache-2.0
#include "search/endpoint_failure.h"

#include <gtest/gtest.h>

#include <string>

#include "search/search_test_support.h"

namespace iuprobe {
namespace {

using Verdict = SearchAnswer::Verdict;
using namespace search_testing;  // NOLINT(google-build-using-namespace)

TEST(MaxRateSearch, ErrorsAtTheLowestRateStopTheSearchAndNameTheError) {
  const Server broken = [](const TrialPlan& plan) {
    const auto n = static_cast<std::uint64_t>(plan.rate * to_seconds(plan.duration));
    return TrialResult{.offered = plan.rate,
                       .sent = plan.rate,
                       .goodput = plan.rate * 0.1,
                       .refused_fraction = 0.9,
                       .error_fraction = 0.9,
                       .answered = n,
                       .refused = n * 9 / 10,
                       .dominant_error = "HTTP 403 AccessDenied",
                       .dominant_error_count = n * 9 / 10};
  };
  const auto out = run(MaxRateSearch({}), broken);
  EXPECT_EQ(out.trials, 1u);
  EXPECT_EQ(out.answer.verdict, Verdict::kNeverPassed);
  EXPECT_NE(out.answer.reason.find("18 × HTTP 403 AccessDenied"), std::string::npos)
      << out.answer.reason;
  EXPECT_NE(out.answer.reason.find("errors, not throttles"), std::string::npos);
}

// A step of `plan` in which every request failed with `error`; `unanswered` of them got no HTTP
// answer, `timed_out` of those by timing out.
enum class NoAnswer { kNone, kRefused, kTimedOut };
TrialResult all_failed(const TrialPlan& plan, std::string error, NoAnswer how) {
  const auto n = static_cast<std::uint64_t>(plan.rate * to_seconds(plan.duration));
  return TrialResult{.offered = plan.rate,
                     .sent = plan.rate,
                     .refused_fraction = 1,
                     .error_fraction = 1,
                     .answered = n,
                     .refused = n,
                     .timed_out = how == NoAnswer::kTimedOut ? n : 0,
                     .unanswered = how == NoAnswer::kNone ? 0 : n,
                     .dominant_error = std::move(error),
                     .dominant_error_count = n};
}

// A step of `plan` that served every request.
TrialResult all_served(const TrialPlan& plan) {
  const auto n = static_cast<std::uint64_t>(plan.rate * to_seconds(plan.duration));
  return TrialResult{.offered = plan.rate, .sent = plan.rate, .goodput = plan.rate, .answered = n};
}

TEST(MaxRateSearch, AnEndpointThatNeverAnswersIsSaidSoAfterOneStep) {
  const Server hung = [](const TrialPlan& plan) {
    return all_failed(plan, "reading from 127.0.0.1: timed out after 3s", NoAnswer::kTimedOut);
  };
  const auto out = run(MaxRateSearch({}), hung);
  EXPECT_EQ(out.trials, 1u);
  EXPECT_EQ(out.answer.verdict, Verdict::kNeverPassed);
  EXPECT_NE(out.answer.reason.find("does not answer: all 20 requests at 10.0/s timed out"),
            std::string::npos)
      << out.answer.reason;
}

TEST(MaxRateSearch, AnEndpointThatStopsServingMidProbeEndsItAtOnce) {
  int step = 0;
  const Server dies_after_two_steps = [&step](const TrialPlan& plan) {
    if (++step <= 2) return all_served(plan);
    return all_failed(plan, "connect to 127.0.0.1: Connection refused", NoAnswer::kRefused);
  };
  const auto out = run(MaxRateSearch({}), dies_after_two_steps);
  EXPECT_EQ(out.trials, 3u);
  EXPECT_EQ(out.answer.verdict, Verdict::kUnfinished);
  EXPECT_NE(out.answer.reason.find("stopped answering at 40.0/s: none of 80 requests got an "
                                   "HTTP answer (80 × connect to 127.0.0.1: Connection refused) "
                                   "after 20.0/s had passed"),
            std::string::npos)
      << out.answer.reason;
}

TEST(MaxRateSearch, ALimiterThatAnswersOverloadWithErrorsAndServesNothingIsStillALimiter) {
  // HAProxy's deny (403), nginx limit_req (503), a load shedder: every request above 100/s
  // refused with an error and nothing served. It answers, so it has not stopped serving.
  const Server sheds_everything = [](const TrialPlan& plan) {
    return plan.rate <= 100 ? all_served(plan) : all_failed(plan, "HTTP 503", NoAnswer::kNone);
  };
  const auto out = run(MaxRateSearch({}), sheds_everything);
  EXPECT_EQ(out.answer.verdict, Verdict::kFound) << out.answer.reason;
  EXPECT_NEAR(out.answer.capacity / 100, 1.0, 0.03) << out.answer.reason;
}

TEST(MaxRateSearch, ErrorsThatComeOnlyWithOverloadDoNotStopTheSearch) {
  // 500s instead of 429s above capacity: refusals all the same.
  const Server errors_when_busy = [](const TrialPlan& plan) {
    TrialResult r{.offered = plan.rate, .sent = plan.rate, .goodput = std::min(plan.rate, 250.0)};
    r.refused_fraction = r.error_fraction = (plan.rate - r.goodput) / plan.rate;
    return r;
  };
  expect_within(run(MaxRateSearch({}), errors_when_busy), 250);
  SearchLimits from_above;
  from_above.start_rate = 800;  // 69% errors at the first step, 38% at half of it
  expect_within(run(MaxRateSearch(from_above), errors_when_busy), 250);
}

// A server of `capacity` that refuses beyond it, with 429 or (errors_on_overload) with 503, and
// fails `fault` of all requests with a reset whatever the rate.
Server faulty(double capacity, bool errors_on_overload, double fault) {
  return [=](const TrialPlan& plan) {
    const auto n = static_cast<std::uint64_t>(plan.rate * to_seconds(plan.duration));
    const double over = plan.rate > capacity ? 1 - capacity / plan.rate : 0;
    const auto faults = static_cast<std::uint64_t>(std::ceil(fault * static_cast<double>(n)));
    const auto refused =
        std::min(n, static_cast<std::uint64_t>(over * static_cast<double>(n)) + faults);
    const std::uint64_t errors = errors_on_overload ? refused : faults;
    return TrialResult{
        .offered = plan.rate,
        .sent = plan.rate,
        .goodput = static_cast<double>(n - refused) / to_seconds(plan.duration),
        .refused_fraction = static_cast<double>(refused) / static_cast<double>(n),
        .error_fraction = static_cast<double>(errors) / static_cast<double>(n),
        .answered = n,
        .refused = refused,
        .unanswered = faults,
        .dominant_error = errors_on_overload && over > 0 ? "HTTP 503" : "transport: reset",
        .dominant_error_count = errors_on_overload && over > 0 ? refused - faults : faults};
  };
}

TEST(MaxRateSearch, ErrorsThatDoNotFallWithTheRateEndTheSearchSayingSo) {
  // 2% of requests reset at every rate, in front of a 150/s limit: no rate passes at zero
  // tolerance; the search used to creep down towards 10/s for 24 steps and say nothing.
  const auto out = run(MaxRateSearch({}), faulty(150, false, 0.02));
  EXPECT_EQ(out.answer.verdict, Verdict::kUnfinished);
  EXPECT_LE(out.trials, 6u);
  EXPECT_NE(out.answer.reason.find("with errors, not throttles (most often"), std::string::npos)
      << out.answer.reason;
  EXPECT_NE(out.answer.reason.find("transport: reset"), std::string::npos);
  EXPECT_NE(out.answer.reason.find("--max-error-rate 0.06 (twice their share)"), std::string::npos)
      << out.answer.reason;
}

TEST(MaxRateSearch, AServerThatAnswersOverloadWithErrorsStillHasACapacity) {
  // Errors that grow with the rate, as 1 - capacity / rate: overload, not a fault.
  for (const double capacity : {37.0, 150.0, 900.0}) {
    SCOPED_TRACE(capacity);
    expect_within(run(MaxRateSearch({}), faulty(capacity, true, 0)), capacity);
  }
}

TEST(MaxRateSearch, RandomArrivalsAtALimiterThatAnswersWith503AreNotAFault) {
  // Poisson arrivals at one slot (or nginx's limit_req without burst, its 503 not counted as a
  // throttle): rho / (1 + rho) of them are lost at rho = rate / 2000, a share that falls with
  // the rate, though slower than 1 - C/r does when evenly spaced.
  const Server one_slot = [](const TrialPlan& plan) {
    const auto n = static_cast<std::uint64_t>(plan.rate * to_seconds(plan.duration));
    const double rho = plan.rate / 2000;
    const auto lost =
        static_cast<std::uint64_t>(std::llround(static_cast<double>(n) * rho / (1 + rho)));
    return TrialResult{.offered = plan.rate,
                       .sent = plan.rate,
                       .goodput = static_cast<double>(n - lost) / to_seconds(plan.duration),
                       .refused_fraction = static_cast<double>(lost) / static_cast<double>(n),
                       .error_fraction = static_cast<double>(lost) / static_cast<double>(n),
                       .answered = n,
                       .refused = lost,
                       .dominant_error = "HTTP 503",
                       .dominant_error_count = lost};
  };
  const auto out = run(MaxRateSearch({}), one_slot);
  EXPECT_EQ(out.answer.reason.find("do not fall with the rate"), std::string::npos)
      << out.answer.reason;
}

TEST(MaxRateSearch, ToleratedSteadyErrorsLeaveTheCapacityToBeFound) {
  // The advice holds: with the tolerance it names, the limit behind the faults is found.
  expect_within(run(MaxRateSearch({.max_error_rate = 0.06}), faulty(150, false, 0.02)), 150, 0.1);
}

}  // namespace
}  // namespace iuprobe
