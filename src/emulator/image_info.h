// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace iuprobe {

struct ImageInfo {
  enum class Format { kJpeg, kPng } format = Format::kJpeg;
  unsigned width = 0;
  unsigned height = 0;
  double megapixels() const { return width * static_cast<double>(height) / 1e6; }
};

// Reads a JPEG (libjpeg-turbo) or PNG (libpng) header as DetectCustomLabels does: anything else,
// a damaged header, or a side outside 64-4096 px is an error whose message suits
// InvalidImageFormatException. Only the header is decoded: the emulator simulates inference
// time with timers, so decoding pixels would only cost CPU the load generator needs.
Result<ImageInfo> read_image_info(std::string_view bytes);

}  // namespace iuprobe
