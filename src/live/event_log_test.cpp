// SPDX-License-Identifier: Apache-2.0
#include "live/event_log.h"

#include <gtest/gtest.h>

namespace iuprobe {
namespace {

TEST(EventLog, FramesEventsWithIdsAndReplaysFromAnId) {
  EventLog log;
  EXPECT_EQ(log.append("hello", R"({"a":1})"), 1u);
  EXPECT_EQ(log.append("window", R"({"t_s":0})"), 2u);
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
  log.append("status", "one\ntwo\r\nevent: done");
  EXPECT_EQ(log.frames_after(0), "id: 1\nevent: status\ndata: one two  event: done\n\n");
}

TEST(EventLog, ParsesLastEventId) {
  EXPECT_EQ(parse_event_id("42"), 42u);
  EXPECT_EQ(parse_event_id(""), 0u);
  EXPECT_EQ(parse_event_id("4x"), 0u);
  EXPECT_EQ(parse_event_id("-1"), 0u);
}

}  // namespace
}  // namespace iuprobe
