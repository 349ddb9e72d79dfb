// SPDX-License-Identifier: Apache-2.0
#include "engine/load_shape.h"

#include <algorithm>

namespace iuprobe {

Duration total_duration(const LoadShape& shape) {
  return std::visit([](const auto& s) { return s.profile.total_duration(); }, shape);
}

std::size_t segment_count(const LoadShape& shape) {
  return std::visit([](const auto& s) { return s.profile.segments().size(); }, shape);
}

Phase segment_phase(const LoadShape& shape, std::size_t segment) {
  return std::visit([&](const auto& s) { return s.profile.segments().at(segment).phase; }, shape);
}

Duration segment_start(const LoadShape& shape, std::size_t segment) {
  return std::visit([&](const auto& s) { return s.profile.segment_start(segment); }, shape);
}

std::size_t segment_at(const LoadShape& shape, Duration t) {
  const std::size_t n = segment_count(shape);
  std::size_t i = 0;
  while (i + 1 < n && segment_start(shape, i + 1) <= t) ++i;
  return i;
}

Duration window_end(const LoadShape& plan, Duration send_end, Duration t) {
  using namespace std::chrono_literals;
  constexpr Duration kWindow = 1s;
  constexpr Duration kMinWindow = 250ms;
  constexpr Duration kDrainAllowance = 500ms;
  constexpr Duration kSlack = 1ms;  // a window starts a moment after the end of the last
  if (t + kSlack < send_end) {
    const std::size_t i = segment_at(plan, t);
    const Duration phase_start = segment_start(plan, i);
    const Duration phase_end = std::min(segment_start(plan, i + 1), send_end);
    Duration next = phase_start + kWindow * ((t + kSlack - phase_start) / kWindow + 1);
    if (next + kMinWindow > phase_end) next = phase_end;
    return next >= send_end ? send_end + kDrainAllowance : next;
  }
  const Duration tail = send_end + kDrainAllowance;
  if (t + kSlack < tail) return tail;
  return tail + kWindow * ((t + kSlack - tail) / kWindow + 1);
}

Duration warmup_duration(const LoadShape& shape) {
  const std::size_t n = segment_count(shape);
  std::size_t i = 0;
  while (i < n && !is_judged(segment_phase(shape, i))) ++i;
  return segment_start(shape, i);
}

}  // namespace iuprobe
