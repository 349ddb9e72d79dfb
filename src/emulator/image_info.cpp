// SPDX-License-Identifier: Apache-2.0
#include "emulator/image_info.h"

#include <png.h>
#include <turbojpeg.h>

#include <cstring>
#include <memory>

namespace iuprobe {
namespace {

constexpr unsigned kMinSide = 64;
constexpr unsigned kMaxSide = 4096;

Result<ImageInfo> read_jpeg(std::string_view bytes) {
  std::unique_ptr<void, int (*)(tjhandle)> handle(tjInitDecompress(), tjDestroy);
  if (!handle) return fail(ErrorKind::kInput, "cannot start the JPEG decoder");
  int width = 0;
  int height = 0;
  int subsampling = 0;
  int colorspace = 0;
  // The const_cast is turbojpeg's: its input pointer is not const but is never written.
  auto* data = reinterpret_cast<unsigned char*>(const_cast<char*>(bytes.data()));
  if (tjDecompressHeader3(handle.get(), data, bytes.size(), &width, &height, &subsampling,
                          &colorspace) != 0) {
    return fail(ErrorKind::kInput, "the JPEG header cannot be read ({})",
                tjGetErrorStr2(handle.get()));
  }
  // A header cut short before its frame marker "succeeds" with no size.
  if (width <= 0 || height <= 0)
    return fail(ErrorKind::kInput, "the JPEG header cannot be read (it is cut short)");
  return ImageInfo{ImageInfo::Format::kJpeg, static_cast<unsigned>(width),
                   static_cast<unsigned>(height)};
}

struct PngInput {
  std::string_view bytes;
  std::size_t offset = 0;
};

void png_read_from_memory(png_structp png, png_bytep out, png_size_t length) {
  auto* input = static_cast<PngInput*>(png_get_io_ptr(png));
  if (input->bytes.size() - input->offset < length) png_error(png, "truncated PNG");
  std::memcpy(out, input->bytes.data() + input->offset, length);
  input->offset += length;
}

void png_error_to_jump(png_structp png, png_const_charp message) {
  auto* text = static_cast<std::string*>(png_get_error_ptr(png));
  *text = message;
  png_longjmp(png, 1);
}

void png_ignore_warning(png_structp, png_const_charp) {}

// libpng reports errors by longjmp: this frame holds nothing with a destructor, and writes its
// results only through pointers, so the jump skips no cleanup and clobbers no local.
bool read_png_header(png_structp png, png_infop info, PngInput* input, ImageInfo* out) {
  if (setjmp(png_jmpbuf(png)) != 0) return false;
  png_set_read_fn(png, input, png_read_from_memory);
  png_read_info(png, info);
  out->width = png_get_image_width(png, info);
  out->height = png_get_image_height(png, info);
  return true;
}

Result<ImageInfo> read_png(std::string_view bytes) {
  std::string error;
  png_structp png =
      png_create_read_struct(PNG_LIBPNG_VER_STRING, &error, png_error_to_jump, png_ignore_warning);
  if (!png) return fail(ErrorKind::kInput, "cannot start the PNG decoder");
  png_infop info = png_create_info_struct(png);
  PngInput input{bytes};
  ImageInfo out{ImageInfo::Format::kPng};
  const bool ok = info != nullptr && read_png_header(png, info, &input, &out);
  if (!ok && error.empty()) error = "out of memory";
  png_destroy_read_struct(&png, info ? &info : nullptr, nullptr);
  if (!ok) return fail(ErrorKind::kInput, "the PNG header cannot be read ({})", error);
  return out;
}

}  // namespace

Result<ImageInfo> read_image_info(std::string_view bytes) {
  static constexpr std::string_view kPngSignature = "\x89PNG\r\n\x1a\n";
  Result<ImageInfo> info = fail(ErrorKind::kInput, "the image is neither JPEG nor PNG");
  if (bytes.size() >= 3 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
      static_cast<unsigned char>(bytes[1]) == 0xD8 &&
      static_cast<unsigned char>(bytes[2]) == 0xFF) {
    info = read_jpeg(bytes);
  } else if (bytes.starts_with(kPngSignature)) {
    info = read_png(bytes);
  }
  if (!info) return info;
  if (info->width < kMinSide || info->height < kMinSide || info->width > kMaxSide ||
      info->height > kMaxSide) {
    return fail(ErrorKind::kInput, "the image is {}x{} px; each side must be {}-{} px", info->width,
                info->height, kMinSide, kMaxSide);
  }
  return info;
}

}  // namespace iuprobe
