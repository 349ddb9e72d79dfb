// SPDX-License-Identifier: Apache-2.0
#include "probe/judge.h"

#include <gtest/gtest.h>

#include "engine/run_load.h"

namespace iuprobe {
namespace {

using namespace std::chrono_literals;

// A plan with one measure phase of `seconds` whole windows, `late` of the sends late in each.
PlanResult measured_plan(int seconds, std::uint64_t per_second, std::uint64_t late_per_second,
                         double cpu) {
  PlanResult plan;
  PhaseRecord phase{.index = 0, .phase = Phase::kMeasure, .duration = seconds * 1s};
  for (int i = 0; i < seconds; ++i) {
    Window w;
    w.scheduled = w.sent = per_second;
    w.late = late_per_second;
    w.count(Outcome::kOk) = per_second;
    WindowRecord record = make_window_record(static_cast<std::size_t>(i), i * 1s, 1s, w);
    record.peak_worker_cpu = cpu;
    plan.windows.push_back(record);
    phase.totals.merge(w);
  }
  plan.phases.push_back(phase);
  return plan;
}

// Three ranks' plan as rank 0 merges it: each rank's part in `ranks`, their sum in the rest.
PlanResult ranked_plan(int seconds, const std::vector<std::uint64_t>& late_per_second) {
  PlanResult plan = measured_plan(seconds, 0, 0, 0.1);
  plan.phases[0].totals = Window{};
  plan.windows = WindowSeries(0);
  std::vector<PlanResult> parts;
  for (const std::uint64_t late : late_per_second) {
    parts.push_back(measured_plan(seconds, 100, late, 0.1));
    plan.phases[0].totals.merge(parts.back().phases[0].totals);
    plan.ranks.push_back(
        {.windows = parts.back().windows, .phases = {parts.back().phases[0].totals}});
  }
  for (int i = 0; i < seconds; ++i) {
    Window sum;  // each rank's second i: its totals spread evenly over its seconds
    for (const PlanResult& part : parts) {
      Window second;
      second.scheduled = second.sent = part.phases[0].totals.sent / seconds;
      second.late = part.phases[0].totals.late / seconds;
      sum.merge(second);
    }
    plan.windows.push_back(make_window_record(static_cast<std::size_t>(i), i * 1s, 1s, sum));
  }
  return plan;
}

// One rank of three that falls behind is a third of the sends: the sum hides it (17% late
// against the 20% limit), each rank's own check does not, in `run` and in `probe` alike.
TEST(Ranks, ARankThatFellBehindIsNamedWithItsHostThoughTheSumKeptUp) {
  const PlanResult plan = ranked_plan(4, {0, 0, 50});
  const std::vector<std::string> hosts{"gen-a", "gen-b", "gen-c"};
  const ConnectionSettings settings;
  const GeneratorContext context{.late_threshold = settings.late_threshold_floor,
                                 .max_connections = settings.max_connections};
  EXPECT_FALSE(check_generator({}, plan.phases[0].totals, context).bound);

  const RunResult run =
      summarize_run(plan, OpenLoop{RateProfile::constant(300, 4s)}, settings, hosts);
  ASSERT_EQ(run.ranks.size(), 3u);
  EXPECT_EQ(run.ranks[2].host, "gen-c");
  EXPECT_EQ(run.ranks[2].sent, 400u);
  EXPECT_FALSE(run.ranks[0].generator.bound);
  EXPECT_TRUE(run.ranks[2].generator.bound);
  EXPECT_TRUE(run.generator.bound);
  ASSERT_FALSE(run.generator.reasons.empty());
  EXPECT_NE(run.generator.reasons.back().find("rank 2 (gen-c)"), std::string::npos)
      << run.generator.reasons.back();

  const JudgedStep step = judge_step(plan, context, hosts);
  EXPECT_TRUE(step.result.generator_limited);
  EXPECT_NE(step.result.generator_reason.find("rank 2 (gen-c)"), std::string::npos);
  EXPECT_FALSE(judge_step(ranked_plan(4, {0, 0, 0}), context, hosts).result.generator_limited);
}

// A step held longer (extend_measure) adds each rank's part too, so its check sees all of it:
// the step's measure phase (its second, after a drain) gets the extra plan's (its first).
TEST(Ranks, AStepHeldLongerAddsEachRanksPart) {
  PlanResult step = ranked_plan(2, {0, 0, 0});
  step.phases[0].index = 1;
  step.phases.insert(step.phases.begin(), PhaseRecord{.index = 0, .phase = Phase::kDrain});
  for (RankPlan& part : step.ranks) part.phases.insert(part.phases.begin(), Window{});
  extend_measure(step, ranked_plan(2, {0, 0, 80}));
  ASSERT_EQ(step.ranks.size(), 3u);
  EXPECT_EQ(step.ranks[2].phases[0].sent, 0u);
  EXPECT_EQ(step.ranks[2].phases[1].sent, 400u);
  EXPECT_EQ(step.ranks[2].phases[1].late, 160u);
  EXPECT_EQ(step.ranks[2].windows.size(), 4u);
}

TEST(JudgeStep, RatesComeFromTheMeasurePhaseOnly) {
  PlanResult plan = measured_plan(4, 100, 0, 0.1);
  PhaseRecord drain{.index = 0, .phase = Phase::kDrain, .duration = 1s};
  drain.totals.scheduled = drain.totals.sent = 500;
  drain.totals.count(Outcome::kThrottled) = 500;
  plan.phases.insert(plan.phases.begin(), drain);
  const JudgedStep step = judge_step(plan, {});
  EXPECT_DOUBLE_EQ(step.result.offered, 100);
  EXPECT_DOUBLE_EQ(step.result.goodput, 100);
  EXPECT_DOUBLE_EQ(step.result.refused_fraction, 0);
  EXPECT_FALSE(step.result.generator_limited);
}

// `run` and `probe` judge the generator with the same self-check: fed the same windows, they
// agree, whether the load kept its schedule, jittered, or fell behind.
TEST(JudgeStep, AgreesWithRunOnWhetherTheGeneratorWasTheLimit) {
  const OpenLoop shape{RateProfile::constant(1000, 8s)};
  const ConnectionSettings settings;
  const GeneratorContext context{.late_threshold = settings.late_threshold_floor,
                                 .max_connections = settings.max_connections};
  struct Case {
    std::uint64_t late_per_second;
    double cpu;
    bool bound;
  };
  for (const Case c : {Case{0, 0.2, false}, Case{30, 0.5, false}, Case{150, 0.5, false},
                       Case{400, 0.5, true}, Case{0, 0.99, true}}) {
    SCOPED_TRACE(::testing::Message() << c.late_per_second << " late/s, cpu " << c.cpu);
    const PlanResult plan = measured_plan(8, 1000, c.late_per_second, c.cpu);
    const RunResult run = summarize_run(plan, shape, settings);
    const JudgedStep step = judge_step(plan, context);
    EXPECT_EQ(run.generator.bound, c.bound);
    EXPECT_EQ(step.result.generator_limited, c.bound);
    EXPECT_EQ(step.result.generator_reason,
              fmt::format("{}", fmt::join(run.generator.reasons, "; ")));
  }
}

TEST(StepPhases, ExploreStepsSettleAndRefineStepsDrainFirst) {
  const TrialPlan explore{
      .phase = TrialPlan::Phase::kExplore, .rate = 40, .duration = 2s, .settle = 250ms};
  const LoadShape explore_shape = step_phases(explore, std::nullopt);
  const auto& e = std::get<OpenLoop>(explore_shape).profile.segments();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].phase, Phase::kSettle);
  EXPECT_EQ(e[0].duration, 250ms);
  EXPECT_EQ(e[1].phase, Phase::kMeasure);
  const TrialPlan refine{.phase = TrialPlan::Phase::kRefine,
                         .rate = 90,
                         .duration = 4s,
                         .drain_rate = 100,
                         .drain = 1s,
                         .settle = 500ms};
  const LoadShape refine_shape = step_phases(refine, 50ms);
  const auto& r = std::get<OpenLoop>(refine_shape).profile.segments();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].phase, Phase::kDrain);
  EXPECT_DOUBLE_EQ(r[0].rate_begin, 100);
  EXPECT_EQ(r[1].duration, 500ms);  // 3 x 50 ms is less than the plan's own settle
  EXPECT_DOUBLE_EQ(r[1].rate_begin, 90);
}

