// SPDX-License-Identifier: Apache-2.0
#include "aws/retry.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace iuprobe {

bool is_transient(const AwsError& error) {
  // botocore/retries/standard.py: _THROTTLED_ERROR_CODES, _TRANSIENT_ERROR_CODES and
  // _TRANSIENT_STATUS_CODES.
  static constexpr std::array<std::string_view, 16> kTypes = {
      "Throttling",
      "ThrottlingException",
      "ThrottledException",
      "RequestThrottledException",
      "TooManyRequestsException",
      "ProvisionedThroughputExceededException",
      "TransactionInProgressException",
      "RequestLimitExceeded",
      "BandwidthLimitExceeded",
      "LimitExceededException",
      "RequestThrottled",
      "SlowDown",
      "PriorRequestNotComplete",
      "EC2ThrottledException",
      "RequestTimeout",
      "RequestTimeoutException",
  };
  switch (error.status) {
    case 0:  // no answer
      return error.type == "TransportError";
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return true;
    default:
      break;
  }
  return std::find(kTypes.begin(), kTypes.end(), error.type) != kTypes.end();
}

Duration backoff_delay(Duration first, unsigned retry, Duration cap) {
  Duration delay = first;
  for (unsigned i = 1; i < retry && delay < cap; ++i) delay *= 2;
  return std::min(delay, cap);
}

}  // namespace iuprobe
