// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "aws/sigv4.h"
#include "emulator/config.h"
#include "emulator/service_error.h"
#include "http/server.h"

namespace iuprobe {

// Checks SigV4 as the service does: the key must be known, the request time within five
// minutes of ours, and the signature must match one computed with the key's secret over the
// headers the client says it signed. Signing keys are cached per key, day, region and service.
class SignatureVerifier {
 public:
  SignatureVerifier(std::vector<AccessKey> keys, std::string region, std::string service);

  // nullopt when the signature is valid. `payload_hash` is the hex SHA-256 of the body.
  std::optional<ServiceError> verify(const HttpRequest& request, std::string_view payload_hash,
                                     SystemTime now);

 private:
  std::vector<AccessKey> keys_;
  std::string region_;
  std::string service_;
  std::map<std::tuple<std::string, std::string, std::string, std::string>, Sha256Digest>
      signing_keys_;
};

}  // namespace iuprobe
