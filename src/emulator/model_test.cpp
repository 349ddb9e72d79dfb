// SPDX-License-Identifier: Apache-2.0
#include "emulator/model.h"

#include <gtest/gtest.h>

#include "emulator/sample_images.h"

namespace iuprobe {
namespace {

using namespace std::chrono_literals;
using Admission = EmulatedModel::Admission;

const SteadyTime t0{};

ModelConfig small_model() {
  ModelConfig config;
  config.capacity.slots_per_iu = 2;
  config.capacity.queue_per_iu = 1;
  return config;
}

TEST(EmulatedModel, ServesSlotsThenQueuesThenRefuses) {
  EmulatedModel model(small_model(), t0);
  EXPECT_EQ(model.admit(t0), Admission::kServe);
  EXPECT_EQ(model.admit(t0), Admission::kServe);
  EXPECT_EQ(model.admit(t0), Admission::kQueue);
  int woken = 0;
  model.enqueue([&](auto) { ++woken; });
  EXPECT_EQ(model.admit(t0), Admission::kRefuse);
  model.hold_until(t0 + 10ms);
  model.hold_until(t0 + 20ms);
  model.release(t0 + 10ms);  // the slot passes to the waiter
  EXPECT_EQ(woken, 1);
  EXPECT_EQ(model.busy_slots(), 2u);
  EXPECT_EQ(model.queued(), 0u);
  model.hold_until(t0 + 30ms);  // the waiter's service
  model.release(t0 + 20ms);
  EXPECT_EQ(model.busy_slots(), 1u);
  EXPECT_EQ(model.admit(t0 + 20ms), Admission::kServe);
}

TEST(EmulatedModel, ASlotIsFreeAtItsDeadlineEvenBeforeItsReleaseRuns) {
  EmulatedModel model(small_model(), t0);
  ASSERT_EQ(model.admit(t0), Admission::kServe);
  model.hold_until(t0 + 10ms);
  ASSERT_EQ(model.admit(t0), Admission::kServe);
  model.hold_until(t0 + 10ms);
  ASSERT_EQ(model.admit(t0 + 5ms), Admission::kQueue);
  std::optional<SteadyTime> started;
  model.enqueue([&](std::optional<SteadyTime> at) { started = at; });
  // The event loop stalled past 10 ms: the next admission frees both slots at their deadlines.
  EXPECT_EQ(model.admit(t0 + 12ms), Admission::kServe);
  EXPECT_EQ(started, t0 + 10ms) << "the waiter's service starts at the deadline, not now";
  model.release(t0 + 10ms);  // late release of a reaped slot: no double free
  model.release(t0 + 10ms);
  EXPECT_EQ(model.busy_slots(), 2u);
}

// The emulator's event loop may read a request late (busy, or not scheduled on a machine it
// shares with the load generator): it is admitted when it came, and its service starts then.
TEST(EmulatedModel, ARequestIsAdmittedWhenItCameNotWhenItWasRead) {
  EmulatedModel model(small_model(), t0);
  ASSERT_EQ(model.admit(t0), Admission::kServe);
  model.hold_until(t0 + 10ms);
  ASSERT_EQ(model.admit(t0 + 1ms), Admission::kServe);
  model.hold_until(t0 + 11ms);
  // Came at 10.5 ms (one slot free since 10 ms), read at 14 ms: served from 10.5 ms.
  EXPECT_EQ(model.admit(t0 + 10500us), Admission::kServe);
  EXPECT_EQ(model.admitted_at(), t0 + 10500us);
  model.hold_until(t0 + 20500us);
  // Read after it, one that came at 10.2 ms: the model's time runs forward only, so it is taken
  // at 10.5 ms.
  model.release(t0 + 11ms);  // that slot's answer went at 11 ms
  EXPECT_EQ(model.admit(t0 + 10200us), Admission::kQueue);
  EXPECT_EQ(model.admitted_at(), t0 + 10500us);
  EXPECT_EQ(model.admit(t0 + 11ms), Admission::kServe) << "the answered slot frees at its end";
}

// A slot whose answer has gone is still taken for a request that came before its end but is read
// after that answer went: two requests never share a slot.
TEST(EmulatedModel, AnAnsweredSlotIsNotFreeForARequestThatCameBeforeItsEnd) {
  ModelConfig config = small_model();
  config.capacity.slots_per_iu = 1;
  EmulatedModel model(config, t0);
  ASSERT_EQ(model.admit(t0), Admission::kServe);
  model.hold_until(t0 + 10ms);
  model.release(t0 + 10ms);  // answered; the next request came at 6 ms and is read at 12 ms
  EXPECT_EQ(model.busy_slots(), 0u) << "the answer has gone";
  EXPECT_EQ(model.admit(t0 + 6ms), Admission::kQueue);
  std::optional<SteadyTime> started;
  model.enqueue([&](std::optional<SteadyTime> at) { started = at; });
  EXPECT_EQ(started, t0 + 10ms) << "it waited for the slot's end, and takes it without another "
                                   "request coming";
  EXPECT_EQ(model.busy_slots(), 1u);
  EXPECT_EQ(model.admit(t0 + 12ms), Admission::kQueue) << "the waiter took the slot at 10 ms";
}

TEST(EmulatedModel, CapacityScalesWithInferenceUnits) {
  ModelConfig config = small_model();
  config.inference_units = 3;
  EmulatedModel model(config, t0);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(model.admit(t0), Admission::kServe);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(model.admit(t0), Admission::kQueue);
    model.enqueue([](auto) {});
  }
  EXPECT_EQ(model.admit(t0), Admission::kRefuse);
}

TEST(EmulatedModel, ServiceTimeGrowsWithMegapixelsAndJitterIsCentred) {
  ModelConfig config;
  config.capacity.base_service = 40ms;
  config.capacity.service_per_megapixel = 10ms;
  config.capacity.jitter = 0.5;
  EmulatedModel model(config, t0);
  EXPECT_EQ(model.service_time(2.0, 0.5, t0), 60ms);
  EXPECT_EQ(model.service_time(2.0, 0.0, t0), 30ms);
  EXPECT_EQ(model.service_time(0.0, 0.75, t0), 50ms);
  EXPECT_DOUBLE_EQ(capacity_per_iu(config.capacity, 2.0), 5 / 0.060);
}

TEST(EmulatedModel, ALimiterRefusesBeforeTheSlotsAndScalesWithTheIUs) {
  ModelConfig config = small_model();
  config.inference_units = 2;
  config.capacity.limit = {LimiterKind::kFixedWindow, 2, 1s, 1s};  // 4 per second at 2 IUs
  EmulatedModel model(config, t0);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(model.admit(t0), Admission::kServe);
    model.hold_until(t0 + 10ms);
  }
  EXPECT_EQ(model.admit(t0 + 20ms), Admission::kRefuse) << "slots are free, the window is not";
  EXPECT_EQ(model.admit(t0 + 1s), Admission::kServe) << "the next window";
}

