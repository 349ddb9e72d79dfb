// SPDX-License-Identifier: Apache-2.0
#include "http/client_connection.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <thread>

#include "testing/test_server.h"

namespace iuprobe {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// A front that answers as soon as it has read a request's head and then closes without reading
// the body, as HAProxy's `http-request deny` does without request buffering. The kernel then
// resets the connection, because the body is left unread.
class AnswersBeforeTheBody {
 public:
  explicit AnswersBeforeTheBody(std::string answer) : answer_(std::move(answer)) {
    thread_ = std::thread([this] {  // one connection
      tcp::socket socket(io_);
      boost::system::error_code error;
      acceptor_.accept(socket, error);
      if (error) return;
      std::string head;
      asio::read_until(socket, asio::dynamic_buffer(head), "\r\n\r\n", error);
      asio::write(socket, asio::buffer(answer_), error);
      socket.close(error);
    });
  }
  ~AnswersBeforeTheBody() { thread_.join(); }
  tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_{io_, {asio::ip::make_address("127.0.0.1"), 0}};
  std::string answer_;
  std::thread thread_;
};

ExchangeResult exchange_once(const tcp::endpoint& endpoint, std::string_view body) {
  asio::io_context io;
  const ConnectionOptions options{.endpoint = endpoint, .host = "127.0.0.1"};
  auto connection = ClientConnection::create(io.get_executor(), options);
  const std::string head =
      fmt::format("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n", body.size());
  auto result = asio::co_spawn(io, connection->exchange(head, body, false), asio::use_future);
  io.run();
  return result.get();
}

TEST(ClientConnection, ReadsAnAnswerThatArrivesBeforeTheBodyIsSent) {
  const std::string body(8 << 20, 'x');  // far more than the socket buffers hold
  for (const unsigned status : {429u, 200u}) {
    AnswersBeforeTheBody front(
        fmt::format("HTTP/1.1 {} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno", status));
    const ExchangeResult result = exchange_once(front.endpoint(), body);
    ASSERT_TRUE(result.has_response()) << result.error.message();
    EXPECT_EQ(result.status, status);
    EXPECT_LT(result.bytes_sent, body.size());
  }
}

TEST(ClientConnection, ASmallRequestToAFrontThatAnswersEarlyIsCountedByItsStatus) {
  AnswersBeforeTheBody front("HTTP/1.1 429 X\r\nContent-Length: 0\r\n\r\n");
  const ExchangeResult result = exchange_once(front.endpoint(), std::string(100, 'x'));
  ASSERT_TRUE(result.has_response()) << result.error.message();
  EXPECT_EQ(result.status, 429u);
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
  const std::string body(1 << 20, 'y');
  const std::string head =
      fmt::format("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n", body.size());
  std::vector<ExchangeResult> results;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 3; ++i)
          results.push_back(co_await connection->exchange(head, body, false));
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
  auto result = asio::co_spawn(io, connection->exchange(buffer, "", false), asio::use_future);
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
