// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include "core/result.h"
#include "http/client_connection.h"
#include "http/url.h"

namespace iuprobe {

// Resolves the URL's host and opens one connection (with the TLS handshake) without sending a
// request, so that a wrong host, a closed port or a certificate problem is reported before the
// run starts, in words that say what to fix. Returns the address that worked.
Result<boost::asio::ip::tcp::endpoint> preflight(const HttpUrl& url, ConnectionOptions options);

}  // namespace iuprobe
