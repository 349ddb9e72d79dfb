// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/result.h"

namespace iuprobe {

// Real, decodable test images with a pattern drawn from `seed` (so different seeds give
// different bytes, hence different labels). `quality` trades JPEG size for fidelity; noise
// makes the size grow with the pixel count as photographs do.
std::string encode_sample_jpeg(unsigned width, unsigned height, std::uint64_t seed,
                               int quality = 85);
std::string encode_sample_png(unsigned width, unsigned height, std::uint64_t seed);

struct SampleImage {
  std::filesystem::path path;
  unsigned width = 0;
  unsigned height = 0;
  std::uint64_t bytes = 0;
};

// A set of JPEG and PNG images of different sizes (about 25 KB to 1 MB) in `directory`,
// created if missing; for trying the emulator, the demo and the benchmarks.
Result<std::vector<SampleImage>> write_sample_images(const std::filesystem::path& directory);

}  // namespace iuprobe
