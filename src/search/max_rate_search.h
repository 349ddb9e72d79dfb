// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/units.h"

namespace iuprobe {

// One trial the search asks for: optionally a drain (sent, not judged) at a rate known to
// overload the server, which empties token buckets so that a burst allowance cannot make a rate
// above capacity look sustainable; a settle at `rate` (sent, not judged) while the drain's
// requests still hold the server's slots and the connections the rate needs open; then `rate`
// held for `duration` and judged.
// kSaturate over-drives the endpoint on purpose, once, to measure what it serves when saturated.
struct TrialPlan {
  enum class Phase { kExplore, kSaturate, kRefine, kConfirm };
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
  double offered = 0;            // scheduled per second
  double sent = 0;               // actually sent per second
  double goodput = 0;            // ok answers per second
  double refused_fraction = 0;   // (throttled + failed) / answered
  double error_fraction = 0;     // failed (not throttled) / answered
  std::uint64_t answered = 0;    // the requests behind the verdict
  std::uint64_t refused = 0;     // of which throttled or failed
  std::uint64_t timed_out = 0;   // of which failed by timing out (no answer within --timeout)
  std::uint64_t unanswered = 0;  // of which got no HTTP answer at all: timeouts, refused or
                                 // reset connections, malformed responses
  // Goodput per second, lowest and highest over the step's whole seconds (0 when none).
  double goodput_low = 0, goodput_high = 0;
  std::string dominant_error;  // the most frequent failure, "HTTP 403 AccessDenied"
  std::uint64_t dominant_error_count = 0;
  std::optional<Duration> p95, p99;  // ok answers, from scheduled send
  bool generator_limited = false;
  std::string generator_reason;
};

struct SearchLimits {
  double start_rate = 10;
  double max_rate = 100000;
  double max_error_rate = 0;  // tolerated refused fraction
  // Each step's requests evenly spaced (else at random). Above a limit, evenly spaced requests
  // are refused in every second of a step: a step that refused nothing passes however few it
  // answered, as at zero tolerance, and the tolerance is for stray refusals (a stall of the
  // server or of this machine). Random arrivals meet a concurrency limit's full slots by chance:
  // a clean step must be long enough to bound the fraction, and a small refused fraction says
  // how far below the rate that meets the tolerance is (rate_meeting).
  bool evenly_spaced = false;
  // Above zero tolerance, a step passes when the refused fraction is within it at this
  // confidence, fails when it is above it at this confidence, and is held longer otherwise.
  double confidence = 0.95;
  Duration max_measure = std::chrono::seconds(30);  // the longest a step is held to decide
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

// What the endpoint served while over-driven: the drained steps that refused clearly more than
// they served. A concurrency limit serves more when saturated than it sustains without refusing
// (bursts of evenly spaced requests meet full slots); a limiter that counts refused requests
// serves less.
struct Saturation {
  double goodput = 0;        // median over the saturate steps (else over the steps)
  double low = 0, high = 0;  // per-second extremes over the steps
  std::size_t steps = 0;
  double offered = 0;  // the highest rate behind `goodput`
};

struct SearchAnswer {
  enum class Verdict {
    kFound,             // capacity in [capacity, upper), confirmed by holding it (to within
                        // the precision when the hold refused a hair above the tolerance)
    kGeneratorLimited,  // at least `capacity`: the load generator could not offer more
    kNoLimitFound,      // nothing refused up to max_rate (but stalls that a step at or above
                        // each passed, named in `reason`)
    kNeverPassed,       // refused even at the lowest rate tried
    kUnfinished,        // trial budget spent before converging
  };
  Verdict verdict = Verdict::kUnfinished;
  double capacity = 0;  // the highest rate that passed (confirmed for kFound)
  double upper = 0;     // the lowest rate that failed, 0 if none
  std::string reason;   // one sentence, for people
  std::optional<Saturation> saturated;
  // When the saturated goodput and the capacity differ by more than the precision: why.
  std::string saturation_note;
  // Without an SLO, when latency rather than refusals marked the limit (a queue that delays
  // instead of refusing): the highest rate whose p95 stayed near the lowest rates' p95.
  std::optional<double> knee;
  std::optional<Duration> knee_p95, base_p95;  // p95 at the knee and at the lowest rates
};
std::string_view to_string(SearchAnswer::Verdict verdict);

// Exact (Clopper-Pearson) one-sided bounds on a refused fraction, each at `confidence` (so
// together a two-sided interval at 2 × confidence − 1: 90% for 95%).
struct FractionBounds {
  double low = 0, high = 1;
};
FractionBounds refused_bounds(std::uint64_t refused, std::uint64_t answered, double confidence);

// How a step's refusals compare with the tolerance.
enum class Judgement { kPass, kFail, kUndecided };

// The maximum sustainable rate: exponential steps until a refusal, one drained step that
// over-drives the endpoint (its goodput is the saturated figure and estimates the capacity),
// refinement around that estimate, bisection to `precision`, and a longer hold of the answer to
// confirm it. Stops early when most requests fail with errors rather than throttles before any
// rate passed. Knows nothing of sockets: the caller runs each trial
// (next()) and reports it (record()); tests feed it simulated servers.
class MaxRateSearch {
 public:
  explicit MaxRateSearch(SearchLimits limits);

