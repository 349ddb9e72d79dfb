// SPDX-License-Identifier: Apache-2.0
#include "probe/probe.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <functional>
#include <random>

namespace iuprobe {
namespace {

using namespace std::chrono_literals;
using Verdict = SearchAnswer::Verdict;

// What a simulated server does with `rate` offered for `duration`; it may keep state from call
// to call (a token bucket does).
struct Served {
  double refused_fraction = 0;  // throttled
  Duration latency = 50ms;
  double late_fraction = 0;  // sends the generator failed to make on time
};
using SimulatedServer = std::function<Served(double rate, Duration duration)>;

// A load session with no sockets: each phase of a plan is offered to a simulated server on a
// manual clock, which advances by the plan's length and the last answer's latency.
class FakeSession final : public LoadSession {
 public:
  FakeSession(ManualClock& clock, SimulatedServer server)
      : clock_(clock), epoch_(clock.now()), server_(std::move(server)) {}

  PlanResult run(const LoadShape& shape) override {
    plans.push_back(std::get<OpenLoop>(shape).profile);
    arrivals = std::get<OpenLoop>(shape).arrivals;
    PlanResult result;
    result.start = clock_.now() - epoch_;
    if (stop_after && plans.size() > *stop_after) {
      result.stopped_by = SIGINT;
      return result;
    }
    if (abort_at && plans.size() == *abort_at) {
      result.aborted = Error{ErrorKind::kService, "the model is not running"};
      return result;
    }
    Duration latency{};
    const auto& segments = plans.back().segments();
    for (std::size_t i = 0; i < segments.size(); ++i) {
      const RateSegment& s = segments[i];
      PhaseRecord phase{.index = i,
                        .phase = s.phase,
                        .start = clock_.now() - epoch_,
                        .duration = s.duration,
                        .rate_begin = s.rate_begin,
                        .rate_end = s.rate_end};
      // One window per phase, or per `window` as the real session's seconds.
      for (Duration done{0}; done < s.duration;) {
        const Duration length =
            window > Duration{0} ? std::min(window, s.duration - done) : s.duration;
        const Served served = server_(s.rate_begin, length);
        latency = served.latency;
        Window w;
        w.scheduled = static_cast<std::uint64_t>(std::llround(s.rate_begin * to_seconds(length)));
        w.sent = w.scheduled;
        w.late = static_cast<std::uint64_t>(std::llround(w.scheduled * served.late_fraction));
        const auto refused =
            static_cast<std::uint64_t>(std::llround(w.scheduled * served.refused_fraction));
        w.count(Outcome::kThrottled) = refused;
        w.count(Outcome::kOk) = w.scheduled - refused;
        for (std::uint64_t k = 0; k < w.count(Outcome::kOk); ++k) w.latency.record(served.latency);
        WindowRecord record =
            make_window_record(result.windows.size(), clock_.now() - epoch_, length, w);
        record.phase = s.phase;
        record.connections = 4;
        result.windows.push_back(record);
        phase.totals.merge(w);
        clock_.advance(length);
        done += length;
      }
      result.phases.push_back(std::move(phase));
    }
    clock_.advance(latency);  // the last answers
    result.sent_for = plans.back().total_duration();
    result.wall = clock_.now() - epoch_ - result.start;
    return result;
  }

  std::vector<RateProfile> plans;
  std::optional<std::size_t> stop_after;   // plans after this many return stopped
  std::optional<std::size_t> abort_at;     // this plan ends with an abort
  Duration window{0};                      // 0: one window per phase
  Arrivals arrivals = Arrivals::kUniform;  // of the last plan