TEST(StepPhases, SettleCoversSlowAnswersUpToThreeSeconds) {
  const TrialPlan drained{
      .rate = 10, .duration = 4s, .drain_rate = 20, .drain = 1s, .settle = 500ms};
  const TrialPlan explore{.rate = 10, .duration = 2s, .settle = 250ms};
  const auto settle = [&](const TrialPlan& plan, Duration last_p99) {
    const LoadShape shape = step_phases(plan, last_p99);
    for (const RateSegment& s : std::get<OpenLoop>(shape).profile.segments())
      if (s.phase == Phase::kSettle) return s.duration;
    return Duration{0};
  };
  EXPECT_EQ(settle(drained, 400ms), 1200ms);  // three latencies after a drain
  EXPECT_EQ(settle(drained, 5s), 3s);
  EXPECT_EQ(settle(explore, 400ms), 400ms);  // one before an explore step
  EXPECT_EQ(settle(explore, 100ms), 250ms);
}

ProbeTrialRecord trial(std::size_t index, TrialPlan::Phase phase, double goodput) {
  ProbeTrialRecord r{.index = index};
  r.trial.plan.phase = phase;
  r.trial.result.goodput = goodput;
  return r;
}

TEST(CapacityChangeWarning, OnlyDrainedStepsAboveTheBoundCount) {
  const SearchAnswer answer{.verdict = SearchAnswer::Verdict::kFound, .capacity = 98, .upper = 100};
  const std::vector<ProbeTrialRecord> burst{trial(1, TrialPlan::Phase::kExplore, 160),
                                            trial(2, TrialPlan::Phase::kRefine, 99)};
  EXPECT_FALSE(capacity_change_warning(burst, answer));
  const std::vector<ProbeTrialRecord> scaled{trial(1, TrialPlan::Phase::kExplore, 90),
                                             trial(2, TrialPlan::Phase::kRefine, 150)};
  const auto warning = capacity_change_warning(scaled, answer);
  ASSERT_TRUE(warning);
  EXPECT_NE(warning->find("in step 2"), std::string::npos);
}

