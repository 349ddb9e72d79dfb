// SPDX-License-Identifier: Apache-2.0
#include "http/fetch.h"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>

#include "http/awaitable.h"
#include "http/response_scanner.h"
#include "http/tls.h"

namespace iuprobe {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// The request's bytes: Host and User-Agent unless given, Content-Length for a body (or any
// method that may carry one).
std::string request_bytes(const FetchRequest& request) {
  std::string out = request_head_prefix(request.method, request.url, request.headers);
  if (!request.body.empty() || (request.method != "GET" && request.method != "HEAD"))
    out += fmt::format("Content-Length: {}\r\n", request.body.size());
  out += "\r\n";
  out += request.body;
  return out;
}

// Parses one response from bytes as they arrive. Kept apart from the streams, so that Beast's
// parser is compiled once here rather than once per stream type (Beast's own read operations
// over a TLS stream took this file 80 s to compile, 200 s with sanitizers).
class ResponseReader {
 public:
  explicit ResponseReader(bool head_request) : head_request_(head_request) { restart(); }
  bool done() const { return parser_->is_done(); }

  // "" while all is well.
  std::string feed(std::string_view bytes) {
    pending_.append(bytes);
    while (!pending_.empty() && !done()) {
      boost::system::error_code ec;
      const std::size_t used = parser_->put(asio::buffer(pending_), ec);
      pending_.erase(0, used);
      if (ec == http::error::need_more) break;
      if (ec) return "reading the answer: " + ec.message();
      // An interim answer comes before the answer: passed over, as the load path does.
      if (done() && is_interim(parser_->get().result_int())) restart();
    }
    return "";
  }

  // The server closed the connection: the end of a response without a length, else too early.
  std::string end() {
    boost::system::error_code ec;
    if (parser_->got_some()) parser_->put_eof(ec);
    return !parser_->got_some() || ec ? "reading the answer: the server closed the connection" : "";
  }

  FetchResponse take() {
    auto message = parser_->release();
    FetchResponse response{.status = message.result_int()};
    for (const auto& field : message)
      response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    response.body = std::move(message.body());
    return response;
  }

 private:
  void restart() {
    parser_.emplace();
    parser_->body_limit(64 << 20);
    parser_->skip(head_request_);
  }

  bool head_request_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::string pending_;
};

bool is_end_of_stream(const boost::system::error_code& ec) {
  return ec == asio::error::eof || ec == ssl::error::stream_truncated;
}

// Writes the request and reads the response; "" or what went wrong.
template <class Stream>
asio::awaitable<std::string> exchange(Stream& stream, const std::string& bytes,
                                      ResponseReader& reader) {
  auto [write_error, written] = co_await asio::async_write(stream, asio::buffer(bytes), kUseTuple);
  if (write_error) co_return "sending: " + write_error.message();
  std::array<char, 16384> chunk{};
  while (!reader.done()) {
    auto [read_error, read] = co_await stream.async_read_some(asio::buffer(chunk), kUseTuple);
    if (is_end_of_stream(read_error)) co_return reader.end();
    if (read_error) co_return "reading the answer: " + read_error.message();
    if (auto problem = reader.feed({chunk.data(), read}); !problem.empty()) co_return problem;
  }
  co_return "";
}

asio::awaitable<std::string> connect_and_exchange(const FetchRequest& request,
                                                  tcp::resolver& resolver, tcp::socket& socket,
                                                  ResponseReader& reader, const bool& timed_out,
                                                  FetchFailure& why) {
  auto [resolve_error, endpoints] = co_await resolver.async_resolve(
      request.url.host, std::to_string(request.url.port), kUseTuple);
  if (resolve_error) {
    co_return fmt::format("cannot resolve host '{}': {}", request.url.host,
                          resolve_error.message());
  }
  if (timed_out) co_return "";  // the caller says so
  auto [connect_error, endpoint] = co_await asio::async_connect(socket, endpoints, kUseTuple);
  if (connect_error) co_return "connecting: " + connect_error.message();
  if (timed_out) co_return "";
  const std::string bytes = request_bytes(request);
  if (!request.url.tls) co_return co_await exchange(socket, bytes, reader);

  std::shared_ptr<ssl::context> context = request.tls;
  if (!context) {
    auto made = make_client_tls_context({});
    if (!made) co_return made.error().message;
    context = *made;
  }
  ssl::stream<tcp::socket&> stream(socket, *context);
  set_server_name(stream.native_handle(), request.url.host);
  stream.set_verify_callback(ssl::host_name_verification(request.url.host));
  auto [handshake_error] = co_await stream.async_handshake(ssl::stream_base::client, kUseTuple);
  if (handshake_error) {
    if (is_untrusted_certificate(handshake_error)) why = FetchFailure::kUntrustedCertificate;
    co_return "TLS handshake: " + handshake_error.message();
  }
  co_return co_await exchange(stream, bytes, reader);
}

}  // namespace

std::string FetchResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (beast::iequals(key, name)) return value;
  }
  return {};
}

Result<FetchResponse> fetch(const FetchRequest& request, FetchFailure* why) {
  asio::io_context io;
  tcp::resolver resolver(io);
  tcp::socket socket(io);
  ResponseReader reader(request.method == "HEAD");
  // One deadline for the whole exchange: it cancels the lookup and closes the socket, which
  // ends whatever is in progress; a step that starts after it (a connect after a late lookup)
  // does not start.
  asio::steady_timer deadline(io, request.timeout);
  bool timed_out = false;
  deadline.async_wait([&](boost::system::error_code ec) {
    if (ec) return;
    timed_out = true;
    resolver.cancel();
    boost::system::error_code ignored;
    socket.close(ignored);
  });
  std::string problem;
  FetchFailure failure = FetchFailure::kNoAnswer;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        problem =
            co_await connect_and_exchange(request, resolver, socket, reader, timed_out, failure);
        deadline.cancel();
      },
      asio::detached);
  io.run();
  if (timed_out) problem = fmt::format("no answer within {}", format_duration(request.timeout));
  if (!problem.empty()) {
    if (why) *why = failure;
    return fail(ErrorKind::kNetwork, "{} {}: {}", request.method, request.url.text, problem);
  }
  return reader.take();
}

}  // namespace iuprobe
