// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

#include "core/result.h"
#include "load/rate_profile.h"

namespace iuprobe {

enum class Arrivals { kUniform, kPoisson };
constexpr std::string_view to_string(Arrivals arrivals) {
  return arrivals == Arrivals::kPoisson ? "poisson" : "uniform";
}
// --arrivals: "uniform" or "poisson"; anything else is a usage error naming the option.
Result<Arrivals> parse_arrivals(std::string_view text);

// The part of a schedule one process sends when several processes (MPI ranks) send it together,
// so that together they send exactly what one process would. {0, 1}: all of it. Within a
// process, its workers share its part: worker w of W is stripe `stripe(w)` of `stripes(W)` of
// the whole schedule (see ArrivalSchedule for how stripes split it).
struct ScheduleShare {
  unsigned index = 0;
  unsigned of = 1;

  unsigned stripes(unsigned workers) const { return of * workers; }
  unsigned stripe(unsigned worker) const { return index + of * worker; }
};

// The send times of one stripe (a worker) of a schedule that several share. The schedule is cut
// into blocks of consecutive arrivals, as many as the rate puts in one `window` (the send
// window) and at least one, and stripe s of S takes blocks s, s + S, s + 2S...: at high rates
// the sends due within one window belong to one worker, so the workers together wake about once
// per window, not once each; at low rates (or with no window) stripe s takes arrivals s, s + S,
// s + 2S..., so the stripes' shares stay even. Uniform arrivals are exactly the one schedule's;
// Poisson arrivals are a Poisson process drawn by each stripe within its own blocks (independent
// on disjoint blocks, so their union is Poisson again).
class ArrivalSchedule {
 public:
  ArrivalSchedule(const RateProfile& profile, Arrivals arrivals, unsigned stripes, unsigned stripe,
                  std::uint64_t seed, Duration window = Duration{0});

  struct Send {
    Duration at;  // since the start of the run
    std::size_t segment;
    double rate;  // the profile's rate at `at`
  };
  // The next send, or nullopt when the profile is over.
  std::optional<Send> next();

 private:
  // Moves on to the next block (of any stripe); false past the end of the profile.
  bool enter_next_block();

  const RateProfile* profile_;
  Arrivals arrivals_;
  double window_seconds_;
  unsigned stripes_;
  unsigned stripe_;
  std::uint64_t block_ = 0;        // the current block's number, plus one
  double block_begin_ = 0;         // its first arrival count
  double block_end_ = 0;           // and the next block's
  std::size_t block_segment_ = 0;  // of block_begin_, to start looking from
  double position_ = 0;            // arrival count of the next send, in this stripe's block
  std::size_t segment_hint_ = 0;
  std::mt19937_64 rng_;
  std::exponential_distribution<double> exponential_{1.0};
};

}  // namespace iuprobe
