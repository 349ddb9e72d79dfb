// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string_view>

namespace iuprobe {

// What a stretch of load is for. Every phase is sent the same way; only kMeasure is judged
// (recorded in a run's totals, a probe's verdicts). Warm-up opens connections and wakes the
// server; a probe's drain empties a token bucket at a rate known to fail, and its settle lets
// the drain's requests leave the server before judging starts.
enum class Phase : std::uint8_t { kWarmup, kDrain, kSettle, kMeasure };

constexpr std::string_view phase_name(Phase phase) {
  switch (phase) {
    case Phase::kWarmup:
      return "warmup";
    case Phase::kDrain:
      return "drain";
    case Phase::kSettle:
      return "settle";
    case Phase::kMeasure:
      return "measure";
  }
  return "measure";
}

constexpr bool is_judged(Phase phase) {
  return phase == Phase::kMeasure;
}

}  // namespace iuprobe
