// SPDX-License-Identifier: Apache-2.0
#include "engine/load_shape.h"

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

Duration warmup_duration(const LoadShape& shape) {
  const std::size_t n = segment_count(shape);
  std::size_t i = 0;
  while (i < n && !is_judged(segment_phase(shape, i))) ++i;
  return segment_start(shape, i);
}

}  // namespace iuprobe
