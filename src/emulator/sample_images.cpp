// SPDX-License-Identifier: Apache-2.0
#include "emulator/sample_images.h"

#include <png.h>
#include <turbojpeg.h>

#include <memory>
#include <stdexcept>
#include <vector>

#include "emulator/labels.h"

namespace iuprobe {
namespace {

// RGB pixels: smooth gradients with a little noise, like a photograph's texture.
std::vector<unsigned char> sample_pixels(unsigned width, unsigned height, std::uint64_t seed) {
  SplitMix64 rng{seed};
  const unsigned phase = static_cast<unsigned>(rng.next() % 256);
  std::vector<unsigned char> pixels(std::size_t{width} * height * 3);
  for (unsigned y = 0; y < height; ++y) {
    for (unsigned x = 0; x < width; ++x) {
      const std::uint64_t noise = rng.next();
      unsigned char* p = &pixels[(std::size_t{y} * width + x) * 3];
      p[0] = static_cast<unsigned char>((x * 255 / width + phase + (noise & 31)) & 0xff);
      p[1] = static_cast<unsigned char>((y * 255 / height + (noise >> 8 & 31)) & 0xff);
      p[2] = static_cast<unsigned char>(((x + y) * 128 / (width + height) + phase / 2 +
                                         (noise >> 16 & 31)) & 0xff);
    }
  }
  return pixels;
}

}  // namespace

std::string encode_sample_jpeg(unsigned width, unsigned height, std::uint64_t seed, int quality) {
  const auto pixels = sample_pixels(width, height, seed);
  std::unique_ptr<void, int (*)(tjhandle)> handle(tjInitCompress(), tjDestroy);
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;
  if (!handle || tjCompress2(handle.get(), pixels.data(), static_cast<int>(width), 0,
                             static_cast<int>(height), TJPF_RGB, &jpeg, &size, TJSAMP_420,
                             quality, TJFLAG_FASTDCT) != 0) {
    tjFree(jpeg);
    throw std::runtime_error("libjpeg-turbo could not encode a sample image");
  }
  std::string out(reinterpret_cast<const char*>(jpeg), size);
  tjFree(jpeg);
  return out;
}

std::string encode_sample_png(unsigned width, unsigned height, std::uint64_t seed) {
  const auto pixels = sample_pixels(width, height, seed);
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = width;
  image.height = height;
  image.format = PNG_FORMAT_RGB;
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&image, nullptr, &size, 0, pixels.data(), 0, nullptr))
    throw std::runtime_error("libpng could not size a sample image");
  std::string out(size, '\0');
  if (!png_image_write_to_memory(&image, out.data(), &size, 0, pixels.data(), 0, nullptr))
    throw std::runtime_error("libpng could not encode a sample image");
  out.resize(size);
  return out;
}

}  // namespace iuprobe