// A measure phase of whole seconds, with these refusals in each.
PlanResult refused_per_second(std::initializer_list<std::uint64_t> refused, std::uint64_t sent) {
  PlanResult plan = measured_plan(static_cast<int>(refused.size()), sent, 0, 0.1);
  std::size_t i = 0;
  for (const std::uint64_t r : refused) {
    plan.windows[i].outcomes[static_cast<std::size_t>(Outcome::kOk)] = sent - r;
    plan.windows[i].outcomes[static_cast<std::size_t>(Outcome::kThrottled)] = r;
    ++i;
  }
  return plan;
}

TEST(OverloadEcho, RefusalsOnlyAtTheStartOfARefineOrConfirmStepAreAnEcho) {
  const TrialPlan drained{.phase = TrialPlan::Phase::kRefine,
                          .rate = 200,
                          .duration = 4s,
                          .drain_rate = 400,
                          .drain = 1s};
  // All refused in the first second, none in the three after: the window still held the drain.
  const auto echo = overload_echo(drained, refused_per_second({200, 0, 0, 0}, 200));
  ASSERT_TRUE(echo);
  EXPECT_EQ(*echo, 1s);
  EXPECT_TRUE(overload_echo(drained, refused_per_second({200, 150, 0, 0}, 200)));
  // A model that slows down while it refuses: a few percent of the first second, then none;
  // below 2% they are strays.
  EXPECT_TRUE(overload_echo(drained, refused_per_second({12, 0, 0, 0}, 200)));
  EXPECT_TRUE(overload_echo(drained, refused_per_second({5, 0, 0, 0}, 200)));
  EXPECT_FALSE(overload_echo(drained, refused_per_second({3, 0, 0, 0}, 200)));
  // Refusals that go on, or come late, or are strays, are not.
  EXPECT_FALSE(overload_echo(drained, refused_per_second({200, 200, 200, 0}, 200)));
  EXPECT_FALSE(overload_echo(drained, refused_per_second({0, 0, 0, 20}, 200)));
  EXPECT_TRUE(overload_echo(drained, refused_per_second({4, 0, 0, 0}, 200)));  // 2% exactly
  // At a low rate, one or two refusals are strays whatever their share; three are not.
  EXPECT_FALSE(overload_echo(drained, refused_per_second({1, 0, 0, 0}, 40)));
  EXPECT_FALSE(overload_echo(drained, refused_per_second({2, 0, 0, 0}, 40)));
  EXPECT_TRUE(overload_echo(drained, refused_per_second({3, 0, 0, 0}, 40)));
  EXPECT_FALSE(overload_echo(drained, refused_per_second({0, 0, 0, 0}, 200)));
  // An undrained refine step echoes the failed step before it just as well.
  TrialPlan undrained = drained;
  undrained.drain_rate = 0;
  EXPECT_TRUE(overload_echo(undrained, refused_per_second({200, 0, 0, 0}, 200)));
  // One quiet second after the refusals is enough, if as long as they lasted.
  EXPECT_TRUE(overload_echo(drained, refused_per_second({200, 0}, 200)));
  EXPECT_FALSE(overload_echo(drained, refused_per_second({200, 200, 0}, 200)));
  // Explore steps are not: their refusals are the overload itself.
  TrialPlan explore = undrained;
  explore.phase = TrialPlan::Phase::kExplore;
  EXPECT_FALSE(overload_echo(explore, refused_per_second({200, 0, 0, 0}, 200)));
}

