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

}  // namespace
}  // namespace iuprobe
