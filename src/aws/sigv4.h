// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/crypto.h"
#include "http/request_source.h"

namespace iuprobe {

using SystemTime = std::chrono::system_clock::time_point;

// AWS credentials. The secret and token never leave this struct except into a signature;
// describe() is the only text form and it shows neither.
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;             // empty for long-term keys
  std::optional<SystemTime> expiration;  // temporary credentials only
  std::string source;                    // where they came from, for messages

  // "AKIA…WXYZ from environment" — safe to print.
  std::string describe() const;
};

// What SigV4 covers of a request. `target` is the request-line target (path and query) as it
// will be sent; headers must include Host.
struct SigningRequest {
  std::string method;
  std::string target;
  std::vector<Header> headers;
  std::string payload_hash;  // hex SHA-256 of the body, computed once per body
};

struct SigningParams {
  std::string region;
  std::string service;
  SystemTime time;
  bool normalize_path = true;      // every service but S3
  bool sign_session_token = true;  // add X-Amz-Security-Token before signing (the SDKs' default)
};

struct SignedRequest {
  std::string amz_date;          // 20150830T123600Z
  std::string credential_scope;  // 20150830/us-east-1/service/aws4_request
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;          // host;x-amz-date
  std::string signature;               // hex
  std::string authorization;           // the Authorization header value
  std::vector<Header> headers_to_add;  // X-Amz-Date and X-Amz-Security-Token if the request lacked
                                       // them, then Authorization
};

// The signing key for one day, region and service: derive once, sign many requests with it.
Sha256Digest sigv4_signing_key(std::string_view secret_access_key, std::string_view date,
                               std::string_view region, std::string_view service);

// SigV4 (AWS4-HMAC-SHA256) as a pure function. `signing_key`, if given, must match the
// credentials, date, region and service (a cache for hot paths).
SignedRequest sigv4_sign(const SigningRequest& request, const Credentials& credentials,
                         const SigningParams& params, const Sha256Digest* signing_key = nullptr);

// Seconds since 1970 as a time point, if the clock's nanoseconds hold it with a day to spare
// (from 1970 to about 2262: a later date would overflow the clock, and so would the SigV4
// verifier's five minutes of skew added to its last minutes; found by fuzzing).
std::optional<SystemTime> system_time_from(std::time_t seconds);

// 20150830T123600Z <-> time point.
std::string format_amz_date(SystemTime time);
std::optional<SystemTime> parse_amz_date(std::string_view text);

// RFC 3986 encoding as SigV4 wants it: unreserved characters kept, all else %XX (upper case).
std::string aws_uri_encode(std::string_view text, bool keep_slash);

}  // namespace iuprobe
