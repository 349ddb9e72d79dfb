// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace iuprobe {

// Where requests go: an absolute http(s) URL taken apart once, at start-up.
struct HttpUrl {
  std::string text;  // as the user gave it, for messages
  bool tls = false;
  std::string host;  // name or address, without IPv6 brackets
  std::uint16_t port = 0;
  std::string target;       // origin-form request target: path and query, at least "/"
  std::string host_header;  // Host header value: host[:port], brackets kept for IPv6
};

Result<HttpUrl> parse_http_url(std::string_view text);

// "127.0.0.1:8080", "[::1]:8080": an address as people write it in messages.
std::string endpoint_text(const boost::asio::ip::tcp::endpoint& endpoint);

// A numeric address to listen on: "127.0.0.1:8990", "[::1]:0", "0.0.0.0:80". Port 0 means "pick
// one". `option` names the flag in the error.
Result<boost::asio::ip::tcp::endpoint> parse_listen_address(std::string_view text,
                                                            std::string_view option);

}  // namespace iuprobe
