// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdio>
#include <memory>

#include "aws/aws_context.h"
#include "aws/model_lifecycle.h"
#include "core/clock.h"
#include "core/stop.h"

namespace iuprobe {

struct ModelSessionOptions {
  bool start = false;                           // --start-model: start it if it is not running
  unsigned inference_units = 0;                 // --iu
  std::optional<unsigned> max_inference_units;  // --max-iu (auto-scaling)
  bool stop_at_end = false;  // --stop-model: stop it even if iuprobe did not start it
  Duration start_timeout = std::chrono::minutes(30);
  Duration poll_interval = std::chrono::seconds(5);
};

// The model around one measurement. If iuprobe starts the model, it stops it again when the
// session closes: after the run, on an error, on Ctrl-C or SIGTERM (close() runs from the
// destructor too). Prints the IU-minutes the session cost. A stop request cancels the wait for
// RUNNING; while stopping, a further one leaves a model that is still starting as it is.
class ModelSession {
 public:
  // Makes sure the model is RUNNING: waits for a model that is starting, starts a stopped one
  // when options.start. Fails (having stopped anything it started) on errors, timeouts and Ctrl-C.
  static Result<std::unique_ptr<ModelSession>> open(const AwsContext& context,
                                                    ModelSessionOptions options, StopToken stop,
                                                    std::FILE* out);
  ~ModelSession();
  ModelSession(const ModelSession&) = delete;
  ModelSession& operator=(const ModelSession&) = delete;

  // Stops the model if that is this session's job; true when nothing is left running by mistake.
  bool close();
  // Stops the model whoever started it, to start it again with another IU count.
  bool stop_for_restart();

  unsigned inference_units() const { return inference_units_; }
  bool started_by_iuprobe() const { return started_; }
  // IU-minutes from the start request to the stop request (0 if iuprobe did not start it).
  double iu_minutes() const;

 private:
  ModelSession(const AwsContext& context, ModelSessionOptions options, StopToken stop,
               std::FILE* out);
  Result<void> bring_up();
  bool stop_model();

  RekognitionClient client_;
  ProjectVersionArn arn_;
  std::string region_;
  ModelSessionOptions options_;
  StopToken stop_;
  std::FILE* out_;
  unsigned inference_units_ = 0;
  bool started_ = false;
  bool closed_ = false;
  TimePoint start_requested_{};
  TimePoint stop_requested_{};
};

// "STARTING, 1m05s": prints a progress line per poll.
std::function<void(const ModelDescription&, Duration)> progress_printer(std::FILE* out);

}  // namespace iuprobe
