// SPDX-License-Identifier: Apache-2.0
// What the load session's tests share: a session's options against a test server, and an
// observer that keeps every window.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "engine/network_session.h"
#include "testing/test_server.h"

namespace iuprobe {

class Recorder final : public SessionObserver {
 public:
  void on_window(const WindowRecord& window) override { windows.push_back(window); }
  std::vector<WindowRecord> windows;
};

inline SessionOptions options_for(const std::string& url, SessionObserver* observer = nullptr,
                                  StopToken stop = {}) {
  SessionOptions options;
  options.target.url = *parse_http_url(url);
  auto requests = std::make_shared<const HttpRequests>(
      HttpRequestSpec{.method = "GET", .url = options.target.url});
  options.target.make_source = [requests](unsigned worker) {
    return make_http_source(requests, worker);
  };
  options.connection.threads = 2;
  options.connection.max_connections = 64;
  options.observer = observer;
  options.stop = stop;
  return options;
}

// Whether this build keeps the sender's timing: ThreadSanitizer slows every thread many times
// over, so its run checks the load session for races only, not the timing of its sends.
#if defined(__SANITIZE_THREAD__)  // g++
#define IUPROBE_TSAN 1
#elif defined(__has_feature)  // clang
#if __has_feature(thread_sanitizer)
#define IUPROBE_TSAN 1
#endif
#endif
#if defined(IUPROBE_TSAN)
inline constexpr bool kTimingHolds = false;
#else
inline constexpr bool kTimingHolds = true;
#endif

inline OpenLoop constant(double rate, Duration duration) {
  return OpenLoop{RateProfile::constant(rate, duration)};
}

inline testing::TestServer ok_server(std::atomic<int>* served = nullptr) {
  return testing::TestServer([served](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
    if (served) ++*served;
    co_return testing::text_response(200, "ok");
  });
}

}  // namespace iuprobe
