// SPDX-License-Identifier: Apache-2.0
// What the probe's tests share: a load session with no sockets that offers each plan to a
// simulated server on a manual clock, simulated limiters of several kinds, a model, and an
// observer that records what the probe reported.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "probe/probe.h"

namespace iuprobe::probe_testing {

using namespace std::chrono_literals;

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
inline SimulatedServer slots(std::function<double()> capacity) {
  return [capacity](double rate, Duration) {
    const double c = capacity();
    return Served{.refused_fraction = rate > c ? (rate - c) / rate : 0};
  };
}
inline SimulatedServer slots(double capacity) {
  return slots([capacity] { return capacity; });
}

// A token bucket of `capacity` per second holding up to `burst` tokens, its state carried from
// phase to phase as a real one's is (nginx limit_req with burst and nodelay).
inline SimulatedServer token_bucket(double capacity, double burst) {
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
inline SimulatedServer counting_window(double limit, int window_s = 1) {
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

}  // namespace iuprobe::probe_testing
