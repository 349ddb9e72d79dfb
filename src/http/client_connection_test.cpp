// SPDX-License-Identifier: Apache-2.0
#include "http/client_connection.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/http/error.hpp>
#include <future>
#include <thread>

#include "http/tls.h"
#include "testing/canned_answer.h"
#include "testing/test_server.h"

namespace iuprobe {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

using testing::CannedAnswer;  // a front that answers as soon as it has read a request's head

ExchangeResult exchange_once(const tcp::endpoint& endpoint, std::string_view body,
                             bool head_request = false, asio::ssl::context* tls = nullptr) {
  asio::io_context io;
  const ConnectionOptions options{
      .endpoint = endpoint, .host = "127.0.0.1", .tls = tls, .verify_host = tls == nullptr};
  auto connection = ClientConnection::create(io.get_executor(), options);
  const std::string head =
      head_request ? "HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                   : fmt::format("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n",
                                 body.size());
  auto result =
      asio::co_spawn(io, connection->exchange(head, body, head_request, nullptr), asio::use_future);
  io.run();
  return result.get();
}

TEST(ClientConnection, ReadsAnAnswerThatArrivesBeforeTheBodyIsSent) {
  // Far more than the socket buffers hold with Linux's defaults (tcp_wmem, tcp_rmem: 4 and 6 MB).
  const std::string body(8 << 20, 'x');
  // A 100 Continue before the answer is passed over, as any interim answer is.
  const std::pair<unsigned, std::string_view> answers[] = {
      {429u, ""}, {200u, ""}, {413u, "HTTP/1.1 100 Continue\r\n\r\n"}};
  for (const auto& [status, interim] : answers) {
    CannedAnswer front(fmt::format(
        "{}HTTP/1.1 {} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno", interim, status));
    const ExchangeResult result = exchange_once(front.endpoint(), body);
    ASSERT_TRUE(result.has_response()) << result.error.message();
    EXPECT_EQ(result.status, status);
    EXPECT_LT(result.bytes_sent, body.size());
  }
}

// Small requests, and large ones the socket takes at once (100 KB nearly always on loopback),
// are read after they are written, not while: the answer is there all the same.
TEST(ClientConnection, ARequestToAFrontThatAnswersEarlyIsCountedByItsStatus) {
  for (const std::size_t size : {std::size_t{100}, std::size_t{100 * 1024}}) {
    CannedAnswer front("HTTP/1.1 429 X\r\nContent-Length: 0\r\n\r\n");
    const ExchangeResult result = exchange_once(front.endpoint(), std::string(size, 'x'));
    ASSERT_TRUE(result.has_response()) << size << " B: " << result.error.message();
    EXPECT_EQ(result.status, 429u) << size << " B";
  }
}

