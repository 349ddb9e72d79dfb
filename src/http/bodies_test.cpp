// SPDX-License-Identifier: Apache-2.0
#include "http/bodies.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

namespace iuprobe {
namespace {

namespace fs = std::filesystem;

class BodiesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / fmt::format("iuprobe-bodies-{}-{}", getpid(), counter_++);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name, std::ios::binary) << content;
    return dir_ / name;
  }
  fs::path dir_;
  static inline int counter_ = 0;
};

TEST_F(BodiesTest, ReadsEveryFileInNameOrderSkippingHiddenOnes) {
  write("b.json", "B");
  write("a.json", "AA");
  write(".hidden", "x");
  fs::create_directory(dir_ / "sub");
  auto bodies = load_body_dir(dir_, 1024);
  ASSERT_TRUE(bodies) << bodies.error().message;
  ASSERT_EQ(bodies->size(), 2u);
  EXPECT_EQ((*bodies)[0].name, "a.json");
  EXPECT_EQ((*bodies)[0].bytes, "AA");
  EXPECT_EQ((*bodies)[1].bytes, "B");
}

TEST_F(BodiesTest, EmptyDirectoryIsAnError) {
  auto bodies = load_body_dir(dir_, 1024);
  ASSERT_FALSE(bodies);
  EXPECT_NE(bodies.error().message.find("no files"), std::string::npos);
}

TEST_F(BodiesTest, FileAboveTheLimitIsNamed) {
  write("big.bin", std::string(2000, 'x'));
  auto bodies = load_body_dir(dir_, 1000);
  ASSERT_FALSE(bodies);
  EXPECT_NE(bodies.error().message.find("big.bin"), std::string::npos);
  EXPECT_NE(bodies.error().message.find("--max-body-size"), std::string::npos);
}

TEST_F(BodiesTest, MissingAndUnreadableFilesAreErrors) {
  EXPECT_FALSE(load_body_file(dir_ / "missing", 1024));
  EXPECT_FALSE(load_body_dir(dir_ / "missing", 1024));
  auto file = write("secret", "s");
  chmod(file.c_str(), 0);
  if (geteuid() != 0) {  // root reads anything
    auto body = load_body_file(file, 1024);
    ASSERT_FALSE(body);
    EXPECT_NE(body.error().message.find("cannot open"), std::string::npos);
  }
}

}  // namespace
}  // namespace iuprobe
