// SPDX-License-Identifier: Apache-2.0
#include "load/schedule.h"

#include <algorithm>
#include <cmath>

namespace iuprobe {

Result<Arrivals> parse_arrivals(std::string_view text) {
  if (text == "uniform") return Arrivals::kUniform;
  if (text == "poisson") return Arrivals::kPoisson;
  return fail(ErrorKind::kUsage, "--arrivals: '{}' is not known; use uniform or poisson", text);
}

ArrivalSchedule::ArrivalSchedule(const RateProfile& profile, Arrivals arrivals, unsigned stripes,
                                 unsigned stripe, std::uint64_t seed, Duration window)
    : profile_(&profile),
      arrivals_(arrivals),
      window_seconds_(to_seconds(window)),
      stripes_(stripes),
      stripe_(stripe),
      rng_(seed + stripe) {}

bool ArrivalSchedule::enter_next_block() {
  block_begin_ = block_end_;
  ++block_;
  const auto begin = profile_->time_of(block_begin_, block_segment_);
  if (!begin) return false;
  block_segment_ = begin->segment;
  block_end_ = block_begin_ + std::max(1.0, std::floor(begin->rate * window_seconds_));
  return true;
}

std::optional<ArrivalSchedule::Send> ArrivalSchedule::next() {
  while (position_ >= block_end_) {
    // On to this stripe's next block (block_ counts from one).
    do {
      if (!enter_next_block()) return std::nullopt;
    } while ((block_ - 1) % stripes_ != stripe_);
    position_ = block_begin_ + (arrivals_ == Arrivals::kUniform ? 0.0 : exponential_(rng_));
  }
  auto position = profile_->time_of(position_, segment_hint_);
  if (!position) return std::nullopt;
  segment_hint_ = position->segment;
  position_ += arrivals_ == Arrivals::kUniform ? 1.0 : exponential_(rng_);
  return Send{.at = position->at, .segment = position->segment, .rate = position->rate};
}

}  // namespace iuprobe