// Each second's ok answers: p99 and the slowest.
void answers_took(PlanResult& plan, std::initializer_list<std::pair<Duration, Duration>> p99_max) {
  std::size_t i = 0;
  for (const auto& [p99, max] : p99_max) {
    LatencySummary& l = plan.windows[i++].latency;
    l.count = 1;
    l.p99 = p99;
    l.max = max;
  }
}

TEST(Stall, AFewRefusalsInOneSlowMomentOfARefineOrConfirmStepAreAStall) {
  const TrialPlan refine{.phase = TrialPlan::Phase::kRefine, .rate = 500, .duration = 4s};
  const auto ran = [](std::initializer_list<std::uint64_t> refused, Duration slowest) {
    PlanResult plan = refused_per_second(refused, 500);
    answers_took(plan, {{12ms, 13ms}, {12ms, slowest}, {12ms, 14ms}, {12ms, 13ms}});
    return plan;
  };
  // 5 refused in the second where an answer took 40 ms, against a p99 of 12 ms elsewhere.
  const auto stalled = stall(refine, ran({0, 5, 0, 0}, 40ms));
  ASSERT_TRUE(stalled);
  EXPECT_EQ(stalled->refused, 5);
  EXPECT_EQ(stalled->answered, 2000);
  EXPECT_EQ(stalled->within, 1s);
  EXPECT_EQ(stalled->slowest, 40ms);
  EXPECT_EQ(stalled->elsewhere_p99, 12ms);
  // Two seconds next to each other still are one stall; the slow answer may be in the second
  // before the refusals.
  EXPECT_TRUE(stall(refine, ran({0, 3, 2, 0}, 40ms)));
  EXPECT_TRUE(stall(refine, ran({0, 0, 3, 0}, 40ms)));
  // Not a stall: refusals in seconds apart, or more than a hundredth, or no slow answer.
  EXPECT_FALSE(stall(refine, ran({2, 0, 0, 3}, 40ms)));
  EXPECT_FALSE(stall(refine, ran({0, 3, 3, 3}, 40ms)));
  EXPECT_FALSE(stall(refine, ran({0, 30, 0, 0}, 40ms)));
  EXPECT_FALSE(stall(refine, ran({0, 5, 0, 0}, 20ms)));
  EXPECT_FALSE(stall(refine, ran({0, 0, 0, 0}, 40ms)));
  // Explore and saturate steps are not: their refusals are the overload itself.
  TrialPlan explore = refine;
  explore.phase = TrialPlan::Phase::kExplore;
  EXPECT_FALSE(stall(explore, ran({0, 5, 0, 0}, 40ms)));
}

