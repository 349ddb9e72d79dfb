// SPDX-License-Identifier: Apache-2.0
#include "http/request_source.h"

#include <algorithm>
#include <boost/beast/core/string.hpp>

namespace iuprobe {
namespace {

bool is_token_char(char c) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         kSpecials.find(c) != std::string_view::npos;
}

bool has_header(const std::vector<Header>& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const Header& h) { return boost::beast::iequals(h.first, name); });
}

class HttpSource final : public RequestSource {
 public:
  HttpSource(std::shared_ptr<const HttpRequests> requests, std::size_t first)
      : requests_(std::move(requests)), next_(first % requests_->size()) {}

  RequestView next() override {
    RequestView view = requests_->at(next_);
    if (++next_ == requests_->size()) next_ = 0;
    return view;
  }

 private:
  std::shared_ptr<const HttpRequests> requests_;
  std::size_t next_;
};

}  // namespace

Result<Header> parse_header(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return fail(ErrorKind::kUsage, "--header '{}': expected 'Name: value'", text);
  }
  std::string_view name = text.substr(0, colon);
  std::string_view value = text.substr(colon + 1);
  if (!std::all_of(name.begin(), name.end(), is_token_char)) {
    return fail(ErrorKind::kUsage, "--header '{}': '{}' is not a valid header name", text, name);
  }
  if (value.find_first_of("\r\n") != std::string_view::npos) {
    return fail(ErrorKind::kUsage, "--header '{}': a header value cannot contain line breaks",
                text);
  }
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (boost::beast::iequals(name, "Content-Length") ||
      boost::beast::iequals(name, "Transfer-Encoding")) {
    return fail(ErrorKind::kUsage, "--header '{}': iuprobe sets {} itself from the body", text,
                name);
  }
  return Header{std::string(name), std::string(value)};
}

std::string request_head_prefix(std::string_view method, const HttpUrl& url,
                                const std::vector<Header>& headers) {
  std::string head = fmt::format("{} {} HTTP/1.1\r\n", method, url.target);
  if (!has_header(headers, "Host")) head += fmt::format("Host: {}\r\n", url.host_header);
  if (!has_header(headers, "User-Agent")) head += "User-Agent: iuprobe/" IUPROBE_VERSION "\r\n";
  for (const auto& [name, value] : headers) head += fmt::format("{}: {}\r\n", name, value);
  return head;
}

HttpRequests::HttpRequests(HttpRequestSpec spec) : spec_(std::move(spec)) {
  const std::string common = request_head_prefix(spec_.method, spec_.url, spec_.headers);
  if (spec_.bodies.empty()) {
    heads_.push_back(common + "\r\n");
    return;
  }
  for (const Body& body : spec_.bodies) {
    heads_.push_back(common + fmt::format("Content-Length: {}\r\n\r\n", body.bytes.size()));
  }
}

RequestView HttpRequests::at(std::size_t i) const {
  if (spec_.bodies.empty()) return RequestView{.head = heads_[i]};
  return RequestView{.head = heads_[i],
                     .body = spec_.bodies[i].bytes,
                     .body_index = static_cast<std::uint32_t>(i),
                     .body_name = spec_.bodies[i].name};
}

std::unique_ptr<RequestSource> make_http_source(std::shared_ptr<const HttpRequests> requests,
                                                std::size_t first) {
  return std::make_unique<HttpSource>(std::move(requests), first);
}

}  // namespace iuprobe
