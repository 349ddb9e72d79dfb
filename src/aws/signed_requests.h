// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "aws/credentials.h"
#include "http/request_source.h"

namespace iuprobe {

// A request to sign again for every send: everything that does not change is built here once,
// the payload hash included.
struct SignedTemplate {
  std::string method = "POST";
  HttpUrl url;
  std::vector<Header> headers;  // signed along with Host and X-Amz-Date
  std::string body;
  std::string body_name;
};

// SigV4-signed requests, round-robin over the templates. Immutable and shared by workers;
// each worker's source signs with the current credentials and the day's signing key.
class SignedRequests : public std::enable_shared_from_this<SignedRequests> {
 public:
  SignedRequests(std::vector<SignedTemplate> templates, std::string region, std::string service,
                 std::shared_ptr<CredentialSource> credentials);

  std::unique_ptr<RequestSource> make_source(std::size_t first) const;
  std::size_t size() const { return prepared_.size(); }

  struct Prepared {
    SigningRequest signing;
    std::string head_prefix;     // request line and unsigned-at-send headers
    std::string content_length;  // "Content-Length: N\r\n\r\n"
    std::string body;
    std::string body_name;
  };
  const std::vector<Prepared>& prepared() const { return prepared_; }
  const std::string& region() const { return region_; }
  const std::string& service() const { return service_; }
  const std::shared_ptr<CredentialSource>& credentials() const { return credentials_; }

 private:
  std::vector<Prepared> prepared_;
  std::string region_;
  std::string service_;
  std::shared_ptr<CredentialSource> credentials_;
};

}  // namespace iuprobe
