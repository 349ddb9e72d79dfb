// SPDX-License-Identifier: Apache-2.0
#include "live/access.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>

namespace iuprobe {
namespace {

namespace http = boost::beast::http;

// The host part of a Host or Origin authority: "127.0.0.1:8089" -> "127.0.0.1",
// "[::1]:8089" -> "::1".
std::string_view host_name(std::string_view authority) {
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    return close == std::string_view::npos ? authority : authority.substr(1, close - 1);
  }
  return authority.substr(0, authority.find(':'));
}

bool is_address_or_localhost(std::string_view host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  boost::asio::ip::make_address(std::string(host), ec);
  return !ec;
}

bool same_text(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

AccessDecision refuse(unsigned status, std::string reason) {
  return {.allowed = false, .status = status, .reason = std::move(reason)};
}

}  // namespace

std::string target_path(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  return url ? std::string(url->path()) : std::string();
}

std::string query_parameter(std::string_view target, std::string_view name) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return {};
  auto params = url->params();
  auto it = params.find(name);
  return it == params.end() ? std::string() : std::string((*it).value);
}

AccessDecision check_access(const HttpRequest& request, std::string_view token) {
  const std::string_view host = request[http::field::host];
  if (token.empty()) {
    if (!is_address_or_localhost(host_name(host))) {
      return refuse(403, "the dashboard answers only to an address or localhost, not to Host '" +
                             std::string(host) + "'");
    }
  } else {
    std::string given = query_parameter(request.target(), "token");
    const std::string_view authorization = request[http::field::authorization];
    if (given.empty() && authorization.starts_with("Bearer "))
      given = std::string(authorization.substr(7));
    if (!same_text(given, token)) {
      return refuse(401,
                    "missing or wrong token: open the dashboard with the URL iuprobe printed "
                    "(it ends in ?token=...)");
    }
  }
  if (request.method() == http::verb::post) {
    const std::string_view origin = request[http::field::origin];
    if (!origin.empty() && origin != "http://" + std::string(host))
      return refuse(403, "a POST from another site (Origin " + std::string(origin) + ")");
  }
  return {};
}

Result<std::string> make_access_token() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1)
    return fail(ErrorKind::kInternal,
                "cannot make the dashboard's token: the system's random source failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  for (unsigned char b : bytes) {
    token += kHex[b >> 4];
    token += kHex[b & 15];
  }
  return token;
}

}  // namespace iuprobe
