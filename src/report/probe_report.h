// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/json/object.hpp>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "probe/probe_report.h"

namespace iuprobe {

// A line per trial as it finishes ("  3  refine   98.0/s …"), with a header before the first.
void print_probe_trial(std::FILE* out, const ProbeTrialRecord& record, bool first);
void print_probe_summary(std::FILE* out, const ProbeReport& report);
boost::json::object probe_json(const ProbeReport& report);
// One trial as result.json and the live page show it.
boost::json::object trial_json(const ProbeTrialRecord& record);

// Which sustainable rate a probe found, for people: "the sustainable rate for Poisson arrivals
// (at most 0.1% refused, 95% confidence)".
std::string figure_description(Arrivals arrivals, double max_error_rate, double confidence);

// The TPS per IU in a probe's result.json (the text of the file), for `plan --from`: only a found
// capacity with a known IU count; a lower bound, an unfinished probe or a run's result are
// refused with the reason (kInput), as is anything malformed. `figure` says which rate it is.
struct ProbeCapacity {
  double tps_per_iu = 0;
  std::string figure;
};
Result<ProbeCapacity> read_probe_tps_per_iu(std::string_view json_text);

}  // namespace iuprobe
