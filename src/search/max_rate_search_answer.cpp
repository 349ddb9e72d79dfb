// SPDX-License-Identifier: Apache-2.0
// What the search concluded: the saturated figure and the answer, with its knee and note.
// (The steps it asks for and how it records them: max_rate_search.cpp.)
#include <fmt/format.h>

#include <algorithm>

#include "search/max_rate_search.h"

namespace iuprobe {
namespace {

using Verdict = SearchAnswer::Verdict;
using Phase = TrialPlan::Phase;

}  // namespace

// Clearly over-driven: refused, and sent a fifth more than it served. Just over the capacity, a
// concurrency limit serves less than when saturated.
bool MaxRateSearch::over_driven(const Trial& t) const {
  const TrialResult& r = t.result;
  return !t.passed && r.refused_fraction > limits_.max_error_rate && r.goodput * 1.2 < r.sent;
}

std::optional<Saturation> MaxRateSearch::saturation() const {
  // The figure is the deliberate over-drive's goodput (its steps at the saturate phase): a
  // server whose goodput collapses serves less the harder it is driven, so the figure goes with
  // the rate that over-drove it. Other over-driven steps only widen the range.
  const auto counts = [&](const Trial& t) {
    return t.plan.drain_rate > 0 && over_driven(t) && !t.result.generator_limited;
  };
  const bool saturate_steps = std::any_of(trials_.begin(), trials_.end(), [&](const Trial& t) {
    return t.plan.phase == Phase::kSaturate && counts(t);
  });
  std::vector<double> goodputs;
  Saturation s;
  for (const Trial& t : trials_) {
    const TrialResult& r = t.result;
    if (!counts(t)) continue;
    if (!saturate_steps || t.plan.phase == Phase::kSaturate) {
      goodputs.push_back(r.goodput);
      s.offered = std::max(s.offered, t.plan.rate);
    }
    // The step's own goodput counts the requests scheduled in it, its seconds those answered
    // in them: the range holds both.
    const bool rated = r.goodput_high > 0;  // whole seconds were measured
    const double low = rated ? std::min(r.goodput_low, r.goodput) : r.goodput;
    const double high = rated ? std::max(r.goodput_high, r.goodput) : r.goodput;
    s.low = s.steps == 0 ? low : std::min(s.low, low);
    s.high = std::max(s.high, high);
    ++s.steps;
  }
  if (goodputs.empty()) return std::nullopt;
  std::sort(goodputs.begin(), goodputs.end());
  const std::size_t n = goodputs.size();
  s.goodput = n % 2 == 1 ? goodputs[n / 2] : (goodputs[n / 2 - 1] + goodputs[n / 2]) / 2;
  return s;
}

SearchAnswer MaxRateSearch::answer() const {
  SearchAnswer a =
      done_ ? *done_
            : SearchAnswer{Verdict::kUnfinished, lo_, hi_,
                           hi_ > 0 ? fmt::format("stopped after {} trials without converging: "
                                                 "between {:.1f}/s and {:.1f}/s",
                                                 trials_.size(), lo_, hi_)
                                   : fmt::format("stopped after {} trials without converging: "
                                                 "{:.1f}/s passed, no higher rate was refused yet",
                                                 trials_.size(), lo_)};
  a.saturated = saturation();
  if (knee_mode_ && a.verdict == Verdict::kFound && a.capacity > 0) {
    // Found by latency alone: the knee of the latency curve.
    a.knee = a.capacity;
    a.base_p95 = knee_base_;
    for (const Trial& t : trials_) {
      if (t.passed && t.plan.rate == a.capacity) a.knee_p95 = t.result.p95;
    }
    if (!refused_seen_) {  // and no limit in the sense of refusals
      double unrefused = a.capacity;
      std::optional<Duration> worst;
      for (const Trial& t : trials_) {
        if (t.result.generator_limited || judge_refusals(t.result) != Judgement::kPass) continue;
        unrefused = std::max(unrefused, t.plan.rate);
        if (t.result.p95 && (!worst || *t.result.p95 > *worst)) worst = t.result.p95;
      }
      a.verdict = Verdict::kNoLimitFound;
      a.reason = fmt::format(
          "nothing was refused up to {:.1f}/s, but latency grows without bound above {:.1f}/s "
          "(p95 {} at the lowest rates, {} at worst): a queue that delays rather than refuses; "
          "give --slo-p95 to find the rate for a latency target",
          unrefused, *a.knee, a.base_p95 ? format_duration(*a.base_p95) : "?",
          worst ? format_duration(*worst) : "?");
      a.upper = 0;
    }
  }
  if (a.saturated && a.verdict == Verdict::kFound) {
    const double ratio = a.saturated->goodput / a.capacity;
    const double p = limits_.precision;
    if (ratio > 1 + p) {
      a.saturation_note = fmt::format(
          "it serves {:.1f}/s when over-driven but refuses some requests at any rate above "
          "{:.1f}/s: limited by concurrency or a queue, not by a rate",
          a.saturated->goodput, a.capacity);
    } else if (ratio < 1 - p) {
      a.saturation_note = fmt::format(
          "it serves less when over-driven ({:.1f}/s) than it sustains: its limiter counts the "
          "requests it refuses, or it slows down when overloaded; plan well below {:.1f}/s",
          a.saturated->goodput, a.capacity);
    }
  }
  return a;
}

}  // namespace iuprobe
