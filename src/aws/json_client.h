// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <string>

#include "aws/credentials.h"
#include "core/result.h"
#include "core/units.h"
#include "http/url.h"

namespace iuprobe {

// An error from an AWS API call: status 0 with type "TransportError" when no answer came back
// ("UntrustedCertificate" when the endpoint's TLS certificate is not trusted).
struct AwsError {
  unsigned status = 0;
  std::string type;
  std::string message;
  std::string describe() const;  // "ResourceInUseException (HTTP 400): message"
  // No answer: network; credentials or permissions refused: auth; anything else: service.
  ErrorKind kind() const;
  // As an iuprobe error, after `what` ("StartProjectVersion failed").
  Error as_error(std::string_view what) const;
};
template <class T>
using AwsResult = tl::expected<T, AwsError>;

// How one AWS service speaks the AWS JSON protocol: `POST /` with
// `X-Amz-Target: <target_prefix>.<Operation>`, signed for `signing_name`.
struct AwsJsonProtocol {
  std::string signing_name;   // rekognition, monitoring
  std::string target_prefix;  // RekognitionService, GraniteServiceVersion20100801
  std::string content_type;   // application/x-amz-json-1.1 or -1.0
};
inline const AwsJsonProtocol kRekognitionProtocol{"rekognition", "RekognitionService",
                                                  "application/x-amz-json-1.1"};
inline const AwsJsonProtocol kCloudWatchProtocol{"monitoring", "GraniteServiceVersion20100801",
                                                 "application/x-amz-json-1.0"};

// Synchronous, signed control-plane calls of one service (never load): JSON in, JSON out, the
// service's error type and message on failure.
class AwsJsonClient {
 public:
  AwsJsonClient(AwsJsonProtocol protocol, HttpUrl endpoint, std::string region,
                std::shared_ptr<CredentialSource> credentials,
                std::shared_ptr<boost::asio::ssl::context> tls, Duration timeout);

  AwsResult<boost::json::value> call(std::string_view operation,
                                     const boost::json::object& input) const;

  const HttpUrl& endpoint() const { return endpoint_; }
  const std::string& region() const { return region_; }

 private:
  AwsJsonProtocol protocol_;
  HttpUrl endpoint_;
  std::string region_;
  std::shared_ptr<CredentialSource> credentials_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  Duration timeout_;
};

// The service endpoint the SDKs would use: `flag` (--endpoint-url and the like) if given, else
// AWS_ENDPOINT_URL_<SERVICE_ENV_NAME>, else AWS_ENDPOINT_URL, else
// https://<host_prefix>.<region>.amazonaws.com/ (.amazonaws.com.cn in China). `flag_name` names
// the source in errors.
Result<HttpUrl> service_endpoint(std::string_view host_prefix, std::string_view service_env_name,
                                 std::string_view region, const std::optional<std::string>& flag,
                                 std::string_view flag_name, const EnvLookup& env);

}  // namespace iuprobe
