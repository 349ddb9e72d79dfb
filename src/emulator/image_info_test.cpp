// SPDX-License-Identifier: Apache-2.0
#include "emulator/image_info.h"

#include <gtest/gtest.h>

#include "emulator/sample_images.h"

namespace iuprobe {
namespace {

TEST(ImageInfo, ReadsJpegDimensions) {
  auto info = read_image_info(encode_sample_jpeg(640, 480, 1));
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->format, ImageInfo::Format::kJpeg);
  EXPECT_EQ(info->width, 640u);
  EXPECT_EQ(info->height, 480u);
  EXPECT_DOUBLE_EQ(info->megapixels(), 0.3072);
}

TEST(ImageInfo, ReadsPngDimensions) {
  auto info = read_image_info(encode_sample_png(100, 4096, 2));
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->format, ImageInfo::Format::kPng);
  EXPECT_EQ(info->width, 100u);
  EXPECT_EQ(info->height, 4096u);
}

TEST(ImageInfo, RefusesSidesOutsideTheServiceRange) {
  auto small = read_image_info(encode_sample_jpeg(63, 200, 1));
  ASSERT_FALSE(small);
  EXPECT_NE(small.error().message.find("63x200"), std::string::npos) << small.error().message;
  EXPECT_FALSE(read_image_info(encode_sample_png(4097, 64, 1)));
  EXPECT_TRUE(read_image_info(encode_sample_png(64, 64, 1)));
}

TEST(ImageInfo, RefusesOtherFormatsAndDamagedHeaders) {
  EXPECT_FALSE(read_image_info("GIF89a......"));
  EXPECT_FALSE(read_image_info(""));
  const std::string jpeg = encode_sample_jpeg(200, 200, 1);
  auto truncated = read_image_info(jpeg.substr(0, 20));
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error().message.find("JPEG"), std::string::npos) << truncated.error().message;
  const std::string png = encode_sample_png(200, 200, 1);
  auto damaged = read_image_info(png.substr(0, 30));
  ASSERT_FALSE(damaged);
  EXPECT_NE(damaged.error().message.find("PNG"), std::string::npos);
  std::string bad_crc = png;
  bad_crc[20] ^= 0x55;  // inside IHDR: libpng checks the chunk's CRC
  EXPECT_FALSE(read_image_info(bad_crc));
}

}  // namespace
}  // namespace iuprobe
