// SPDX-License-Identifier: Apache-2.0
// What the search's tests share: simulated servers and a run of the search against one.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "search/max_rate_search.h"

namespace iuprobe::search_testing {

using namespace std::chrono_literals;

// A simulated server: given a trial, what would have been measured. Time passes only through
// the trials' own durations (a manual clock), so a run of the search takes microseconds.
using Server = std::function<TrialResult(const TrialPlan&)>;

struct Outcome {
  SearchAnswer answer;
  Duration trial_time{};
  std::size_t trials = 0;
  std::vector<MaxRateSearch::Trial> steps;
};

inline Outcome run(MaxRateSearch search, const Server& server) {
  Outcome out;
  while (auto plan = search.next()) {
    out.trial_time += plan->duration + plan->drain + plan->settle;
    search.record(*plan, server(*plan));
  }
  out.answer = search.answer();
  out.trials = search.trials().size();
  out.steps = search.trials();
  return out;
}

inline void expect_within(const Outcome& out, double truth, double tolerance = 0.03) {
  EXPECT_EQ(out.answer.verdict, SearchAnswer::Verdict::kFound) << out.answer.reason;
  EXPECT_NEAR(out.answer.capacity / truth, 1.0, tolerance)
      << "found " << out.answer.capacity << " for " << truth << " (" << out.answer.reason << ")";
  EXPECT_LT(out.trial_time, 75s) << out.trials << " trials";
}

}  // namespace iuprobe::search_testing
