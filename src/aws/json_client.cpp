// SPDX-License-Identifier: Apache-2.0
#include "aws/json_client.h"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "aws/crypto.h"
#include "aws/sigv4.h"
#include "http/classify.h"
#include "http/fetch.h"

namespace iuprobe {
namespace json = boost::json;

ErrorKind AwsError::kind() const {
  if (status == 0) return ErrorKind::kNetwork;
  static constexpr std::string_view kAuthTypes[] = {"AccessDeniedException",
                                                    "AccessDenied",
                                                    "UnrecognizedClientException",
                                                    "InvalidSignatureException",
                                                    "SignatureDoesNotMatch",
                                                    "ExpiredTokenException",
                                                    "ExpiredToken",
                                                    "MissingAuthenticationToken",
                                                    "MissingAuthenticationTokenException",
                                                    "IncompleteSignatureException",
                                                    "InvalidClientTokenId"};
  for (std::string_view t : kAuthTypes) {
    if (type == t) return ErrorKind::kAuth;
  }
  return status == 403 ? ErrorKind::kAuth : ErrorKind::kService;
}

Error AwsError::as_error(std::string_view what) const {
  return Error{kind(), fmt::format("{}: {}", what, describe())};
}

std::string AwsError::describe() const {
  if (status == 0) return message;
  return fmt::format("{} (HTTP {}){}{}", type.empty() ? "error" : type, status,
                     message.empty() ? "" : ": ", message);
}

AwsJsonClient::AwsJsonClient(AwsJsonProtocol protocol, HttpUrl endpoint, std::string region,
                             std::shared_ptr<CredentialSource> credentials,
                             std::shared_ptr<boost::asio::ssl::context> tls, Duration timeout)
    : protocol_(std::move(protocol)),
      endpoint_(std::move(endpoint)),
      region_(std::move(region)),
      credentials_(std::move(credentials)),
      tls_(std::move(tls)),
      timeout_(timeout) {}

AwsResult<json::value> AwsJsonClient::call(std::string_view operation,
                                           const json::object& input) const {
  FetchRequest request{
      .method = "POST",
      .url = endpoint_,
      .headers = {{"Content-Type", protocol_.content_type},
                  {"X-Amz-Target", fmt::format("{}.{}", protocol_.target_prefix, operation)}},
      .body = json::serialize(input),
      .timeout = timeout_,
      .tls = tls_};
  SigningRequest signing{.method = "POST",
                         .target = endpoint_.target,
                         .headers = request.headers,
                         .payload_hash = sha256_hex(request.body)};
  signing.headers.emplace_back("Host", endpoint_.host_header);
  const auto credentials = credentials_->current();
  const SignedRequest signed_request =
      sigv4_sign(signing, *credentials,
                 SigningParams{.region = region_,
                               .service = protocol_.signing_name,
                               .time = std::chrono::system_clock::now()});
  for (const Header& header : signed_request.headers_to_add) request.headers.push_back(header);

  FetchFailure failure{};
  auto response = fetch(request, &failure);
  if (!response) {
    return tl::unexpected(AwsError{.status = 0,
                                   .type = failure == FetchFailure::kUntrustedCertificate
                                               ? "UntrustedCertificate"
                                               : "TransportError",
                                   .message = response.error().message});
  }
  if (response->status == 200) {
    if (response->body.empty()) return json::value(json::object{});
    boost::system::error_code ec;
    json::value value = json::parse(response->body, ec);
    if (ec) {
      return tl::unexpected(
          AwsError{.status = 200,
                   .type = "MalformedResponse",
                   .message = fmt::format("{}: the answer is not JSON", operation)});
    }
    return value;
  }
  return tl::unexpected(
      AwsError{.status = response->status,
               .type = error_type_of(response->header("x-amzn-ErrorType"), response->body),
               .message = error_message_of(response->body)});
}

Result<HttpUrl> service_endpoint(std::string_view host_prefix, std::string_view service_env_name,
                                 std::string_view region, const std::optional<std::string>& flag,
                                 std::string_view flag_name, const EnvLookup& env) {
  const std::string service_variable = fmt::format("AWS_ENDPOINT_URL_{}", service_env_name);
  std::optional<std::string> chosen = flag;
  std::string source(flag_name);
  for (const std::string& variable : {service_variable, std::string("AWS_ENDPOINT_URL")}) {
    if (chosen) break;
    if (auto value = env(variable); value && !value->empty()) {
      chosen = *value;
      source = variable;
    }
  }
  if (chosen) {
    auto url = parse_http_url(*chosen);
    if (!url) return with_context(url.error(), source);
    return url;
  }
  const std::string_view suffix = region.starts_with("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return parse_http_url(fmt::format("https://{}.{}.{}/", host_prefix, region, suffix));
}

}  // namespace iuprobe
