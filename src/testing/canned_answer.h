// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <utility>

#include "testing/self_signed.h"

namespace iuprobe::testing {

// A server on 127.0.0.1:0 for one connection: it reads a request's head, writes `answer` as
// given, byte for byte, and closes without reading a body, as HAProxy's `http-request deny`
// does without request buffering (the kernel then resets the connection if a body is left
// unread). For answers that HttpServer would not write: interim ones, malformed ones.
class CannedAnswer {
 public:
  explicit CannedAnswer(std::string answer) : answer_(std::move(answer)) {
    thread_ = std::thread([this] {
      boost::asio::ip::tcp::socket socket(io_);
      boost::system::error_code error;
      acceptor_.accept(socket, error);
      if (error) return;
      std::string head;
      boost::asio::read_until(socket, boost::asio::dynamic_buffer(head), "\r\n\r\n", error);
      boost::asio::write(socket, boost::asio::buffer(answer_), error);
      socket.close(error);
    });
  }
  ~CannedAnswer() { thread_.join(); }
  CannedAnswer(const CannedAnswer&) = delete;
  CannedAnswer& operator=(const CannedAnswer&) = delete;

  boost::asio::ip::tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }
  std::uint16_t port() const { return endpoint().port(); }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_{io_, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  std::string answer_;
  std::thread thread_;
};

// The same over TLS, with the certificate of SelfSignedServerContext. The answer ends with the
// TLS close (a close_notify) or, `truncated`, with the TCP connection's close alone. Serves for
// at most 5 s: a client that never comes fails its test rather than hanging it.
class CannedTlsAnswer {
 public:
  CannedTlsAnswer(std::string answer, bool truncated)
      : answer_(std::move(answer)), truncated_(truncated) {
    boost::asio::co_spawn(io_, serve(), boost::asio::detached);
    thread_ = std::thread([this] { io_.run_for(std::chrono::seconds(5)); });
  }
  ~CannedTlsAnswer() { thread_.join(); }
  CannedTlsAnswer(const CannedTlsAnswer&) = delete;
  CannedTlsAnswer& operator=(const CannedTlsAnswer&) = delete;

  bool ready() const { return tls_.ready(); }
  boost::asio::ip::tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }

 private:
  boost::asio::awaitable<void> serve() {
    constexpr auto kTuple = boost::asio::as_tuple(boost::asio::use_awaitable);
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream(io_, tls_.context());
    auto [accept_error] = co_await acceptor_.async_accept(stream.next_layer(), kTuple);
    if (accept_error) co_return;
    auto [handshake_error] =
        co_await stream.async_handshake(boost::asio::ssl::stream_base::server, kTuple);
    if (handshake_error) co_return;
    std::string head;
    co_await boost::asio::async_read_until(stream, boost::asio::dynamic_buffer(head), "\r\n\r\n",
                                           kTuple);
    co_await boost::asio::async_write(stream, boost::asio::buffer(answer_), kTuple);
    // The close_notify goes out at once; the wait for the client's own ends with its close.
    if (!truncated_) co_await stream.async_shutdown(kTuple);
    boost::system::error_code ignored;
    stream.next_layer().close(ignored);
  }

  boost::asio::io_context io_;
  SelfSignedServerContext tls_;
  boost::asio::ip::tcp::acceptor acceptor_{io_, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  std::string answer_;
  bool truncated_;
  std::thread thread_;
};

}  // namespace iuprobe::testing
