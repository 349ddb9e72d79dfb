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
  // StopProjectVersion calls before giving up on transient errors (throttling, 5xx, no answer):
  // the waits between them start at min(1 s, poll_interval) and double, up to 30 s each.
  unsigned stop_attempts = 8;
  const Clock* clock = nullptr;  // what IU-minutes are measured on; null: the real one
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
  // The same in two steps, for a caller that must account for a failed start (it may have
  // billed): create() touches nothing; bring_up() then starts or waits.
  static std::unique_ptr<ModelSession> create(const AwsContext& context,
                                              ModelSessionOptions options, StopToken stop,
                                              std::FILE* out);
  Result<void> bring_up();
  ~ModelSession();
  ModelSession(const ModelSession&) = delete;
  ModelSession& operator=(const ModelSession&) = delete;

  // Stops the model if that is this session's job; true when nothing is left running by mistake.
  bool close();
  // Stops the model whoever started it, to start it again with another IU count.
  bool stop_for_restart();

  unsigned inference_units() const { return inference_units_; }
  bool started_by_iuprobe() const { return started_; }
  // IU-minutes from the start request to the stop request, or to now while no stop request
  // succeeded (0 if iuprobe did not start it).
  double iu_minutes() const;

 private:
  ModelSession(const AwsContext& context, ModelSessionOptions options, StopToken stop,
               std::FILE* out);
  bool stop_model();
  TimePoint now() const;

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

// One model session after another, for --verify-scaling: the model stopped and started again
// with another IU count, and the IU-minutes of every session iuprobe started, a restart that
// failed part-way included. Restarting a model iuprobe did not start is refused unless the flags
// said iuprobe may stop it (--stop-model): it would not be left as it was.
class ModelSessions {
 public:
  ModelSessions(const AwsContext& context, ModelSessionOptions options, StopToken stop,
                std::FILE* out, std::unique_ptr<ModelSession> first);

  unsigned inference_units() const { return inference_units_; }
  bool started_by_iuprobe() const { return session_ && session_->started_by_iuprobe(); }
  Result<void> restart(unsigned inference_units);
  // Stops the model if that is iuprobe's job; an error when it may still be running.
  Result<void> stop();
  // Every session's IU-minutes; nullopt when iuprobe did not start them all (then only the
  // caller knows what the model cost).
  std::optional<double> billed_iu_minutes() const;

 private:
  AwsContext context_;
  ModelSessionOptions options_;
  StopToken stop_;
  std::FILE* out_;
  std::unique_ptr<ModelSession> session_;  // null after a failed restart
  unsigned inference_units_ = 0;
  double closed_iu_minutes_ = 0;  // of sessions already closed
  bool all_started_by_iuprobe_ = true;
};

// "STARTING, 1m05s": prints a progress line per poll.
std::function<void(const ModelDescription&, Duration)> progress_printer(std::FILE* out);

}  // namespace iuprobe
