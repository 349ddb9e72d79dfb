// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/image_info.h"
#include "emulator/service_error.h"

namespace iuprobe {

// A DetectCustomLabels body, checked as the service checks it.
struct DetectRequest {
  std::string project_version_arn;
  std::optional<double> min_confidence;
  std::optional<unsigned> max_results;
  ImageInfo image;
  std::uint64_t image_digest = 0;
};

// Errors in the service's order: JSON (SerializationException), the ARN (ValidationException),
// S3Object (InvalidS3ObjectException), base64 (SerializationException), size
// (ImageTooLargeException), format and dimensions (InvalidImageFormatException), MinConfidence
// and MaxResults (InvalidParameterException).
ServiceResult<DetectRequest> parse_detect_request(std::string_view body);

}  // namespace iuprobe
