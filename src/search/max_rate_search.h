// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/units.h"

namespace iuprobe {

// One trial the search asks for: optionally a drain (sent, not judged) at a rate known to
// overload the server, which empties token buckets so that a burst allowance cannot make a rate
// above capacity look sustainable; a settle at `rate` (sent, not judged) while the drain's
// requests still hold the server's slots and the connections the rate needs open; then `rate`
// held for `duration` and judged.
struct TrialPlan {
  enum class Phase { kExplore, kRefine, kConfirm };
  Phase phase = Phase::kExplore;
  double rate = 0;
  Duration duration{};
  double drain_rate = 0;  // 0: no drain
  Duration drain{};
  Duration settle{};
};
std::string_view to_string(TrialPlan::Phase phase);

// What a trial measured (its judged part only).
struct TrialResult {
  double offered = 0;                // scheduled per second
  double sent = 0;                   // actually sent per second
  double goodput = 0;                // ok answers per second
  double refused_fraction = 0;       // (throttled + failed) / answered
  std::optional<Duration> p95, p99;  // ok answers, from scheduled send
  bool generator_limited = false;
  std::string generator_reason;
};

struct SearchLimits {
  double start_rate = 10;
  double max_rate = 100000;
  double max_error_rate = 0;  // tolerated refused fraction
  std::optional<Duration> slo_p95, slo_p99;
  double precision = 0.02;  // refine until the bracket is this narrow (hi / lo - 1)
  Duration explore_step = std::chrono::seconds(2);
  Duration refine_step = std::chrono::seconds(4);
  Duration confirm_step = std::chrono::seconds(8);
  double min_step_requests = 30;  // refine and confirm steps last at least this many requests
  Duration drain = std::chrono::seconds(1);
  // At least the server's latency: requests from the drain must finish before judging starts.
  Duration settle = std::chrono::milliseconds(500);
  // Before an explore step: the connections a doubled rate needs open before judging starts.
  Duration explore_settle = std::chrono::milliseconds(250);
  unsigned max_trials = 24;
};

struct SearchAnswer {
  enum class Verdict {
    kFound,             // capacity in [capacity, upper), confirmed by holding it
    kGeneratorLimited,  // at least `capacity`: the load generator could not offer more
    kNoLimitFound,      // nothing refused up to max_rate
    kNeverPassed,       // refused even at the lowest rate tried
    kUnfinished,        // trial budget spent before converging
  };
  Verdict verdict = Verdict::kUnfinished;
  double capacity = 0;  // the highest rate that passed (confirmed for kFound)
  double upper = 0;     // the lowest rate that failed, 0 if none
  std::string reason;   // one sentence, for people
};
std::string_view to_string(SearchAnswer::Verdict verdict);

// The maximum sustainable rate: exponential steps until a refusal, then refinement around the
// goodput measured under overload (which estimates capacity), bisection to `precision`, and a
// longer hold of the answer to confirm it. Knows nothing of sockets: the caller runs each trial
// (next()) and reports it (record()); tests feed it simulated servers.
class MaxRateSearch {
 public:
  explicit MaxRateSearch(SearchLimits limits);

  std::optional<TrialPlan> next() const;
  void record(const TrialPlan& plan, const TrialResult& result);
  bool passes(const TrialResult& result) const;
  SearchAnswer answer() const;

  struct Trial {
    TrialPlan plan;
    TrialResult result;
    bool passed = false;
  };
  const std::vector<Trial>& trials() const { return trials_; }
  double lower() const { return lo_; }
  double upper() const { return hi_; }

 private:
  TrialPlan trial(TrialPlan::Phase phase, double rate) const;

  SearchLimits limits_;
  std::vector<Trial> trials_;
  double lo_ = 0;                   // highest passing rate
  double hi_ = 0;                   // lowest failing rate, 0: none yet
  std::optional<double> estimate_;  // goodput under overload
  bool estimate_tried_ = false;
  std::optional<double> reconfirm_;  // after a failed hold: the next rate to hold
  std::optional<SearchAnswer> done_;
};

}  // namespace iuprobe