// The answer is read by the connection's own loop over the stream's reads (not Beast's
// http::async_read): it must end every answer where Beast's reader would.
TEST(ClientConnection, ReadsEachKindOfAnswerToItsEndAsBeastsReaderWould) {
  const std::string large(300 * 1024, 'b');  // several reads of 64 KiB
  const std::string large_answer =
      fmt::format("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{}", large.size(), large);
  const struct Case {
    std::string name;
    std::string answer;
    unsigned status;
    std::string body_prefix;  // kept for non-2xx answers only
  } cases[] = {
      {"with a length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 200, ""},
      {"ended by the close", "HTTP/1.1 503 X\r\n\r\nuntil the end", 503, "until the end"},
      {"chunked", "HTTP/1.1 429 X\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab!\r\n0\r\n\r\n", 429,
       "ab!"},
      {"larger than one read", large_answer, 200, ""},
      {"after interim answers",
       "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n"
       "\r\nHTTP/1.1 429 X\r\nContent-Length: 4\r\n\r\nslow",
       429, "slow"},
  };
  for (const Case& c : cases) {
    CannedAnswer front(c.answer);
    const ExchangeResult result = exchange_once(front.endpoint(), "");
    ASSERT_TRUE(result.has_response()) << c.name << ": " << result.error.message();
    EXPECT_EQ(result.status, c.status) << c.name;
    EXPECT_EQ(result.bytes_received, c.answer.size()) << c.name;
    EXPECT_EQ(result.body_prefix, c.body_prefix) << c.name;
  }
}

TEST(ClientConnection, TheAnswerToAHeadRequestEndsWithItsHeader) {
  // Its Content-Length is what a GET would have returned; no body follows, also after an
  // interim answer.
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
  for (const std::string& answer : {head, "HTTP/1.1 103 Early Hints\r\n\r\n" + head}) {
    CannedAnswer front(answer);
    const ExchangeResult result = exchange_once(front.endpoint(), "", true);
    ASSERT_TRUE(result.has_response()) << answer << result.error.message();
    EXPECT_EQ(result.status, 200u);
    EXPECT_EQ(result.bytes_received, answer.size());
  }
}

TEST(ClientConnection, AConnectionThatSwitchedProtocolsIsNotUsedAgain) {
  CannedAnswer front(
      "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
  asio::io_context io;
  const ConnectionOptions options{.endpoint = front.endpoint(), .host = "127.0.0.1"};
  auto connection = ClientConnection::create(io.get_executor(), options);
  auto result = asio::co_spawn(
      io, connection->exchange("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "", false, nullptr),
      asio::use_future);
  io.run();
  const ExchangeResult answered = result.get();
  ASSERT_TRUE(answered.has_response()) << answered.error.message();
  EXPECT_EQ(answered.status, 101u);
  EXPECT_FALSE(connection->is_open());
}

TEST(ClientConnection, AnAnswerCutShortOrNeverBegunIsAFailureThatSaysSo) {
  const ConnectionOptions options{.host = "127.0.0.1"};
  // Nothing, or only an interim answer, before the server closed.
  for (const std::string answer : {"", "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"}) {
    CannedAnswer front(answer);
    const ExchangeResult result = exchange_once(front.endpoint(), "");
    ASSERT_FALSE(result.has_response()) << answer;
    EXPECT_EQ(result.stage, ExchangeStage::kRead);
    EXPECT_EQ(describe_failure(result, options),
              "reading from 127.0.0.1: the server closed the connection");
  }
  for (const std::string cut : {"HTTP/1.1 200 OK\r\nContent-Le",
                                "HTTP/1.1 200 OK\r\n"
                                "Content-Length: 9\r\n\r\nhalf"}) {
    CannedAnswer front(cut);
    const ExchangeResult result = exchange_once(front.endpoint(), "");
    EXPECT_FALSE(result.has_response()) << cut;
    EXPECT_EQ(result.error, boost::beast::http::error::partial_message) << cut;
  }
  {
    CannedAnswer front("HTTP/1.1 200 OK\r\nX: " + std::string(70 * 1024, 'h') + "\r\n\r\n");
    const ExchangeResult result = exchange_once(front.endpoint(), "");
    EXPECT_FALSE(result.has_response());
    EXPECT_EQ(result.error, boost::beast::http::error::header_limit);
  }
}

// Over TLS a stream ends with the TLS close (close_notify): an answer ended by it is whole. One
// ended by the TCP close alone may have been cut short (a truncation attack looks the same), so
// it is not an answer, unless its length said where it ends.
TEST(ClientConnection, OverTlsAnAnswerWithoutALengthEndsWithTheTlsClose) {
  auto tls = make_client_tls_context({.insecure = true});
  ASSERT_TRUE(tls) << tls.error().message;
  const std::string until_close = "HTTP/1.1 503 X\r\n\r\nuntil the end";
  {
    CannedAnswer server(until_close, CannedAnswer::Over::kTls);
    ASSERT_TRUE(server.ready());
    const ExchangeResult result = exchange_once(server.endpoint(), "", false, tls->get());
    ASSERT_TRUE(result.has_response()) << result.error.message();
    EXPECT_EQ(result.status, 503u);
    EXPECT_EQ(result.body_prefix, "until the end");
    EXPECT_EQ(result.bytes_received, until_close.size());
  }
  {
    CannedAnswer server(until_close, CannedAnswer::Over::kTlsTruncated);
    ASSERT_TRUE(server.ready());
    const ExchangeResult result = exchange_once(server.endpoint(), "", false, tls->get());
    EXPECT_FALSE(result.has_response()) << result.status;
    EXPECT_EQ(result.error, asio::ssl::error::stream_truncated) << result.error.message();
  }
  {
    CannedAnswer server("HTTP/1.1 429 X\r\nContent-Length: 4\r\n\r\nslow",
                        CannedAnswer::Over::kTlsTruncated);
    ASSERT_TRUE(server.ready());
    const ExchangeResult result = exchange_once(server.endpoint(), "", false, tls->get());
    ASSERT_TRUE(result.has_response()) << result.error.message();
    EXPECT_EQ(result.status, 429u);
  }
}

TEST(ClientConnection, LargeRequestsKeepTheirConnectionWhenTheServerReadsThem) {
  std::atomic<std::size_t> received{0};
  testing::TestServer server([&](HttpRequest& request) -> asio::awaitable<HttpResponse> {
    received += request.body().size();
    co_return testing::text_response(200, "ok");
  });
  asio::io_context io;
  const ConnectionOptions options{.endpoint = {asio::ip::make_address("127.0.0.1"), server.port()},
                                  .host = "127.0.0.1"};
  auto connection = ClientConnection::create(io.get_executor(), options);
  // More than the socket takes at once (with Linux's default tcp_wmem, at most 4 MB): part is
  // written without waiting, the rest while reading.
  const std::string body(6 << 20, 'y');
  const std::string head =
      fmt::format("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n", body.size());
  std::vector<ExchangeResult> results;
  asio::co_spawn(
      io,
      [&]() -> LoadTask<> {
        for (int i = 0; i < 3; ++i)
          results.push_back(co_await connection->exchange(head, body, false, nullptr));
      },
      asio::detached);
  io.run();
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) {
    ASSERT_TRUE(r.has_response()) << r.error.message();
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.bytes_sent, head.size() + body.size());
  }
  EXPECT_EQ(received.load(), 3 * body.size());
  EXPECT_EQ(server.accepted(), 1u);
}

TEST(ClientConnection, TheHeadIsCopiedBeforeTheConnectionIsOpened) {
  // Signed requests hand out a head that views their source's buffer, which the next request
  // rewrites; a new connection must not send the next request's head with this one's body.
  std::string target;
  testing::TestServer server([&](HttpRequest& request) -> asio::awaitable<HttpResponse> {
    target = std::string(request.target());
    co_return testing::text_response(200, "ok");
  });
  asio::io_context io;
  const ConnectionOptions options{.endpoint = {asio::ip::make_address("127.0.0.1"), server.port()},
                                  .host = "127.0.0.1"};
  auto connection = ClientConnection::create(io.get_executor(), options);
  std::string buffer = "GET /first HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  auto result =
      asio::co_spawn(io, connection->exchange(buffer, "", false, nullptr), asio::use_future);
  while (!connection->is_open()) io.run_one();  // the exchange now waits for its connection
  buffer = "GET /other HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";  // the source's next request
  io.run();
  ASSERT_TRUE(result.get().has_response());
  EXPECT_EQ(target, "/first");
}

TEST(ClientConnection, ARequestThatNobodyAnswersFailsWithTheWriteError) {
  asio::io_context io;
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  std::thread closer([&] {
    tcp::socket socket(io);
    acceptor.accept(socket);
    std::array<char, 16> some{};
    socket.read_some(asio::buffer(some));
    socket.close();  // unread data: a reset, and no answer
  });
  const ExchangeResult result = exchange_once(acceptor.local_endpoint(), std::string(8 << 20, 'z'));
  closer.join();
  EXPECT_FALSE(result.has_response());
  EXPECT_EQ(result.stage, ExchangeStage::kWrite) << result.error.message();
}

}  // namespace
}  // namespace iuprobe
