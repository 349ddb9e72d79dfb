// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace iuprobe {

// arn:aws:rekognition:us-east-1:123456789012:project/NAME/version/VERSION/1600000000000
struct ProjectVersionArn {
  std::string text;
  std::string partition;
  std::string region;
  std::string account;
  std::string project;  // project name
  std::string version;  // version name
  std::string created;  // the version's creation timestamp (ms)
};

// Checks the service's pattern part by part; the error says which part is wrong and why.
Result<ProjectVersionArn> parse_project_version_arn(std::string_view text);

// arn:aws:rekognition:us-east-1:123456789012:project/NAME/1600000000000
Result<std::string> check_project_arn(std::string_view text);

}  // namespace iuprobe
