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
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "testing/self_signed.h"

namespace iuprobe::testing {

// A server on 127.0.0.1:0 for one connection: it reads a request's head, writes `answer` as
// given, byte for byte, and closes without reading a body, as HAProxy's `http-request deny`
// does without request buffering (the kernel then resets the connection if a body is left
// unread). For answers that HttpServer would not write: interim ones, malformed ones.
// Over TLS (with SelfSignedServerContext's certificate) the answer ends with the TLS close, a
// close_notify, or with the TCP connection's close alone (kTlsTruncated).
// It serves for at most 5 s: a client that never comes fails its test rather than hanging it.
class CannedAnswer {
 public:
  enum class Over : std::uint8_t { kTcp, kTls, kTlsTruncated };

  explicit CannedAnswer(std::string answer, Over over = Over::kTcp)
      : answer_(std::move(answer)), over_(over) {
    if (over_ != Over::kTcp) tls_.emplace();
    boost::asio::co_spawn(io_, serve(), boost::asio::detached);
    thread_ = std::thread([this] { io_.run_for(std::chrono::seconds(5)); });
  }
  ~CannedAnswer() { thread_.join(); }
  CannedAnswer(const CannedAnswer&) = delete;
  CannedAnswer& operator=(const CannedAnswer&) = delete;

  bool ready() const { return !tls_ || tls_->ready(); }
  boost::asio::ip::tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }
  std::uint16_t port() const { return endpoint().port(); }

 private:
  static constexpr auto kTuple = boost::asio::as_tuple(boost::asio::use_awaitable);

  boost::asio::awaitable<void> serve() {
    boost::asio::ip::tcp::socket socket(io_);
    auto [accept_error] = co_await acceptor_.async_accept(socket, kTuple);
    if (accept_error) co_return;
    if (over_ == Over::kTcp) {
      co_await answer(socket);
    } else {
      boost::asio::ssl::stream<boost::asio::ip::tcp::socket&> stream(socket, tls_->context());
      auto [handshake_error] =
          co_await stream.async_handshake(boost::asio::ssl::stream_base::server, kTuple);
      if (handshake_error) co_return;
      co_await answer(stream);
      // The close_notify goes out at once; the wait for the client's own ends with its close.
      if (over_ == Over::kTls) co_await stream.async_shutdown(kTuple);
    }
    boost::system::error_code ignored;
    socket.close(ignored);
  }
  template <class Stream>
  boost::asio::awaitable<void> answer(Stream& stream) {
    std::string head;
    co_await boost::asio::async_read_until(stream, boost::asio::dynamic_buffer(head), "\r\n\r\n",
                                           kTuple);
    co_await boost::asio::async_write(stream, boost::asio::buffer(answer_), kTuple);
  }

  boost::asio::io_context io_;
  std::optional<SelfSignedServerContext> tls_;
  boost::asio::ip::tcp::acceptor acceptor_{io_, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  std::string answer_;
  Over over_;
  std::thread thread_;
};

}  // namespace iuprobe::testing
