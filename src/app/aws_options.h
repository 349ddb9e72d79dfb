// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "aws/aws_context.h"

namespace iuprobe {

// AWS options shared by run, probe, model and sign.
struct AwsFlags {
  std::string region;
  std::string profile;
  std::string endpoint_url;
  bool fips = false;
  std::string cloudwatch_endpoint_url;  // probe and plan: --cloudwatch-endpoint-url
};

// The region: --region, else the model ARN's region, else AWS_REGION / AWS_DEFAULT_REGION / the
// profile's. An explicit --region that differs from the ARN's is refused (the model lives there).
Result<std::string> choose_region(const AwsFlags& flags,
                                  const std::optional<ProjectVersionArn>& arn,
                                  const EnvLookup& env);

Result<std::shared_ptr<CredentialSource>> load_credentials(const AwsFlags& flags);

// CloudWatch's endpoint for these flags: --cloudwatch-endpoint-url, else the SDKs' environment
// variables, else the region's (cloudwatch/cloudwatch_client.h).
Result<HttpUrl> cloudwatch_endpoint_for(const AwsFlags& flags, std::string_view region,
                                        const EnvLookup& env);

Result<AwsContext> build_aws_context(const AwsFlags& flags, const std::string& project_version_arn,
                                     const TlsOptions& tls);

}  // namespace iuprobe