 private:
  ManualClock& clock_;
  TimePoint epoch_;
  SimulatedServer server_;
};

// A concurrency-limited model: what is offered above its capacity is refused.
SimulatedServer slots(std::function<double()> capacity) {
  return [capacity](double rate, Duration) {
    const double c = capacity();
    return Served{.refused_fraction = rate > c ? (rate - c) / rate : 0};
  };
}
SimulatedServer slots(double capacity) {
  return slots([capacity] { return capacity; });
}

// A token bucket of `capacity` per second holding up to `burst` tokens, its state carried from
// phase to phase as a real one's is (nginx limit_req with burst and nodelay).
SimulatedServer token_bucket(double capacity, double burst) {
  auto tokens = std::make_shared<double>(burst);
  return [=](double rate, Duration length) {
    const double dt = 0.001;
    double refused = 0;
    for (double t = 0; t < to_seconds(length); t += dt) {
      *tokens = std::min(burst + capacity * dt, *tokens + capacity * dt);
      const double take = std::min(rate * dt, *tokens);
      *tokens -= take;
      refused += rate * dt - take;
    }
    const double offered = rate * to_seconds(length);
    return Served{.refused_fraction = refused >= 1 ? refused / offered : 0};
  };
}

// A sliding window of `window_s` seconds that lets `limit` requests per second through and counts
// the ones it refuses too (HAProxy's sc_http_req_rate with a deny): over the limit, goodput
// collapses, and after an overload it refuses everything until the overload has left its
// window. Simulated in 1 ms ticks.
SimulatedServer counting_window(double limit, int window_s = 1) {
  struct State {
    std::vector<double> ticks;  // requests per ms, over the window
    std::size_t at = 0;
    double in_window = 0, carry = 0;
  };
  auto state = std::make_shared<State>();
  state->ticks.assign(static_cast<std::size_t>(window_s) * 1000, 0);
  const double allowed = limit * window_s;
  return [=](double rate, Duration length) {
    State& st = *state;
    double offered = 0, refused = 0;
    for (double t = 0; t < to_seconds(length); t += 0.001) {
      st.in_window -= st.ticks[st.at];
      st.ticks[st.at] = 0;
      st.carry += rate * 0.001;
      for (; st.carry >= 1; st.carry -= 1) {
        offered += 1;
        if (st.in_window >= allowed) refused += 1;
        st.in_window += 1;
        st.ticks[st.at] += 1;
      }
      st.at = (st.at + 1) % st.ticks.size();
    }
    return Served{.refused_fraction = offered > 0 ? refused / offered : 0};
  };
}

class Recorder final : public ProbeObserver {
 public:
  void on_status(std::string_view text) override { statuses.emplace_back(text); }
  void on_step(std::size_t index, const TrialPlan&) override { steps.push_back(index); }
  void on_trial(const ProbeTrialRecord& record) override { trials.push_back(record.index); }
  void on_second_search(unsigned iu, const SearchAnswer&) override { second_search_iu = iu; }
  std::vector<std::string> statuses;
  std::vector<std::size_t> steps, trials;
  unsigned second_search_iu = 0;
};

// A model iuprobe started, billed on the manual clock from each start to its stop.
class FakeModel final : public ManagedModel {
 public:
  FakeModel(ManualClock& clock, unsigned iu) : clock_(clock), iu_(iu), started_(clock.now()) {}
  unsigned inference_units() const override { return iu_; }
  bool started_by_iuprobe() const override { return true; }
  Result<void> restart(unsigned iu) override {
    ++restarts;
    if (fail_restart) return fail(ErrorKind::kService, "StartProjectVersion failed");
    bill();
    iu_ = iu;
    started_ = clock_.now();  // billed from the start request
    clock_.advance(90s);      // STARTING
    return {};
  }
  Result<void> stop() override {
    ++stops;
    if (fail_stop) return fail(ErrorKind::kService, "THE MODEL MAY STILL BE RUNNING");
    bill();
    return {};
  }
  std::optional<double> billed_iu_minutes() const override { return billed_; }

  int restarts = 0, stops = 0;
  bool fail_restart = false, fail_stop = false;

 private:
  void bill() {
    billed_ += iu_ * std::chrono::duration<double, std::ratio<60>>(clock_.now() - started_).count();
  }
  ManualClock& clock_;
  unsigned iu_;
  TimePoint started_;
  double billed_ = 0;
};

struct Probe {
  ManualClock clock;
  Recorder observer;
  ProbeSettings settings{.target = "simulated"};

