// SPDX-License-Identifier: Apache-2.0
#include "aws/signed_requests.h"

#include <fmt/format.h>

namespace iuprobe {
namespace {

class SignedSource final : public RequestSource {
 public:
  SignedSource(std::shared_ptr<const SignedRequests> requests, std::size_t first)
      : requests_(std::move(requests)), next_(first % requests_->size()) {}

  RequestView next() override {
    const auto now = std::chrono::system_clock::now();
    const SignedRequests::Prepared& p = requests_->prepared()[next_];
    const std::size_t index = next_;
    if (++next_ == requests_->size()) next_ = 0;
    refresh(now);
    const SigningParams params{
        .region = requests_->region(), .service = requests_->service(), .time = now};
    const SignedRequest signed_request = sigv4_sign(p.signing, *credentials_, params, &key_);
    head_.assign(p.head_prefix);
    for (const auto& [name, value] : signed_request.headers_to_add) {
      head_ += name;
      head_ += ": ";
      head_ += value;
      head_ += "\r\n";
    }
    head_ += p.content_length;
    return RequestView{.head = head_,
                       .body = p.body,
                       .body_index = static_cast<std::uint32_t>(index),
                       .body_name = p.body_name};
  }

 private:
  // Once a second: pick up renewed credentials, and a new signing key when they or the day change.
  void refresh(std::chrono::system_clock::time_point now) {
    const auto second = std::chrono::time_point_cast<std::chrono::seconds>(now);
    if (credentials_ && second == last_refresh_) return;
    last_refresh_ = second;
    auto current = requests_->credentials()->current();
    std::string date = format_amz_date(now).substr(0, 8);
    if (current != credentials_ || date != key_date_) {
      credentials_ = std::move(current);
      key_date_ = std::move(date);
      key_ = sigv4_signing_key(credentials_->secret_access_key, key_date_, requests_->region(),
                               requests_->service());
    }
  }

  std::shared_ptr<const SignedRequests> requests_;
  std::size_t next_;
  std::shared_ptr<const Credentials> credentials_;
  std::chrono::time_point<std::chrono::system_clock, std::chrono::seconds> last_refresh_{};
  std::string key_date_;
  Sha256Digest key_{};
  std::string head_;
};

}  // namespace

SignedRequests::SignedRequests(std::vector<SignedTemplate> templates, std::string region,
                               std::string service, std::shared_ptr<CredentialSource> credentials)
    : region_(std::move(region)),
      service_(std::move(service)),
      credentials_(std::move(credentials)) {
  for (SignedTemplate& t : templates) {
    Prepared p;
    p.signing.method = t.method;
    p.signing.target = t.url.target;
    p.signing.headers = t.headers;
    p.signing.headers.emplace_back("Host", t.url.host_header);
    p.signing.payload_hash = sha256_hex(t.body);
    p.head_prefix = request_head_prefix(t.method, t.url, t.headers);
    p.content_length = fmt::format("Content-Length: {}\r\n\r\n", t.body.size());
    p.body = std::move(t.body);
    p.body_name = std::move(t.body_name);
    prepared_.push_back(std::move(p));
  }
}

std::unique_ptr<RequestSource> SignedRequests::make_source(std::size_t first) const {
  return std::make_unique<SignedSource>(shared_from_this(), first);
}

}  // namespace iuprobe
