// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

namespace iuprobe {

// How much of a long run's per-second events the log keeps: the last `recent` of them one by
// one, and up to `history` points before them, each the merge of the same number of events
// (1, 2, 4, 8...: it doubles whenever the history fills; the last point may cover fewer). A
// page that opens after any length of run thus replays at most recent + history of them.
struct EventLogLimits {
  std::size_t recent = 300;
  std::size_t history = 300;
};

// Combines two consecutive events of the thinned type, `earlier` then `later`, into one.
using EventMerge =
    std::function<boost::json::object(const boost::json::object&, const boost::json::object&)>;

// What the live page has been told, kept as Server-Sent Events frames: a page that opens
// mid-run, or reconnects with Last-Event-ID, first receives what it missed. Every event is kept
// except those of the thinned type (the per-second "window" points), which are thinned as
// EventLogLimits says. Ids stay those the events were sent with: a merged event takes the id of
// the last event it covers. Not thread-safe: it lives on the dashboard's event loop.
class EventLog {
 public:
  EventLog() = default;  // keeps everything
  EventLog(std::string thinned_type, EventMerge merge, EventLogLimits limits = {});

  // Appends one event. Returns its id, from 1.
  std::uint64_t append(std::string_view type, boost::json::object data);
  std::uint64_t last_id() const { return last_id_; }
  // The frames of every kept event after `id`, concatenated, ready to write.
  std::string frames_after(std::uint64_t id) const;
  std::size_t bytes() const { return bytes_; }
  std::size_t events() const { return entries_.size(); }

 private:
  struct Entry {
    std::uint64_t id = 0;
    std::string type;
    std::string frame;
    std::size_t covers = 1;  // events of the thinned type merged into this one
  };
  void set_frame(Entry& entry, const boost::json::object& data);
  static boost::json::object data_of(const Entry& entry);
  void age_one();
  void merge_into(Entry& earlier, Entry& later);

  std::string thinned_type_;
  EventMerge merge_;
  EventLogLimits limits_;
  std::deque<Entry> entries_;
  std::uint64_t last_id_ = 0;
  std::size_t bytes_ = 0;
  std::size_t thinned_ = 0;         // entries of the thinned type: history points, then recent
  std::size_t history_points_ = 0;  // the oldest of them, merged
  std::size_t resolution_ = 1;      // events each point of the history covers (the last: up to)
};

// Last-Event-ID as a browser sends it on reconnection; 0 when absent or not a number.
std::uint64_t parse_event_id(std::string_view text);

}  // namespace iuprobe
