// SPDX-License-Identifier: Apache-2.0
#include "http/server.h"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/write.hpp>
#include <list>
#include <optional>

#include "http/awaitable.h"
#include "http/parse_buffered.h"
#include "http/receive_stamp.h"

namespace iuprobe {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr std::uint64_t kBodyReadChunk = 64 * 1024;
constexpr std::size_t kIdleBufferBytes = 16 * 1024;

HttpResponse plain_response(http::status status, std::string_view text) {
  HttpResponse response{status, 11};
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  response.body() = std::string(text) + "\n";
  response.keep_alive(false);
  response.prepare_payload();
  return response;
}

// A syntax error in what the client sent, as opposed to the client going away or timing out.
bool is_malformed(const boost::system::error_code& ec) {
  if (ec.category() != beast::http::make_error_code(http::error::bad_method).category())
    return false;
  return ec != http::error::end_of_stream && ec != http::error::partial_message &&
         ec != http::error::short_read && ec != http::error::need_more;
}

// The answer to a request that could not be read, before the connection closes; none when the
// client went away or timed out.
std::optional<HttpResponse> refusal_for(const boost::system::error_code& ec) {
  if (ec == http::error::body_limit)
    return plain_response(http::status::payload_too_large, "request body too large");
  if (ec == http::error::header_limit)
    return plain_response(http::status::request_header_fields_too_large,
                          "request header too large");
  if (is_malformed(ec)) return plain_response(http::status::bad_request, "malformed HTTP request");
  return std::nullopt;
}

using RequestParser = http::request_parser<http::string_body>;

// Reads a request (or only its header) into `parser`, as Beast's async_read(_header) would, but
// through receive_stamped: `arrived` becomes the kernel's receive time of the last segment read
// (else the time of that read), so that a server stalled for a while still knows when each
// request came. A stamp is on the real-time clock, which can be stepped: it is kept between the
// last time nothing had arrived and now. Fails with beast::error::timeout at `deadline`.
asio::awaitable<boost::system::error_code> read_request(beast::tcp_stream& stream,
                                                        beast::flat_buffer& buffer,
                                                        RequestParser& parser, bool header_only,
                                                        TimePoint deadline, TimePoint& arrived) {
  using namespace asio::experimental::awaitable_operators;
  parser.eager(!header_only);
  const auto done = [&] { return header_only ? parser.is_header_done() : parser.is_done(); };
  tcp::socket& socket = stream.socket();
  std::optional<TimePoint> nothing_at;  // the last read that found nothing
  while (true) {
    boost::system::error_code parse_error;
    parse_buffered(parser, buffer, done, parse_error);
    if (parse_error) co_return parse_error;
    if (done()) co_return boost::system::error_code{};
    const std::size_t size = beast::read_size(buffer, kBodyReadChunk);
    if (size == 0) co_return http::error::buffer_overflow;
    const StampedReceive got = receive_stamped(socket.native_handle(), buffer.prepare(size));
    if (got.bytes > 0) {
      buffer.commit(static_cast<std::size_t>(got.bytes));
      const ClockPair clocks = ClockPair::now();
      arrived = got.arrived ? clocks.steady_of(*got.arrived) : clocks.steady;
      if (nothing_at) arrived = std::max(arrived, *nothing_at);
      continue;
    }
    if (got.bytes == 0) {  // the client closed its side
      const boost::system::error_code ec = parse_end_of_stream(parser);
      co_return ec ? ec : (done() ? boost::system::error_code{} : http::error::partial_message);
    }
    if (got.error != EAGAIN && got.error != EWOULDBLOCK)
      co_return boost::system::error_code(got.error, boost::system::system_category());
    nothing_at = SteadyClock::now();
    // A closed socket ends the wait with an error, which as_tuple makes a completion like any
    // other: the first to complete wins.
    asio::steady_timer timer(socket.get_executor(), deadline);
    const auto woke = co_await (socket.async_wait(tcp::socket::wait_read, kUseTuple) ||
                                timer.async_wait(kUseTuple));
    if (woke.index() == 1) co_return beast::error::timeout;
    if (const auto [ec] = std::get<0>(woke); ec) co_return ec;
  }
}

}  // namespace

