// SPDX-License-Identifier: Apache-2.0
#include "engine/connection_growth.h"

#include <algorithm>

namespace iuprobe {

void ConnectionGrowth::exchanged(TimePoint began, TimePoint ended) {
  const double took = to_seconds(ended - began);
  turnaround_s_ = turnaround_s_ > 0 ? turnaround_s_ + (took - turnaround_s_) / 32 : took;
  answered(ended);
}

void ConnectionGrowth::answered(TimePoint at) {
  if (!last_answer_ || at > *last_answer_) last_answer_ = at;
}

void ConnectionGrowth::held_up(TimePoint until) {
  if (last_answer_ && until > *last_answer_) last_answer_ = until;
}

bool ConnectionGrowth::need_more(std::size_t waiting, std::size_t connecting, std::size_t serving,
                                 TimePoint now) const {
  double served = 0;
  if (last_answer_ && now - *last_answer_ <= horizon_ && turnaround_s_ > 0) {
    // Each busy connection serves about horizon / turnaround sends within the horizon.
    constexpr double kShortest = 1e-6;
    served =
        static_cast<double>(serving) * to_seconds(horizon_) / std::max(turnaround_s_, kShortest);
  }
  return static_cast<double>(waiting) > static_cast<double>(connecting) + served;
}

}  // namespace iuprobe
