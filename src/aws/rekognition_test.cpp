// SPDX-License-Identifier: Apache-2.0
#include "aws/rekognition.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>

#include "aws/model_lifecycle.h"
#include "testing/fake_lifecycle.h"
#include "testing/test_server.h"

namespace iuprobe {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using testing::TestServer;
using testing::text_response;

constexpr std::string_view kArn =
    "arn:aws:rekognition:us-east-1:123456789012:project/p/version/v.1/1600000000000";

TEST(ProjectVersionArn, ParsesEveryPart) {
  auto arn = parse_project_version_arn(kArn);
  ASSERT_TRUE(arn) << arn.error().message;
  EXPECT_EQ(arn->region, "us-east-1");
  EXPECT_EQ(arn->account, "123456789012");
  EXPECT_EQ(arn->project, "p");
  EXPECT_EQ(arn->version, "v.1");
  EXPECT_EQ(arn->created, "1600000000000");
}

TEST(ProjectVersionArn, SaysWhichPartIsWrong) {
  const auto message = [](std::string_view text) {
    auto arn = parse_project_version_arn(text);
    return arn ? std::string("(accepted)") : arn.error().message;
  };
  EXPECT_NE(message("arn:aws:sagemaker:us-east-1:123456789012:project/p/version/v/1")
                .find("service is 'sagemaker'"),
            std::string::npos);
  EXPECT_NE(
      message("arn:aws:rekognition:us-east-1:1234:project/p/version/v/1").find("account '1234'"),
      std::string::npos);
  EXPECT_NE(message("arn:aws:rekognition:us-east-1:123456789012:project/p/1600000000000")
                .find("project ARN"),
            std::string::npos);
  EXPECT_NE(message("arn:aws:rekognition:us-east-1:123456789012:project/p q/version/v/1")
                .find("project name 'p q'"),
            std::string::npos);
  EXPECT_NE(message("arn:aws:rekognition:us-east-1:123456789012:project/p/version/v/12a")
                .find("timestamp"),
            std::string::npos);
  EXPECT_NE(message("not-an-arn").find("6 ':'-separated fields"), std::string::npos);
  EXPECT_NE(
      message("arn:aws:rekognition:US_EAST:123456789012:project/p/version/v/1").find("region"),
      std::string::npos);
}

TEST(Images, KeepsJpegAndPngAndSaysWhyOthersAreSkipped) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("iuprobe-images-{}", getpid());
  fs::create_directories(dir);
  std::ofstream(dir / "a.jpg", std::ios::binary) << std::string("\xFF\xD8\xFF\xE0rest", 8);
  std::ofstream(dir / "b.png", std::ios::binary) << std::string("\x89PNG\r\n\x1a\nrest", 12);
  std::ofstream(dir / "notes.txt") << "hello";
  std::ofstream(dir / "huge.jpg", std::ios::binary)
      << std::string("\xFF\xD8\xFF", 3) << std::string(kMaxImageBytes, 'x');
  auto set = load_images(dir);
  ASSERT_TRUE(set) << set.error().message;
  ASSERT_EQ(set->images.size(), 2u);
  EXPECT_EQ(set->images[0].name, "a.jpg");
  ASSERT_EQ(set->skipped.size(), 2u);
  EXPECT_NE(set->skipped[0].find("huge.jpg"), std::string::npos);
  EXPECT_NE(set->skipped[0].find("4 MB"), std::string::npos);
  EXPECT_NE(set->skipped[1].find("notes.txt"), std::string::npos);
  fs::remove(dir / "a.jpg");
  fs::remove(dir / "b.png");
  auto none = load_images(dir);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("no JPEG or PNG"), std::string::npos);
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto empty = load_images(dir);
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("empty"), std::string::npos);
  fs::remove_all(dir);
}

TEST(DetectCustomLabels, BodyMatchesTheVectorTheSdkSends) {
  auto arn = *parse_project_version_arn(kArn);
  EXPECT_EQ(detect_custom_labels_body(arn, "\x89PNG\r\n\x1a\n",
                                      {.min_confidence = 50, .max_results = 10}),
            std::string(R"({"ProjectVersionArn":")") + std::string(kArn) +
                R"(","Image":{"Bytes":"iVBORw0KGgo="},"MinConfidence":50,"MaxResults":10})");
  const std::string partial = detect_custom_labels_body(arn, "", {.min_confidence = 12.5});
  EXPECT_TRUE(partial.ends_with(R"("Image":{"Bytes":""},"MinConfidence":12.5})")) << partial;
}

TEST(DetectCustomLabels, EndpointsByRegionAndFips) {
  EXPECT_EQ(rekognition_endpoint("eu-west-1", false, std::nullopt)->host,
            "rekognition.eu-west-1.amazonaws.com");
  EXPECT_EQ(rekognition_endpoint("us-east-1", true, std::nullopt)->host,
            "rekognition-fips.us-east-1.amazonaws.com");
  EXPECT_EQ(rekognition_endpoint("cn-north-1", false, std::nullopt)->host,
            "rekognition.cn-north-1.amazonaws.com.cn");
  EXPECT_TRUE(rekognition_endpoint("us-east-1", false, std::nullopt)->tls);
  EXPECT_EQ(rekognition_endpoint("x", false, "http://127.0.0.1:4566")->port, 4566);
  EXPECT_FALSE(rekognition_endpoint("x", false, "nope"));
}

