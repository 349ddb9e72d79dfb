// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "core/units.h"
#include "load/phase.h"

namespace iuprobe {

// Closed-loop load: `users` each send a request, wait for its answer, optionally wait out
// the pacing interval (measured from the previous send, as Locust's constant_pacing), repeat.
struct UsersSegment {
  Duration duration{};
  unsigned users = 0;
  Phase phase = Phase::kMeasure;
};

class UsersProfile {
 public:
  UsersProfile(std::vector<UsersSegment> segments, std::optional<Duration> pacing);

  static UsersProfile steps(std::span<const unsigned> users, Duration step_duration,
                            std::optional<Duration> pacing);
  UsersProfile with_warmup(Duration warmup) const;

  const std::vector<UsersSegment>& segments() const { return segments_; }
  const std::optional<Duration>& pacing() const { return pacing_; }
  Duration total_duration() const;
  Duration segment_start(std::size_t segment) const;
  std::size_t segment_at(Duration t) const;
  unsigned max_users() const;

  // Of `users`, how many belong to worker `worker` of `workers` (user u goes to u % workers).
  static unsigned share(unsigned users, unsigned workers, unsigned worker) {
    return users / workers + (worker < users % workers ? 1 : 0);
  }

 private:
  std::vector<UsersSegment> segments_;
  std::optional<Duration> pacing_;
};

}  // namespace iuprobe
