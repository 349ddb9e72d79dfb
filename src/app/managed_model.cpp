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

}  // namespace iuprobe
