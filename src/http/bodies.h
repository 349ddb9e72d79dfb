// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/result.h"

namespace iuprobe {

// A request body read once at start-up and reused for every request that sends it.
struct Body {
  std::string name;  // file name, for messages
  std::string bytes;
};

inline constexpr std::uint64_t kDefaultMaxBodyBytes = 64ull << 20;

// One file. `option` names the flag it came from, for messages ("--body-file").
Result<Body> load_body_file(const std::filesystem::path& file, std::uint64_t max_bytes,
                            std::string_view option = "--body-file");

// Every regular, non-hidden file of a directory, in name order. Empty directories and files
// above `max_bytes` are errors that name the file and the limit.
Result<std::vector<Body>> load_body_dir(const std::filesystem::path& dir, std::uint64_t max_bytes,
                                        std::string_view option = "--body-dir");

}  // namespace iuprobe
