// SPDX-License-Identifier: Apache-2.0
#include "http/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <filesystem>

#include "http/ca_locations.h"

namespace iuprobe {
namespace {

// The system's CA certificates, wherever this distribution keeps them (http/ca_locations.h).
Result<void> load_system_cas(boost::asio::ssl::context& context) {
  const CaLocations ca = find_ca_locations(process_environment(), [](const std::string& path) {
    std::error_code ec;
    return std::filesystem::exists(path, ec);
  });
  // The first bundle that loads (an empty or unreadable one is passed over, as OpenSSL's own
  // default is), and every certificate directory.
  boost::system::error_code ec;
  bool loaded = false;
  for (const std::string& file : ca.files) {
    context.load_verify_file(file, ec);
    if (!ec) {
      loaded = true;
      break;
    }
  }
  for (const std::string& dir : ca.dirs) {
    context.add_verify_path(dir, ec);
    if (!ec) loaded = true;
  }
  if (loaded) return {};
  // SSL_CERT_FILE / SSL_CERT_DIR, or OpenSSL's own default as a last resort.
  context.set_default_verify_paths(ec);
  if (ec)
    return fail(ErrorKind::kInput, "cannot load the system's CA certificates: {}", ec.message());
  return {};
}

}  // namespace

Result<std::shared_ptr<boost::asio::ssl::context>> make_client_tls_context(
    const TlsOptions& options) {
  namespace ssl = boost::asio::ssl;
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1,
                       ec);
  if (options.insecure) {
    context->set_verify_mode(ssl::verify_none, ec);
    return context;
  }
  context->set_verify_mode(ssl::verify_peer, ec);
  if (options.ca_file) {
    context->load_verify_file(*options.ca_file, ec);
    if (ec) {
      return fail(ErrorKind::kInput,
                  "--ca-file {}: cannot load certificates ({}); give a PEM file with the CA",
                  *options.ca_file, ec.message());
    }
  } else if (auto loaded = load_system_cas(*context); !loaded) {
    return tl::unexpected(loaded.error());
  }
  return context;
}

void set_server_name(SSL* ssl, const std::string& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  if (!ec) return;
  // SSL_set_tlsext_host_name() is a macro with a C cast; this is what it expands to.
  SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
           const_cast<char*>(host.c_str()));
}

bool is_untrusted_certificate(const boost::system::error_code& handshake_error) {
  const auto code = static_cast<unsigned long>(handshake_error.value());
  return handshake_error.category() == boost::asio::error::get_ssl_category() &&
         ERR_GET_LIB(code) == ERR_LIB_SSL &&
         ERR_GET_REASON(code) == SSL_R_CERTIFICATE_VERIFY_FAILED;
}

}  // namespace iuprobe
