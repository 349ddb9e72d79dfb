// SPDX-License-Identifier: Apache-2.0
#include "emulator/detect_request.h"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "aws/arn.h"
#include "aws/crypto.h"
#include "aws/images.h"
#include "emulator/labels.h"

namespace iuprobe {
namespace {

namespace json = boost::json;

tl::unexpected<ServiceError> validation_error(std::string_view member, std::string_view problem) {
  return service_error("ValidationException",
                       fmt::format("1 validation error detected: Value at '{}' failed to satisfy "
                                   "constraint: {}",
                                   member, problem));
}

}  // namespace

ServiceResult<DetectRequest> parse_detect_request(std::string_view body) {
  boost::system::error_code ec;
  const json::value root = json::parse(body, ec);
  if (ec || !root.is_object())
    return service_error("SerializationException", "The request body is not a JSON object.");
  const json::object& input = root.get_object();
  DetectRequest out;

  const json::value* arn = input.if_contains("ProjectVersionArn");
  if (!arn || !arn->is_string())
    return validation_error("projectVersionArn", "Member must not be null");
  out.project_version_arn = std::string(arn->get_string());
  if (auto parsed = parse_project_version_arn(out.project_version_arn); !parsed) {
    return validation_error(
        "projectVersionArn",
        "Member must be a model ARN "
        "(arn:aws:rekognition:REGION:ACCOUNT:project/NAME/version/NAME/TIME): " +
            parsed.error().message);
  }

  const json::value* image = input.if_contains("Image");
  if (!image || !image->is_object()) return validation_error("image", "Member must not be null");
  if (image->get_object().contains("S3Object")) {
    return service_error("InvalidS3ObjectException",
                         "Unable to get object metadata from S3: the emulator has no S3. Send "
                         "the image's bytes in Image.Bytes instead.");
  }
  const json::value* bytes = image->get_object().if_contains("Bytes");
  if (!bytes || !bytes->is_string())
    return validation_error("image.bytes", "Member must not be null");
  const json::string& text = bytes->get_string();
  // Refuse an oversize image before decoding it: base64 is 4 characters per 3 bytes.
  if (text.size() / 4 * 3 > kMaxImageBytes + 2) {
    return service_error("ImageTooLargeException",
                         fmt::format("Image size is too large: about {} bytes; the limit is {} "
                                     "bytes (4 MB).",
                                     text.size() / 4 * 3, kMaxImageBytes));
  }
  const std::optional<std::string> decoded = base64_decode(text);
  if (!decoded) return service_error("SerializationException", "Image.Bytes is not valid base64.");
  if (decoded->size() > kMaxImageBytes) {
    return service_error("ImageTooLargeException",
                         fmt::format("Image size is too large: {} bytes; the limit is {} bytes "
                                     "(4 MB).",
                                     decoded->size(), kMaxImageBytes));
  }
  auto info = read_image_info(*decoded);
  if (!info) {
    return service_error("InvalidImageFormatException",
                         "Request has unsupported image format: " + info.error().message);
  }
  out.image = *info;
  out.image_digest = image_digest(*decoded);

  if (const json::value* v = input.if_contains("MinConfidence")) {
    if (!v->is_number())
      return service_error("SerializationException", "MinConfidence must be a number.");
    const double value = v->to_number<double>();
    if (!(value >= 0 && value <= 100)) {
      return service_error(
          "InvalidParameterException",
          fmt::format("MinConfidence is {}; it must be between 0 and 100.", value));
    }
    out.min_confidence = value;
  }
  if (const json::value* v = input.if_contains("MaxResults")) {
    if (!v->is_int64() && !v->is_uint64())
      return service_error("SerializationException", "MaxResults must be a whole number.");
    if (v->is_int64() && v->get_int64() < 1) {
      return service_error("InvalidParameterException",
                           fmt::format("MaxResults is {}; it must be at least 1.", v->get_int64()));
    }
    out.max_results =
        static_cast<unsigned>(std::min<std::uint64_t>(v->to_number<std::uint64_t>(), 1u << 30));
  }
  return out;
}

}  // namespace iuprobe
