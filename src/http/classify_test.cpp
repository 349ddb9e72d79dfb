// SPDX-License-Identifier: Apache-2.0
#include "http/classify.h"

#include <gtest/gtest.h>

namespace iuprobe {
namespace {

TEST(NormalizeErrorType, StripsNamespaceAndSuffixLikeBotocore) {
  EXPECT_EQ(normalize_error_type("ThrottlingException"), "ThrottlingException");
  EXPECT_EQ(
      normalize_error_type("com.amazonaws.rekognition#ProvisionedThroughputExceededException"),
      "ProvisionedThroughputExceededException");
  EXPECT_EQ(normalize_error_type("ValidationException:http://internal.amazon.com/coral/"),
            "ValidationException");
  EXPECT_EQ(normalize_error_type("aws#Throttling:http://x/#y"), "Throttling");
}

TEST(ErrorTypeOf, PrefersTheHeaderThenTheJsonBody) {
  EXPECT_EQ(error_type_of("a#HeaderType", R"({"__type":"BodyType"})"), "HeaderType");
  EXPECT_EQ(error_type_of("", R"({"__type":"x#BodyType","Message":"m"})"), "BodyType");
  EXPECT_EQ(error_type_of("", R"({"code":"ThrottlingException"})"), "ThrottlingException");
  EXPECT_EQ(error_type_of("", "<html>busy</html>"), "");
  EXPECT_EQ(error_type_of("", R"({"__type": 5})"), "");
  EXPECT_EQ(error_type_of("", R"({"__type":"trunc)"), "");
  EXPECT_EQ(error_type_of(
                "",
                "<?xml version=\"1.0\"?><ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch"
                "</Code><Message>no match</Message></Error></Errors></ErrorResponse>"),
            "SignatureDoesNotMatch");
  EXPECT_EQ(error_message_of("<Error><Code>X</Code><Message>no match</Message></Error>"),
            "no match");
  EXPECT_EQ(error_message_of(R"({"__type":"X","Message":"m"})"), "m");
}

TEST(ClassifyResponse, ThrottlingIsItsOwnOutcome) {
  ThrottleRules rules;
  EXPECT_EQ(classify_response(200, "", rules), Outcome::kOk);
  EXPECT_EQ(classify_response(204, "", rules), Outcome::kOk);
  EXPECT_EQ(classify_response(429, "", rules), Outcome::kThrottled);
  EXPECT_EQ(classify_response(400, "ProvisionedThroughputExceededException", rules),
            Outcome::kThrottled);
  EXPECT_EQ(classify_response(500, "ThrottlingException", rules), Outcome::kThrottled);
  EXPECT_EQ(classify_response(400, "InvalidImageFormatException", rules), Outcome::kClientError);
  EXPECT_EQ(classify_response(404, "", rules), Outcome::kClientError);
  EXPECT_EQ(classify_response(503, "", rules), Outcome::kServerError);
  EXPECT_EQ(classify_response(302, "", rules), Outcome::kServerError);
}

TEST(ClassifyResponse, HonoursConfiguredStatusesAndTypes) {
  ThrottleRules rules{.statuses = {503}, .error_types = {"SlowDown"}};
  EXPECT_EQ(classify_response(503, "", rules), Outcome::kThrottled);
  EXPECT_EQ(classify_response(429, "", rules), Outcome::kClientError);
  EXPECT_EQ(classify_response(400, "SlowDown", rules), Outcome::kThrottled);
}

}  // namespace
}  // namespace iuprobe
