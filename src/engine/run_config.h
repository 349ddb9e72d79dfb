// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <memory>
#include <variant>

#include "http/classify.h"
#include "http/request_source.h"
#include "http/tls.h"
#include "http/url.h"
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

using LoadShape = std::variant<OpenLoop, ClosedLoop>;

// Everything the engine needs for one run, validated by the caller.
struct RunConfig {
  HttpUrl url;
  std::string description;  // what is being loaded, for the summary ("POST http://…",
                            // "DetectCustomLabels on …")
  LoadShape load;
  bool head_request = false;  // HEAD: responses carry no body
  unsigned threads = 1;
  unsigned max_connections = 1000;
  Duration connect_timeout = std::chrono::seconds(10);
  Duration request_timeout = std::chrono::seconds(30);
  Duration grace = std::chrono::seconds(3);  // for in-flight requests after a stop
  Duration idle_timeout =
      std::chrono::seconds(20);  // reconnect rather than reuse older idle sockets
  Duration late_threshold_floor = std::chrono::milliseconds(1);
  // Sends due within this window of each other leave together (fewer wake-ups); 0: one by one.
  Duration send_window = std::chrono::microseconds(250);
  TlsOptions tls;
  ThrottleRules throttle;
  std::uint64_t seed = 1;
  // Called for each answer that is neither ok nor throttled; advice ends the run at once.
  std::function<std::optional<std::string>(const ErrorInfo&)> stop_on_error;
  // One request source per worker; called on the controlling thread before workers start.
  std::function<std::unique_ptr<RequestSource>(unsigned worker)> make_source;
};

// Total duration of the shape, warm-up included.
Duration total_duration(const LoadShape& shape);
// Whether the segment with this index is a warm-up segment.
bool is_warmup_segment(const LoadShape& shape, std::size_t segment);
std::size_t segment_count(const LoadShape& shape);
Duration segment_start(const LoadShape& shape, std::size_t segment);
Duration warmup_duration(const LoadShape& shape);

}  // namespace iuprobe
