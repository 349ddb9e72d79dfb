// SPDX-License-Identifier: Apache-2.0
#include "stats/summary.h"

namespace iuprobe {

LatencySummary LatencySummary::of(const LatencyHistogram& h) {
  return LatencySummary{.count = h.count(),
                        .min = h.min(),
                        .mean = h.mean(),
                        .p50 = h.percentile(50),
                        .p90 = h.percentile(90),
                        .p95 = h.percentile(95),
                        .p99 = h.percentile(99),
                        .p999 = h.percentile(99.9),
                        .max = h.max()};
}

}  // namespace iuprobe