TEST(EmulatedModel, WhileItRefusesAnOverloadedModelSlowsDown) {
  ModelConfig config = small_model();  // 2 slots x 40 ms, a queue of 1: 50/s
  config.capacity.base_service = 40ms;
  config.capacity.jitter = 0;
  config.capacity.slowdown = 0.5;
  EmulatedModel model(config, t0);
  EXPECT_EQ(model.service_time(0, 0.5, t0), 40ms);
  ASSERT_EQ(model.admit(t0), Admission::kServe);
  ASSERT_EQ(model.admit(t0), Admission::kServe);
  ASSERT_EQ(model.admit(t0), Admission::kQueue);
  model.enqueue([](auto) {});
  for (int i = 0; i < 25; ++i) ASSERT_EQ(model.admit(t0), Admission::kRefuse);
  // 25 refusals in the last second, half the capacity: 1 + 0.5 x 0.5 times slower.
  EXPECT_EQ(model.service_time(0, 0.5, t0 + 500ms), 50ms);
  for (int i = 0; i < 50; ++i) ASSERT_EQ(model.admit(t0 + 600ms), Admission::kRefuse);
  EXPECT_EQ(model.service_time(0, 0.5, t0 + 700ms), 60ms) << "at most 1 + slowdown";
  EXPECT_EQ(model.service_time(0, 0.5, t0 + 1700ms), 40ms) << "a second without refusals";
}

