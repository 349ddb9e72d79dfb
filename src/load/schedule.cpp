// SPDX-License-Identifier: Apache-2.0
#include "load/schedule.h"

namespace iuprobe {

Result<Arrivals> parse_arrivals(std::string_view text) {
  if (text == "uniform") return Arrivals::kUniform;
  if (text == "poisson") return Arrivals::kPoisson;
  return fail(ErrorKind::kUsage, "--arrivals: '{}' is not known; use uniform or poisson", text);
}

ArrivalSchedule::ArrivalSchedule(const RateProfile& profile, Arrivals arrivals, unsigned workers,
                                 unsigned worker, std::uint64_t seed)
    : profile_(&profile),
      arrivals_(arrivals),
      stride_(static_cast<double>(workers)),
      position_(static_cast<double>(worker)),
      rng_(seed + worker) {
  if (arrivals_ == Arrivals::kPoisson) position_ = stride_ * exponential_(rng_);
}

std::optional<ArrivalSchedule::Send> ArrivalSchedule::next() {
  auto position = profile_->time_of(position_, segment_hint_);
  if (!position) return std::nullopt;
  segment_hint_ = position->segment;
  position_ += arrivals_ == Arrivals::kUniform ? stride_ : stride_ * exponential_(rng_);
  return Send{.at = position->at, .segment = position->segment};
}

}  // namespace iuprobe
