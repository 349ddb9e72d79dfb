// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdio>
#include <filesystem>
#include <optional>

#include "core/result.h"
#include "engine/session.h"

namespace iuprobe {

// Streams one CSV row per second as the run goes (flushed each row, so an interrupted or
// crashed run still leaves its history). Each row names its phase (warmup or measure).
class CsvHistory final : public SessionObserver {
 public:
  static Result<std::unique_ptr<CsvHistory>> open(const std::filesystem::path& path);
  ~CsvHistory() override;
  void on_window(const WindowRecord& window) override;
  // The first row that could not be written (a full or read-only disk), if any: later rows are
  // still tried, so the file has every row that fit.
  std::optional<Error> failure() const { return failure_; }

  static std::string header();
  static std::string row(const WindowRecord& window);

 private:
  CsvHistory(std::FILE* file, std::filesystem::path path) : file_(file), path_(std::move(path)) {}
  std::FILE* file_;
  std::filesystem::path path_;
  std::optional<Error> failure_;
  std::size_t complete_bytes_ = 0;  // the header and every whole row written
};

}  // namespace iuprobe
