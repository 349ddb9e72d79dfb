// SPDX-License-Identifier: Apache-2.0
// Runs a fuzz target over files or directories of inputs, once each, without libFuzzer: the
// regression replay of the corpora in builds by g++, which has no libFuzzer (the asan-ubsan
// preset; scripts/test.sh). libFuzzer's own driver, which mutates inputs, is linked instead in
// the clang fuzz preset (bench/fuzz.sh). Written by hand because it is libFuzzer's interface,
// not a library: LLVM's StandaloneFuzzTargetMain.c is not packaged by Debian.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "fuzz_target.h"

namespace {

namespace fs = std::filesystem;

int replay(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
    return 1;
  }
  const std::vector<char> bytes{std::istreambuf_iterator<char>(in), {}};
  // A copy of exactly the input's size, so that ASan sees a read past its end.
  const std::vector<std::uint8_t> input(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(input.data(), input.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    const fs::path path = argv[i];                            // NOLINT(*-pointer-arithmetic)
    if (path.filename().string().starts_with("-")) continue;  // a libFuzzer flag: ignored
    if (fs::is_directory(path)) {
      for (const auto& entry : fs::recursive_directory_iterator(path)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
    } else {
      files.push_back(path);
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIRECTORY...: runs the fuzz target on each input\n",
                 argv[0]);  // NOLINT(*-pointer-arithmetic)
    return 2;
  }
  std::sort(files.begin(), files.end());
  int failures = 0;
  for (const fs::path& file : files) failures += replay(file);
  std::printf("replayed %zu inputs\n", files.size());
  return failures == 0 ? 0 : 1;
}
