// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdio>
#include <filesystem>

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

  static std::string header();
  static std::string row(const WindowRecord& window);

 private:
  explicit CsvHistory(std::FILE* file) : file_(file) {}
  std::FILE* file_;
};

}  // namespace iuprobe
