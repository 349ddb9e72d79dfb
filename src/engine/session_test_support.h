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

// Whether this build keeps the sender's timing: a sanitizer slows every thread several times
// over (ThreadSanitizer many times), so those runs check the load session for memory errors and
// races only, not the timing of its sends; CI checks that in the optimised build. Under ASan,
// with one busy core beside them, the checks below failed now and then (a send window's bunches,
// late sends, a 545 ms hold-up) with nothing wrong in the engine.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)  // g++
#define IUPROBE_SANITIZED 1
#elif defined(__has_feature)  // clang
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define IUPROBE_SANITIZED 1
#endif
#endif
#if defined(IUPROBE_SANITIZED)
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
