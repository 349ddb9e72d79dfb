// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "stats/latency_histogram.h"

namespace iuprobe {

// The percentiles people read, taken from a histogram.
struct LatencySummary {
  std::uint64_t count = 0;
  Duration min{}, mean{}, p50{}, p90{}, p95{}, p99{}, p999{}, max{};

  static LatencySummary of(const LatencyHistogram& histogram);
};

}  // namespace iuprobe