struct HttpServer::State : std::enable_shared_from_this<State> {
  asio::io_context& io;
  TimedHttpHandler handler;
  HttpStreamHandler stream_handler;
  ServerLimits limits;
  tcp::acceptor acceptor;
  // An open connection; `waiting` while it has no request in hand (between requests, or while
  // a request's header is still arriving), so that it may be closed to make room.
  struct Connection {
    beast::tcp_stream* stream;
    bool waiting = true;
  };
  std::list<Connection> streams;  // open connections, oldest first, to close them on shutdown
  bool closing = false;
  std::atomic<std::uint64_t> accepted{0};  // read from other threads by tests
  std::atomic<std::uint64_t> refused_busy{0};
  std::atomic<std::uint64_t> reclaimed{0};  // waiting connections closed to make room
  std::atomic<std::uint64_t> buffered{0};   // bytes of request bodies claimed and not yet released

  // A claim on `bytes` of the buffered total, released when it goes out of scope.
  struct BufferClaim {
    State* state = nullptr;
    std::uint64_t bytes = 0;
    BufferClaim() = default;
    BufferClaim(State* s, std::uint64_t n) : state(s), bytes(n) { state->buffered += bytes; }
    BufferClaim(const BufferClaim&) = delete;
    BufferClaim& operator=(BufferClaim&& other) noexcept {
      std::swap(state, other.state);
      std::swap(bytes, other.bytes);
      return *this;
    }
    ~BufferClaim() {
      if (state) state->buffered -= bytes;
    }
  };

  // Claims room for the body the header announces, or nothing when it would take the total
  // above the cap.
  std::optional<std::uint64_t> body_claim(const http::request_parser<http::string_body>& parser) {
    if (limits.max_buffered_bytes == 0) return 0;
    const std::uint64_t body =
        parser.chunked() ? limits.max_body_bytes
                         : std::min(parser.content_length().value_or(0), limits.max_body_bytes);
    if (buffered + body > limits.max_buffered_bytes) return std::nullopt;
    return body;
  }