  ProbeReport run(FakeSession& session, ManagedModel* model = nullptr) {
    return run_probe(
        settings,
        ProbeRig{.session = session, .model = model, .clock = clock, .observer = observer});
  }
};

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

TEST(RunProbe, ALimiterThatCollapsesIsProbedUndrainedAfterAWholeWindow) {
  // Over-driven, a one-second window that counts refused requests serves almost nothing: no
  // bucket, so no drain (it would fill the window) and a settle that outlasts the window.
  Probe probe;
  FakeSession session(probe.clock, counting_window(200));
  session.window = 1s;
  const ProbeReport report = probe.run(session);
  EXPECT_EQ(report.answer.verdict, Verdict::kFound) << report.answer.reason;
  EXPECT_NEAR(report.answer.capacity / 200, 1.0, 0.03);
  bool saturated = false;
  for (const ProbeTrialRecord& r : report.trials) {
    EXPECT_EQ(r.set_aside, "") << r.index;
    const TrialPlan& plan = r.trial.plan;
    if (saturated) {
      EXPECT_EQ(plan.drain_rate, 0) << r.index;
      EXPECT_GE(plan.settle, 1s) << r.index;
    }
    saturated = saturated || plan.phase == TrialPlan::Phase::kSaturate;
  }
  EXPECT_TRUE(saturated);
  ASSERT_TRUE(report.answer.saturated);
  EXPECT_LT(report.answer.saturated->goodput, 20);
}

TEST(RunProbe, ALimiterThatRemembersTheOverloadIsProbedAfterALongerSettle) {
  // A two-second window still holds the overload of the step before after a one-second settle,
  // so the measure phase starts refused even at a rate the limiter sustains; the step is set
  // aside, run again after a longer settle, and the answer is the limit.
  Probe probe;
  FakeSession session(probe.clock, counting_window(200, 2));
  session.window = 1s;
  const ProbeReport report = probe.run(session);
  EXPECT_EQ(report.answer.verdict, Verdict::kFound) << report.answer.reason;
  EXPECT_NEAR(report.answer.capacity / 200, 1.0, 0.03);
  const auto set_aside =
      std::count_if(report.trials.begin(), report.trials.end(),
                    [](const ProbeTrialRecord& r) { return !r.set_aside.empty(); });
  EXPECT_EQ(set_aside, 1) << "the longer settle is kept for the steps after it";
  ASSERT_TRUE(report.answer.saturated);
  EXPECT_LT(report.answer.saturated->goodput, 150);
  EXPECT_NE(report.answer.saturation_note.find("counts the requests it refuses"),
            std::string::npos);
}

// Slots of `capacity` that stall in the second whole second of a measure phase offered between
// `from` and 1 × their capacity, in the first such phase only or in `every` one: 0.4% of that
// second refused while answers take 60 ms (10 ms otherwise).
SimulatedServer stalls(double capacity, double from, bool every) {
  auto seconds = std::make_shared<int>(0);  // whole seconds in a row
  auto stalled = std::make_shared<int>(0);
  return [=](double rate, Duration length) {
    Served served = slots(capacity)(rate, length);
    served.latency = 10ms;
    *seconds = length == 1s ? *seconds + 1 : 0;
    if (*seconds == 2 && rate >= from * capacity && rate < capacity && (every || *stalled == 0)) {
      ++*stalled;
      served = Served{.refused_fraction = 0.004, .latency = 60ms};
    }
    return served;
  };
}

// A probe of `server` whose steps report whole seconds, as the real session's do.
ProbeReport probe_by_the_second(SimulatedServer server) {
  Probe probe;
  FakeSession session(probe.clock, std::move(server));
  session.window = 1s;
  return probe.run(session);
}

TEST(RunProbe, AStepFailedByAStallIsRepeatedOnce) {
  const ProbeReport report = probe_by_the_second(stalls(500, 0.95, false));
  EXPECT_EQ(report.answer.verdict, Verdict::kFound) << report.answer.reason;
  std::vector<const ProbeTrialRecord*> set_aside;
  for (const auto& r : report.trials) {
    if (!r.set_aside.empty()) set_aside.push_back(&r);
  }
  ASSERT_EQ(set_aside.size(), 1U);
  EXPECT_NE(set_aside[0]->set_aside.find("a stall, not the rate"), std::string::npos)
      << set_aside[0]->set_aside;
  // The repeat ran next, at the same rate, and passed.
  const ProbeTrialRecord& repeat = report.trials[set_aside[0]->index];
  EXPECT_EQ(repeat.trial.plan.rate, set_aside[0]->trial.plan.rate);
  EXPECT_TRUE(repeat.trial.passed);
  EXPECT_NEAR(report.answer.capacity / 500, 1.0, 0.03);
}

TEST(RunProbe, AServerThatStallsOftenIsRepeatedAFewTimesOnly) {
  const ProbeReport report = probe_by_the_second(stalls(500, 0.5, true));
  EXPECT_EQ(report.answer.verdict, Verdict::kFound) << report.answer.reason;
  const auto set_aside =
      std::count_if(report.trials.begin(), report.trials.end(),
                    [](const ProbeTrialRecord& r) { return !r.set_aside.empty(); });
  EXPECT_EQ(set_aside, 3);
  // It is refused whenever it is offered above half its capacity: that is its sustainable rate.
  EXPECT_LT(report.answer.capacity, 0.5 * 500);
}

TEST(RunProbe, ATokenBucketIsNotSetAside) {
  Probe probe;
  FakeSession session(probe.clock, token_bucket(300, 300));
  session.window = 1s;
  const ProbeReport report = probe.run(session);
  EXPECT_NEAR(report.answer.capacity / 300, 1.0, 0.03) << report.answer.reason;
  for (const auto& r : report.trials) EXPECT_EQ(r.set_aside, "") << r.index;
}

TEST(RunProbe, PoissonArrivalsAreJudgedAtTheirToleranceWithConfidence) {
  // Random arrivals meet full slots now and then: refusals grow smoothly with the rate,
  // 0.1% at 250/s, and the slots serve 280/s at most. Steps near 250/s are held longer until
  // their bounds decide.
  Probe probe;
  probe.settings.arrivals = Arrivals::kPoisson;
  probe.settings.limits.max_error_rate = 0.001;
  FakeSession session(probe.clock, [](double rate, Duration) {
    const double random = std::min(0.01, 0.001 * std::pow(rate / 250, 20));
    return Served{.refused_fraction = std::max(random, 1 - 280 / rate)};
  });
  const ProbeReport report = probe.run(session);
  EXPECT_EQ(report.answer.verdict, Verdict::kFound) << report.answer.reason;
  EXPECT_NEAR(report.answer.capacity / 250, 1.0, 0.04);
  EXPECT_EQ(report.arrivals, Arrivals::kPoisson);
  // Some steps were held longer than planned (a plan of one measure phase each time).
  EXPECT_GT(session.plans.size(), report.trials.size());
  // The answer's step was held past its planned 8 s, until the bounds decided or 30 s had
  // passed, when its refused fraction itself decided; its evidence says how sure that is.
  const ProbeTrialRecord* at = answer_trial(report);
  ASSERT_NE(at, nullptr);
  const TrialResult& t = at->trial.result;
  EXPECT_GT(t.answered, static_cast<std::uint64_t>(at->trial.plan.rate * 8));
  EXPECT_LE(t.refused_fraction, 0.001);
  EXPECT_GE(at->refused_bounds.high, t.refused_fraction);
  EXPECT_TRUE(report.warnings.empty()) << report.warnings.front();
  // Explore steps are not held longer (they look for the first refusal, not for a tenth of a
  // percent), and refine steps for half as long as the answer's hold at most.
  for (const ProbeTrialRecord& r : report.trials) {
    const double rate = r.trial.plan.rate;
    const auto answered = static_cast<double>(r.trial.result.answered);
    if (r.trial.plan.phase == TrialPlan::Phase::kExplore) {
      EXPECT_LE(answered, rate * 2 + 1) << r.index;
    }
    if (r.trial.plan.phase == TrialPlan::Phase::kRefine) {
      EXPECT_LE(answered, rate * 15 + 4) << r.index;  // each extra measure rounds
    }
  }
}

// The share of random (Poisson) arrivals that find all `places` of `slots` taken, at `rate`, for
// exponential service times of `service_s` (Erlang's loss formula with a queue: M/M/c/K).
double refused_at_random(double rate, int slots, int places, double service_s) {
  const double load = rate * service_s;
  double term = 1, sum = 1;
  for (int n = 1; n <= places; ++n) {
    term *= load / std::min(n, slots);
    sum += term;
  }
  return term / sum;
}

TEST(RunProbe, ASmallQueueUnderRandomArrivalsIsFoundFarBelowItsSaturatedRate) {
  // The emulator's default model (5 slots and a queue of 2, 50 ms): 100/s when saturated, but
  // random arrivals find all 7 places taken 0.57% of the time at 40/s. Short explore steps
  // there see no refusal at all; they must not bound the search from below.
  const auto refused = [](double rate) { return refused_at_random(rate, 5, 7, 0.05); };
  double lo = 1, hi = 100;  // the truth: where the formula gives the tolerance
  for (int i = 0; i < 60; ++i) (refused((lo + hi) / 2) > 0.001 ? hi : lo) = (lo + hi) / 2;
  Probe probe;
  probe.settings.arrivals = Arrivals::kPoisson;
  probe.settings.limits.max_error_rate = 0.001;
  // Each request is refused at random, as it would be (a fixed seed).
  std::mt19937 random(7);
  FakeSession session(probe.clock, [&](double rate, Duration length) {
    const auto offered = std::llround(rate * to_seconds(length));
    std::binomial_distribution<long long> refusals(offered,
                                                   std::max(refused(rate), 1 - 100 / rate));
    const auto n = offered > 0 ? refusals(random) : 0;
    return Served{.refused_fraction = offered > 0 ? static_cast<double>(n) / offered : 0};
  });
  const ProbeReport report = probe.run(session);
  EXPECT_EQ(report.answer.verdict, Verdict::kFound) << report.answer.reason;
  // Steps of 15 s at most cannot prove 0.1% at 25/s (3,000 answers would): one refusal there
  // fails a step, none passes it. Over seeds 1 to 9 the answer spread from 0.72 to 1.09 times
  // the truth, and one search of nine ran out of steps (before the explore steps stopped
  // bounding the search and the fraction guided the steps down: 1.08 to 1.22 times, every
  // one above). This seed is one of the typical ones.
  EXPECT_GT(report.answer.capacity / lo, 0.85) << lo;
  EXPECT_LT(report.answer.capacity / lo, 1.04) << lo;
  EXPECT_LE(report.trials.size(), 21U);
}

TEST(DefaultTolerance, NoneForEvenlySpacedRequestsATenthOfAPercentForPoisson) {
  EXPECT_EQ(default_tolerance(Arrivals::kUniform), 0);
  EXPECT_EQ(default_tolerance(Arrivals::kPoisson), 0.001);
}

TEST(RunProbe, PoissonArrivalsAtZeroToleranceWarn) {
  Probe probe;
  probe.settings.arrivals = Arrivals::kPoisson;
  FakeSession session(probe.clock, slots(300));
  const ProbeReport report = probe.run(session);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_NE(report.warnings[0].find("Poisson arrivals at zero tolerance"), std::string::npos);
  // Every step's plan spaced its requests as asked: the session saw Poisson arrivals.
  EXPECT_EQ(session.arrivals, Arrivals::kPoisson);
}

}  // namespace
}  // namespace iuprobe
