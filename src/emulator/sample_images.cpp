// SPDX-License-Identifier: Apache-2.0
#include "emulator/sample_images.h"

#include <png.h>
#include <turbojpeg.h>

#include <fstream>
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
      p[2] = static_cast<unsigned char>(
          ((x + y) * 128 / (width + height) + phase / 2 + (noise >> 16 & 31)) & 0xff);
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
  if (!handle ||
      tjCompress2(handle.get(), pixels.data(), static_cast<int>(width), 0, static_cast<int>(height),
                  TJPF_RGB, &jpeg, &size, TJSAMP_420, quality, TJFLAG_FASTDCT) != 0) {
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

Result<std::vector<SampleImage>> write_sample_images(const std::filesystem::path& directory) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec)
    return fail(ErrorKind::kOutput, "{}: cannot create the directory: {}", directory.string(),
                ec.message());
  struct Spec {
    const char* name;
    unsigned width, height;
    bool png;
  };
  static constexpr Spec kSpecs[] = {{"small-320x240.jpg", 320, 240, false},
                                    {"medium-640x480.jpg", 640, 480, false},
                                    {"large-1920x1080.jpg", 1920, 1080, false},
                                    {"screen-800x600.png", 800, 600, true}};
  std::vector<SampleImage> out;
  std::uint64_t seed = 1;
  for (const Spec& spec : kSpecs) {
    const std::string bytes = spec.png ? encode_sample_png(spec.width, spec.height, seed)
                                       : encode_sample_jpeg(spec.width, spec.height, seed);
    ++seed;
    const auto path = directory / spec.name;
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!file.flush()) return fail(ErrorKind::kOutput, "{}: cannot write the file", path.string());
    out.push_back({path, spec.width, spec.height, bytes.size()});
  }
  return out;
}

}  // namespace iuprobe
