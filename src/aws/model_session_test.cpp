// SPDX-License-Identifier: Apache-2.0
#include "aws/model_session.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "testing/fake_lifecycle.h"

namespace iuprobe {
namespace {

using namespace std::chrono_literals;
using testing::FakeLifecycle;

// A model on a fake Rekognition, billed on a manual clock.
struct Harness {
  FakeLifecycle fake;
  ManualClock clock;
  std::FILE* out = std::tmpfile();  // progress lines
  AwsContext context{.credentials = testing::fake_credentials(),
                     .region = "us-east-1",
                     .endpoint = *parse_http_url(fake.url()),
                     .arn = *parse_project_version_arn(testing::kFakeModelArn)};

  ~Harness() { std::fclose(out); }
  ModelSessionOptions options(bool start, unsigned iu, bool stop_at_end = false) {
    return {.start = start,
            .inference_units = iu,
            .stop_at_end = stop_at_end,
            .poll_interval = 1ms,
            .clock = &clock};
  }
  std::unique_ptr<ModelSession> open(const ModelSessionOptions& options) {
    auto session = ModelSession::open(context, options, {}, out);
    if (!session) throw std::runtime_error(session.error().message);
    return std::move(*session);
  }
};

TEST(ModelSession, BillsFromTheStartRequestToTheStopRequestOrToNow) {
  Harness h;
  auto session = h.open(h.options(true, 1));
  EXPECT_TRUE(session->started_by_iuprobe());
  h.clock.advance(90s);
  EXPECT_DOUBLE_EQ(session->iu_minutes(), 1.5);  // running: billed until now
  ASSERT_TRUE(session->close());
  h.clock.advance(60s);
  EXPECT_DOUBLE_EQ(session->iu_minutes(), 1.5);  // stopped: no more
  EXPECT_EQ(h.fake.count("StopProjectVersion"), 1);
}

TEST(ModelSession, RetriesATransientStopFailureUntilTheModelStops) {
  Harness h;
  auto session = h.open(h.options(true, 1));
  h.fake.refuse_next_stops({"ThrottlingException", "InternalServerError"});
  EXPECT_TRUE(session->close());
  EXPECT_EQ(h.fake.count("StopProjectVersion"), 3);
  EXPECT_EQ(h.fake.status(), "STOPPING");
}

TEST(ModelSession, GivesUpAtOnceOnAStopFailureThatWouldRecur) {
  Harness h;
  auto session = h.open(h.options(true, 1));
  h.fake.refuse_next_stops({"AccessDeniedException"});
  EXPECT_FALSE(session->close());
  EXPECT_EQ(h.fake.count("StopProjectVersion"), 1);
  EXPECT_EQ(h.fake.status(), "RUNNING");
}

TEST(ModelSession, GivesUpAfterItsAttemptsWhenStopKeepsFailing) {
  Harness h;
  auto options = h.options(true, 1);
  options.stop_attempts = 3;
  auto session = h.open(options);
  h.fake.refuse_next_stops(std::vector<std::string>(5, "ThrottlingException"));
  EXPECT_FALSE(session->close());
  EXPECT_EQ(h.fake.count("StopProjectVersion"), 3);
}

TEST(ModelSessions, BillEveryStartAtItsIuCount) {
  Harness h;
  const auto options = h.options(true, 1);
  ModelSessions sessions(h.context, options, {}, h.out, h.open(options));
  h.clock.advance(60s);  // 1 IU for a minute
  ASSERT_TRUE(sessions.restart(2));
  EXPECT_EQ(sessions.inference_units(), 2u);  // as the service says
  h.clock.advance(120s);                      // 2 IUs for two minutes
  ASSERT_TRUE(sessions.stop());
  ASSERT_TRUE(sessions.billed_iu_minutes());
  EXPECT_DOUBLE_EQ(*sessions.billed_iu_minutes(), 1 * 1.0 + 2 * 2.0);
  EXPECT_EQ(h.fake.count("StartProjectVersion"), 2);
  EXPECT_EQ(h.fake.count("StopProjectVersion"), 2);
  EXPECT_EQ(h.fake.status(), "STOPPING");
}

TEST(ModelSessions, AFailedRestartIsBilledOnceAndLeavesNothingRunning) {
  Harness h;
  const auto options = h.options(true, 1);
  ModelSessions sessions(h.context, options, {}, h.out, h.open(options));
  h.clock.advance(60s);
  h.fake.refuse_next_start("LimitExceededException");
  const auto restarted = sessions.restart(2);
  ASSERT_FALSE(restarted);
  EXPECT_NE(restarted.error().message.find("StartProjectVersion"), std::string::npos);
  h.clock.advance(600s);  // nothing runs: nothing more is billed
  EXPECT_TRUE(sessions.stop());
  EXPECT_DOUBLE_EQ(*sessions.billed_iu_minutes(), 1.0);
}

TEST(ModelSessions, AModelRunningBeforeIuprobeIsNotRestartedWithoutStopModel) {
  Harness h;
  h.fake.set_status("RUNNING");
  const auto options = h.options(true, 1);
  ModelSessions sessions(h.context, options, {}, h.out, h.open(options));
  EXPECT_FALSE(sessions.started_by_iuprobe());
  const auto restarted = sessions.restart(2);
  ASSERT_FALSE(restarted);
  EXPECT_EQ(restarted.error().kind, ErrorKind::kUsage);
  EXPECT_NE(restarted.error().message.find("--stop-model"), std::string::npos);
  EXPECT_TRUE(sessions.stop());
  EXPECT_EQ(h.fake.count("StopProjectVersion"), 0);  // left running, as it was
  EXPECT_EQ(h.fake.status(), "RUNNING");
  EXPECT_FALSE(sessions.billed_iu_minutes());  // only the caller knows what it cost
}

}  // namespace
}  // namespace iuprobe
