// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "app/aws_options.h"

namespace iuprobe {

struct SignOptions {
  AwsFlags aws;
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;
  std::string body_file;
  std::string service;
  std::string date;  // 20150830T123600Z; default now
};

// Prints the canonical request, the string to sign and the Authorization header, for comparing
// with what a server says it expected. Secrets are never printed.
Result<void> sign_command(const SignOptions& options);

}  // namespace iuprobe
