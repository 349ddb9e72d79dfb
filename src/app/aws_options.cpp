// SPDX-License-Identifier: Apache-2.0
#include "app/aws_options.h"

#include "cloudwatch/cloudwatch_client.h"

namespace iuprobe {

Result<std::string> choose_region(const AwsFlags& flags,
                                  const std::optional<ProjectVersionArn>& arn,
                                  const EnvLookup& env) {
  if (!flags.region.empty()) {
    if (arn && arn->region != flags.region) {
      return fail(
          ErrorKind::kUsage,
          "--region {} differs from the model's region in its ARN ({}); drop --region or fix the "
          "ARN",
          flags.region, arn->region);
    }
    return flags.region;
  }
  if (arn) return arn->region;
  auto files = load_shared_files(env);
  if (!files) return tl::unexpected(files.error());
  const std::optional<std::string> profile =
      flags.profile.empty() ? std::nullopt : std::optional<std::string>(flags.profile);
  auto region = resolve_region(std::nullopt, env, *files, profile_name(profile, env));
  if (!region) {
    return fail(ErrorKind::kUsage,
                "no AWS region: pass --region, set AWS_REGION, or set region in {}",
                files->config_path);
  }
  return *region;
}

Result<std::shared_ptr<CredentialSource>> load_credentials(const AwsFlags& flags) {
  CredentialOptions options;
  if (!flags.profile.empty()) options.profile = flags.profile;
  return CredentialSource::create(std::move(options));
}

Result<HttpUrl> cloudwatch_endpoint_for(const AwsFlags& flags, std::string_view region,
                                        const EnvLookup& env) {
  const auto flag = flags.cloudwatch_endpoint_url.empty()
                        ? std::nullopt
                        : std::optional<std::string>(flags.cloudwatch_endpoint_url);
  return cloudwatch_endpoint(region, flag, env);
}

Result<AwsContext> build_aws_context(const AwsFlags& flags, const std::string& project_version_arn,
                                     const TlsOptions& tls_options) {
  auto arn = parse_project_version_arn(project_version_arn);
  if (!arn) return with_context(arn.error(), "--project-version-arn");
  auto region = choose_region(flags, *arn, process_environment());
  if (!region) return tl::unexpected(region.error());
  const std::optional<std::string> endpoint_url =
      flags.endpoint_url.empty() ? std::nullopt : std::optional<std::string>(flags.endpoint_url);
  auto endpoint = rekognition_endpoint(*region, flags.fips, endpoint_url);
  if (!endpoint) return tl::unexpected(endpoint.error());
  auto credentials = load_credentials(flags);
  if (!credentials) return tl::unexpected(credentials.error());
  AwsContext context{.credentials = *credentials,
                     .region = *region,
                     .endpoint = *endpoint,
                     .arn = *arn,
                     .tls = nullptr};
  if (endpoint->tls) {
    auto tls = make_client_tls_context(tls_options);
    if (!tls) return tl::unexpected(tls.error());
    context.tls = *tls;
  }
  return context;
}

}  // namespace iuprobe
