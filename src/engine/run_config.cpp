// SPDX-License-Identifier: Apache-2.0
#include "engine/run_config.h"

namespace iuprobe {
Duration total_duration(const LoadShape& shape) {
  return std::visit([](const auto& s) { return s.profile.total_duration(); }, shape);
}

std::size_t segment_count(const LoadShape& shape) {
  return std::visit([](const auto& s) { return s.profile.segments().size(); }, shape);
}

bool is_warmup_segment(const LoadShape& shape, std::size_t segment) {
  return std::visit([&](const auto& s) { return s.profile.segments().at(segment).warmup; }, shape);
}

Duration segment_start(const LoadShape& shape, std::size_t segment) {
  return std::visit([&](const auto& s) { return s.profile.segment_start(segment); }, shape);
}

Duration warmup_duration(const LoadShape& shape) {
  Duration warmup{0};
  const std::size_t n = segment_count(shape);
  for (std::size_t i = 0; i < n && is_warmup_segment(shape, i); ++i) {
    warmup += segment_start(shape, i + 1) - segment_start(shape, i);
  }
  return warmup;
}

}  // namespace iuprobe
