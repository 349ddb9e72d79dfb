// SPDX-License-Identifier: Apache-2.0
#include "emulator/config.h"

#include <gtest/gtest.h>

#include "aws/credentials.h"

namespace iuprobe {
namespace {

using namespace std::chrono_literals;

TEST(EmulatorConfig, DefaultsAreValid) {
  EXPECT_TRUE(validate_emulator_config(EmulatorConfig{}));
}

TEST(EmulatorConfig, ParsesEveryKey) {
  auto config = parse_emulator_config(R"({
    "region": "eu-west-1", "account": "111122223333", "seed": 9, "verify_signatures": false,
    "credentials": [{"access_key_id": "AKIDTEST", "secret_access_key": "s3cret",
                     "expires": "2026-12-02T14:05:00Z"}],
    "models": [{"project": "cars", "version": "cars.v2", "type": "detection",
                "labels": ["car", "bus"], "status": "STOPPED", "inference_units": 2,
                "max_inference_units": 4, "base_service": "80ms",
                "service_per_megapixel": "15ms", "jitter": 0.2, "slots_per_iu": 3,
                "queue_per_iu": 1, "start_time": "10s", "stop_time": "3s",
                "scale_up_after": "30s", "scale_down_after": "2m",
                "stop_failures": ["ThrottlingException"]}]})");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->region, "eu-west-1");
  EXPECT_EQ(config->seed, 9u);
  EXPECT_FALSE(config->verify_signatures);
  ASSERT_EQ(config->credentials.size(), 1u);
  EXPECT_EQ(config->credentials[0].secret_access_key, "s3cret");
  EXPECT_EQ(config->credentials[0].expires, parse_iso8601("2026-12-02T14:05:00Z"));
  ASSERT_EQ(config->models.size(), 1u);
  const ModelConfig& m = config->models[0];
  EXPECT_EQ(m.kind, ModelKind::kDetection);
  EXPECT_FALSE(m.running);
  EXPECT_EQ(m.max_inference_units, 4u);
  EXPECT_EQ(m.capacity.base_service, 80ms);
  EXPECT_EQ(m.capacity.service_per_megapixel, 15ms);
  EXPECT_EQ(m.scaling.scale_down_after, 120s);
  EXPECT_EQ(m.stop_failures, std::vector<std::string>{"ThrottlingException"});
  EXPECT_TRUE(validate_emulator_config(*config));
  EXPECT_EQ(
      emulated_version_arn(*config, m),
      "arn:aws:rekognition:eu-west-1:111122223333:project/cars/version/cars.v2/1600000000001");
}

TEST(EmulatorConfig, NullMaximumMeansNoAutoScaling) {
  auto config = parse_emulator_config(R"({"models": [{"max_inference_units": null}]})");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_FALSE(config->models[0].max_inference_units);
}

TEST(EmulatorConfig, ReadsALimiterAndTheSlowdown) {
  auto config = parse_emulator_config(R"({"models": [{"slots_per_iu": 50, "limiter": "token_bucket",
      "limit_per_iu": 80, "burst": "5s", "slowdown": 0.5}]})");
  ASSERT_TRUE(config) << config.error().message;
  const CapacityModel& c = config->models[0].capacity;
  EXPECT_EQ(c.limit.kind, LimiterKind::kTokenBucket);
  EXPECT_EQ(c.limit.per_iu, 80);
  EXPECT_EQ(c.limit.burst, 5s);
  EXPECT_EQ(c.slowdown, 0.5);
  EXPECT_TRUE(validate_emulator_config(*config));
  // 50 slots x 50 ms serve 1,000/s: the limiter is the capacity.
  EXPECT_DOUBLE_EQ(capacity_per_iu(c, 0), 80);
  auto kind = parse_emulator_config(R"({"models": [{"limiter": "leaky"}]})");
  ASSERT_FALSE(kind);
  EXPECT_NE(kind.error().message.find("config.models[0].limiter: 'leaky'"), std::string::npos)
      << kind.error().message;
}

TEST(EmulatorConfig, ALimiterNeedsARateThatLetsRequestsThrough) {
  EmulatorConfig config;
  config.models[0].capacity.limit.kind = LimiterKind::kSlidingWindow;
  auto no_rate = validate_emulator_config(config);
  ASSERT_FALSE(no_rate);
  EXPECT_NE(no_rate.error().message.find("limit_per_iu"), std::string::npos);
  config.models[0].capacity.limit = {LimiterKind::kFixedWindow, 0.5, 1s, 1s};
  auto empty_window = validate_emulator_config(config);
  ASSERT_FALSE(empty_window);
  EXPECT_NE(empty_window.error().message.find("lets no request through"), std::string::npos);
  config.models[0].capacity.limit = {LimiterKind::kNone, 10, 1s, 1s};
  EXPECT_FALSE(validate_emulator_config(config)) << "a rate without a kind is a mistake";
  config.models[0].capacity.limit = {};
  config.models[0].capacity.slowdown = -1;
  EXPECT_FALSE(validate_emulator_config(config));
}

