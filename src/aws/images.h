// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/result.h"
#include "http/bodies.h"

namespace iuprobe {

// DetectCustomLabels takes JPEG or PNG bytes up to 4 MB.
inline constexpr std::uint64_t kMaxImageBytes = 4 * 1024 * 1024;

enum class ImageFormat { kJpeg, kPng, kOther };
ImageFormat sniff_image(std::string_view bytes);

struct ImageSet {
  std::vector<Body> images;          // usable, in name order
  std::vector<std::string> skipped;  // one sentence per skipped file, naming it
};

// A file or every regular, non-hidden file of a directory. Files that are not JPEG or PNG by
// their first bytes, or that exceed 4 MB, are skipped with a reason; no usable image is an error.
Result<ImageSet> load_images(const std::filesystem::path& path);

}  // namespace iuprobe
