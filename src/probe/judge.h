// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/run_result.h"
#include "engine/self_check.h"
#include "engine/session.h"
#include "probe/probe_report.h"
#include "search/max_rate_search.h"

namespace iuprobe {

// A probe step as the search judges it: its measure phase's rates, refusals and latency, and
// whether the generator kept up, by the one self-check that `run` uses too.
struct JudgedStep {
  TrialResult result;
  double throttled_per_s = 0, errors_per_s = 0;
  LatencySummary latency;      // ok answers, from scheduled send
  GeneratorCheck generator;    // with ranks: bound when any rank fell behind, naming it
  std::vector<RankRun> ranks;  // each rank's part (several MPI ranks; `hosts` in rank order)
};
JudgedStep judge_step(const PlanResult& plan, const GeneratorContext& context,
                      std::span<const std::string> hosts = {});

// The phases one step sends, back to back on the warm session: a drain at a rate known to fail
// (refine and confirm steps), a settle at the step's rate, then the judged measure.
// The settle lasts at least the step's own and, at most 3 s, three times the p99 latency seen
// last after a drain (its requests queue in the server for a few latencies), or one p99 without
// one (the connections a doubled rate needs open within about one).
// `settle_floor` lengthens the settle of every refine and confirm step (see overload_echo).
LoadShape step_phases(const TrialPlan& plan, std::optional<Duration> last_p99,
                      Duration settle_floor = Duration{0}, Arrivals arrivals = Arrivals::kUniform);

// More of a step's measure phase, to hold its rate longer, and how it joins the step. A settle
// at the rate comes first: the plan before ended with its last answer, and the pause let a token
// bucket refill and slots empty.
LoadShape measure_phase(double rate, Duration settle, Duration duration, Arrivals arrivals);
void extend_measure(PlanResult& step, const PlanResult& more);

// A refine or confirm step whose refusals all came in the first part of its measure phase (a
// twentieth or more of the answers there), then none for at least as long (and at least 1 s):
// the limiter still remembered the overload before it — its drain, or the failed step before —
// (a sliding window that counts the requests it refused, a server still slowed down), so the
// step's rate was not what it refused. Returns how far into the measure phase the last refusal
// came; nullopt for any other step.
std::optional<Duration> overload_echo(const TrialPlan& plan, const PlanResult& ran);

// A refine or confirm step failed by a stall rather than by its rate: a few refusals (at most a
// hundredth of its answers), all within one stretch of at most two seconds, around which an
// answer took more than twice the p99 of the step's other seconds (their median)
// (the server, or the machine under it, stopped for a moment, and its queue overflowed). Such a
// step is repeated once before its verdict counts. Nullopt for any other step.
struct Stall {
  std::uint64_t refused = 0, answered = 0;
  Duration within{};         // how long the refusing stretch lasted
  Duration slowest{};        // the slowest answer in it or next to it
  Duration elsewhere_p99{};  // the median p99 of the step's other seconds
};
std::optional<Stall> stall(const TrialPlan& plan, const PlanResult& ran);

// A step failed by a few refusals (at most a twentieth of its answers) while the load generator
// fell behind: its late sends left together, and such a bunch overflows a concurrency limit
// that the schedule would not have (the refusals may be the generator's own). Such a step is
// repeated before its verdict counts. False for saturate steps (over-driven on purpose) and for
// steps that refused nothing or many.
bool refused_while_behind(const TrialPlan& plan, const TrialResult& result);

// A step failed by errors rather than by its rate: most of what it refused were errors (5xx,
// resets, cut-off answers, no answer) rather than throttles, after an earlier step passed and
// while no step so far failed by errors. An endpoint that answers overload with errors fails
// the same way when the step is repeated; one that had a fault (a burst of 5xx, a restart)
// usually does not. Such a step is repeated once before its verdict counts. Nullopt for any
// other step (over-driven saturate steps, steps the generator fell behind in, passing steps).
struct ErrorBurst {
  std::uint64_t errors = 0, refused = 0, answered = 0;
  bool no_answer = false;  // not one HTTP answer: the endpoint went away
  std::string dominant;    // the most frequent error, with its count
};
std::optional<ErrorBurst> error_burst(const TrialPlan& plan, const TrialResult& result,
                                      std::span<const MaxRateSearch::Trial> before);

// When goodput in a drained step rose well above the answer's upper bound, the endpoint's
// capacity changed while it was probed (auto-scaling): the answer is not a per-IU figure.
// Explore steps are not drained, so a burst allowance may inflate their goodput: they do not count.
std::optional<std::string> capacity_change_warning(std::span<const ProbeTrialRecord> trials,
                                                   const SearchAnswer& answer);

}  // namespace iuprobe
