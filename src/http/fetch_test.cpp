// SPDX-License-Identifier: Apache-2.0
#include "http/fetch.h"

#include <gtest/gtest.h>

#include <mutex>

#include "testing/test_server.h"

namespace iuprobe {
namespace {

using namespace std::chrono_literals;
using testing::TestServer;
using testing::text_response;

TEST(Fetch, SendsTheRequestAndReadsTheWholeAnswer) {
  std::mutex mutex;  // the handler runs on the server's thread
  std::string seen_body, seen_type, seen_host;
  TestServer server([&](HttpRequest& request) -> boost::asio::awaitable<HttpResponse> {
    const std::lock_guard lock(mutex);
    seen_body = request.body();
    seen_type = std::string(request["Content-Type"]);
    seen_host = std::string(request["Host"]);
    auto response = text_response(201, std::string(100000, 'x'));
    response.set("X-Answer", "42");
    co_return response;
  });
  auto response = fetch({.method = "POST",
                         .url = *parse_http_url(server.url("/path")),
                         .headers = {{"Content-Type", "application/json"}},
                         .body = R"({"a":1})"});
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 201u);
  EXPECT_EQ(response->body.size(), 100000u);
  EXPECT_EQ(response->header("x-answer"), "42");
  const std::lock_guard lock(mutex);
  EXPECT_EQ(seen_body, R"({"a":1})");
  EXPECT_EQ(seen_type, "application/json");
  EXPECT_EQ(seen_host, fmt::format("127.0.0.1:{}", server.port()));
}

TEST(Fetch, AServerThatDoesNotAnswerTimesOutWithTheUrl) {
  TestServer server([&](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
    co_await testing::sleep_for(5s);
    co_return text_response(200, "late");
  });
  const auto url = *parse_http_url(server.url("/slow"));
  auto response = fetch({.url = url, .timeout = 200ms});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ErrorKind::kNetwork);
  EXPECT_EQ(response.error().message, fmt::format("GET {}: no answer within 200ms", url.text));
}

TEST(Fetch, ARefusedConnectionSaysSo) {
  std::uint16_t closed_port = 0;
  {
    TestServer server([](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
      co_return text_response(200, "");
    });
    closed_port = server.port();
  }
  auto response = fetch({.url = *parse_http_url(fmt::format("http://127.0.0.1:{}/", closed_port))});
  ASSERT_FALSE(response);
  EXPECT_NE(response.error().message.find("connecting: Connection refused"), std::string::npos)
      << response.error().message;
}

}  // namespace
}  // namespace iuprobe
