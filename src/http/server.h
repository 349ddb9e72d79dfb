// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "core/result.h"
#include "core/units.h"

namespace iuprobe {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// Answers one request; may suspend (the emulator waits out a simulated service time).
using HttpHandler = std::function<boost::asio::awaitable<HttpResponse>(HttpRequest&)>;
// The same, told when the request came: the kernel's receive time of the last read of it (of
// the segment that completed it, or a later one that came with it), else the time of that read.
// The server's event loop may get to a request later than that, busy with others or not
// scheduled, and a server that emulates capacity must not count its own delays against the
// client.
using TimedHttpHandler = std::function<boost::asio::awaitable<HttpResponse>(
    HttpRequest&, std::chrono::steady_clock::time_point arrived)>;

// Takes over a connection for an endless response such as Server-Sent Events. Asked before the
// handler: returns false, having written nothing, to leave the request to the handler; otherwise
// it has written the whole response, header included, and the connection closes.
using HttpStreamHandler =
    std::function<boost::asio::awaitable<bool>(HttpRequest&, boost::beast::tcp_stream&)>;

struct ServerLimits {
  std::uint64_t max_body_bytes = 8 << 20;     // larger bodies get 413 and the connection closes
  std::uint32_t max_header_bytes = 16 << 10;  // larger headers get 431
  // At this many, a new connection closes the oldest one that has no request in hand; if every
  // one is busy, the new one is closed at once.
  std::size_t max_connections = 20000;
  // Request bodies held at once, all connections together: a request whose body would take the
  // total above this gets 503 (with Retry-After) before its body is read, and the connection
  // closes. A body counts from its header (its Content-Length, or max_body_bytes if chunked)
  // until its answer is written. 0: no cap.
  std::uint64_t max_buffered_bytes = 0;
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
  HttpServer(boost::asio::io_context& io, TimedHttpHandler handler, ServerLimits limits = {},
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
  // Requests refused with 503 for max_buffered_bytes since listen().
  std::uint64_t refused_busy() const;
  // Connections closed at max_connections to make room for new ones.
  std::uint64_t reclaimed() const;
  // Bytes of request bodies held now (see max_buffered_bytes).
  std::uint64_t buffered_bytes() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace iuprobe
