// SPDX-License-Identifier: Apache-2.0
#include "http/fetch.h"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <mutex>
#include <thread>

#include "testing/canned_answer.h"
#include "testing/self_signed.h"
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
  FetchFailure why = FetchFailure::kUntrustedCertificate;
  auto response =
      fetch({.url = *parse_http_url(fmt::format("http://127.0.0.1:{}/", closed_port))}, &why);
  ASSERT_FALSE(response);
  EXPECT_NE(response.error().message.find("connecting: Connection refused"), std::string::npos)
      << response.error().message;
  EXPECT_EQ(why, FetchFailure::kNoAnswer);
}

TEST(Fetch, PassesOverInterimAnswersToTheAnswer) {
  testing::CannedAnswer server(
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n"
      "\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Final: yes\r\n\r\nok");
  auto response =
      fetch({.url = *parse_http_url(fmt::format("http://127.0.0.1:{}/", server.port()))});
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200u);
  EXPECT_EQ(response->body, "ok");
  EXPECT_EQ(response->header("x-final"), "yes");
  EXPECT_EQ(response->header("link"), "");
}

TEST(Fetch, AServerThatClosesBeforeItsAnswerSaysSo) {
  // Nothing at all, only an interim answer, half a head: none of them is an answer.
  for (const std::string answer :
       {"", "HTTP/1.1 103 Early Hints\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Le"}) {
    testing::CannedAnswer server(answer);
    auto response =
        fetch({.url = *parse_http_url(fmt::format("http://127.0.0.1:{}/", server.port()))});
    ASSERT_FALSE(response) << "'" << answer << "' was taken for status " << response->status;
    EXPECT_NE(response.error().message.find("the server closed the connection"), std::string::npos)
        << response.error().message;
  }
}

// A TLS server whose certificate no machine trusts.
class UntrustedTlsServer {
 public:
  UntrustedTlsServer() {
    acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    // One connection's handshake (which the client refuses), for at most 5 s: a client that
    // never connects fails the test rather than hanging it.
    thread_ = std::thread([this] {
      boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream(io_, tls_.context());
      acceptor_.async_accept(stream.next_layer(), [&](boost::system::error_code ec) {
        if (!ec) stream.async_handshake(boost::asio::ssl::stream_base::server, [](auto) {});
      });
      io_.run_for(5s);
    });
  }
  ~UntrustedTlsServer() { thread_.join(); }
  bool ready() const { return tls_.ready(); }
  std::uint16_t port() const { return port_; }

 private:
  boost::asio::io_context io_;
  testing::SelfSignedServerContext tls_;
  boost::asio::ip::tcp::acceptor acceptor_{io_, boost::asio::ip::tcp::v4()};
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TEST(Fetch, AnUntrustedCertificateIsToldApartFromNoAnswer) {
  UntrustedTlsServer server;
  ASSERT_TRUE(server.ready());
  FetchFailure why = FetchFailure::kNoAnswer;
  auto response =
      fetch({.url = *parse_http_url(fmt::format("https://127.0.0.1:{}/", server.port()))}, &why);
  ASSERT_FALSE(response);
  EXPECT_NE(response.error().message.find("certificate verify failed"), std::string::npos)
      << response.error().message;
  EXPECT_EQ(why, FetchFailure::kUntrustedCertificate);
}

}  // namespace
}  // namespace iuprobe
