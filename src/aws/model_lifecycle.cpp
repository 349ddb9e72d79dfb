// SPDX-License-Identifier: Apache-2.0
#include "aws/model_lifecycle.h"

#include <algorithm>
#include <thread>

namespace iuprobe {

AwsResult<WaitResult> wait_for_model(RekognitionClient& client, const ProjectVersionArn& arn,
                                     const std::optional<std::string>& project_arn,
                                     std::initializer_list<std::string_view> wanted,
                                     const WaitOptions& options) {
  using Clock = std::chrono::steady_clock;
  constexpr std::string_view kFailures[] = {"FAILED", "TRAINING_FAILED", "EXPIRED", "DEPRECATED",
                                            "DELETING"};
  const Clock::time_point start = Clock::now();
  WaitResult result;
  while (true) {
    auto model = client.describe(arn, project_arn);
    if (!model) return tl::unexpected(model.error());
    result.model = std::move(*model);
    result.waited = Clock::now() - start;
    if (options.on_poll) options.on_poll(result.model, result.waited);
    if (std::find(wanted.begin(), wanted.end(), result.model.status) != wanted.end()) {
      result.end = WaitEnd::kReached;
      return result;
    }
    if (std::find(std::begin(kFailures), std::end(kFailures), result.model.status) !=
        std::end(kFailures)) {
      result.end = WaitEnd::kFailed;
      return result;
    }
    const Duration left = options.timeout - (Clock::now() - start);
    if (left <= Duration::zero()) {
      result.end = WaitEnd::kTimedOut;
      return result;
    }
    if (sleep_unless(std::min(options.poll_interval, left), options.cancelled)) {
      result.end = WaitEnd::kCancelled;
      return result;
    }
  }
}

bool sleep_unless(Duration duration, const std::function<bool()>& cancelled) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point end = Clock::now() + duration;
  while (true) {
    if (cancelled && cancelled()) return true;
    const Clock::time_point now = Clock::now();
    if (now >= end) return false;
    std::this_thread::sleep_for(std::min<Duration>(std::chrono::milliseconds(100), end - now));
  }
}

}  // namespace iuprobe
