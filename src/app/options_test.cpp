// SPDX-License-Identifier: Apache-2.0
#include "app/options.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

namespace iuprobe {
namespace {

using namespace std::chrono_literals;

TEST(BuildLoadShape, ConstantRate) {
  auto shape = build_load_shape({.rate = "200", .duration = "30s"});
  ASSERT_TRUE(shape) << shape.error().message;
  const auto& open = std::get<OpenLoop>(*shape);
  EXPECT_EQ(open.profile.total_duration(), 30s);
  EXPECT_DOUBLE_EQ(open.profile.total_arrivals(), 6000);
}

TEST(BuildLoadShape, StepsRampAndUsers) {
  auto steps = build_load_shape({.steps = "50,100,200", .step_duration = "10s", .warmup = "5s"});
  ASSERT_TRUE(steps) << steps.error().message;
  EXPECT_EQ(std::get<OpenLoop>(*steps).profile.segments().size(), 4u);
  auto ramp = build_load_shape({.duration = "60s", .ramp = "10:500", .arrivals = "poisson"});
  ASSERT_TRUE(ramp) << ramp.error().message;
  EXPECT_EQ(std::get<OpenLoop>(*ramp).arrivals, Arrivals::kPoisson);
  auto users = build_load_shape({.step_duration = "30s", .users = "10,20,40,80", .pacing = "1s"});
  ASSERT_TRUE(users) << users.error().message;
  EXPECT_EQ(std::get<ClosedLoop>(*users).profile.max_users(), 80u);
}

TEST(BuildLoadShape, NonsenseNamesTheFlag) {
  auto negative = build_load_shape({.rate = "-5", .duration = "10s"});
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().message.rfind("--rate: ", 0), 0u) << negative.error().message;
  auto abc = build_load_shape({.rate = "5", .duration = "abc"});
  ASSERT_FALSE(abc);
  EXPECT_EQ(abc.error().message.rfind("--duration: 'abc'", 0), 0u) << abc.error().message;
  auto parsecs = build_load_shape({.rate = "5", .duration = "10parsecs"});
  ASSERT_FALSE(parsecs);
  EXPECT_NE(parsecs.error().message.find("unknown unit 'parsecs'"), std::string::npos);
  EXPECT_FALSE(build_load_shape({}));
  EXPECT_FALSE(build_load_shape({.rate = "5"}));
  EXPECT_FALSE(build_load_shape({.rate = "5", .duration = "1s", .steps = "1,2"}));
  EXPECT_FALSE(build_load_shape({.duration = "1s", .ramp = "10-20"}));
  EXPECT_FALSE(build_load_shape({.rate = "5", .duration = "1s", .arrivals = "bursty"}));
  EXPECT_FALSE(build_load_shape({.rate = "5", .duration = "0s"}));
  EXPECT_FALSE(build_load_shape({.duration = "1s", .users = "0"}));
}

TEST(BuildRunConfig, ChecksTheTarget) {
  LoadOptions load{.rate = "5", .duration = "1s"};
  auto no_url = build_run_config({}, {}, {}, load);
  ASSERT_FALSE(no_url);
  EXPECT_NE(no_url.error().message.find("no target: give --url"), std::string::npos);
  auto bad_url = build_run_config({.url = "not a url"}, {}, {}, load);
  ASSERT_FALSE(bad_url);
  EXPECT_EQ(bad_url.error().message.rfind("--url: ", 0), 0u);
  EXPECT_FALSE(build_run_config({.url = "http://h/", .insecure = true}, {}, {}, load));
  EXPECT_FALSE(build_run_config({.url = "http://h/", .throttle_statuses = "4xx"}, {}, {}, load));
  EXPECT_FALSE(build_run_config({.url = "http://h/", .method = "get"}, {}, {}, load));
  auto ok = build_run_config({.url = "http://h/", .throttle_statuses = "429,503"}, {},
                             {.threads = 3}, load);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->config.throttle.statuses, (std::vector<unsigned>{429, 503}));
  EXPECT_EQ(ok->config.threads, 3u);
}

TEST(BuildRunConfig, UsersNeedAConnectionEach) {
  auto config = build_run_config({.url = "http://h/"}, {}, {.max_connections = 10},
                                 {.duration = "5s", .users = "20"});
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("--max-connections"), std::string::npos);
}

TEST(ConfigJson, RedactsSecretHeaders) {
  TargetOptions target{.url = "http://h/",
                       .headers = {"Authorization: Bearer s3cret", "X-Trace: 1"}};
  LoadOptions load{.rate = "5", .duration = "1s"};
  auto config = build_run_config(target, {}, {}, load);
  ASSERT_TRUE(config);
  auto json = config_json(target, {}, load, config->config);
  const auto text = boost::json::serialize(json);
  EXPECT_EQ(text.find("s3cret"), std::string::npos);
  EXPECT_NE(text.find("<redacted>"), std::string::npos);
  EXPECT_NE(text.find("X-Trace"), std::string::npos);
}

}  // namespace
}  // namespace iuprobe
