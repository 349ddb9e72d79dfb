// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>

#include "core/units.h"

namespace iuprobe {

// The kinds of request-rate limiter a model can sit behind, beside its slots and queue. They
// are the ones gateways and proxies implement, and each misleads a capacity search in its own
// way: a token bucket passes short bursts far above its rate; a fixed window lets twice its
// limit through across a window edge; a sliding window that counts refused requests too
// (HAProxy's http_req_rate) refuses everything while over-driven, so its goodput collapses.
enum class LimiterKind { kNone, kTokenBucket, kFixedWindow, kSlidingWindow };

std::string_view to_string(LimiterKind kind);
// "token-bucket" / "token_bucket", "fixed-window", "sliding-window", "none".
std::optional<LimiterKind> parse_limiter_kind(std::string_view text);

struct RateLimit {
  LimiterKind kind = LimiterKind::kNone;
  double per_iu = 0;                          // requests per second per IU
  Duration burst = std::chrono::seconds(1);   // token bucket: its size, in time at the rate
  Duration window = std::chrono::seconds(1);  // fixed and sliding windows: their length
};

// One limiter's state. Time is passed in (a test drives it by hand); `rate` is the limit now
// (per IU × the IUs running), so auto-scaling changes it without a reset.
class RateLimiter {
 public:
  using Time = std::chrono::steady_clock::time_point;
  RateLimiter(const RateLimit& limit, Time now);

  // True when a request arriving at `now` is let through. Every call counts as an arrival
  // for a sliding window (refused ones too); a bucket spends a token only on a pass.
  bool admit(Time now, double rate);

 private:
  RateLimit limit_;
  // Token bucket.
  double tokens_ = -1;  // full at the first call
  Time refilled_at_;
  // Fixed window.
  Time window_start_;
  std::uint64_t in_window_ = 0;
  // Sliding window: arrival times within the last window.
  std::deque<Time> arrivals_;
};

}  // namespace iuprobe
