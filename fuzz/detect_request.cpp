// SPDX-License-Identifier: Apache-2.0
// A DetectCustomLabels request body as the emulator reads it from anyone on loopback: JSON,
// the ARN, base64 and the image header, each checked as the service does.
#include "emulator/detect_request.h"

#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto request = iuprobe::parse_detect_request(iuprobe::fuzzing::text(data, size));
  if (request) {
    iuprobe::fuzzing::require(request->image.width >= 64 && request->image.height >= 64,
                              "an accepted image has sides of at least 64 px");
  }
  return 0;
}