TEST(DetectCustomLabels, AdviceForErrorsThatEndARun) {
  auto arn = *parse_project_version_arn(kArn);
  auto not_ready =
      rekognition_stop_advice({.status = 400, .type = "ResourceNotReadyException"}, arn);
  ASSERT_TRUE(not_ready);
  EXPECT_EQ(not_ready->kind, ErrorKind::kService);
  EXPECT_NE(not_ready->message.find("iuprobe model start --project-version-arn"),
            std::string::npos);
  auto clock = rekognition_stop_advice(
      {.status = 400,
       .type = "InvalidSignatureException",
       .message = "Signature expired: 20150830T123600Z is now earlier than ..."},
      arn);
  ASSERT_TRUE(clock);
  EXPECT_EQ(clock->kind, ErrorKind::kAuth);
  EXPECT_NE(clock->message.find("clock"), std::string::npos);
  EXPECT_EQ(rekognition_stop_advice({.status = 400, .type = "AccessDeniedException"}, arn)->kind,
            ErrorKind::kAuth);
  EXPECT_TRUE(rekognition_stop_advice({.status = 400, .type = "UnrecognizedClientException"}, arn));
  EXPECT_TRUE(rekognition_stop_advice({.status = 400, .type = "ExpiredTokenException"}, arn));
  EXPECT_FALSE(
      rekognition_stop_advice({.status = 400, .type = "InvalidImageFormatException"}, arn));
  EXPECT_FALSE(rekognition_stop_advice({.status = 500, .type = "InternalServerError"}, arn));
}

TEST(RekognitionClient, StartsWaitsAndStopsAModel) {
  testing::FakeLifecycle fake;
  RekognitionClient client(*parse_http_url(fake.url()), "us-east-1", testing::fake_credentials(),
                           nullptr, 5s);
  const auto arn = *parse_project_version_arn(kArn);
  auto started = client.start(arn, 2, std::nullopt);
  ASSERT_TRUE(started) << started.error().describe();
  EXPECT_EQ(*started, "STARTING");
  int polls = 0;
  auto waited = wait_for_model(client, arn, std::nullopt, {"RUNNING"},
                               {.timeout = 10s,
                                .poll_interval = 10ms,
                                .on_poll = [&](const ModelDescription&, Duration) { ++polls; }});
  ASSERT_TRUE(waited) << waited.error().describe();
  EXPECT_EQ(waited->end, WaitEnd::kReached);
  EXPECT_EQ(waited->model.status, "RUNNING");
  EXPECT_EQ(waited->model.min_inference_units, 2u);
  EXPECT_GE(polls, 2);
  // The project ARN is looked up once, by name, then cached.
  EXPECT_EQ(fake.count("DescribeProjects"), 1);
  EXPECT_EQ(fake.last_authorization().rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", 0), 0u);

  auto again = client.start(arn, 2, std::nullopt);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().type, "ResourceInUseException");
  EXPECT_EQ(again.error().status, 400u);

  ASSERT_TRUE(client.stop(arn));
  auto stopped = wait_for_model(client, arn, std::nullopt, {"STOPPED"},
                                {.timeout = 10s, .poll_interval = 10ms});
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->end, WaitEnd::kReached);
}

TEST(RekognitionClient, WaitEndsOnTimeoutAndOnCancel) {
  testing::FakeLifecycle fake;
  fake.set_status("TRAINING_IN_PROGRESS");
  RekognitionClient client(*parse_http_url(fake.url()), "us-east-1", testing::fake_credentials(),
                           nullptr, 5s);
  const auto arn = *parse_project_version_arn(kArn);
  auto timed_out = wait_for_model(client, arn, std::nullopt, {"RUNNING"},
                                  {.timeout = 200ms, .poll_interval = 50ms});
  ASSERT_TRUE(timed_out);
  EXPECT_EQ(timed_out->end, WaitEnd::kTimedOut);
  auto cancelled =
      wait_for_model(client, arn, std::nullopt, {"RUNNING"},
                     {.timeout = 10s, .poll_interval = 1s, .cancelled = [] { return true; }});
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(cancelled->end, WaitEnd::kCancelled);
}

TEST(RekognitionClient, UnreachableEndpointIsATransportError) {
  std::uint16_t port = 0;
  {
    TestServer closed([](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
      co_return text_response(200, "");
    });
    port = closed.port();
  }
  RekognitionClient client(*parse_http_url(fmt::format("http://127.0.0.1:{}/", port)), "us-east-1",
                           testing::fake_credentials(), nullptr, 2s);
  auto status = client.describe(*parse_project_version_arn(kArn));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().type, "TransportError");
  EXPECT_NE(status.error().message.find("refused"), std::string::npos);
}

}  // namespace
}  // namespace iuprobe
