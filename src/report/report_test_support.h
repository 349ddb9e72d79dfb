// SPDX-License-Identifier: Apache-2.0
// Fixtures shared by the report module's tests.
#pragma once

#include "report/probe_report.h"

namespace iuprobe::report_testing {

// A probe that found `capacity` on `iu` inference units (the search's bracket 2% wide).
inline ProbeReport found(double capacity, unsigned iu) {
  ProbeReport report;
  report.answer = {
      .verdict = SearchAnswer::Verdict::kFound, .capacity = capacity, .upper = capacity * 1.02};
  report.inference_units = iu;
  return report;
}

}  // namespace iuprobe::report_testing
