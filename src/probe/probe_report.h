// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "engine/run_result.h"
#include "load/schedule.h"
#include "search/max_rate_search.h"
#include "stats/summary.h"

namespace iuprobe {

// One step of a probe as reports show it.
struct ProbeTrialRecord {
  std::size_t index = 0;  // 1-based
  MaxRateSearch::Trial trial;
  Duration started{};           // since the probe began
  double lower = 0, upper = 0;  // the bracket after this step
  double throttled_per_s = 0, errors_per_s = 0;
  LatencySummary latency;         // ok answers, from scheduled send
  GeneratorCheck generator;       // the self-check of its measure phase
  FractionBounds refused_bounds;  // the refused fraction's bounds at the search's confidence
  // Not given to the search, and why (its refusals echoed the drain before it); it ran again.
  std::string set_aside;
  std::vector<RankRun> ranks;  // each rank's part of its measure phase (several MPI ranks)
};

// Everything a probe measured and concluded; result.json and report.html are made from it.
struct ProbeReport {
  std::string target;  // what was probed, for people
  SearchLimits limits;
  Arrivals arrivals = Arrivals::kUniform;
  SearchAnswer answer;
  unsigned inference_units = 0;  // 0: unknown (not a model, or --iu not given)
  std::vector<ProbeTrialRecord> trials;
  // Every window of every step, start relative to the probe, each marked with its phase.
  std::vector<WindowRecord> series;
  Duration wall{};
  double iu_minutes = 0;  // billed IU time the probe itself took
  std::vector<std::string> warnings;
  // Several MPI ranks sent the steps: each one's host, sends over the judged steps, and its own
  // self-check at the answer's step (else the last step). Empty for one process.
  std::vector<RankRun> ranks;
  // How the probe ended: it ran to its verdict; a stop request (Ctrl-C, SIGTERM, the live page)
  // cut it short; or something made going on pointless (the endpoint refused the credentials,
  // the model stopped, or could not be restarted or stopped). The answer then reflects what was
  // measured before.
  bool interrupted = false;
  int stop_signal = 0;
  std::optional<Error> failure;
  // --verify-scaling: the same search at another IU count.
  struct Scaling {
    unsigned inference_units = 0;
    SearchAnswer answer;
    double efficiency = 0;  // its TPS per IU ÷ the first probe's TPS per IU
    Duration wall{};
  };
  std::optional<Scaling> scaling;
  // What CloudWatch recorded of a Rekognition model's IUs (InServiceInferenceUnits,
  // DesiredInferenceUnits, one-minute averages) before and during the probe.
  struct RecordedUnits {
    std::optional<double> before;  // the last minute before the probe
    double low = 0, high = 0;      // in service during it
    double desired_high = 0;
    std::size_t minutes = 0;
    unsigned expected = 0;  // the IUs the probe was given or started (0: not known)
    // The IU count moved (or was asked to): the model auto-scaled while it was probed. A search
    // inside one minute shows a scale-up only as that minute's average: a fraction, or a count
    // other than the one the model was started with.
    bool changed() const {
      constexpr double kEps = 0.01;
      const auto fraction = [](double x) { return std::abs(x - std::round(x)) > kEps; };
      const auto differs = [this](double x) {
        return expected > 0 && std::abs(x - expected) > kEps;
      };
      return minutes > 0 && (high - low > kEps || desired_high > high + kEps ||
                             (before && std::abs(*before - low) > kEps) || fraction(low) ||
                             fraction(high) || differs(low) || differs(high));
    }
  };
  std::optional<RecordedUnits> recorded_units;

  bool completed() const { return !interrupted && !failure; }
};

// The latency at the answer: the confirming step's, else the highest passing step's.
const ProbeTrialRecord* answer_trial(const ProbeReport& report);

}  // namespace iuprobe
