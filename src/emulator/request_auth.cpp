// SPDX-License-Identifier: Apache-2.0
#include "emulator/request_auth.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <boost/algorithm/string/predicate.hpp>

namespace iuprobe {
namespace {

constexpr auto kMaxSkew = std::chrono::minutes(5);

struct AuthorizationHeader {
  std::string access_key_id, date, region, service;
  std::vector<std::string> signed_headers;
  std::string signature;
};

// AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request,
//   SignedHeaders=host;x-amz-date, Signature=hex
std::optional<AuthorizationHeader> parse_authorization(std::string_view text) {
  constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256 ";
  if (!text.starts_with(kAlgorithm)) return std::nullopt;
  text.remove_prefix(kAlgorithm.size());
  AuthorizationHeader out;
  bool have_credential = false, have_signed = false, have_signature = false;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    const std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string_view key = part.substr(0, eq);
    const std::string_view value = part.substr(eq + 1);
    if (key == "Credential") {
      std::vector<std::string> fields;
      std::size_t start = 0;
      for (std::size_t slash; (slash = value.find('/', start)) != std::string_view::npos;
           start = slash + 1)
        fields.emplace_back(value.substr(start, slash - start));
      fields.emplace_back(value.substr(start));
      if (fields.size() != 5 || fields[4] != "aws4_request") return std::nullopt;
      out.access_key_id = fields[0];
      out.date = fields[1];
      out.region = fields[2];
      out.service = fields[3];
      have_credential = true;
    } else if (key == "SignedHeaders") {
      std::size_t start = 0;
      for (std::size_t semi; (semi = value.find(';', start)) != std::string_view::npos;
           start = semi + 1)
        out.signed_headers.emplace_back(value.substr(start, semi - start));
      out.signed_headers.emplace_back(value.substr(start));
      have_signed = true;
    } else if (key == "Signature") {
      out.signature = std::string(value);
      have_signature = true;
    }
  }
  if (!have_credential || !have_signed || !have_signature) return std::nullopt;
  return out;
}

std::string format_skew_message(std::string_view amz_date, SystemTime signed_at, SystemTime now) {
  if (signed_at < now) {
    return fmt::format("Signature expired: {} is now earlier than {} ({} - 5 min.)", amz_date,
                       format_amz_date(now - kMaxSkew), format_amz_date(now));
  }
  return fmt::format("Signature not yet current: {} is still later than {} ({} + 5 min.)", amz_date,
                     format_amz_date(now + kMaxSkew), format_amz_date(now));
}

}  // namespace

SignatureVerifier::SignatureVerifier(std::vector<AccessKey> keys, std::string region,
                                     std::string service)
    : keys_(std::move(keys)), region_(std::move(region)), service_(std::move(service)) {}

std::optional<ServiceError> SignatureVerifier::verify(const HttpRequest& request,
                                                      std::string_view payload_hash,
                                                      SystemTime now) {
  const auto authorization = request.find(boost::beast::http::field::authorization);
  if (authorization == request.end()) {
    return ServiceError{"MissingAuthenticationTokenException", "Missing Authentication Token"};
  }
  const auto parsed = parse_authorization(authorization->value());
  if (!parsed) {
    return ServiceError{"IncompleteSignatureException",
                        "Authorization header requires 'Credential', 'Signature' and "
                        "'SignedHeaders' parameters (AWS4-HMAC-SHA256)."};
  }
  const auto key = std::find_if(keys_.begin(), keys_.end(), [&](const AccessKey& k) {
    return k.access_key_id == parsed->access_key_id;
  });
  if (key == keys_.end()) {
    return ServiceError{"UnrecognizedClientException",
                        "The security token included in the request is invalid."};
  }
  if (key->expires && now >= *key->expires) {
    return ServiceError{"ExpiredTokenException",
                        "The security token included in the request is expired"};
  }
  const auto amz_date = request.find("x-amz-date");
  const auto signed_at =
      amz_date == request.end() ? std::nullopt : parse_amz_date(amz_date->value());
  if (!signed_at) {
    return ServiceError{"IncompleteSignatureException",
                        "Request must contain a valid X-Amz-Date header (20150830T123600Z)."};
  }
  if (*signed_at < now - kMaxSkew || *signed_at > now + kMaxSkew) {
    return ServiceError{"InvalidSignatureException",
                        format_skew_message(amz_date->value(), *signed_at, now)};
  }

  if (parsed->service != service_) {
    return ServiceError{
        "InvalidSignatureException",
        fmt::format("Credential should be scoped to correct service: '{}'.", service_)};
  }
  if (parsed->region != region_) {
    return ServiceError{"InvalidSignatureException",
                        fmt::format("Credential should be scoped to a valid region, not '{}'. "
                                    "This endpoint serves '{}'.",
                                    parsed->region, region_)};
  }

  SigningRequest signing{.method = std::string(request.method_string()),
                         .target = std::string(request.target()),
                         .payload_hash = std::string(payload_hash)};
  for (const std::string& name : parsed->signed_headers) {
    for (const auto& field : request) {
      if (boost::iequals(field.name_string(), name))
        signing.headers.emplace_back(name, std::string(field.value()));
    }
  }
  Credentials credentials{.access_key_id = key->access_key_id,
                          .secret_access_key = key->secret_access_key};
  auto [cached, inserted] = signing_keys_.try_emplace(
      std::tuple{key->access_key_id, parsed->date, parsed->region, parsed->service});
  if (inserted) {
    cached->second =
        sigv4_signing_key(key->secret_access_key, parsed->date, parsed->region, parsed->service);
  }
  const SignedRequest expected =
      sigv4_sign(signing, credentials,
                 {.region = parsed->region,
                  .service = parsed->service,
                  .time = *signed_at,
                  .sign_session_token = false},
                 amz_date->value().substr(0, 8) == parsed->date ? &cached->second : nullptr);
  if (expected.signature.size() != parsed->signature.size() ||
      CRYPTO_memcmp(expected.signature.data(), parsed->signature.data(),
                    expected.signature.size()) != 0) {
    return ServiceError{"InvalidSignatureException",
                        "The request signature we calculated does not match the signature you "
                        "provided. Check your AWS Secret Access Key and signing method. Consult "
                        "the service documentation for details."};
  }
  return std::nullopt;
}

}  // namespace iuprobe
