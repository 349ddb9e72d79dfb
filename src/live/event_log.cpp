// SPDX-License-Identifier: Apache-2.0
#include "live/event_log.h"

#include <fmt/format.h>

#include <charconv>

namespace iuprobe {

std::uint64_t EventLog::append(std::string_view type, std::string_view data) {
  const std::uint64_t id = frames_.size() + 1;
  // "data:" must not contain a line break: a break would end the field. JSON serialised by
  // Boost.JSON has none (breaks inside strings are escaped), so this only guards misuse.
  std::string frame = fmt::format("id: {}\nevent: {}\ndata: ", id, type);
  for (char c : data) frame += (c == '\n' || c == '\r') ? ' ' : c;
  frame += "\n\n";
  bytes_ += frame.size();
  frames_.push_back(std::move(frame));
  return id;
}

std::string EventLog::frames_after(std::uint64_t id) const {
  std::string out;
  for (std::uint64_t i = id; i < frames_.size(); ++i) out += frames_[i];
  return out;
}

std::uint64_t parse_event_id(std::string_view text) {
  std::uint64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  return ec == std::errc() && end == text.data() + text.size() ? id : 0;
}

}  // namespace iuprobe
