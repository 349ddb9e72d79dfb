// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"
#include "http/classify.h"
#include "http/request_source.h"
#include "http/tls.h"
#include "http/url.h"

namespace iuprobe {

// What a load session talks to, fixed for its life: the endpoint, how each request is made and
// how its answer is classified.
struct Target {
  HttpUrl url;
  std::string description;    // for people: "POST http://…", "DetectCustomLabels on …"
  bool head_request = false;  // HEAD: responses carry no body
  TlsOptions tls;
  ThrottleRules throttle;
  // Asked about each answer that is neither ok nor throttled; an error ends the load at once
  // (the model is not running, the credentials were refused).
  std::function<std::optional<Error>(const ErrorInfo&)> stop_on_error;
  // One request source per worker; called before the worker starts.
  std::function<std::unique_ptr<RequestSource>(unsigned worker)> make_source;
};

// How a session sends: its threads, its pool and every timeout. Fixed for the session's life.
struct ConnectionSettings {
  unsigned threads = 1;
  unsigned max_connections = 1000;
  Duration connect_timeout = std::chrono::seconds(10);  // TLS handshake included
  Duration request_timeout = std::chrono::seconds(30);
  Duration grace = std::chrono::seconds(3);  // for requests in flight after a stop request
  // An idle connection is closed after this long, so the pool shrinks when the rate falls;
  // Duration::max() keeps every connection for the session's life (the probe's choice).
  Duration idle_timeout = std::chrono::seconds(20);
  Duration late_threshold_floor = std::chrono::milliseconds(1);
  // Sends due within this window of each other leave together, from one worker (fewer wake-ups,
  // and no send later than the window); 0: one by one.
  Duration send_window = std::chrono::microseconds(250);
  std::uint64_t seed = 1;
};

}  // namespace iuprobe
