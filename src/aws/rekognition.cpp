// SPDX-License-Identifier: Apache-2.0
#include "aws/rekognition.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace iuprobe {
namespace json = boost::json;

namespace {

std::string target_header(std::string_view operation) {
  return fmt::format("{}.{}", kRekognitionProtocol.target_prefix, operation);
}

std::string get_string(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::string();
}

std::optional<unsigned> get_unsigned(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_int64() && value->get_int64() >= 0)
    return static_cast<unsigned>(value->get_int64());
  if (value->is_uint64()) return static_cast<unsigned>(value->get_uint64());
  return std::nullopt;
}

}  // namespace

Result<HttpUrl> rekognition_endpoint(std::string_view region, bool fips,
                                     const std::optional<std::string>& endpoint_url) {
  if (endpoint_url) {
    auto url = parse_http_url(*endpoint_url);
    if (!url) return with_context(url.error(), "--endpoint-url");
    return url;
  }
  const std::string_view suffix = region.starts_with("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return parse_http_url(
      fmt::format("https://rekognition{}.{}.{}/", fips ? "-fips" : "", region, suffix));
}

std::string detect_custom_labels_body(const ProjectVersionArn& arn, std::string_view image,
                                      const DetectOptions& options) {
  // Written by hand, not serialised, so numbers read as typed (50, not 5E1); the ARN has been
  // checked to contain no character that JSON would need to escape.
  std::string body = fmt::format(R"({{"ProjectVersionArn":"{}","Image":{{"Bytes":"{}"}})", arn.text,
                                 base64_encode(image));
  if (options.min_confidence)
    body += fmt::format(R"(,"MinConfidence":{:g})", *options.min_confidence);
  if (options.max_results) body += fmt::format(R"(,"MaxResults":{})", *options.max_results);
  body += '}';
  return body;
}

std::shared_ptr<SignedRequests> detect_custom_labels_requests(
    const HttpUrl& endpoint, const std::string& region, const ProjectVersionArn& arn,
    const ImageSet& images, const DetectOptions& options,
    std::shared_ptr<CredentialSource> credentials) {
  std::vector<SignedTemplate> templates;
  templates.reserve(images.images.size());
  for (const Body& image : images.images) {
    templates.push_back(
        SignedTemplate{.method = "POST",
                       .url = endpoint,
                       .headers = {{"Content-Type", kRekognitionProtocol.content_type},
                                   {"X-Amz-Target", target_header("DetectCustomLabels")}},
                       .body = detect_custom_labels_body(arn, image.bytes, options),
                       .body_name = image.name});
  }
  return std::make_shared<SignedRequests>(std::move(templates), region, "rekognition",
                                          std::move(credentials));
}

std::optional<Error> rekognition_stop_advice(const ErrorInfo& error, const ProjectVersionArn& arn) {
  const std::string said = error.message.empty() ? std::string(error.type)
                                                 : fmt::format("{}: {}", error.type, error.message);
  if (error.type == "ResourceNotReadyException") {
    return Error{
        ErrorKind::kService,
        fmt::format(
            "the model is not running ({}). Start it with\n  iuprobe model start "
            "--project-version-arn "
            "{} --min-iu 1 --wait\nor let this command start and stop it: --start-model --iu N",
            said, arn.text)};
  }
  if (error.type == "ResourceNotFoundException") {
    return Error{
        ErrorKind::kService,
        fmt::format("no such model ({}): check --project-version-arn and that --region is {}", said,
                    arn.region)};
  }
  if (error.type == "AccessDeniedException") {
    return Error{
        ErrorKind::kAuth,
        fmt::format("access denied ({}): the credentials need rekognition:DetectCustomLabels on {}",
                    said, arn.text)};
  }
  if (error.type == "UnrecognizedClientException") {
    return Error{
        ErrorKind::kAuth,
        fmt::format("the access key is not recognised ({}): check the credentials (--profile, "
                    "AWS_ACCESS_KEY_ID) "
                    "and that they belong to the model's partition",
                    said)};
  }
  if (error.type == "InvalidSignatureException" &&
      error.message.find("Signature expired") != std::string_view::npos) {
    return Error{
        ErrorKind::kAuth,
        fmt::format(
            "the signature was refused as expired ({}): this machine's clock is off by more than 5 "
            "minutes; synchronise it (chrony, ntpdate, timedatectl set-ntp true) and retry",
            said)};
  }
  if (error.type == "InvalidSignatureException" || error.type == "SignatureDoesNotMatch") {
    return Error{
        ErrorKind::kAuth,
        fmt::format("the signature was refused ({}): the secret key does not match the access key; "
                    "'iuprobe sign' prints the canonical request to compare with the server's",
                    said)};
  }
  if (error.type == "ExpiredTokenException" || error.type == "ExpiredToken") {
    return Error{
        ErrorKind::kAuth,
        fmt::format(
            "the session token has expired ({}): get fresh credentials (aws sso login, or your "
            "credential_process) and retry",
            said)};
  }
  if (error.status == 403) {
    return Error{
        ErrorKind::kAuth,
        fmt::format(
            "access refused (HTTP 403{}{}): check the credentials and their permissions for {}",
            said.empty() ? "" : " ", said, arn.text)};
  }
  return std::nullopt;
}

