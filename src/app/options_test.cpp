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

TEST(BuildTarget, ChecksTheTarget) {
  auto no_url = build_target({}, {});
  ASSERT_FALSE(no_url);
  EXPECT_EQ(no_url.error().kind, ErrorKind::kUsage);
  EXPECT_NE(no_url.error().message.find("no target: give --url"), std::string::npos);
  auto bad_url = build_target({.url = "not a url"}, {});
  ASSERT_FALSE(bad_url);
  EXPECT_EQ(bad_url.error().message.rfind("--url: ", 0), 0u);
  EXPECT_FALSE(build_target({.url = "http://h/", .insecure = true}, {}));
  EXPECT_FALSE(build_target({.url = "http://h/", .throttle_statuses = "4xx"}, {}));
  EXPECT_FALSE(build_target({.url = "http://h/", .method = "get"}, {}));
  auto missing_body = build_target({.url = "http://h/", .body_file = "/nonexistent/body"}, {});
  ASSERT_FALSE(missing_body);
  EXPECT_EQ(missing_body.error().kind, ErrorKind::kInput);
  auto ok = build_target({.url = "http://h/", .throttle_statuses = "429,503"}, {});
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->target.throttle.statuses, (std::vector<unsigned>{429, 503}));
}

TEST(BuildConnectionSettings, NamesTheFlagAndKeepsTheValues) {
  auto ok = build_connection_settings({.threads = 3, .max_connections = 7});
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->threads, 3u);
  EXPECT_EQ(ok->max_connections, 7u);
  auto bad = build_connection_settings({.request_timeout = "0s"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.rfind("--timeout", 0), 0u) << bad.error().message;
  EXPECT_FALSE(build_connection_settings({.send_window = "50ms"}));
}

TEST(CheckUsersFit, UsersNeedAConnectionEach) {
  auto shape = build_load_shape({.duration = "5s", .users = "20"});
  ASSERT_TRUE(shape);
  const auto fits = check_users_fit(*shape, ConnectionSettings{.max_connections = 10});
  ASSERT_FALSE(fits);
  EXPECT_NE(fits.error().message.find("--max-connections"), std::string::npos);
  EXPECT_TRUE(check_users_fit(*shape, ConnectionSettings{.max_connections = 20}));
}

TEST(ConfigJson, RedactsSecretHeaders) {
  TargetOptions options{.url = "http://h/",
                        .headers = {"Authorization: Bearer s3cret", "X-Trace: 1"}};
  LoadOptions load{.rate = "5", .duration = "1s"};
  auto target = build_target(options, {});
  ASSERT_TRUE(target);
  auto shape = build_load_shape(load);
  ASSERT_TRUE(shape);
  auto json = config_json(options, load, target->target, ConnectionSettings{}, *shape);
  const auto text = boost::json::serialize(json);
  EXPECT_EQ(text.find("s3cret"), std::string::npos);
  EXPECT_NE(text.find("<redacted>"), std::string::npos);
  EXPECT_NE(text.find("X-Trace"), std::string::npos);
}

}  // namespace
}  // namespace iuprobe
