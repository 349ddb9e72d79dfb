// SPDX-License-Identifier: Apache-2.0
#include "http/url.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>

namespace iuprobe {

Result<HttpUrl> parse_http_url(std::string_view text) {
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) {
    return fail(ErrorKind::kUsage,
                "'{}' is not an absolute URL ({}); use e.g. http://127.0.0.1:8080/path", text,
                parsed.error().message());
  }
  const boost::urls::url_view& url = *parsed;
  HttpUrl out;
  out.text = std::string(text);
  const std::string scheme = url.scheme();
  if (scheme == "https") {
    out.tls = true;
  } else if (scheme != "http") {
    return fail(ErrorKind::kUsage, "'{}': scheme '{}' is not supported; use http:// or https://",
                text, scheme);
  }
  if (!url.has_authority() || url.encoded_host().empty()) {
    return fail(ErrorKind::kUsage, "'{}' has no host; use e.g. http://127.0.0.1:8080/", text);
  }
  if (url.has_userinfo()) {
    return fail(ErrorKind::kUsage,
                "'{}': credentials in the URL are not supported; pass --header instead", text);
  }
  out.host = url.host_type() == boost::urls::host_type::ipv6
                 ? std::string(url.host_ipv6_address().to_string())
                 : std::string(url.host());
  if (url.has_port()) {
    const std::string_view port = url.port();
    unsigned number = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (ec != std::errc{} || end != port.data() + port.size() || number == 0 || number > 65535) {
      return fail(ErrorKind::kUsage, "'{}': port '{}' is not a number from 1 to 65535", text, port);
    }
    out.port = static_cast<std::uint16_t>(number);
  } else {
    out.port = out.tls ? 443 : 80;
  }
  out.target = url.encoded_path().empty() ? "/" : std::string(url.encoded_path());
  if (url.has_query()) out.target += "?" + std::string(url.encoded_query());
  out.host_header = std::string(url.encoded_host_and_port());
  return out;
}

std::string endpoint_text(const boost::asio::ip::tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  return address.is_v6() ? fmt::format("[{}]:{}", address.to_string(), endpoint.port())
                         : fmt::format("{}:{}", address.to_string(), endpoint.port());
}

Result<boost::asio::ip::tcp::endpoint> parse_listen_address(std::string_view text,
                                                            std::string_view option) {
  const std::size_t colon = text.rfind(':');
  std::string_view host = colon == std::string_view::npos ? "" : text.substr(0, colon);
  const std::string_view port_text = colon == std::string_view::npos ? "" : text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  std::uint16_t port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  boost::system::error_code bad_address;
  const auto address = boost::asio::ip::make_address(std::string(host), bad_address);
  if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() ||
      bad_address) {
    return fail(ErrorKind::kUsage,
                "{} '{}': expected ADDRESS:PORT with a numeric address, e.g. 127.0.0.1:8990 or "
                "[::1]:0 (port 0 picks a free port)",
                option, text);
  }
  return boost::asio::ip::tcp::endpoint(address, port);
}

}  // namespace iuprobe
