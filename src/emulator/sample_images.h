// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

namespace iuprobe {

// Real, decodable test images with a pattern drawn from `seed` (so different seeds give
// different bytes, hence different labels). `quality` trades JPEG size for fidelity; noise
// makes the size grow with the pixel count as photographs do.
std::string encode_sample_jpeg(unsigned width, unsigned height, std::uint64_t seed,
                               int quality = 85);
std::string encode_sample_png(unsigned width, unsigned height, std::uint64_t seed);

}  // namespace iuprobe
