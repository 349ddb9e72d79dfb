// SPDX-License-Identifier: Apache-2.0
#include "engine/preflight.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http/awaitable.h"
#include "http/tls.h"

namespace iuprobe {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::string explain(const ExchangeResult& result, const ConnectionOptions& options) {
  const std::string where = endpoint_text(options.endpoint);
  if (result.timed_out) {
    return fmt::format(
        "no answer from {} within {}: the host may be unreachable or a firewall drops the "
        "packets; check the address, or raise --connect-timeout",
        where, format_duration(options.connect_timeout));
  }
  const auto& ec = result.error;
  if (result.stage == ExchangeStage::kTlsHandshake) {
    return fmt::format(
        "TLS handshake with {} ({}) failed: {}; if the server uses a private or self-signed "
        "certificate, pass --ca-file with the CA that signed it, or --insecure to skip "
        "verification",
        options.host, where, ec.message());
  }
  if (ec == asio::error::connection_refused) {
    return fmt::format("connection refused by {}: is the server running and listening on port {}?",
                       where, options.endpoint.port());
  }
  if (ec == asio::error::network_unreachable || ec == asio::error::host_unreachable) {
    return fmt::format("{} is unreachable ({}): check the address and the network route", where,
                       ec.message());
  }
  return fmt::format("cannot connect to {}: {}", where, ec.message());
}

}  // namespace

std::optional<Error> trust_lost(const ExchangeResult& result, const ConnectionOptions& options) {
  if (result.stage != ExchangeStage::kTlsHandshake || !is_untrusted_certificate(result.error))
    return std::nullopt;
  return Error{ErrorKind::kNetwork,
               fmt::format("{} ({}) now presents a TLS certificate that is not trusted ({}), "
                           "though it was at the start: it expired, or changed mid-run (a "
                           "rotation to a certificate this machine does not trust, or something "
                           "in the path intercepts). If the new one is expected, pass --ca-file "
                           "with the CA that signed it, or --insecure to skip verification",
                           options.host, endpoint_text(options.endpoint), result.error.message())};
}

Result<std::unique_ptr<ClientConnection>> preflight(const HttpUrl& url, ConnectionOptions& options,
                                                    asio::io_context& io) {
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  const auto results = resolver.resolve(url.host, std::to_string(url.port), ec);
  if (ec || results.empty()) {
    return fail(ErrorKind::kNetwork,
                "{}: cannot resolve host '{}' ({}); check the host name and your DNS settings",
                url.text, url.host, ec ? ec.message() : "no addresses");
  }
  std::string problem;
  for (const auto& entry : results) {
    options.endpoint = entry.endpoint();
    auto connection = ClientConnection::create(io.get_executor(), options);
    asio::steady_timer deadline(io);
    ExchangeResult result;
    asio::co_spawn(
        io,
        [&]() -> LoadTask<> {
          result = co_await connection->open();
          deadline.cancel();
        },
        asio::detached);
    deadline.expires_after(options.connect_timeout);
    deadline.async_wait([&](boost::system::error_code wait_error) {
      if (!wait_error) connection->expire(TimePoint::max());
    });
    io.restart();
    io.run();
    if (result.has_response()) return connection;
    problem = explain(result, options);
  }
  return fail(ErrorKind::kNetwork, "{}: {}", url.text, problem);
}

}  // namespace iuprobe
