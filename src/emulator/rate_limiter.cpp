// SPDX-License-Identifier: Apache-2.0
#include "emulator/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace iuprobe {

std::string_view to_string(LimiterKind kind) {
  switch (kind) {
    case LimiterKind::kNone:
      return "none";
    case LimiterKind::kTokenBucket:
      return "token-bucket";
    case LimiterKind::kFixedWindow:
      return "fixed-window";
    case LimiterKind::kSlidingWindow:
      return "sliding-window";
  }
  return "none";
}

std::optional<LimiterKind> parse_limiter_kind(std::string_view text) {
  for (LimiterKind kind : {LimiterKind::kNone, LimiterKind::kTokenBucket, LimiterKind::kFixedWindow,
                           LimiterKind::kSlidingWindow}) {
    const std::string_view name = to_string(kind);
    if (text.size() == name.size() &&
        std::equal(text.begin(), text.end(), name.begin(),
                   [](char a, char b) { return a == b || (a == '_' && b == '-'); }))
      return kind;
  }
  return std::nullopt;
}

RateLimiter::RateLimiter(const RateLimit& limit, Time now)
    : limit_(limit), refilled_at_(now), window_start_(now) {}

bool RateLimiter::admit(Time now, double rate) {
  switch (limit_.kind) {
    case LimiterKind::kNone:
      return true;
    case LimiterKind::kTokenBucket: {
      const double size = std::max(1.0, rate * to_seconds(limit_.burst));
      if (tokens_ < 0) tokens_ = size;
      if (now > refilled_at_) {
        tokens_ = std::min(size, tokens_ + rate * to_seconds(now - refilled_at_));
        refilled_at_ = now;
      }
      if (tokens_ < 1) return false;
      tokens_ -= 1;
      return true;
    }
    case LimiterKind::kFixedWindow: {
      // Windows are aligned to the limiter's start, as a counter keyed by the clock's second is.
      if (now - window_start_ >= limit_.window) {
        const auto windows = (now - window_start_) / limit_.window;
        window_start_ += windows * limit_.window;
        in_window_ = 0;
      }
      const auto limit = static_cast<std::uint64_t>(std::floor(rate * to_seconds(limit_.window)));
      if (in_window_ >= limit) return false;
      ++in_window_;
      return true;
    }
    case LimiterKind::kSlidingWindow: {
      while (!arrivals_.empty() && now - arrivals_.front() >= limit_.window) arrivals_.pop_front();
      const double limit = rate * to_seconds(limit_.window);
      const bool pass = static_cast<double>(arrivals_.size()) < limit;
      arrivals_.push_back(now);  // refused requests count too
      return pass;
    }
  }
  return true;
}

}  // namespace iuprobe
