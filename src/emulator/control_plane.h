// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "emulator/model.h"
#include "emulator/service_error.h"

namespace iuprobe {

struct ModelEntry {
  std::string project_arn;
  std::string version_arn;
  EmulatedModel model;
  std::vector<std::string> stop_failures;  // still to answer, first first (ModelConfig's)
};

// The control-plane operations, JSON in and JSON out, as the service answers them. Creation
// timestamps are fixed (the ARNs carry them) so answers are reproducible.
ServiceResult<boost::json::object> describe_projects(const std::vector<ModelEntry>& models,
                                                     const boost::json::object& input);
ServiceResult<boost::json::object> describe_project_versions(std::vector<ModelEntry>& models,
                                                             const boost::json::object& input,
                                                             SteadyTime now);
ServiceResult<boost::json::object> start_project_version(std::vector<ModelEntry>& models,
                                                         const boost::json::object& input,
                                                         SteadyTime now);
ServiceResult<boost::json::object> stop_project_version(std::vector<ModelEntry>& models,
                                                        const boost::json::object& input,
                                                        SteadyTime now);

// The model with this version ARN, or ResourceNotFoundException.
ServiceResult<ModelEntry*> find_model(std::vector<ModelEntry>& models, std::string_view arn);

}  // namespace iuprobe
