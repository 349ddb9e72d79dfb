// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/json/object.hpp>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "engine/run_result.h"
#include "search/max_rate_search.h"

namespace iuprobe {

// One trial of a probe as reports show it.
struct ProbeTrialRecord {
  std::size_t index = 0;  // 1-based
  MaxRateSearch::Trial trial;
  Duration started{};           // since the probe began
  double lower = 0, upper = 0;  // the bracket after this trial
  double throttled_per_s = 0, errors_per_s = 0;
  LatencySummary latency;  // ok answers, from scheduled send
};

// Everything a probe measured and concluded; result.json and report.html are made from it.
struct ProbeReport {
  std::string target;  // what was probed, for people
  SearchLimits limits;
  SearchAnswer answer;
  unsigned inference_units = 0;  // 0: unknown (not a model, or --iu not given)
  std::vector<ProbeTrialRecord> trials;
  // Every second of every trial, start relative to the probe; a step's drain and settle
  // seconds are marked warmup (unjudged).
  std::vector<WindowRecord> series;
  Duration wall{};
  double iu_minutes = 0;  // billed IU time the probe itself took (wall × IUs)
  std::vector<std::string> warnings;
  bool interrupted = false;
  // --verify-scaling: the same search at another IU count.
  struct Scaling {
    unsigned inference_units = 0;
    SearchAnswer answer;
    double efficiency = 0;  // its TPS per IU ÷ the first probe's TPS per IU
    Duration wall{};
  };
  std::optional<Scaling> scaling;
};

// The latency at the answer: the confirming trial's, else the highest passing trial's.
const ProbeTrialRecord* answer_trial(const ProbeReport& report);

// A line per trial as it finishes ("  3  refine   98.0/s …"), with a header before the first.
void print_probe_trial(std::FILE* out, const ProbeTrialRecord& record, bool first);
void print_probe_summary(std::FILE* out, const ProbeReport& report);
boost::json::object probe_json(const ProbeReport& report);
// One trial as result.json and the live page show it.
boost::json::object trial_json(const ProbeTrialRecord& record);

}  // namespace iuprobe
