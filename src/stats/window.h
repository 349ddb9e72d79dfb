// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstdint>

#include "stats/latency_histogram.h"
#include "stats/outcome.h"

namespace iuprobe {

// What one worker saw during one collection interval. Owned by one thread while it fills;
// merged with others only after it has been swapped out. Latency is recorded for ok responses.
struct Window {
  std::array<std::uint64_t, kOutcomeCount> outcomes{};
  std::uint64_t scheduled = 0;  // sends whose scheduled time fell in this window (offered load)
  std::uint64_t sent = 0;       // requests written to a connection
  std::uint64_t late = 0;       // sends that left more than the lateness threshold after schedule
  std::uint64_t queued = 0;     // sends that had to wait for a free connection
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  LatencyHistogram latency;  // from the scheduled send time (coordinated omission corrected)
  LatencyHistogram service_latency;  // from the moment the request was written

  std::uint64_t& count(Outcome outcome) { return outcomes[static_cast<std::size_t>(outcome)]; }
  std::uint64_t count(Outcome outcome) const { return outcomes[static_cast<std::size_t>(outcome)]; }
  std::uint64_t completed() const;
  // Everything that is neither ok nor throttled.
  std::uint64_t errors() const;

  void merge(const Window& other);
};

}  // namespace iuprobe
