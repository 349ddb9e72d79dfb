// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/units.h"
#include "http/request_source.h"
#include "http/url.h"

namespace iuprobe {

// One request on a fresh connection, waited for: for control-plane calls (credentials
// endpoints, model lifecycle), never for load. The whole exchange has one deadline.
struct FetchRequest {
  std::string method = "GET";
  HttpUrl url;
  std::vector<Header> headers;  // Host and Content-Length are added
  std::string body;
  Duration timeout = std::chrono::seconds(10);
  std::shared_ptr<boost::asio::ssl::context> tls;  // https only; null: verify with the system store
};

struct FetchResponse {
  unsigned status = 0;
  std::vector<Header> headers;
  std::string body;

  // The first header with this name (case-insensitive), or "".
  std::string header(std::string_view name) const;
};

// Why no complete response arrived, for a caller that decides whether to ask again.
enum class FetchFailure : std::uint8_t {
  kNoAnswer,              // no connection, no answer in time, or a broken one: may pass later
  kUntrustedCertificate,  // the server's TLS certificate is not trusted: will fail again
};

// Fails (with the method, URL and reason) only when no complete response arrived; `why`, if
// given, says which way.
Result<FetchResponse> fetch(const FetchRequest& request, FetchFailure* why = nullptr);

}  // namespace iuprobe
