// SPDX-License-Identifier: Apache-2.0
#include "emulator/request_auth.h"

#include <gtest/gtest.h>

namespace iuprobe {
namespace {

using namespace std::chrono_literals;

const SystemTime kSignedAt = *parse_amz_date("20261126T120000Z");
const Credentials kGood{.access_key_id = kEmulatorAccessKeyId,
                        .secret_access_key = kEmulatorSecretAccessKey};

HttpRequest signed_request(const Credentials& credentials, std::string body,
                           SystemTime at = kSignedAt, std::string region = "us-east-1") {
  HttpRequest request{boost::beast::http::verb::post, "/", 11};
  request.set(boost::beast::http::field::host, "127.0.0.1:9000");
  request.set("X-Amz-Target", "RekognitionService.DescribeProjects");
  request.set(boost::beast::http::field::content_type, "application/x-amz-json-1.1");
  request.body() = std::move(body);
  SigningRequest signing{.method = "POST",
                         .target = "/",
                         .headers = {{"Host", "127.0.0.1:9000"},
                                     {"X-Amz-Target", "RekognitionService.DescribeProjects"},
                                     {"Content-Type", "application/x-amz-json-1.1"}},
                         .payload_hash = sha256_hex(request.body())};
  const SignedRequest out =
      sigv4_sign(signing, credentials, {.region = region, .service = "rekognition", .time = at});
  for (const auto& [name, value] : out.headers_to_add) request.set(name, value);
  return request;
}

SignatureVerifier verifier() {
  return SignatureVerifier({{kEmulatorAccessKeyId, kEmulatorSecretAccessKey}}, "us-east-1",
                           "rekognition");
}

std::optional<ServiceError> check(SignatureVerifier& v, const HttpRequest& request,
                                  SystemTime now = kSignedAt + 10s) {
  return v.verify(request, sha256_hex(request.body()), now);
}

TEST(SignatureVerifier, AcceptsAGoodSignatureAgainAndAgain) {
  auto v = verifier();
  const auto request = signed_request(kGood, "{}");
  EXPECT_FALSE(check(v, request));
  EXPECT_FALSE(check(v, request)) << "the cached signing key gives the same answer";
}

TEST(SignatureVerifier, WrongSecretIsAnInvalidSignature) {
  auto v = verifier();
  Credentials wrong = kGood;
  wrong.secret_access_key = "not-the-secret";
  auto refused = check(v, signed_request(wrong, "{}"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->type, "InvalidSignatureException");
  EXPECT_NE(refused->message.find("does not match"), std::string::npos);
}

TEST(SignatureVerifier, ATamperedBodyOrHeaderIsAnInvalidSignature) {
  auto v = verifier();
  auto request = signed_request(kGood, R"({"a":1})");
  request.body() = R"({"a":2})";
  EXPECT_EQ(check(v, request)->type, "InvalidSignatureException");
  request = signed_request(kGood, "{}");
  request.set("X-Amz-Target", "RekognitionService.StopProjectVersion");
  EXPECT_EQ(check(v, request)->type, "InvalidSignatureException");
}

TEST(SignatureVerifier, UnknownKeyIsAnUnrecognizedClient) {
  auto v = verifier();
  Credentials stranger = kGood;
  stranger.access_key_id = "AKIDSTRANGER";
  EXPECT_EQ(check(v, signed_request(stranger, "{}"))->type, "UnrecognizedClientException");
}

TEST(SignatureVerifier, TemporaryKeysExpire) {
  SignatureVerifier v({{kEmulatorAccessKeyId, kEmulatorSecretAccessKey, kSignedAt + 1min}},
                      "us-east-1", "rekognition");
  const HttpRequest request = signed_request(kGood, "{}");
  EXPECT_FALSE(check(v, request, kSignedAt + 59s));
  const auto expired = check(v, request, kSignedAt + 1min);
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->type, "ExpiredTokenException");
}

TEST(SignatureVerifier, SkewBeyondFiveMinutesHasExpired) {
  auto v = verifier();
  const auto request = signed_request(kGood, "{}");
  EXPECT_FALSE(check(v, request, kSignedAt + 4min));
  auto late = check(v, request, kSignedAt + 6min);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->type, "InvalidSignatureException");
  EXPECT_EQ(late->message,
            "Signature expired: 20261126T120000Z is now earlier than 20261126T120100Z "
            "(20261126T120600Z - 5 min.)");
  auto early = check(v, request, kSignedAt - 6min);
  ASSERT_TRUE(early);
  EXPECT_NE(early->message.find("not yet current"), std::string::npos);
}

TEST(SignatureVerifier, MissingOrMalformedAuthorization) {
  auto v = verifier();
  HttpRequest bare{boost::beast::http::verb::post, "/", 11};
  EXPECT_EQ(check(v, bare)->type, "MissingAuthenticationTokenException");
  bare.set(boost::beast::http::field::authorization, "AWS4-HMAC-SHA256 Credential=AKID");
  EXPECT_EQ(check(v, bare)->type, "IncompleteSignatureException");
}

TEST(SignatureVerifier, WrongRegionIsNamed) {
  auto v = verifier();
  auto refused = check(v, signed_request(kGood, "{}", kSignedAt, "eu-west-1"));
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->message.find("eu-west-1"), std::string::npos);
}

}  // namespace
}  // namespace iuprobe
