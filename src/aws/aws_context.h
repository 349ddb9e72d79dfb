// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string>

#include "aws/arn.h"
#include "aws/credentials.h"
#include "aws/rekognition.h"
#include "http/tls.h"

namespace iuprobe {

// What it takes to talk to one Rekognition model: resolved once per command.
struct AwsContext {
  std::shared_ptr<CredentialSource> credentials;
  std::string region;
  HttpUrl endpoint;
  ProjectVersionArn arn;
  std::shared_ptr<boost::asio::ssl::context> tls;  // for https endpoints

  RekognitionClient client() const { return RekognitionClient(endpoint, region, credentials, tls); }
};

}  // namespace iuprobe
