// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "http/bodies.h"
#include "http/url.h"

namespace iuprobe {

// One request ready for the wire. The views stay valid until the source's next call; the
// body must stay valid for the whole run (connections write it without copying).
struct RequestView {
  std::string_view head;  // request line, headers and the blank line
  std::string_view body;
  std::uint32_t body_index = 0;
  std::string_view body_name;  // file the body came from ("" if none), for error messages
};

// Produces the requests of one worker. Each worker owns its own instance, so next() needs no
// locking; shared parts (bodies) are immutable. A source that signs reads the wall clock itself:
// the others need no clock read per request.
class RequestSource {
 public:
  virtual ~RequestSource() = default;
  virtual RequestView next() = 0;
};

using Header = std::pair<std::string, std::string>;

// "Name: value" -> Header; rejects empty names, non-token characters and line breaks.
Result<Header> parse_header(std::string_view text);

struct HttpRequestSpec {
  std::string method = "GET";
  HttpUrl url;
  std::vector<Header> headers;
  std::vector<Body> bodies;  // empty: no body
};

// The request line and headers up to, not including, Content-Length and the blank line:
// Host and User-Agent are added unless `headers` has them.
std::string request_head_prefix(std::string_view method, const HttpUrl& url,
                                const std::vector<Header>& headers);

// Plain HTTP requests: one pre-serialised head per body, sent round-robin. Built once; workers
// share it and each keeps its own cursor.
class HttpRequests {
 public:
  explicit HttpRequests(HttpRequestSpec spec);
  const HttpRequestSpec& spec() const { return spec_; }
  std::size_t size() const { return heads_.size(); }
  RequestView at(std::size_t i) const;

 private:
  HttpRequestSpec spec_;
  std::vector<std::string> heads_;
};

std::unique_ptr<RequestSource> make_http_source(std::shared_ptr<const HttpRequests> requests,
                                                std::size_t first);

}  // namespace iuprobe
