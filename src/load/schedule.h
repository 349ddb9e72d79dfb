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

// The part of a schedule one process sends when several processes (MPI ranks) send it together:
// arrival k goes to process k mod `of` (closed-loop users likewise), so that together they send
// exactly what one process would. {0, 1}: all of it. Within a process, its workers stripe its
// part: worker w of W is stripe `stripe(w)` of `stripes(W)` of the whole schedule.
struct ScheduleShare {
  unsigned index = 0;
  unsigned of = 1;

  unsigned stripes(unsigned workers) const { return of * workers; }
  unsigned stripe(unsigned worker) const { return index + of * worker; }
};

// The send times of one worker. Workers split one global schedule: with W workers, worker w
// takes every W-th arrival of the uniform schedule (so the merged stream stays evenly spaced),
// or an independent Poisson stream at 1/W of the rate (their superposition is Poisson again).
class ArrivalSchedule {
 public:
  ArrivalSchedule(const RateProfile& profile, Arrivals arrivals, unsigned workers, unsigned worker,
                  std::uint64_t seed);

  struct Send {
    Duration at;  // since the start of the run
    std::size_t segment;
  };
  // The next send, or nullopt when the profile is over.
  std::optional<Send> next();

 private:
  const RateProfile* profile_;
  Arrivals arrivals_;
  double stride_;
  double position_;  // arrival count of the next send
  std::size_t segment_hint_ = 0;
  std::mt19937_64 rng_;
  std::exponential_distribution<double> exponential_{1.0};
};

}  // namespace iuprobe