  State(asio::io_context& io_context, TimedHttpHandler h, HttpStreamHandler s, ServerLimits l)
      : io(io_context),
        handler(std::move(h)),
        stream_handler(std::move(s)),
        limits(l),
        acceptor(io_context) {}

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    while (!closing) {
      auto [ec, socket] = co_await acceptor.async_accept(kUseTuple);
      if (ec) {
        if (closing || ec == asio::error::operation_aborted) break;
        continue;  // e.g. EMFILE: keep serving the connections we have
      }
      ++accepted;
      if (streams.size() >= limits.max_connections && !reclaim_one()) {
        boost::system::error_code ignored;
        socket.close(ignored);
        continue;
      }
      asio::co_spawn(io, session(std::move(socket)), asio::detached);
    }
  }

  // At the connection cap: closes the oldest connection that has no request in hand (idle
  // keep-alive, as nginx reclaims them too, or a header still trickling in), so that a flood of
  // idle or slow connections cannot lock out a client that sends its request. False if every
  // one is busy.
  bool reclaim_one() {
    for (Connection& c : streams) {
      if (!c.waiting) continue;
      boost::system::error_code ignored;
      c.stream->socket().close(ignored);
      c.waiting = false;  // closing: not a candidate again
      ++reclaimed;
      return true;
    }
    return false;
  }

  asio::awaitable<void> session(tcp::socket socket) {
    auto self = shared_from_this();
    beast::tcp_stream stream(std::move(socket));
    boost::system::error_code ignored;
    stream.socket().set_option(tcp::no_delay(true), ignored);
    enable_receive_timestamps(stream.socket().native_handle());
    auto registration = streams.insert(streams.end(), Connection{&stream});
    beast::flat_buffer buffer;
    // When the last read's bytes came: a request already buffered (pipelined) came with them.
    TimePoint arrived = SteadyClock::now();
    while (!closing) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(limits.max_body_bytes);
      parser.header_limit(limits.max_header_bytes);
      // A request must start within the idle timeout and then arrive whole within the request
      // timeout.
      registration->waiting = true;
      auto header_error = co_await read_request(
          stream, buffer, parser, true,
          SteadyClock::now() + (buffer.size() > 0 ? limits.request_timeout : limits.idle_timeout),
          arrived);
      registration->waiting = false;
      std::optional<HttpResponse> refusal;  // answered, then the connection closes
      BufferClaim claim;
      if (!header_error) {
        if (const auto body = body_claim(parser); !body) {
          ++refused_busy;
          refusal = plain_response(http::status::service_unavailable,
                                   "too many request bytes buffered at once; retry in a second");
          refusal->set(http::field::retry_after, "1");
        } else {
          claim = BufferClaim(this, *body);
          // Each read takes at most the buffer's free capacity (>= 512 bytes, read_size):
          // without room, a 100 KB body takes ~100 reads. Room for up to 64 KB per read while a
          // body arrives.
          if (const auto length = parser.content_length(); length && *length > buffer.size())
            buffer.reserve(std::min<std::uint64_t>(*length, kBodyReadChunk));
          header_error = co_await read_request(
              stream, buffer, parser, false, SteadyClock::now() + limits.request_timeout, arrived);
        }
      }
      if (header_error) refusal = refusal_for(header_error);
      if (refusal) {
        stream.expires_after(std::chrono::seconds(5));
        co_await http::async_write(stream, *refusal, kUseTuple);
      }
      if (refusal || header_error) break;
      HttpRequest request = parser.release();
      if (stream_handler && co_await stream_handler(request, stream)) break;
      HttpResponse response = co_await handler(request, arrived);
      if (closing) break;
      response.version(request.version());
      response.keep_alive(response.keep_alive() && request.keep_alive());
      response.prepare_payload();
      stream.expires_after(limits.request_timeout);
      auto [write_error, written] = co_await http::async_write(stream, response, kUseTuple);
      if (write_error || !response.keep_alive()) break;
      // Idle connections keep a small buffer, so that many of them stay cheap.
      if (buffer.size() == 0 && buffer.capacity() > kIdleBufferBytes) buffer.shrink_to_fit();
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.close();
    streams.erase(registration);
  }
};

HttpServer::HttpServer(asio::io_context& io, TimedHttpHandler handler, ServerLimits limits,
                       HttpStreamHandler stream_handler)
    : state_(std::make_shared<State>(io, std::move(handler), std::move(stream_handler), limits)) {}

HttpServer::HttpServer(asio::io_context& io, HttpHandler handler, ServerLimits limits,
                       HttpStreamHandler stream_handler)
    : HttpServer(
          io,
          [handler = std::move(handler)](HttpRequest& request, TimePoint) {
            return handler(request);
          },
          limits, std::move(stream_handler)) {}

HttpServer::~HttpServer() {
  close();
}

Result<void> HttpServer::listen(const tcp::endpoint& endpoint) {
  boost::system::error_code ec;
  auto& acceptor = state_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return fail(ErrorKind::kUsage, "cannot listen on {}:{}: {}", endpoint.address().to_string(),
                endpoint.port(), ec.message());
  }
  asio::co_spawn(state_->io, state_->accept_loop(), asio::detached);
  return {};
}

tcp::endpoint HttpServer::local_endpoint() const {
  boost::system::error_code ec;
  return state_->acceptor.local_endpoint(ec);
}

void HttpServer::close() {
  state_->closing = true;
  boost::system::error_code ignored;
  state_->acceptor.close(ignored);
  for (const auto& connection : state_->streams) connection.stream->socket().close(ignored);
}

std::uint64_t HttpServer::refused_busy() const {
  return state_->refused_busy.load();
}

std::uint64_t HttpServer::reclaimed() const {
  return state_->reclaimed.load();
}

std::uint64_t HttpServer::buffered_bytes() const {
  return state_->buffered.load();
}

std::size_t HttpServer::connections() const {
  return state_->streams.size();
}

std::uint64_t HttpServer::accepted() const {
  return state_->accepted.load();
}

}  // namespace iuprobe
