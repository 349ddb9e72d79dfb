// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "core/result.h"
#include "http/client_connection.h"
#include "http/url.h"

namespace iuprobe {

// Resolves the URL's host and opens one connection (with the TLS handshake) without sending a
// request, so that a wrong host, a closed port or a certificate problem is reported before any
// load, in words that say what to fix. Runs `io` on the calling thread until done; tries each
// address in turn and leaves the one that worked in `options.endpoint`. The connection it
// returns, open on `io`, refers to `options` and becomes the pool's first.
Result<std::unique_ptr<ClientConnection>> preflight(const HttpUrl& url, ConnectionOptions& options,
                                                    boost::asio::io_context& io);

// Preflight's counterpart during the load: a new connection whose TLS handshake failed because
// the server's certificate is not trusted. Preflight trusted it, so it expired or changed mid-run
// (rotated to one the trust store lacks, or something in the path intercepts). Nothing will pass
// from now on, so the load ends (an error of kind kNetwork that says what to do); nullopt
// otherwise.
std::optional<Error> trust_lost(const ExchangeResult& result, const ConnectionOptions& options);

}  // namespace iuprobe
