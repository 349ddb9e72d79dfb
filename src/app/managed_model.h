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

// The probe's view (probe/probe.h) of the model sessions iuprobe manages (aws/model_session.h).
class ManagedModelSessions final : public ManagedModel {
 public:
  explicit ManagedModelSessions(ModelSessions sessions) : sessions_(std::move(sessions)) {}
  unsigned inference_units() const override { return sessions_.inference_units(); }
  bool started_by_iuprobe() const override { return sessions_.started_by_iuprobe(); }
  Result<void> restart(unsigned inference_units) override {
    return sessions_.restart(inference_units);
  }
  Result<void> stop() override { return sessions_.stop(); }
  std::optional<double> billed_iu_minutes() const override { return sessions_.billed_iu_minutes(); }

 private:
  ModelSessions sessions_;
};

}  // namespace iuprobe
