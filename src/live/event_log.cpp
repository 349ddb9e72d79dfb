// SPDX-License-Identifier: Apache-2.0
#include "live/event_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

namespace iuprobe {

EventLog::EventLog(std::string thinned_type, EventMerge merge, EventLogLimits limits)
    : thinned_type_(std::move(thinned_type)), merge_(std::move(merge)), limits_(limits) {
  limits_.history = std::max<std::size_t>(limits_.history, 2);
}

void EventLog::set_frame(Entry& entry, const boost::json::object& data) {
  bytes_ -= entry.frame.size();
  // Boost.JSON escapes line breaks inside strings, so "data:" is one line, as it must be.
  entry.frame = fmt::format("id: {}\nevent: {}\ndata: {}\n\n", entry.id, entry.type,
                            boost::json::serialize(data));
  bytes_ += entry.frame.size();
}

// An entry's data, read back from its frame: only the frame is kept (a parsed object takes
// several times its bytes), and merges are rare, once per aged event at most.
boost::json::object EventLog::data_of(const Entry& entry) {
  constexpr std::string_view kData = "\ndata: ";
  const std::string_view frame = entry.frame;
  const std::size_t begin = frame.find(kData) + kData.size();
  return boost::json::parse(frame.substr(begin, frame.size() - 2 - begin)).as_object();
}

std::uint64_t EventLog::append(std::string_view type, boost::json::object data) {
  Entry entry{.id = ++last_id_, .type = std::string(type)};
  set_frame(entry, data);
  const bool thinned = !thinned_type_.empty() && type == thinned_type_;
  entries_.push_back(std::move(entry));
  if (thinned && ++thinned_ - history_points_ > limits_.recent) age_one();
  return last_id_;
}

// Moves the oldest of the recent events into the history: merged into the history's last point
// if that covers fewer than `resolution_` events, else as a point of its own. When the history
// holds more points than its room, the resolution doubles and its points merge pairwise.
void EventLog::age_one() {
  Entry* last = nullptr;  // the history's last point
  Entry* aged = nullptr;  // the oldest recent event
  std::size_t seen = 0;
  for (Entry& e : entries_) {
    if (e.type != thinned_type_) continue;
    if (seen++ == history_points_) {
      aged = &e;
      break;
    }
    last = &e;
  }
  if (last && last->covers + aged->covers <= resolution_) {
    merge_into(*last, *aged);
  } else {
    ++history_points_;
  }
  if (history_points_ > limits_.history) {
    resolution_ *= 2;
    Entry* group = nullptr;
    seen = 0;
    for (Entry& e : entries_) {
      if (e.type != thinned_type_ || e.covers == 0) continue;
      if (seen++ == history_points_) break;
      if (group && group->covers + e.covers <= resolution_) merge_into(*group, e);
      group = &e;
    }
  }
  thinned_ -= std::erase_if(entries_, [](const Entry& e) { return e.covers == 0; });
  history_points_ = thinned_ - limits_.recent;
}

// `earlier` and `later` as one point in `later`'s place (and id); `earlier` is left to drop.
void EventLog::merge_into(Entry& earlier, Entry& later) {
  const boost::json::object merged = merge_(data_of(earlier), data_of(later));
  later.covers += earlier.covers;
  earlier.covers = 0;
  bytes_ -= earlier.frame.size();
  earlier.frame.clear();
  set_frame(later, merged);
}

std::string EventLog::frames_after(std::uint64_t id) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), id,
                             [](std::uint64_t v, const Entry& e) { return v < e.id; });
  std::string out;
  for (; it != entries_.end(); ++it) out += it->frame;
  return out;
}

std::uint64_t parse_event_id(std::string_view text) {
  std::uint64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  return ec == std::errc() && end == text.data() + text.size() ? id : 0;
}

}  // namespace iuprobe