TEST(EmulatorConfig, NamesTheKeyThatIsWrong) {
  auto unknown = parse_emulator_config(R"({"models": [{"slots": 3}]})");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("config.models[0]: unknown key 'slots'"),
            std::string::npos)
      << unknown.error().message;
  auto wrong_type = parse_emulator_config(R"({"models": [{"base_service": 50}]})");
  ASSERT_FALSE(wrong_type);
  EXPECT_NE(wrong_type.error().message.find("base_service"), std::string::npos);
  EXPECT_FALSE(parse_emulator_config("{not json"));
  EXPECT_FALSE(parse_emulator_config(R"({"models": [{"type": "segmentation"}]})"));
  EXPECT_FALSE(parse_emulator_config(R"({"models": [{"inference_units": -1}]})"));
}

TEST(EmulatorConfig, ValidationRefusesImpossibleModels) {
  EmulatorConfig config;
  config.models[0].max_inference_units = 0;
  EXPECT_FALSE(validate_emulator_config(config));
  config = {};
  config.models[0].capacity.slots_per_iu = 0;
  EXPECT_FALSE(validate_emulator_config(config));
  config = {};
  config.models.push_back(config.models[0]);
  auto twice = validate_emulator_config(config);
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().message.find("configured twice"), std::string::npos);
  config = {};
  config.credentials.clear();
  EXPECT_FALSE(validate_emulator_config(config));
  config.verify_signatures = false;
  EXPECT_TRUE(validate_emulator_config(config));
}

TEST(EmulatorConfig, InjectsOnlyStopFailuresItKnows) {
  auto config = parse_emulator_config(R"({"models": [{"stop_failures": ["Gremlins"]}]})");
  ASSERT_TRUE(config) << config.error().message;
  auto refused = validate_emulator_config(*config);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("stop_failures: 'Gremlins'"), std::string::npos);
}

TEST(EmulatorConfig, ABufferCapBelowTheLargestRequestIsRefused) {
  EmulatorConfig config;
  config.max_buffered_bytes = 1 << 20;  // a 2 MB image would be "busy" forever
  auto refused = validate_emulator_config(config);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("--max-buffered"), std::string::npos);
  config.max_buffered_bytes = 0;
  EXPECT_TRUE(validate_emulator_config(config));
  config.max_buffered_bytes = kMaxRequestBodyBytes;
  EXPECT_TRUE(validate_emulator_config(config));
}

TEST(EmulatorConfig, MissingFileIsNamed) {
  auto missing = load_emulator_config("/nonexistent/emulator.json");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("/nonexistent/emulator.json"), std::string::npos);
}

}  // namespace
}  // namespace iuprobe

namespace iuprobe {
namespace {

TEST(HistoryCsv, ReadsEpochAndIsoTimesAndOptionalColumns) {
  auto rows = parse_history_csv(
      "time,requests,throttled,inference_units\n"
      "# exported from CloudWatch\n"
      "1796601600,120,0,2\n"
      "2026-12-07T00:01Z,130,10\n"
      "2026-12-07 00:02:30,5\r\n");
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].time, 1796601600);
  EXPECT_EQ((*rows)[0].inference_units, 2.0);
  EXPECT_EQ((*rows)[1].time, 1796601660);
  EXPECT_EQ((*rows)[1].throttled, 10);
  EXPECT_FALSE((*rows)[1].inference_units);
  EXPECT_EQ((*rows)[2].time, 1796601720);  // floored to its minute
  EXPECT_EQ((*rows)[2].requests, 5);
}

TEST(HistoryCsv, NamesTheBadLine) {
  const auto error = [](std::string_view text) {
    auto rows = parse_history_csv(text);
    return rows ? std::string() : rows.error().message;
  };
  EXPECT_NE(error("time,requests\n1796601600,-1\n").find("line 2"), std::string::npos);
  EXPECT_NE(error("1796601600,5,6\n").find("throttled (6) is more than requests (5)"),
            std::string::npos);
  EXPECT_NE(error("1796601600,5\n1796601610,5\n").find("appears twice"), std::string::npos);
  EXPECT_NE(error("1796601600,5\nyesterday,5\n").find("not a time"), std::string::npos);
  EXPECT_NE(error("2026-12-01T00:00Z,5\n2026-13-01T00:00Z,5\n").find("line 2"), std::string::npos);
  EXPECT_NE(error("time,requests\n").find("no rows"), std::string::npos);
  EXPECT_NE(error("1796601600\n").find("is not 'time,requests"), std::string::npos);
}

}  // namespace
}  // namespace iuprobe
