// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <memory>

#include "core/result.h"
#include "core/units.h"

namespace iuprobe {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// Answers one request; may suspend (the emulator waits out a simulated service time).
using HttpHandler = std::function<boost::asio::awaitable<HttpResponse>(HttpRequest&)>;

// Takes over a connection for an endless response such as Server-Sent Events. Asked before the
// handler: returns false, having written nothing, to leave the request to the handler; otherwise
// it has written the whole response, header included, and the connection closes.
using HttpStreamHandler =
    std::function<boost::asio::awaitable<bool>(HttpRequest&, boost::beast::tcp_stream&)>;

struct ServerLimits {
  std::uint64_t max_body_bytes = 8 << 20;     // larger bodies get 413 and the connection closes
  std::uint32_t max_header_bytes = 16 << 10;  // larger headers get 431
  std::size_t max_connections = 20000;        // beyond this, new connections are closed at once
  Duration idle_timeout = std::chrono::seconds(60);  // between requests on a connection
  Duration request_timeout =
      std::chrono::seconds(30);  // to receive one whole request (slow senders)
};

// A small keep-alive HTTP/1.1 server on one event loop. The handler is kept apart from the
// transport; malformed requests get 400 and oversize ones 413/431, without reaching it.
class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, HttpHandler handler, ServerLimits limits = {},
             HttpStreamHandler stream_handler = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts accepting. Port 0 picks a free port; see local_endpoint().
  Result<void> listen(const boost::asio::ip::tcp::endpoint& endpoint);
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  // Stops accepting and closes every connection. Call on the server's executor (or before run()).
  void close();
  std::size_t connections() const;
  // Connections accepted since listen(), including those refused for max_connections.
  std::uint64_t accepted() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace iuprobe
