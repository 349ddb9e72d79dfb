// SPDX-License-Identifier: Apache-2.0
#include "http/request_source.h"

#include <gtest/gtest.h>

namespace iuprobe {
namespace {

TEST(ParseHeader, SplitsAndTrims) {
  auto header = parse_header("Content-Type:  application/json ");
  ASSERT_TRUE(header);
  EXPECT_EQ(header->first, "Content-Type");
  EXPECT_EQ(header->second, "application/json");
}

TEST(ParseHeader, RejectsMalformedHeaders) {
  EXPECT_FALSE(parse_header("no colon"));
  EXPECT_FALSE(parse_header(": value"));
  EXPECT_FALSE(parse_header("Bad Name: v"));
  EXPECT_FALSE(parse_header("X: a\r\nInjected: b"));
  EXPECT_FALSE(parse_header("Content-Length: 5"));
}

TEST(HttpRequests, BuildsOneHeadPerBodyAndCyclesThroughThem) {
  HttpRequestSpec spec{.method = "POST",
                       .url = *parse_http_url("http://127.0.0.1:8080/infer?x=1"),
                       .headers = {{"Content-Type", "image/jpeg"}},
                       .bodies = {{"a.jpg", "AAA"}, {"b.jpg", "BB"}}};
  auto requests = std::make_shared<const HttpRequests>(spec);
  auto source = make_http_source(requests, 1);
  auto first = source->next();
  EXPECT_EQ(first.body, "BB");
  EXPECT_EQ(
      first.head,
      "POST /infer?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: iuprobe/" IUPROBE_VERSION
      "\r\nContent-Type: image/jpeg\r\nContent-Length: 2\r\n\r\n");
  EXPECT_EQ(source->next().body, "AAA");
  EXPECT_EQ(source->next().body, "BB");
}

TEST(HttpRequests, UserHostHeaderWins) {
  HttpRequestSpec spec{
      .method = "GET", .url = *parse_http_url("http://10.0.0.1/"), .headers = {{"Host", "api"}}};
  HttpRequests requests(spec);
  EXPECT_EQ(requests.at(0).head,
            "GET / HTTP/1.1\r\nUser-Agent: iuprobe/" IUPROBE_VERSION "\r\nHost: api\r\n\r\n");
}

}  // namespace
}  // namespace iuprobe