  std::optional<TrialPlan> next() const;
  void record(const TrialPlan& plan, const TrialResult& result);
  // Refusals against the tolerance (SLOs aside): undecided while the bounds straddle it.
  Judgement judge_refusals(const TrialResult& result) const;
  // The verdict; an undecided step is judged by its refused fraction itself, but a confirm step
  // (the longest, most often held where shorter steps passed) passes up to 1 / (1 − precision)^4
  // times the tolerance (1.08× at the default 2%, never more than 1.1×): by the fourth-root rule
  // of next(), its rate is then within the precision of the rate that meets the tolerance.
  // (Where the refused fraction crosses the tolerance, each hold is a coin toss; failing on a
  // fraction a hair above it sent the search back down by a precision per hold until its trials
  // ran out.)
  bool passes(const TrialPlan& plan, const TrialResult& result) const;
  // Nothing refused, but p95 far above the lowest rates' (more than 4×, and 100 ms more): past
  // the knee of the latency curve. Needs a step that passed before (the baseline).
  bool past_knee(const TrialResult& result) const;
  // Shown not to be a token bucket: what it serves when over-driven collapses (under a tenth of
  // the most a pass served: a limiter that counts the requests it refuses), or a drained step
  // passed above it, or a drained step served a fifth more than one at a higher rate (a server
  // that slows down when overloaded). Such an endpoint has no burst
  // allowance for a drain to empty, and a drain would only fill its window or slow it down:
  // from then on steps are not drained but settle long enough for the overload to leave a
  // one-second window.
  bool not_a_bucket() const;
  // Above a tolerance, with random arrivals: a refused fraction under a tenth is not overload
  // but says where the tolerance is met.
  bool fraction_guides() const { return limits_.max_error_rate > 0 && !limits_.evenly_spaced; }
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
  // `coarse`: a bisection step while the bracket is wide, as short as an explore step.
  TrialPlan trial(TrialPlan::Phase phase, double rate, bool coarse = false) const;
  std::optional<Saturation> saturation() const;
  bool over_driven(const Trial& trial) const;
  // The lowest rates' p95: the lowest of a passed step (fixed once in knee mode).
  std::optional<Duration> base_p95() const;
  // p95 above both `factor` × and `margin` over base_p95().
  bool above_base_p95(const TrialResult& result, double factor, Duration margin) const;
  void enter_knee_mode();

  SearchLimits limits_;
  std::vector<Trial> trials_;
  double lo_ = 0;                   // highest passing rate
  double explored_ = 0;             // highest passing rate, proven or not (doubles from there)
  double lo_goodput_ = 0;           // what that pass served (less than lo_ with a tolerance)
  bool lo_drained_ = false;         // that pass was drained first (no burst carried it)
  std::optional<double> recheck_;   // an undrained pass to hold again, drained
  double hi_ = 0;                   // lowest failing rate, 0: none yet
  std::optional<double> estimate_;  // goodput under overload
  bool estimate_tried_ = false;
  std::optional<double> saturate_at_;  // the over-driving rate, until its step ran
  int saturate_tries_ = 0;
  // Failures that a saturate step at or above them overruled (a stall), and where it passed.
  std::vector<std::pair<double, double>> overruled_;
  std::optional<double> reconfirm_;       // after a failed hold: the next rate to hold
  bool rare_refusals_ = false;            // the last step failed, serving almost all it was sent
  double last_refused_ = 0;               // the refused fraction of the last failed step
  bool refused_seen_ = false;             // a step failed by refusals (not latency)
  bool knee_mode_ = false;                // no SLO, and latency ran away with nothing refused
  std::optional<Duration> knee_base_;     // base_p95() when knee mode began
  std::optional<double> knee_candidate_;  // latency ran away here once: hold it again
  std::optional<SearchAnswer> done_;
};

}  // namespace iuprobe
