// SPDX-License-Identifier: Apache-2.0
#include "aws/images.h"

#include <algorithm>
#include <fstream>

namespace iuprobe {
namespace fs = std::filesystem;

ImageFormat sniff_image(std::string_view bytes) {
  if (bytes.size() >= 3 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
      static_cast<unsigned char>(bytes[1]) == 0xD8 &&
      static_cast<unsigned char>(bytes[2]) == 0xFF) {
    return ImageFormat::kJpeg;
  }
  if (bytes.starts_with(std::string_view("\x89PNG\r\n\x1a\n", 8))) return ImageFormat::kPng;
  return ImageFormat::kOther;
}

Result<ImageSet> load_images(const fs::path& path) {
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_directory(path, ec)) {
    for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().filename().string().starts_with(".") || !it->is_regular_file(ec)) continue;
      files.push_back(it->path());
    }
    if (ec)
      return fail(ErrorKind::kInput, "--images {}: cannot list it: {}", path.string(),
                  ec.message());
    std::sort(files.begin(), files.end());
  } else if (fs::is_regular_file(path, ec)) {
    files.push_back(path);
  } else {
    return fail(ErrorKind::kInput, "--images {}: no such file or directory", path.string());
  }
  ImageSet set;
  for (const fs::path& file : files) {
    const std::string name = file.filename().string();
    const auto size = fs::file_size(file, ec);
    if (ec) {
      set.skipped.push_back(fmt::format("{}: cannot read its size ({})", name, ec.message()));
      continue;
    }
    if (size > kMaxImageBytes) {
      set.skipped.push_back(
          fmt::format("{}: {:.1f} MB is above DetectCustomLabels' 4 MB limit for image bytes", name,
                      static_cast<double>(size) / 1e6));
      continue;
    }
    auto body = load_body_file(file, kMaxImageBytes, "--images");
    if (!body) {
      set.skipped.push_back(fmt::format("{}: {}", name, body.error().message));
      continue;
    }
    if (sniff_image(body->bytes) == ImageFormat::kOther) {
      set.skipped.push_back(fmt::format("{}: not a JPEG or PNG image (by its first bytes)", name));
      continue;
    }
    set.images.push_back(std::move(*body));
  }
  if (set.images.empty()) {
    return fail(ErrorKind::kInput, "--images {}: no JPEG or PNG images to send{}", path.string(),
                files.empty() ? " (it is empty)"
                              : fmt::format(" ({} file(s) skipped: {})", set.skipped.size(),
                                            fmt::join(set.skipped, "; ")));
  }
  return set;
}

}  // namespace iuprobe