RekognitionClient::RekognitionClient(HttpUrl endpoint, std::string region,
                                     std::shared_ptr<CredentialSource> credentials,
                                     std::shared_ptr<boost::asio::ssl::context> tls,
                                     Duration timeout)
    : json_(kRekognitionProtocol, std::move(endpoint), std::move(region), std::move(credentials),
            std::move(tls), timeout) {}

AwsResult<json::value> RekognitionClient::call(std::string_view operation,
                                               const json::object& input) const {
  return json_.call(operation, input);
}

AwsResult<std::string> RekognitionClient::project_arn(const ProjectVersionArn& arn,
                                                      const std::optional<std::string>& known) {
  if (known) {
    auto checked = check_project_arn(*known);
    if (!checked)
      return tl::unexpected(AwsError{.type = "InvalidParameter",
                                     .message = "--project-arn " + checked.error().message});
    project_arn_ = *checked;
  }
  if (project_arn_) return *project_arn_;
  auto answer = call("DescribeProjects", {{"ProjectNames", json::array{json::value(arn.project)}}});
  if (!answer) return tl::unexpected(answer.error());
  const json::value* projects =
      answer->is_object() ? answer->get_object().if_contains("ProjectDescriptions") : nullptr;
  if (projects != nullptr && projects->is_array()) {
    for (const json::value& project : projects->get_array()) {
      if (!project.is_object()) continue;
      const std::string candidate = get_string(project.get_object(), "ProjectArn");
      if (candidate.find(":project/" + arn.project + "/") != std::string::npos) {
        project_arn_ = candidate;
        return candidate;
      }
    }
  }
  return tl::unexpected(
      AwsError{.status = 400,
               .type = "ResourceNotFoundException",
               .message = fmt::format("no project named '{}' in {} (check --region)", arn.project,
                                      json_.region())});
}

AwsResult<ModelDescription> RekognitionClient::describe(const ProjectVersionArn& arn,
                                                        const std::optional<std::string>& project) {
  auto project_arn_text = project_arn(arn, project);
  if (!project_arn_text) return tl::unexpected(project_arn_text.error());
  auto answer = call(
      "DescribeProjectVersions",
      {{"ProjectArn", *project_arn_text}, {"VersionNames", json::array{json::value(arn.version)}}});
  if (!answer) return tl::unexpected(answer.error());
  const json::value* versions = answer->is_object()
                                    ? answer->get_object().if_contains("ProjectVersionDescriptions")
                                    : nullptr;
  if (versions != nullptr && versions->is_array()) {
    for (const json::value& version : versions->get_array()) {
      if (!version.is_object()) continue;
      const json::object& v = version.get_object();
      if (!get_string(v, "ProjectVersionArn").empty() &&
          get_string(v, "ProjectVersionArn") != arn.text)
        continue;
      return ModelDescription{
          .project_arn = *project_arn_text,
          .status = get_string(v, "Status"),
          .status_message = get_string(v, "StatusMessage"),
          .min_inference_units = get_unsigned(v, "MinInferenceUnits").value_or(0),
          .max_inference_units = get_unsigned(v, "MaxInferenceUnits")};
    }
  }
  return tl::unexpected(AwsError{
      .status = 400,
      .type = "ResourceNotFoundException",
      .message = fmt::format("project '{}' has no version '{}'", arn.project, arn.version)});
}

AwsResult<std::string> RekognitionClient::start(const ProjectVersionArn& arn, unsigned min_iu,
                                                std::optional<unsigned> max_iu) const {
  json::object input{{"ProjectVersionArn", arn.text}, {"MinInferenceUnits", min_iu}};
  if (max_iu) input["MaxInferenceUnits"] = *max_iu;
  auto answer = call("StartProjectVersion", input);
  if (!answer) return tl::unexpected(answer.error());
  return answer->is_object() ? get_string(answer->get_object(), "Status") : std::string();
}

AwsResult<std::string> RekognitionClient::stop(const ProjectVersionArn& arn) const {
  auto answer = call("StopProjectVersion", {{"ProjectVersionArn", arn.text}});
  if (!answer) return tl::unexpected(answer.error());
  return answer->is_object() ? get_string(answer->get_object(), "Status") : std::string();
}

}  // namespace iuprobe
