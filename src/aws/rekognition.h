// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <optional>
#include <string>

#include "aws/arn.h"
#include "aws/credentials.h"
#include "aws/images.h"
#include "aws/json_client.h"
#include "aws/signed_requests.h"
#include "http/classify.h"
#include "http/fetch.h"

namespace iuprobe {

// https://rekognition.REGION.amazonaws.com (rekognition-fips.… with `fips`, .amazonaws.com.cn in
// China), or `endpoint_url` as given (the emulator, moto, a VPC endpoint).
Result<HttpUrl> rekognition_endpoint(std::string_view region, bool fips,
                                     const std::optional<std::string>& endpoint_url);

struct DetectOptions {
  std::optional<double> min_confidence;  // 0-100
  std::optional<int> max_results;        // >= 1
};

// The AWS JSON 1.1 body: {"ProjectVersionArn":…,"Image":{"Bytes":base64},…}.
std::string detect_custom_labels_body(const ProjectVersionArn& arn, std::string_view image,
                                      const DetectOptions& options);

// DetectCustomLabels requests, one per image, bodies and payload hashes built once.
std::shared_ptr<SignedRequests> detect_custom_labels_requests(
    const HttpUrl& endpoint, const std::string& region, const ProjectVersionArn& arn,
    const ImageSet& images, const DetectOptions& options,
    std::shared_ptr<CredentialSource> credentials);

// Errors after which a load run must stop at once (the model is not running, the credentials are
// refused, the clock is off), with what to do about it and its kind (service or auth). Others
// (image errors, 5xx) are counted.
std::optional<Error> rekognition_stop_advice(const ErrorInfo& error, const ProjectVersionArn& arn);

// A model's state, from DescribeProjectVersions.
struct ModelDescription {
  std::string project_arn;
  std::string status;  // STARTING, RUNNING, STOPPING, STOPPED, TRAINING_COMPLETED, FAILED, …
  std::string status_message;
  unsigned min_inference_units = 0;
  std::optional<unsigned> max_inference_units;
};

// Synchronous control-plane calls over AWS JSON 1.1: model lifecycle and status.
class RekognitionClient {
 public:
  RekognitionClient(HttpUrl endpoint, std::string region,
                    std::shared_ptr<CredentialSource> credentials,
                    std::shared_ptr<boost::asio::ssl::context> tls,
                    Duration timeout = std::chrono::seconds(30));

  AwsResult<boost::json::value> call(std::string_view operation,
                                     const boost::json::object& input) const;

  // The project's ARN: `known` if given, else found with DescribeProjects by the project's name.
  AwsResult<std::string> project_arn(const ProjectVersionArn& arn,
                                     const std::optional<std::string>& known = {});
  AwsResult<ModelDescription> describe(const ProjectVersionArn& arn,
                                       const std::optional<std::string>& project = {});
  AwsResult<std::string> start(const ProjectVersionArn& arn, unsigned min_iu,
                               std::optional<unsigned> max_iu) const;
  AwsResult<std::string> stop(const ProjectVersionArn& arn) const;

  const HttpUrl& endpoint() const { return json_.endpoint(); }

 private:
  AwsJsonClient json_;
  std::optional<std::string> project_arn_;  // cached after the first lookup
};

}  // namespace iuprobe
