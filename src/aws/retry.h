// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "aws/json_client.h"
#include "core/units.h"

namespace iuprobe {

// Whether a failed call may succeed if made again: no answer came back (but not an untrusted
// TLS certificate), the service throttled it (a throttling type, or HTTP 429 as the Java SDK
// counts it), or the service failed on its side (HTTP 500, 502, 503, 504). The error types are
// those botocore's standard retry mode treats as throttling or transient; anything else (access
// denied, no such resource, a wrong state) fails the same way again.
bool is_transient(const AwsError& error);

// How long to wait before retry number `retry` (1 for the first): `first`, doubling each time,
// at most `cap`. No jitter: iuprobe is one client making one call, not a fleet that could retry
// in step.
Duration backoff_delay(Duration first, unsigned retry, Duration cap);

}  // namespace iuprobe