TEST(StepPhases, ASettleFloorLengthensTheSettlesOfRefineAndConfirmStepsOnly) {
  const TrialPlan drained{.phase = TrialPlan::Phase::kRefine,
                          .rate = 200,
                          .duration = 4s,
                          .drain_rate = 400,
                          .drain = 1s,
                          .settle = 500ms};
  const auto segments = [](const LoadShape& shape) {
    return std::get<OpenLoop>(shape).profile.segments();
  };
  EXPECT_EQ(segments(step_phases(drained, std::nullopt, 2s))[1].duration, 2s);
  TrialPlan undrained = drained;
  undrained.drain_rate = 0;
  EXPECT_EQ(segments(step_phases(undrained, std::nullopt, 2s))[0].duration, 2s);
  TrialPlan explore = undrained;
  explore.phase = TrialPlan::Phase::kExplore;
  EXPECT_EQ(segments(step_phases(explore, std::nullopt, 2s))[0].duration, 500ms);
  EXPECT_EQ(std::get<OpenLoop>(step_phases(drained, std::nullopt, 0s, Arrivals::kPoisson)).arrivals,
            Arrivals::kPoisson);
}

TEST(ExtendMeasure, AddsTheMoreToTheStepsMeasure) {
  PlanResult step = refused_per_second({0, 0, 0, 0}, 100);
  const PlanResult more = refused_per_second({1, 0}, 100);
  extend_measure(step, more);
  ASSERT_EQ(step.phases.size(), 1u);
  EXPECT_EQ(step.phases[0].duration, 6s);
  EXPECT_EQ(step.windows.size(), 6u);
  const JudgedStep judged = judge_step(step, {});
  EXPECT_EQ(judged.result.answered, 600u);
}

MaxRateSearch::Trial step_at(double rate, TrialPlan::Phase phase, std::uint64_t throttled,
                             std::uint64_t errors, std::uint64_t unanswered = 0) {
  constexpr std::uint64_t kAnswered = 200;
  const std::uint64_t refused = throttled + errors;
  return {.plan = {.phase = phase, .rate = rate},
          .result = {.refused_fraction = static_cast<double>(refused) / kAnswered,
                     .error_fraction = static_cast<double>(errors) / kAnswered,
                     .answered = kAnswered,
                     .refused = refused,
                     .unanswered = unanswered,
                     .dominant_error = errors ? "HTTP 500" : "",
                     .dominant_error_count = errors},
          .passed = refused == 0};
}

TEST(ErrorBurst, AStepFailedByErrorsAfterAPassIsRepeated) {
  using P = TrialPlan::Phase;
  const std::vector<MaxRateSearch::Trial> passed = {step_at(10, P::kExplore, 0, 0)};
  const auto burst = step_at(20, P::kExplore, 1, 60);
  const auto found = error_burst(burst.plan, burst.result, passed);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->errors, 60u);
  EXPECT_EQ(found->refused, 61u);
  EXPECT_EQ(found->dominant, "60 × HTTP 500");
  EXPECT_FALSE(found->no_answer);
  const auto gone = step_at(20, P::kRefine, 0, 200, 200);
  EXPECT_TRUE(error_burst(gone.plan, gone.result, passed)->no_answer);
}

TEST(ErrorBurst, NotForThrottlesNorBeforeAPassNorOnceErrorsFailedAStep) {
  using P = TrialPlan::Phase;
  const std::vector<MaxRateSearch::Trial> passed = {step_at(10, P::kExplore, 0, 0)};
  const auto throttled = step_at(20, P::kExplore, 50, 10);
  EXPECT_FALSE(error_burst(throttled.plan, throttled.result, passed));
  const auto errors = step_at(20, P::kExplore, 0, 10);
  EXPECT_FALSE(error_burst(errors.plan, errors.result, {}));  // nothing passed: maybe its way
  std::vector<MaxRateSearch::Trial> seen = passed;
  seen.push_back(step_at(40, P::kExplore, 0, 30));  // errors already failed a step: its way
  EXPECT_FALSE(error_burst(errors.plan, errors.result, seen));
  const auto saturate = step_at(40, P::kSaturate, 0, 100);
  EXPECT_FALSE(error_burst(saturate.plan, saturate.result, passed));
  auto behind = step_at(20, P::kExplore, 0, 10);
  behind.result.generator_limited = true;
  EXPECT_FALSE(error_burst(behind.plan, behind.result, passed));
}

}  // namespace
}  // namespace iuprobe
