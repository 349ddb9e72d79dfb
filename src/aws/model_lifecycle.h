// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <initializer_list>
#include <string_view>

#include "aws/rekognition.h"

namespace iuprobe {

struct WaitOptions {
  Duration timeout = std::chrono::minutes(30);
  Duration poll_interval = std::chrono::seconds(5);
  // Called after every DescribeProjectVersions, for a progress line.
  std::function<void(const ModelDescription& model, Duration elapsed)> on_poll;
  // Polled between calls (every 100 ms): true ends the wait early.
  std::function<bool()> cancelled;
};

enum class WaitEnd { kReached, kFailed, kTimedOut, kCancelled };

struct WaitResult {
  WaitEnd end = WaitEnd::kTimedOut;
  ModelDescription model;  // the last description seen
  Duration waited{};
};

// Sleeps for `duration`, checking `cancelled` (may be empty) every 100 ms; true if it ended
// the sleep early.
bool sleep_unless(Duration duration, const std::function<bool()>& cancelled);

// Polls the model until its status is one of `wanted`, turns into a failure status (FAILED,
// TRAINING_FAILED, EXPIRED, DEPRECATED, DELETING), the timeout passes or the wait is cancelled.
AwsResult<WaitResult> wait_for_model(RekognitionClient& client, const ProjectVersionArn& arn,
                                     const std::optional<std::string>& project_arn,
                                     std::initializer_list<std::string_view> wanted,
                                     const WaitOptions& options);

}  // namespace iuprobe
