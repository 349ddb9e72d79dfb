// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace iuprobe {

// How one request ended. Throttling is its own outcome, never lumped with errors.
enum class Outcome : std::uint8_t {
  kOk,              // 2xx
  kThrottled,       // 429, a configured status, or a throttling error type in the body
  kClientError,     // other 4xx
  kServerError,     // other 5xx (and 1xx/3xx, which a load test does not expect)
  kTimeout,         // no complete response within the request timeout
  kTransportError,  // refused, reset, TLS failure, malformed response
};

inline constexpr std::size_t kOutcomeCount = 6;

inline constexpr std::array<Outcome, kOutcomeCount> kAllOutcomes = {
    Outcome::kOk,          Outcome::kThrottled, Outcome::kClientError,
    Outcome::kServerError, Outcome::kTimeout,   Outcome::kTransportError};

// Stable snake_case names used in JSON and CSV.
constexpr std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kThrottled:
      return "throttled";
    case Outcome::kClientError:
      return "client_error";
    case Outcome::kServerError:
      return "server_error";
    case Outcome::kTimeout:
      return "timeout";
    case Outcome::kTransportError:
      return "transport_error";
  }
  return "unknown";
}

}  // namespace iuprobe
