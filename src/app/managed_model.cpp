// SPDX-License-Identifier: Apache-2.0
#include "app/managed_model.h"

namespace iuprobe {

Result<std::unique_ptr<ModelSession>> open_model_session(const TargetSetup& setup,
                                                         const ModelFlags& flags, StopToken stop) {
  if (!setup.aws) {
    if (flags.start_model || flags.stop_model) {
      return fail(ErrorKind::kUsage,
                  "--start-model and --stop-model apply to a model target (--project-version-arn)");
    }
    return std::unique_ptr<ModelSession>();
  }
  auto options = build_model_session_options(flags);
  if (!options) return tl::unexpected(options.error());
  if (!options->start && !options->stop_at_end) return std::unique_ptr<ModelSession>();
  return ModelSession::open(*setup.aws, *options, stop, stdout);
}

ManagedModelSessions::ManagedModelSessions(const AwsContext& context, ModelSessionOptions options,
                                           StopToken stop, std::unique_ptr<ModelSession> first)
    : context_(context), options_(options), stop_(stop), session_(std::move(first)) {
  all_started_by_iuprobe_ = session_->started_by_iuprobe();
}

Result<void> ManagedModelSessions::restart(unsigned inference_units) {
  if (!session_->stop_for_restart())
    return fail(ErrorKind::kService, "the model could not be stopped to restart it");
  earlier_iu_minutes_ += session_->iu_minutes();
  options_.inference_units = inference_units;
  options_.start = true;
  auto next = ModelSession::open(context_, options_, stop_, stdout);
  if (!next) return tl::unexpected(next.error());
  session_ = std::move(*next);
  all_started_by_iuprobe_ = all_started_by_iuprobe_ && session_->started_by_iuprobe();
  return {};
}

Result<void> ManagedModelSessions::stop() {
  if (!session_->close()) {
    return fail(ErrorKind::kService,
                "the model could not be stopped and may still be running (see above)");
  }
  return {};
}

std::optional<double> ManagedModelSessions::billed_iu_minutes() const {
  if (!all_started_by_iuprobe_) return std::nullopt;
  return earlier_iu_minutes_ + session_->iu_minutes();
}

}  // namespace iuprobe
