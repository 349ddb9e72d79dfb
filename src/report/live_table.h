// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdio>
#include <vector>

#include "engine/runner.h"

namespace iuprobe {

// Prints one row per second while a run goes; the header repeats every screenful.
class LiveTable final : public RunObserver {
 public:
  explicit LiveTable(std::FILE* out) : out_(out) {}
  void on_start(const RunConfig& config, const std::string& address) override;
  void on_window(const WindowRecord& window) override;
  void on_stopping(int signal_number) override;

 private:
  std::FILE* out_;
  int rows_ = 0;
};

// Forwards every event to several observers, in order.
class FanOut final : public RunObserver {
 public:
  explicit FanOut(std::vector<RunObserver*> observers) : observers_(std::move(observers)) {}
  void on_start(const RunConfig& config, const std::string& address) override;
  void on_window(const WindowRecord& window) override;
  void on_stopping(int signal_number) override;

 private:
  std::vector<RunObserver*> observers_;
};

}  // namespace iuprobe
