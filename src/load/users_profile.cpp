// SPDX-License-Identifier: Apache-2.0
#include "load/users_profile.h"

#include <algorithm>

namespace iuprobe {

UsersProfile::UsersProfile(std::vector<UsersSegment> segments, std::optional<Duration> pacing)
    : segments_(std::move(segments)), pacing_(pacing) {}

UsersProfile UsersProfile::steps(std::span<const unsigned> users, Duration step_duration,
                                 std::optional<Duration> pacing) {
  std::vector<UsersSegment> segments;
  for (unsigned n : users) segments.push_back({.duration = step_duration, .users = n});
  return UsersProfile(std::move(segments), pacing);
}

UsersProfile UsersProfile::with_warmup(Duration warmup) const {
  if (warmup.count() <= 0 || segments_.empty()) return *this;
  std::vector<UsersSegment> segments;
  segments.push_back(
      {.duration = warmup, .users = segments_.front().users, .phase = Phase::kWarmup});
  segments.insert(segments.end(), segments_.begin(), segments_.end());
  return UsersProfile(std::move(segments), pacing_);
}

Duration UsersProfile::total_duration() const {
  return segment_start(segments_.size());
}

Duration UsersProfile::segment_start(std::size_t segment) const {
  Duration t{0};
  for (std::size_t i = 0; i < segment && i < segments_.size(); ++i) t += segments_[i].duration;
  return t;
}

std::size_t UsersProfile::segment_at(Duration t) const {
  Duration end{0};
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    end += segments_[i].duration;
    if (t < end) return i;
  }
  return segments_.empty() ? 0 : segments_.size() - 1;
}

unsigned UsersProfile::max_users() const {
  unsigned most = 0;
  for (const UsersSegment& s : segments_) most = std::max(most, s.users);
  return most;
}

}  // namespace iuprobe
