// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <tl/expected.hpp>

namespace iuprobe {

// An error as the service sends it: {"__type": type, "Message": message}, so that SDKs raise the
// matching exception class.
struct ServiceError {
  std::string type;
  std::string message;

  // 500 for the service's own faults, 400 for everything the client can fix.
  unsigned http_status() const {
    return type == "InternalServerError" || type == "ThrottlingException" ? 500 : 400;
  }
};

template <class T>
using ServiceResult = tl::expected<T, ServiceError>;

inline tl::unexpected<ServiceError> service_error(std::string type, std::string message) {
  return tl::unexpected(ServiceError{std::move(type), std::move(message)});
}

}  // namespace iuprobe