TEST(EmulatedModel, LifecycleTakesTheConfiguredTimesAndRefusesBadTransitions) {
  ModelConfig config;
  config.running = false;
  config.start_time = 3s;
  config.stop_time = 1s;
  EmulatedModel model(config, t0);
  EXPECT_EQ(model.status(t0), ModelStatus::kStopped);
  EXPECT_TRUE(model.stop(t0));  // not running: ResourceInUse
  EXPECT_FALSE(model.start(t0, 2, std::nullopt));
  EXPECT_EQ(model.status(t0 + 2999ms), ModelStatus::kStarting);
  EXPECT_TRUE(model.start(t0 + 1s, 1, std::nullopt));
  EXPECT_TRUE(model.stop(t0 + 1s));  // STARTING cannot be stopped yet
  EXPECT_EQ(model.status(t0 + 3s), ModelStatus::kRunning);
  EXPECT_EQ(model.inference_units(), 2u);
  EXPECT_FALSE(model.stop(t0 + 13s));
  EXPECT_EQ(model.status(t0 + 13500ms), ModelStatus::kStopping);
  EXPECT_EQ(model.status(t0 + 20s), ModelStatus::kStopped);
  // Billed only while RUNNING: 2 IUs from 3 s to 13 s.
  EXPECT_NEAR(model.billed_iu_seconds(), 20.0, 1e-9);
}

TEST(EmulatedModel, ScalesUpAfterSustainedSaturationAndDownAfterIdleness) {
  ModelConfig config = small_model();
  config.scaling.scale_up_after = 2s;
  config.scaling.scale_down_after = 3s;
  EmulatedModel model(config, t0);
  ASSERT_FALSE(model.stop(t0));
  SteadyTime now = t0 + 5s;  // stopped by now
  ASSERT_EQ(model.status(now), ModelStatus::kStopped);
  ASSERT_FALSE(model.start(now, 1, 2u));
  now += config.start_time;
  ASSERT_EQ(model.status(now), ModelStatus::kRunning);
  // Saturate: both slots busy (for an hour), the queue full, refusals every check.
  const SteadyTime busy_until = now + 1h;
  model.admit(now);
  model.admit(now);
  model.hold_until(busy_until);
  model.hold_until(busy_until);
  int woken = 0;
  ASSERT_EQ(model.admit(now), Admission::kQueue);
  model.enqueue([&](auto) {
    ++woken;
    model.hold_until(busy_until);
  });
  int checks = 0;
  for (; checks < 10 && model.inference_units() == 1; ++checks) {
    now += 500ms;
    model.advance(now);
    if (model.inference_units() == 1) {
      EXPECT_EQ(model.admit(now), Admission::kRefuse);
    }
  }
  EXPECT_EQ(model.inference_units(), 2u);
  EXPECT_GE(checks, 4) << "scaled up before the saturation had lasted 2 s";
  EXPECT_EQ(woken, 1) << "the new IU's slots take the waiting request";
  EXPECT_EQ(model.scale_events(), 1u);
  // Go idle: release everything and let time pass.
  for (int i = 0; i < 3; ++i) model.release(busy_until);
  EXPECT_EQ(model.busy_slots(), 0u);
  for (int i = 0; i < 10; ++i) {
    now += 500ms;
    model.advance(now);
  }
  EXPECT_EQ(model.inference_units(), 1u);
  EXPECT_EQ(model.scale_events(), 2u);
}

TEST(EmulatedModel, NoScalingWithoutAMaximum) {
  ModelConfig config = small_model();
  config.scaling.scale_up_after = 1s;
  EmulatedModel model(config, t0);
  model.admit(t0);
  model.admit(t0);
  SteadyTime now = t0;
  for (int i = 0; i < 10; ++i) {
    now += 500ms;
    model.admit(now);
  }
  EXPECT_EQ(model.inference_units(), 1u);
}

TEST(ConfiguredCapacity, IsSlotsOverTheMeanServiceTimeOfTheImages) {
  ModelConfig model;
  model.inference_units = 2;
  model.capacity = {.base_service = 40ms, .service_per_megapixel = 20ms, .slots_per_iu = 4};
  // 0.3072 MP and 1 MP: service 46.144 ms and 60 ms, mean 53.072 ms.
  const std::vector<std::string> images{encode_sample_png(640, 480, 1),
                                        encode_sample_jpeg(1000, 1000, 2)};
  auto capacity = configured_capacity(model, images);
  ASSERT_TRUE(capacity) << capacity.error().message;
  EXPECT_NEAR(*capacity, 2 * 4 / 0.053072, 1e-6);
  model.capacity.limit = {LimiterKind::kTokenBucket, 50, 5s, 1s};  // 100/s at 2 IUs: lower
  EXPECT_NEAR(*configured_capacity(model, images), 100, 1e-9);
  const std::vector<std::string> broken{"not an image"};
  auto refused = configured_capacity(model, broken);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::kInput);
}

}  // namespace
}  // namespace iuprobe
