// SPDX-License-Identifier: Apache-2.0
// Replays AWS's SigV4 test suite (tests/data/sigv4, from botocore) and a Rekognition vector
// produced by botocore with its clock frozen.
#include "aws/sigv4.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace iuprobe {
namespace {

namespace fs = std::filesystem;

const fs::path kSuite = fs::path(IUPROBE_SOURCE_DIR) / "tests" / "data" / "sigv4";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A .req file: request line, "Name:value" headers (indented lines continue the previous
// value), an empty line, the body. No trailing newline.
SigningRequest parse_req(const std::string& text, std::string* body) {
  SigningRequest request;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  request.method = line.substr(0, line.find(' '));
  const std::size_t target_start = line.find(' ') + 1;
  request.target = line.substr(target_start, line.rfind(" HTTP/") - target_start);
  while (std::getline(in, line) && !line.empty()) {
    if (line[0] == ' ' || line[0] == '\t') {
      request.headers.back().second += "\n" + line;
      continue;
    }
    const std::size_t colon = line.find(':');
    request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  std::stringstream rest;
  rest << in.rdbuf();
  *body = rest.str();
  return request;
}

struct Case {
  std::string name;
  fs::path dir;
};

std::vector<Case> suite_cases() {
  std::vector<Case> cases;
  for (const auto& entry : fs::recursive_directory_iterator(kSuite)) {
    if (entry.path().extension() == ".req") {
      cases.push_back({entry.path().stem().string(), entry.path().parent_path()});
    }
  }
  std::sort(cases.begin(), cases.end(),
            [](const Case& a, const Case& b) { return a.name < b.name; });
  return cases;
}

class Sigv4Suite : public ::testing::TestWithParam<Case> {};

TEST_P(Sigv4Suite, MatchesCanonicalRequestStringToSignAndAuthorization) {
  const Case& c = GetParam();
  std::string body;
  SigningRequest request = parse_req(read(c.dir / (c.name + ".req")), &body);
  request.payload_hash = sha256_hex(body);

  Credentials credentials{.access_key_id = "AKIDEXAMPLE",
                          .secret_access_key = std::string(kSecret)};
  SigningParams params{
      .region = "us-east-1", .service = "service", .time = *parse_amz_date("20150830T123600Z")};
  if (c.name == "get-vanilla-with-session-token") {
    credentials.session_token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
  } else if (c.name == "post-sts-header-before") {
    for (const auto& [name, value] : request.headers) {
      if (name == "X-Amz-Security-Token") credentials.session_token = value;
    }
  } else if (c.name == "post-sts-header-after") {
    credentials.session_token = "token added after signing";
    params.sign_session_token = false;
  }
  const SignedRequest signed_request = sigv4_sign(request, credentials, params);
  EXPECT_EQ(signed_request.canonical_request, read(c.dir / (c.name + ".creq")));
  EXPECT_EQ(signed_request.string_to_sign, read(c.dir / (c.name + ".sts")));
  EXPECT_EQ(signed_request.authorization, read(c.dir / (c.name + ".authz")));
}

INSTANTIATE_TEST_SUITE_P(AwsTestSuite, Sigv4Suite, ::testing::ValuesIn(suite_cases()),
                         [](const auto& param_info) {
                           std::string name = param_info.param.name;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(Sigv4, SuiteHasEveryCase) {
  EXPECT_EQ(suite_cases().size(), 34u);
}

SigningRequest rekognition_request() {
  const std::string body =
      R"({"ProjectVersionArn":"arn:aws:rekognition:us-east-1:123456789012:project/p/version/v.1/1600000000000",)"
      R"("Image":{"Bytes":"iVBORw0KGgo="},"MinConfidence":50,"MaxResults":10})";
  return SigningRequest{.method = "POST",
                        .target = "/",
                        .headers = {{"Content-Type", "application/x-amz-json-1.1"},
                                    {"X-Amz-Target", "RekognitionService.DetectCustomLabels"},
                                    {"Host", "rekognition.us-east-1.amazonaws.com"}},
                        .payload_hash = sha256_hex(body)};
}

TEST(Sigv4, RekognitionVectorFromBotocore) {
  const SigningRequest request = rekognition_request();
  EXPECT_EQ(request.payload_hash,
            "df4b93e46e04fe9d001d06f71e3b38620405cc05f5a01575560a070fda424eba");
  Credentials credentials{.access_key_id = "AKIDEXAMPLE",
                          .secret_access_key = std::string(kSecret)};
  const SigningParams params{
      .region = "us-east-1", .service = "rekognition", .time = *parse_amz_date("20150830T123600Z")};
  auto plain = sigv4_sign(request, credentials, params);
  EXPECT_EQ(plain.signed_headers, "content-type;host;x-amz-date;x-amz-target");
  EXPECT_EQ(plain.signature, "c20050571273a0e912cb48f1c50008c87c64d262e6e0b42130086b7792b3775f");

  credentials.session_token = "SESSIONTOKEN";
  auto with_token = sigv4_sign(request, credentials, params);
  EXPECT_EQ(with_token.signed_headers,
            "content-type;host;x-amz-date;x-amz-security-token;x-amz-target");
  EXPECT_EQ(with_token.signature,
            "182cb26cc478b61deaf09441d13d1d806c6e578d22556434d848f677303923ac");
  ASSERT_EQ(with_token.headers_to_add.size(), 3u);
  EXPECT_EQ(with_token.headers_to_add[1].first, "X-Amz-Security-Token");
}

TEST(Sigv4, CachedSigningKeyGivesTheSameSignature) {
  const SigningRequest request = rekognition_request();
  const Credentials credentials{.access_key_id = "AKIDEXAMPLE",
                                .secret_access_key = std::string(kSecret)};
  const SigningParams params{
      .region = "us-east-1", .service = "rekognition", .time = *parse_amz_date("20150830T123600Z")};
  const Sha256Digest key = sigv4_signing_key(kSecret, "20150830", "us-east-1", "rekognition");
  EXPECT_EQ(sigv4_sign(request, credentials, params, &key).signature,
            sigv4_sign(request, credentials, params).signature);
}

TEST(Sigv4, DescribeNeverShowsTheSecret) {
  const Credentials credentials{.access_key_id = "AKIAIOSFODNN7EXAMPLE",
                                .secret_access_key = std::string(kSecret),
                                .session_token = "TOKEN",
                                .source = "environment"};
  const std::string text = credentials.describe();
  EXPECT_EQ(text.find(kSecret), std::string::npos);
  EXPECT_EQ(text.find("TOKEN"), std::string::npos);
  EXPECT_NE(text.find("AKIA"), std::string::npos);
  EXPECT_NE(text.find("environment"), std::string::npos);
}

TEST(AmzDate, RoundTrips) {
  auto time = parse_amz_date("20150830T123600Z");
  ASSERT_TRUE(time);
  EXPECT_EQ(format_amz_date(*time), "20150830T123600Z");
  EXPECT_FALSE(parse_amz_date("2015-08-30T12:36:00Z"));
}

TEST(AmzDate, RefusesDatesTheClockCannotHold) {
  // Any client of the emulator sends this header; past 2262 the nanosecond clock overflowed
  // (found by fuzz/sigv4_verify).
  EXPECT_TRUE(parse_amz_date("22620101T000000Z"));
  EXPECT_FALSE(parse_amz_date("28150101T000000Z"));
  EXPECT_FALSE(parse_amz_date("99991231T235959Z"));
  EXPECT_FALSE(parse_amz_date("19691231T235959Z"));
}

TEST(Base64, RoundTripsAndRejectsGarbage) {
  EXPECT_EQ(base64_encode("\x89PNG\r\n\x1a\n"), "iVBORw0KGgo=");
  EXPECT_EQ(*base64_decode("iVBORw0KGgo="), "\x89PNG\r\n\x1a\n");
  EXPECT_EQ(*base64_decode("YWI="), "ab");
  EXPECT_EQ(*base64_decode(""), "");
  EXPECT_FALSE(base64_decode("abc"));
  EXPECT_FALSE(base64_decode("ab!="));
}

}  // namespace
}  // namespace iuprobe
