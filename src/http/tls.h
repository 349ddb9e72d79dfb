// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"

namespace iuprobe {

struct TlsOptions {
  bool insecure = false;               // skip certificate and host-name verification
  std::optional<std::string> ca_file;  // trust this PEM bundle instead of the system store
};

// One client context for a whole run: certificates verified against the system store (or
// `ca_file`) unless `insecure`. Host names are checked per connection.
Result<std::shared_ptr<boost::asio::ssl::context>> make_client_tls_context(
    const TlsOptions& options);

// Names `host` in the handshake (SNI), unless it is an IP address, which SNI may not carry.
void set_server_name(SSL* ssl, const std::string& host);

// Whether a handshake failed because the server's certificate is not trusted (unknown CA,
// expired, wrong host name): trying again will not help.
bool is_untrusted_certificate(const boost::system::error_code& handshake_error);

}  // namespace iuprobe
