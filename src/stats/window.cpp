// SPDX-License-Identifier: Apache-2.0
#include "stats/window.h"

#include <numeric>

namespace iuprobe {

std::uint64_t Window::completed() const {
  return std::accumulate(outcomes.begin(), outcomes.end(), std::uint64_t{0});
}

std::uint64_t Window::errors() const {
  return completed() - count(Outcome::kOk) - count(Outcome::kThrottled);
}

void Window::merge(const Window& other) {
  for (std::size_t i = 0; i < kOutcomeCount; ++i) outcomes[i] += other.outcomes[i];
  scheduled += other.scheduled;
  sent += other.sent;
  late += other.late;
  queued += other.queued;
  bytes_sent += other.bytes_sent;
  bytes_received += other.bytes_received;
  latency.merge(other.latency);
  service_latency.merge(other.service_latency);
}

}  // namespace iuprobe
