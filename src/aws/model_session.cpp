// SPDX-License-Identifier: Apache-2.0
#include "aws/model_session.h"

#include <fmt/format.h>

#include <algorithm>

#include "aws/retry.h"

namespace iuprobe {
namespace {

// True once a stop request arrives that came after `baseline` requests.
std::function<bool()> new_stop_since(StopToken stop, int baseline) {
  return [stop, baseline] { return stop.requests() > baseline; };
}

}  // namespace

std::function<void(const ModelDescription&, Duration)> progress_printer(std::FILE* out) {
  return [out](const ModelDescription& model, Duration elapsed) {
    fmt::print(out, "model: {}{}{} ({} elapsed)\n", model.status,
               model.status_message.empty() ? "" : ": ", model.status_message,
               format_duration(std::chrono::duration_cast<std::chrono::seconds>(elapsed)));
    std::fflush(out);
  };
}

ModelSession::ModelSession(const AwsContext& context, ModelSessionOptions options, StopToken stop,
                           std::FILE* out)
    : client_(context.client()),
      arn_(context.arn),
      region_(context.region),
      options_(options),
      stop_(stop),
      out_(out) {}

ModelSession::~ModelSession() {
  close();
}

Result<std::unique_ptr<ModelSession>> ModelSession::open(const AwsContext& context,
                                                         ModelSessionOptions options,
                                                         StopToken stop, std::FILE* out) {
  auto session = create(context, options, stop, out);
  if (auto up = session->bring_up(); !up) {
    session->close();
    return tl::unexpected(up.error());
  }
  return session;
}

std::unique_ptr<ModelSession> ModelSession::create(const AwsContext& context,
                                                   ModelSessionOptions options, StopToken stop,
                                                   std::FILE* out) {
  return std::unique_ptr<ModelSession>(new ModelSession(context, options, stop, out));
}

TimePoint ModelSession::now() const {
  static const RealClock real;
  return (options_.clock ? *options_.clock : real).now();
}

Result<void> ModelSession::bring_up() {
  auto model = client_.describe(arn_);
  if (!model) return tl::unexpected(model.error().as_error("cannot read the model's status"));
  const WaitOptions waiting{.timeout = options_.start_timeout,
                            .poll_interval = options_.poll_interval,
                            .on_poll = progress_printer(out_),
                            .cancelled = new_stop_since(stop_, stop_.requests())};
  if (model->status == "STARTING" || model->status == "STOPPING") {
    fmt::print(out_, "model: {} (started or stopped by someone else); waiting for it to settle\n",
               model->status);
    auto settled = wait_for_model(client_, arn_, std::nullopt, {"RUNNING", "STOPPED"}, waiting);
    if (!settled) return tl::unexpected(settled.error().as_error("waiting for the model"));
    if (settled->end != WaitEnd::kReached) {
      return fail(ErrorKind::kService, "the model did not settle: it is {}", settled->model.status);
    }
    *model = settled->model;
  }
  if (model->status == "RUNNING") {
    inference_units_ = model->min_inference_units;
    if (options_.inference_units != 0 && options_.inference_units != inference_units_) {
      fmt::print(stderr,
                 "iuprobe: warning: the model is already running with {} IU(s), not the {} of "
                 "--iu; measuring it as "
                 "it is\n",
                 inference_units_, options_.inference_units);
    }
    return {};
  }
  if (!options_.start) {
    return fail(
        ErrorKind::kService,
        "the model is {}, not RUNNING. Pass --start-model --iu N to start it for this run (iuprobe "
        "stops it "
        "afterwards), or start it yourself:\n  iuprobe model start --project-version-arn {} "
        "--min-iu N --wait",
        model->status, arn_.text);
  }
  if (options_.inference_units == 0)
    return fail(ErrorKind::kUsage, "--start-model needs --iu N: how many inference units to start");
  if (model->status != "STOPPED" && model->status != "TRAINING_COMPLETED" &&
      model->status != "FAILED") {
    return fail(ErrorKind::kService, "the model cannot be started while it is {}{}{}",
                model->status, model->status_message.empty() ? "" : ": ", model->status_message);
  }
  auto started = client_.start(arn_, options_.inference_units, options_.max_inference_units);
  if (!started) return tl::unexpected(started.error().as_error("StartProjectVersion failed"));
  started_ = true;
  start_requested_ = now();
  fmt::print(
      out_,
      "model: starting with {} IU(s); it is billed while it runs, and iuprobe stops it when done\n",
      options_.inference_units);
  std::fflush(out_);
  auto running = wait_for_model(client_, arn_, std::nullopt, {"RUNNING"}, waiting);
  if (!running) return tl::unexpected(running.error().as_error("waiting for the model to start"));
  switch (running->end) {
    case WaitEnd::kReached:
      inference_units_ = running->model.min_inference_units != 0
                             ? running->model.min_inference_units
                             : options_.inference_units;
      return {};
    case WaitEnd::kFailed:
      return fail(ErrorKind::kService, "the model failed to start: {} {}", running->model.status,
                  running->model.status_message);
    case WaitEnd::kTimedOut:
      return fail(ErrorKind::kService,
                  "the model did not reach RUNNING within {} (it is {}); raise --model-timeout",
                  format_duration(options_.start_timeout), running->model.status);
    case WaitEnd::kCancelled:
      return tl::unexpected(
          interrupted_error(stop_.signal(), "interrupted while the model was starting"));
  }
  return {};
}

bool ModelSession::stop_for_restart() {
  if (closed_) return true;
  closed_ = true;
  return stop_model();
}

bool ModelSession::close() {
  if (closed_) return true;
  closed_ = true;
  if (!started_ && !options_.stop_at_end) return true;
  return stop_model();
}

bool ModelSession::stop_model() {
  const int baseline = stop_.requests();
  const auto given_up = new_stop_since(stop_, baseline);
  const Duration first_delay = std::min<Duration>(std::chrono::seconds(1), options_.poll_interval);
  for (unsigned attempt = 1; attempt <= options_.stop_attempts; ++attempt) {
    auto stopped = client_.stop(arn_);
    if (stopped) {
      stop_requested_ = now();
      fmt::print(out_, "model: stop requested ({})", stopped->empty() ? "STOPPING" : *stopped);
      if (started_) {
        fmt::print(out_,
                   "; it ran {} with {} IU(s): {:.1f} IU-minutes billed (from start request to "
                   "stop request)",
                   format_duration(std::chrono::duration_cast<std::chrono::seconds>(
                       stop_requested_ - start_requested_)),
                   options_.inference_units, iu_minutes());
      }
      fmt::print(out_, "\n");
      std::fflush(out_);
      return true;
    }
    if (stopped.error().type == "ResourceInUseException") {
      auto model = client_.describe(arn_);
      if (model && (model->status == "STOPPING" || model->status == "STOPPED")) return true;
      if (model && model->status == "STARTING") {
        fmt::print(
            out_,
            "model: it is still STARTING and cannot be stopped yet; waiting for it to run, then "
            "stopping it (Ctrl-C again to leave it running)\n");
        std::fflush(out_);
        auto running = wait_for_model(client_, arn_, std::nullopt, {"RUNNING"},
                                      {.timeout = options_.start_timeout,
                                       .poll_interval = options_.poll_interval,
                                       .on_poll = progress_printer(out_),
                                       .cancelled = given_up});
        if (running && running->end == WaitEnd::kCancelled) break;
        continue;
      }
    }
    fmt::print(stderr, "iuprobe: StopProjectVersion failed: {}\n", stopped.error().describe());
    if (!is_transient(stopped.error()) || attempt == options_.stop_attempts) break;
    const Duration delay = backoff_delay(first_delay, attempt, std::chrono::seconds(30));
    fmt::print(out_,
               "model: retrying StopProjectVersion in {} (attempt {} of {}; Ctrl-C gives up, "
               "then stop it by hand)\n",
               format_duration(delay), attempt + 1, options_.stop_attempts);
    std::fflush(out_);
    if (sleep_unless(delay, given_up)) break;
  }
  fmt::print(
      stderr,
      "\n!! THE MODEL MAY STILL BE RUNNING AND BILLING. Stop it now with:\n!!   iuprobe model stop "
      "--project-version-arn {} --region {}\n!! or: aws rekognition stop-project-version "
      "--project-version-arn "
      "{} --region {}\n",
      arn_.text, region_, arn_.text, region_);
  return false;
}

double ModelSession::iu_minutes() const {
  if (!started_) return 0;
  const TimePoint end = stop_requested_ != TimePoint{} ? stop_requested_ : now();
  return options_.inference_units *
         std::chrono::duration<double, std::ratio<60>>(end - start_requested_).count();
}

ModelSessions::ModelSessions(const AwsContext& context, ModelSessionOptions options, StopToken stop,
                             std::FILE* out, std::unique_ptr<ModelSession> first)
    : context_(context),
      options_(options),
      stop_(stop),
      out_(out),
      session_(std::move(first)),
      inference_units_(session_->inference_units()),
      all_started_by_iuprobe_(session_->started_by_iuprobe()) {}

Result<void> ModelSessions::restart(unsigned inference_units) {
  if (!session_) return fail(ErrorKind::kService, "the model is not running to be restarted");
  if (!session_->started_by_iuprobe() && !options_.stop_at_end) {
    return fail(ErrorKind::kUsage,
                "--verify-scaling would stop and restart a model that was running before iuprobe "
                "and leave it stopped; add --stop-model to allow that");
  }
  if (!session_->stop_for_restart())
    return fail(ErrorKind::kService, "the model could not be stopped to restart it");
  closed_iu_minutes_ += session_->iu_minutes();
  session_.reset();
  options_.inference_units = inference_units;
  options_.start = true;
  auto next = ModelSession::create(context_, options_, stop_, out_);
  if (auto up = next->bring_up(); !up) {
    // A start that failed part-way may have billed: count it once, here or when stop() closes it.
    if (next->close())
      closed_iu_minutes_ += next->iu_minutes();
    else
      session_ = std::move(next);
    return tl::unexpected(up.error());
  }
  inference_units_ = next->inference_units();
  session_ = std::move(next);
  return {};
}

Result<void> ModelSessions::stop() {
  if (!session_ || session_->close()) return {};
  return fail(ErrorKind::kService,
              "the model could not be stopped and may still be running (see above)");
}

std::optional<double> ModelSessions::billed_iu_minutes() const {
  if (!all_started_by_iuprobe_) return std::nullopt;
  return closed_iu_minutes_ + (session_ ? session_->iu_minutes() : 0);
}

}  // namespace iuprobe
