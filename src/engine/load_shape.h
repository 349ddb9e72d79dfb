// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <variant>

#include "load/rate_profile.h"
#include "load/schedule.h"
#include "load/users_profile.h"

namespace iuprobe {

// Requests sent on a schedule, whatever the server does (the default).
struct OpenLoop {
  RateProfile profile;
  Arrivals arrivals = Arrivals::kUniform;
};

// Users that each wait for their answer before sending again (for comparison with Locust).
struct ClosedLoop {
  UsersProfile profile;
};

// A plan for a load session: phases back to back, each a segment of the profile with its kind
// (warm-up, drain, settle, measure).
using LoadShape = std::variant<OpenLoop, ClosedLoop>;

Duration total_duration(const LoadShape& shape);
std::size_t segment_count(const LoadShape& shape);
Phase segment_phase(const LoadShape& shape, std::size_t segment);
Duration segment_start(const LoadShape& shape, std::size_t segment);
// Time spent in phases that are not judged, before the first measured one.
Duration warmup_duration(const LoadShape& shape);
// The segment that is sent `t` into the shape (the last one from its end on).
std::size_t segment_at(const LoadShape& shape, Duration t);

// Where the history's window that starts `t` into a plan ends: at the next whole second of its
// phase (counted from the phase's start), or at the phase's end, which a remainder shorter than
// 250 ms joins; after `send_end` (the schedule's end, or a stop), the last window waits 500 ms
// for answers in flight and then windows are whole seconds. So no window spans two phases,
// and windows stay on their grid however late the collector wakes.
Duration window_end(const LoadShape& plan, Duration send_end, Duration t);

}  // namespace iuprobe
