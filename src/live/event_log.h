// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace iuprobe {

// Everything the live page has been told, kept as Server-Sent Events frames: a page that opens
// mid-run, or reconnects with Last-Event-ID, first receives what it missed. A run publishes a
// few hundred bytes per second, so an hour of history is about 1 MB. Not thread-safe: it lives on
// the dashboard's event loop.
class EventLog {
 public:
  // Appends one event; `data` is one line of JSON (no newlines). Returns its id, from 1.
  std::uint64_t append(std::string_view type, std::string_view data);
  std::uint64_t last_id() const { return frames_.size(); }
  // The frames of every event after `id`, concatenated, ready to write.
  std::string frames_after(std::uint64_t id) const;
  std::size_t bytes() const { return bytes_; }

 private:
  std::vector<std::string> frames_;
  std::size_t bytes_ = 0;
};

// Last-Event-ID as a browser sends it on reconnection; 0 when absent or not a number.
std::uint64_t parse_event_id(std::string_view text);

}  // namespace iuprobe
