// SPDX-License-Identifier: Apache-2.0
#include "emulator/detect_request.h"

#include <gtest/gtest.h>

#include "aws/crypto.h"
#include "emulator/sample_images.h"

namespace iuprobe {
namespace {

constexpr std::string_view kArn =
    "arn:aws:rekognition:us-east-1:123456789012:project/demo/version/demo.v1/1600000000001";

std::string body(std::string_view image, std::string extra = "") {
  return fmt::format(R"({{"ProjectVersionArn":"{}","Image":{{"Bytes":"{}"}}{}}})", kArn,
                     base64_encode(image), extra);
}

std::string error_type(std::string_view text) {
  auto parsed = parse_detect_request(text);
  return parsed ? "ok" : parsed.error().type;
}

TEST(DetectRequest, ReadsAGoodRequest) {
  const std::string jpeg = encode_sample_jpeg(320, 200, 3);
  auto request = parse_detect_request(body(jpeg, R"(,"MinConfidence":70.5,"MaxResults":2)"));
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->project_version_arn, kArn);
  EXPECT_EQ(request->min_confidence, 70.5);
  EXPECT_EQ(request->max_results, 2u);
  EXPECT_EQ(request->image.width, 320u);
  EXPECT_EQ(request->image.height, 200u);
}

TEST(DetectRequest, ErrorsAsTheServiceNamesThem) {
  const std::string png = encode_sample_png(100, 100, 1);
  EXPECT_EQ(error_type("not json"), "SerializationException");
  EXPECT_EQ(error_type(R"({"Image":{"Bytes":""}})"), "ValidationException");
  EXPECT_EQ(
      error_type(
          R"({"ProjectVersionArn":"arn:aws:rekognition:us-east-1:123456789012:project/demo/1","Image":{"Bytes":""}})"),
      "ValidationException");
  EXPECT_EQ(
      error_type(fmt::format(
          R"({{"ProjectVersionArn":"{}","Image":{{"S3Object":{{"Bucket":"b","Name":"n"}}}}}})",
          kArn)),
      "InvalidS3ObjectException");
  EXPECT_EQ(
      error_type(fmt::format(R"({{"ProjectVersionArn":"{}","Image":{{"Bytes":"@@@"}}}})", kArn)),
      "SerializationException");
  EXPECT_EQ(error_type(body("GIF89a not an image")), "InvalidImageFormatException");
  EXPECT_EQ(error_type(body(encode_sample_png(40, 100, 1))), "InvalidImageFormatException");
  EXPECT_EQ(error_type(body(png, R"(,"MinConfidence":100.5)")), "InvalidParameterException");
  EXPECT_EQ(error_type(body(png, R"(,"MinConfidence":-1)")), "InvalidParameterException");
  EXPECT_EQ(error_type(body(png, R"(,"MaxResults":0)")), "InvalidParameterException");
  EXPECT_EQ(error_type(body(png, R"(,"MinConfidence":"high")")), "SerializationException");
}

TEST(DetectRequest, MoreThanFourMegabytesIsTooLarge) {
  std::string big = encode_sample_jpeg(100, 100, 1);
  big.resize(4 * 1024 * 1024 + 1, 'x');
  EXPECT_EQ(error_type(body(big)), "ImageTooLargeException");
  big.resize(4 * 1024 * 1024);  // exactly 4 MB is allowed (and this one is a valid JPEG)
  EXPECT_EQ(error_type(body(big)), "ok");
}

}  // namespace
}  // namespace iuprobe
