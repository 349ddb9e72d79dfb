// SPDX-License-Identifier: Apache-2.0
// `iuprobe plan --from result.json`: the probe's figure read back from a file anyone may edit.
#include <cmath>

#include "fuzz_target.h"
#include "report/probe_report.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto capacity = iuprobe::read_probe_tps_per_iu(iuprobe::fuzzing::text(data, size));
  if (capacity) {
    iuprobe::fuzzing::require(std::isfinite(capacity->tps_per_iu) && capacity->tps_per_iu > 0,
                              "a figure read back is a positive capacity");
  }
  return 0;
}
