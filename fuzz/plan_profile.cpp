// SPDX-License-Identifier: Apache-2.0
// `iuprobe plan --profile FILE`: the "hour,tps" CSV, then the plan made from it.
#include "fuzz_target.h"
#include "plan/plan.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto profile = iuprobe::parse_daily_profile(iuprobe::fuzzing::text(data, size));
  if (!profile) return 0;
  for (double tps : *profile) iuprobe::fuzzing::require(tps >= 0, "rates are 0 or more");
  using namespace std::chrono_literals;
  const auto plan = iuprobe::plan_profile({.tps = {profile->begin(), profile->end()},
                                           .tps_per_iu = 5,
                                           .headroom = 0.2,
                                           .startup = 10min});
  if (plan) {
    iuprobe::fuzzing::require(plan->recommended < plan->options.size(),
                              "the recommended option is one of the options");
  }
  return 0;
}
