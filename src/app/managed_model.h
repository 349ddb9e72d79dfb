// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>

#include "app/options.h"
#include "aws/model_session.h"
#include "core/stop.h"
#include "probe/probe.h"

namespace iuprobe {

// Starts (or waits for) the model when the flags ask for it; null when there is nothing to
// manage (not a model target, or neither --start-model nor --stop-model).
Result<std::unique_ptr<ModelSession>> open_model_session(const TargetSetup& setup,
                                                         const ModelFlags& flags, StopToken stop);

// The probe's view of a model iuprobe manages (probe/probe.h): one ModelSession after another,
// restarted with another IU count for --verify-scaling. The session in hand is stopped when
// this is destroyed, if the probe did not stop it.
class ManagedModelSessions final : public ManagedModel {
 public:
  ManagedModelSessions(const AwsContext& context, ModelSessionOptions options, StopToken stop,
                       std::unique_ptr<ModelSession> first);

  unsigned inference_units() const override { return session_->inference_units(); }
  bool started_by_iuprobe() const override { return session_->started_by_iuprobe(); }
  Result<void> restart(unsigned inference_units) override;
  Result<void> stop() override;
  std::optional<double> billed_iu_minutes() const override;

 private:
  AwsContext context_;
  ModelSessionOptions options_;
  StopToken stop_;
  std::unique_ptr<ModelSession> session_;
  double earlier_iu_minutes_ = 0;  // of sessions already closed
  bool all_started_by_iuprobe_ = true;
};

}  // namespace iuprobe
