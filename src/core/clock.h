// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>

#include "core/units.h"

namespace iuprobe {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;

// Where code that judges time (the probe's accounting, waits) reads it, so that tests can run
// it on a manual clock.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

// Wall-clock time in whole epoch seconds (UTC), for what is dated: CloudWatch's minutes.
inline std::int64_t epoch_seconds_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class RealClock final : public Clock {
 public:
  TimePoint now() const override { return SteadyClock::now(); }
};

// Moves only when told: tests advance it by the time a simulated step would take.
class ManualClock final : public Clock {
 public:
  TimePoint now() const override { return now_; }
  void advance(Duration d) { now_ += d; }

 private:
  TimePoint now_{std::chrono::hours(1)};
};

}  // namespace iuprobe
