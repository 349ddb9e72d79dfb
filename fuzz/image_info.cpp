// SPDX-License-Identifier: Apache-2.0
// Image bytes as the emulator decodes their header (libjpeg-turbo, libpng): any bytes a client
// base64-encodes.
#include "emulator/image_info.h"

#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto info = iuprobe::read_image_info(iuprobe::fuzzing::text(data, size));
  if (info) {
    iuprobe::fuzzing::require(
        info->width >= 64 && info->width <= 4096 && info->height >= 64 && info->height <= 4096,
        "an accepted image's sides are within 64-4096 px");
  }
  return 0;
}
