// SPDX-License-Identifier: Apache-2.0
#include "live/event_log.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace iuprobe {
namespace {

namespace json = boost::json;

TEST(EventLog, FramesEventsWithIdsAndReplaysFromAnId) {
  EventLog log;
  EXPECT_EQ(log.append("hello", {{"a", 1}}), 1u);
  EXPECT_EQ(log.append("window", {{"t_s", 0}}), 2u);
  EXPECT_EQ(log.last_id(), 2u);
  EXPECT_EQ(log.frames_after(0),
            "id: 1\nevent: hello\ndata: {\"a\":1}\n\nid: 2\nevent: window\ndata: {\"t_s\":0}\n\n");
  EXPECT_EQ(log.frames_after(1), "id: 2\nevent: window\ndata: {\"t_s\":0}\n\n");
  EXPECT_EQ(log.frames_after(2), "");
  EXPECT_EQ(log.frames_after(99), "");
  EXPECT_EQ(log.bytes(), log.frames_after(0).size());
}

TEST(EventLog, ALineBreakCannotEndTheDataField) {
  EventLog log;
  log.append("status", {{"text", "one\ntwo\r\nevent: done"}});
  EXPECT_EQ(log.frames_after(0),
            "id: 1\nevent: status\ndata: {\"text\":\"one\\ntwo\\r\\nevent: done\"}\n\n");
}

// Windows that count themselves: a merge adds up `n` and keeps the first `t`.
EventLog counting_log(EventLogLimits limits) {
  return EventLog(
      "window",
      [](const json::object& a, const json::object& b) {
        return json::object{{"t", a.at("t")}, {"n", a.at("n").as_int64() + b.at("n").as_int64()}};
      },
      limits);
}

struct Replay {
  std::vector<json::object> windows;
  std::size_t others = 0;
  std::vector<std::uint64_t> ids;
};

Replay replay(const EventLog& log, std::uint64_t after = 0) {
  Replay out;
  const std::string text = log.frames_after(after);
  for (std::size_t at = 0; (at = text.find("id: ", at)) != std::string::npos;) {
    const std::size_t type = text.find("event: ", at) + 7;
    const std::size_t data = text.find("data: ", at) + 6;
    const std::size_t end = text.find('\n', data);
    out.ids.push_back(std::stoull(text.substr(at + 4, text.find('\n', at) - at - 4)));
    if (text.compare(type, 6, "window") == 0) {
      out.windows.push_back(json::parse(text.substr(data, end - data)).as_object());
    } else {
      ++out.others;
    }
    at = end;
  }
  return out;
}

TEST(EventLog, AnyLengthOfRunReplaysABoundedHistoryThatStillCoversEverySecond) {
  EventLog log = counting_log({.recent = 60, .history = 40});
  std::size_t most_events = 0;
  for (int t = 0; t < 10000; ++t) {
    log.append("window", {{"t", t}, {"n", 1}});
    if (t % 1000 == 0) log.append("status", {{"t", t}});
    most_events = std::max(most_events, log.events());
  }
  EXPECT_LE(most_events, 60u + 40u + 10u);  // the ten status events are all kept
  const Replay r = replay(log);
  EXPECT_EQ(r.others, 10u);
  ASSERT_GT(r.windows.size(), 60u);
  std::int64_t covered = 0;
  std::int64_t next_t = 0;
  for (const json::object& w : r.windows) {
    EXPECT_EQ(w.at("t").as_int64(), next_t);  // in order, none missing, none twice
    covered += w.at("n").as_int64();
    next_t = w.at("t").as_int64() + w.at("n").as_int64();
  }
  EXPECT_EQ(covered, 10000);
  // The last 60 seconds one by one; every older point of the same width but the last, which
  // may cover fewer.
  for (std::size_t i = r.windows.size() - 60; i < r.windows.size(); ++i)
    EXPECT_EQ(r.windows[i].at("n").as_int64(), 1);
  const std::int64_t width = r.windows.front().at("n").as_int64();
  EXPECT_GE(width, (10000 - 60) / 40);
  for (std::size_t i = 0; i + 62 < r.windows.size(); ++i)
    EXPECT_EQ(r.windows[i].at("n").as_int64(), width) << i;
  EXPECT_LE(r.windows[r.windows.size() - 61].at("n").as_int64(), width);
  EXPECT_TRUE(std::is_sorted(r.ids.begin(), r.ids.end()));
  EXPECT_EQ(log.bytes(), log.frames_after(0).size());
}

TEST(EventLog, AMergedEventKeepsTheIdOfTheLastItCoversSoReconnectionsMissNothingRecent) {
  EventLog log = counting_log({.recent = 4, .history = 4});
  for (int t = 0; t < 12; ++t) log.append("window", {{"t", t}, {"n", 1}});
  const Replay all = replay(log);
  EXPECT_EQ(all.ids.back(), 12u);
  // A page that saw up to id 9 gets exactly ids 10-12, one by one (the recent ones).
  EXPECT_EQ(replay(log, 9).ids, (std::vector<std::uint64_t>{10, 11, 12}));
  // One that saw up to id 2 also gets the merged events that cover 3 and later.
  const Replay late = replay(log, 2);
  EXPECT_LT(late.windows.size(), 10u);
  EXPECT_GT(late.ids.front(), 2u);
}

TEST(EventLog, ParsesLastEventId) {
  EXPECT_EQ(parse_event_id("42"), 42u);
  EXPECT_EQ(parse_event_id(""), 0u);
  EXPECT_EQ(parse_event_id("4x"), 0u);
  EXPECT_EQ(parse_event_id("-1"), 0u);
}

}  // namespace
}  // namespace iuprobe
