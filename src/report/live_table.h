// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdio>
#include <vector>

#include "engine/session.h"

namespace iuprobe {

// Prints one row per second while a run goes; the header repeats every screenful.
class LiveTable final : public SessionObserver {
 public:
  explicit LiveTable(std::FILE* out) : out_(out) {}
  void on_open(const Target& target, const ConnectionSettings& settings,
               std::string_view address) override;
  void on_window(const WindowRecord& window) override;
  void on_stopping(int signal_number) override;

 private:
  std::FILE* out_;
  int rows_ = 0;
};

// Forwards every event to several observers, in order.
class FanOut final : public SessionObserver {
 public:
  explicit FanOut(std::vector<SessionObserver*> observers) : observers_(std::move(observers)) {}
  void on_open(const Target& target, const ConnectionSettings& settings,
               std::string_view address) override;
  void on_window(const WindowRecord& window) override;
  void on_stopping(int signal_number) override;

 private:
  std::vector<SessionObserver*> observers_;
};

}  // namespace iuprobe
