// SPDX-License-Identifier: Apache-2.0
#include "http/bodies.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace iuprobe {
namespace fs = std::filesystem;

namespace {

std::string mib(std::uint64_t bytes) {
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / 1048576.0);
}

}  // namespace

Result<Body> load_body_file(const fs::path& file, std::uint64_t max_bytes,
                            std::string_view option) {
  std::error_code ec;
  const auto status = fs::status(file, ec);
  if (ec || !fs::exists(status))
    return fail(ErrorKind::kInput, "{} {}: no such file", option, file.string());
  if (!fs::is_regular_file(status))
    return fail(ErrorKind::kInput, "{} {}: not a regular file", option, file.string());
  const std::uint64_t size = fs::file_size(file, ec);
  if (ec)
    return fail(ErrorKind::kInput, "{} {}: cannot read its size: {}", option, file.string(),
                ec.message());
  if (size > max_bytes) {
    return fail(
        ErrorKind::kInput,
        "{} {}: {} is above the body size limit of {}; raise --max-body-size or use a smaller file",
        option, file.string(), mib(size), mib(max_bytes));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return fail(ErrorKind::kInput, "{} {}: cannot open it: {}", option, file.string(),
                std::strerror(errno));
  Body body{.name = file.filename().string(), .bytes = {}};
  body.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) return fail(ErrorKind::kInput, "{} {}: read failed", option, file.string());
  return body;
}

Result<std::vector<Body>> load_body_dir(const fs::path& dir, std::uint64_t max_bytes,
                                        std::string_view option) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return fail(ErrorKind::kInput, "{} {}: not a directory", option, dir.string());
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with(".") || !it->is_regular_file(ec)) continue;
    files.push_back(it->path());
  }
  if (ec)
    return fail(ErrorKind::kInput, "{} {}: cannot list it: {}", option, dir.string(), ec.message());
  if (files.empty()) {
    return fail(ErrorKind::kInput,
                "{} {}: the directory has no files to send; put one request body per file in it",
                option, dir.string());
  }
  std::sort(files.begin(), files.end());
  std::vector<Body> bodies;
  bodies.reserve(files.size());
  for (const fs::path& file : files) {
    auto body = load_body_file(file, max_bytes, option);
    if (!body) return tl::unexpected(body.error());
    bodies.push_back(std::move(*body));
  }
  return bodies;
}

}  // namespace iuprobe
