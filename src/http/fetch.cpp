// SPDX-License-Identifier: Apache-2.0
#include "http/fetch.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "http/tls.h"

namespace iuprobe {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

struct Outcome {
  std::string error;  // empty on success
  FetchResponse response;
};

template <class Stream>
asio::awaitable<void> exchange(Stream& stream, const FetchRequest& request, Outcome& out) {
  http::request<http::string_body> message{http::string_to_verb(request.method), request.url.target,
                                           11};
  message.set(http::field::host, request.url.host_header);
  message.set(http::field::user_agent, "iuprobe/" IUPROBE_VERSION);
  for (const auto& [name, value] : request.headers) message.set(name, value);
  message.body() = request.body;
  message.prepare_payload();
  auto [write_error, written] = co_await http::async_write(stream, message, kUseTuple);
  if (write_error) {
    out.error = "sending: " + write_error.message();
    co_return;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  if (request.method == "HEAD") parser.skip(true);
  auto [read_error, read] = co_await http::async_read(stream, buffer, parser, kUseTuple);
  if (read_error) {
    out.error = "reading the answer: " + read_error.message();
    co_return;
  }
  auto response = parser.release();
  out.response.status = response.result_int();
  for (const auto& field : response) {
    out.response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.response.body = std::move(response.body());
}

asio::awaitable<void> run(const FetchRequest& request, Outcome& out) {
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  auto [resolve_error, endpoints] = co_await resolver.async_resolve(
      request.url.host, std::to_string(request.url.port), kUseTuple);
  if (resolve_error) {
    out.error =
        fmt::format("cannot resolve host '{}': {}", request.url.host, resolve_error.message());
    co_return;
  }
  beast::tcp_stream tcp_stream(executor);
  tcp_stream.expires_after(request.timeout);
  auto [connect_error, endpoint] = co_await tcp_stream.async_connect(endpoints, kUseTuple);
  if (connect_error) {
    out.error = connect_error == beast::error::timeout
                    ? fmt::format("no answer within {}", format_duration(request.timeout))
                    : "connecting: " + connect_error.message();
    co_return;
  }
  if (!request.url.tls) {
    co_await exchange(tcp_stream, request, out);
  } else {
    std::shared_ptr<ssl::context> context = request.tls;
    if (!context) {
      auto made = make_client_tls_context({});
      if (!made) {
        out.error = made.error().message;
        co_return;
      }
      context = *made;
    }
    beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp_stream), *context);
    SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(request.url.host.c_str()));
    stream.set_verify_callback(ssl::host_name_verification(request.url.host));
    auto [handshake_error] = co_await stream.async_handshake(ssl::stream_base::client, kUseTuple);
    if (handshake_error) {
      out.error = "TLS handshake: " + handshake_error.message();
      co_return;
    }
    co_await exchange(stream, request, out);
  }
}

}  // namespace

std::string FetchResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (beast::iequals(key, name)) return value;
  }
  return {};
}

Result<FetchResponse> fetch(const FetchRequest& request) {
  asio::io_context io;
  Outcome out;
  asio::co_spawn(io, run(request, out), asio::detached);
  io.run();
  if (!out.error.empty()) return fail("{} {}: {}", request.method, request.url.text, out.error);
  return std::move(out.response);
}

}  // namespace iuprobe
