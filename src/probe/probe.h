// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "engine/self_check.h"
#include "engine/session.h"
#include "probe/probe_report.h"
#include "search/max_rate_search.h"

namespace iuprobe {

// The model behind the endpoint, when iuprobe manages it (--start-model, --stop-model): the
// probe restarts it for --verify-scaling and stops it when it ends, however it ends.
class ManagedModel {
 public:
  virtual ~ManagedModel() = default;
  virtual unsigned inference_units() const = 0;
  virtual bool started_by_iuprobe() const = 0;
  // Stops the model and starts it again with `inference_units`, waiting until it runs.
  virtual Result<void> restart(unsigned inference_units) = 0;
  // Stops the model if that is iuprobe's job. An error means it may still be running.
  virtual Result<void> stop() = 0;
  // IU-minutes billed from each start request to its stop request; nullopt when iuprobe did not
  // start the model (the probe then bills itself its own wall time at the IU count).
  virtual std::optional<double> billed_iu_minutes() const = 0;
};

// Hears about a probe as it goes: the terminal and the live page. Called on the probing thread.
class ProbeObserver {
 public:
  virtual ~ProbeObserver() = default;
  // A line of what is happening ("restarting the model with 2 IUs").
  virtual void on_status(std::string_view /*text*/) {}
  // A step begins (1-based index).
  virtual void on_step(std::size_t /*index*/, const TrialPlan& /*plan*/) {}
  // A step's verdict.
  virtual void on_trial(const ProbeTrialRecord& /*record*/) {}
  // --verify-scaling's second search begins, after the first one's answer.
  virtual void on_second_search(unsigned /*inference_units*/, const SearchAnswer& /*first*/) {}
};

// The refused fraction a probe tolerates unless told (--max-error-rate). Random arrivals meet a
// concurrency limit's full slots now and then at any rate, so zero would find no rate at all;
// evenly spaced ones meet stray refusals (a stall of the server, a late timer on this machine)
// near the limit, so at zero the answer would be wherever no stray happened to fall.
constexpr double kDefaultTolerance = 0.001;

struct ProbeSettings {
  std::string target;  // what is probed, for people
  SearchLimits limits;
  unsigned inference_units = 0;  // as given (--iu); a managed model's own count wins
  unsigned verify_scaling = 0;   // then restart the model with this many IUs and probe again
  bool may_autoscale = false;    // the model may add IUs while it is probed (--max-iu)
  Arrivals arrivals = Arrivals::kUniform;  // how each step's requests are spaced
  GeneratorContext generator;
  std::vector<std::string> rank_hosts;  // several MPI ranks send each step: their hosts, in order
};

// What a probe runs on: a warm load session, the model when iuprobe manages it, a clock, and
// whoever watches.
struct ProbeRig {
  LoadSession& session;
  ManagedModel* model = nullptr;
  const Clock& clock;
  ProbeObserver& observer;
};

// Finds the maximum sustainable rate: MaxRateSearch's steps run one after another on the warm
// session, each judged on its measure phase; with verify_scaling, the model is restarted with
// more IUs and searched again. A managed model is stopped at the end on every path. Returns
// the report, never an exit code: how it ended is in report.interrupted and report.failure.
ProbeReport run_probe(const ProbeSettings& settings, ProbeRig rig);

}  // namespace iuprobe
