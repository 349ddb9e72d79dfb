// SPDX-License-Identifier: Apache-2.0
#include "probe/probe.h"

#include <gtest/gtest.h>

#include <csignal>

#include "probe/probe_test_support.h"

namespace iuprobe {
namespace {

using namespace probe_testing;
using Verdict = SearchAnswer::Verdict;

TEST(RunProbe, FindsTheCapacityOfASlotLimitedServer) {
  Probe probe;
  probe.settings.inference_units = 2;
  FakeSession session(probe.clock, slots(173.4));
  const TimePoint began = probe.clock.now();
  const ProbeReport report = probe.run(session);
  const Duration probing = probe.clock.now() - began;
  EXPECT_EQ(report.answer.verdict, Verdict::kFound) << report.answer.reason;
  EXPECT_NEAR(report.answer.capacity / 173.4, 1.0, 0.03);
  EXPECT_TRUE(report.completed());
  // Every step ran as one plan on the same session, and each was reported.
  EXPECT_EQ(session.plans.size(), report.trials.size());
  EXPECT_EQ(probe.observer.steps.size(), report.trials.size());
  EXPECT_EQ(probe.observer.trials, probe.observer.steps);
  // Without a managed model the probe bills itself its time at the IU count: every step's
  // phases and the wait for their last answers, on the clock.
  EXPECT_EQ(report.wall, probing);
  EXPECT_NEAR(report.iu_minutes, to_seconds(probing) / 60 * 2, 1e-9);
}

TEST(RunProbe, StepsAreSettledAndRefineStepsDrainedFirst) {
  Probe probe;
  FakeSession session(probe.clock, slots(400));
  const ProbeReport report = probe.run(session);
  ASSERT_EQ(session.plans.size(), report.trials.size());
  for (std::size_t i = 0; i < report.trials.size(); ++i) {
    const TrialPlan& plan = report.trials[i].trial.plan;
    const auto& segments = session.plans[i].segments();
    ASSERT_FALSE(segments.empty());
    EXPECT_EQ(segments.back().phase, Phase::kMeasure);
    EXPECT_EQ(segments.back().duration, plan.duration);
    EXPECT_EQ(segments[segments.size() - 2].phase, Phase::kSettle);
    if (plan.phase == TrialPlan::Phase::kExplore) {
      EXPECT_EQ(segments.size(), 2u);
    } else {
      ASSERT_EQ(segments.size(), 3u);
      EXPECT_EQ(segments[0].phase, Phase::kDrain);
      EXPECT_DOUBLE_EQ(segments[0].rate_begin, plan.drain_rate);
    }
  }
  // The series holds every phase's windows, on the probe's clock, in order.
  ASSERT_FALSE(report.series.empty());
  EXPECT_EQ(report.series.front().start, Duration{0});
  for (std::size_t i = 1; i < report.series.size(); ++i)
    EXPECT_GE(report.series[i].start, report.series[i - 1].start + report.series[i - 1].length);
}

TEST(RunProbe, ATokenBucketsBurstDoesNotInflateTheAnswer) {
  Probe probe;
  FakeSession session(probe.clock, token_bucket(150, 150));
  const ProbeReport report = probe.run(session);
  EXPECT_EQ(report.answer.verdict, Verdict::kFound) << report.answer.reason;
  EXPECT_NEAR(report.answer.capacity / 150, 1.0, 0.03);
}

TEST(RunProbe, AGeneratorThatFallsBehindGivesALowerBound) {
  Probe probe;
  FakeSession session(probe.clock, [](double rate, Duration) {
    return Served{.late_fraction = rate > 1200 ? 0.5 : 0.001};
  });
  const ProbeReport report = probe.run(session);
  EXPECT_EQ(report.answer.verdict, Verdict::kGeneratorLimited);
  EXPECT_NE(report.answer.reason.find("left later than scheduled"), std::string::npos)
      << report.answer.reason;
  EXPECT_TRUE(report.completed());
}

TEST(RunProbe, AServerThatNeverRefusesHasNoLimit) {
  Probe probe;
  probe.settings.limits.max_rate = 640;
  FakeSession session(probe.clock, [](double, Duration) { return Served{}; });
  const ProbeReport report = probe.run(session);
  EXPECT_EQ(report.answer.verdict, Verdict::kNoLimitFound);
  EXPECT_DOUBLE_EQ(report.answer.capacity, 640);
}

TEST(RunProbe, AServerThatRefusesEverythingNeverPasses) {
  Probe probe;
  FakeSession session(probe.clock, [](double, Duration) { return Served{.refused_fraction = 1}; });
  const ProbeReport report = probe.run(session);
  EXPECT_EQ(report.answer.verdict, Verdict::kNeverPassed);
  EXPECT_TRUE(report.completed());
}

TEST(RunProbe, ASpentStepBudgetLeavesItUnfinished) {
  Probe probe;
  probe.settings.limits.max_trials = 4;
  FakeSession session(probe.clock, slots(300));
  const ProbeReport report = probe.run(session);
  EXPECT_EQ(report.answer.verdict, Verdict::kUnfinished);
  EXPECT_EQ(report.trials.size(), 4u);
}

TEST(RunProbe, AStopRequestEndsItWithWhatWasMeasuredAndStopsTheModel) {
  Probe probe;
  FakeSession session(probe.clock, slots(300));
  session.stop_after = 3;
  FakeModel model(probe.clock, 1);
  const ProbeReport report = probe.run(session, &model);
  EXPECT_TRUE(report.interrupted);
  EXPECT_EQ(report.stop_signal, SIGINT);
  EXPECT_FALSE(report.failure);
  EXPECT_EQ(report.trials.size(), 3u);
  EXPECT_EQ(report.answer.verdict, Verdict::kUnfinished);
  EXPECT_EQ(report.answer.reason.rfind("interrupted: ", 0), 0u) << report.answer.reason;
  EXPECT_EQ(model.stops, 1);
}

TEST(RunProbe, AnAnswerThatEndsTheLoadFailsItAndStopsTheModel) {
  Probe probe;
  FakeSession session(probe.clock, slots(300));
  session.abort_at = 2;
  FakeModel model(probe.clock, 1);
  const ProbeReport report = probe.run(session, &model);
  ASSERT_TRUE(report.failure);
  EXPECT_EQ(report.failure->kind, ErrorKind::kService);
  EXPECT_FALSE(report.interrupted);
  EXPECT_EQ(report.trials.size(), 1u);
  EXPECT_EQ(model.stops, 1);
}

TEST(RunProbe, VerifyScalingProbesAgainWithMoreIusAndBillsBothRuns) {
  Probe probe;
  probe.settings.verify_scaling = 2;
  FakeModel model(probe.clock, 1);
  // 100 TPS per IU, linear.
  FakeSession session(probe.clock, slots([&] { return 100.0 * model.inference_units(); }));
  const ProbeReport report = probe.run(session, &model);
  EXPECT_TRUE(report.completed());
  EXPECT_EQ(model.restarts, 1);
  EXPECT_EQ(model.stops, 1);
  EXPECT_EQ(probe.observer.second_search_iu, 2u);
  ASSERT_TRUE(report.scaling);
  EXPECT_EQ(report.scaling->answer.verdict, Verdict::kFound);
  EXPECT_NEAR(report.scaling->answer.capacity / 200, 1.0, 0.03);
  EXPECT_NEAR(report.scaling->efficiency, 1.0, 0.05);
  // Billed as the model bills it, from each start to its stop (the restart's 90 s start-up
  // included): the probe takes the model's figure.
  EXPECT_DOUBLE_EQ(report.iu_minutes, *model.billed_iu_minutes());
  const double expected =
      1 * to_seconds(report.wall) / 60 + 2 * (90 + to_seconds(report.scaling->wall)) / 60;
  EXPECT_NEAR(report.iu_minutes, expected, 1e-9);
}

TEST(RunProbe, AModelThatCannotBeRestartedFailsTheProbeAndIsStillStopped) {
  Probe probe;
  probe.settings.verify_scaling = 2;
  FakeModel model(probe.clock, 1);
  model.fail_restart = true;
  FakeSession session(probe.clock, slots(100));
  const ProbeReport report = probe.run(session, &model);
  ASSERT_TRUE(report.failure);
  EXPECT_NE(report.failure->message.find("StartProjectVersion"), std::string::npos);
  EXPECT_FALSE(report.scaling);
  EXPECT_EQ(report.answer.verdict, Verdict::kFound);  // the first search's answer stands
  EXPECT_EQ(model.stops, 1);
}

TEST(RunProbe, AModelThatCannotBeStoppedIsAFailure) {
  Probe probe;
  FakeModel model(probe.clock, 1);
  model.fail_stop = true;
  FakeSession session(probe.clock, slots(100));
  const ProbeReport report = probe.run(session, &model);
  ASSERT_TRUE(report.failure);
  EXPECT_EQ(report.failure->kind, ErrorKind::kService);
  EXPECT_EQ(report.answer.verdict, Verdict::kFound);
}

TEST(RunProbe, AnAutoScalingModelIsNotReportedPerIu) {
  Probe probe;
  probe.settings.may_autoscale = true;
  FakeSession session(probe.clock, slots(100));
  const ProbeReport report = probe.run(session);
  ASSERT_FALSE(report.warnings.empty());
  EXPECT_NE(report.warnings[0].find("auto-scale"), std::string::npos);
}

}  // namespace
}  // namespace iuprobe
