// SPDX-License-Identifier: Apache-2.0
#include "live/access.h"

#include <gtest/gtest.h>

namespace iuprobe {
namespace {

namespace http = boost::beast::http;

HttpRequest request(http::verb method, std::string target, std::string host,
                    std::string origin = "") {
  HttpRequest r{method, target, 11};
  r.set(http::field::host, host);
  if (!origin.empty()) r.set(http::field::origin, origin);
  return r;
}

TEST(Access, LoopbackAnswersAddressesAndLocalhostOnly) {
  for (const char* host : {"127.0.0.1:8089", "localhost:9000", "[::1]:8089", "10.0.0.5:8089"})
    EXPECT_TRUE(check_access(request(http::verb::get, "/", host), "").allowed) << host;
  // A site that points its own name at 127.0.0.1 (DNS rebinding) gets nothing.
  const auto refused = check_access(request(http::verb::get, "/events", "evil.example:8089"), "");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.status, 403u);
  EXPECT_NE(refused.reason.find("evil.example"), std::string::npos);
}

TEST(Access, PostFromAnotherOriginIsRefused) {
  EXPECT_TRUE(
      check_access(
          request(http::verb::post, "/api/stop", "127.0.0.1:8089", "http://127.0.0.1:8089"), "")
          .allowed);
  EXPECT_TRUE(check_access(request(http::verb::post, "/api/stop", "127.0.0.1:8089"), "").allowed);
  const auto refused = check_access(
      request(http::verb::post, "/api/stop", "127.0.0.1:8089", "https://evil.example"), "");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.status, 403u);
}

TEST(Access, TokenIsRequiredOnEveryRequestWhenSet) {
  const std::string token = "0123456789abcdef0123456789abcdef";
  EXPECT_TRUE(
      check_access(request(http::verb::get, "/?token=" + token, "host.example"), token).allowed);
  EXPECT_TRUE(
      check_access(request(http::verb::get, "/events?x=1&token=" + token, "h:1"), token).allowed);
  auto with_header = request(http::verb::get, "/report.html", "h:1");
  with_header.set(http::field::authorization, "Bearer " + token);
  EXPECT_TRUE(check_access(with_header, token).allowed);
  for (const std::string& target :
       std::vector<std::string>{"/", "/?token=", "/?token=0123", "/?token=" + token + "0"}) {
    const auto refused = check_access(request(http::verb::get, target, "h:1"), token);
    EXPECT_FALSE(refused.allowed) << target;
    EXPECT_EQ(refused.status, 401u);
  }
}

TEST(Access, TokensAreRandomHex) {
  const auto a = make_access_token(), b = make_access_token();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(a->find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(Access, TargetPathAndQuery) {
  EXPECT_EQ(target_path("/events?token=abc"), "/events");
  EXPECT_EQ(target_path("/a/../b"), "/a/../b");  // not normalised: it just matches no route
  EXPECT_EQ(query_parameter("/x?a=1&token=t%20u", "token"), "t u");
  EXPECT_EQ(query_parameter("/x", "token"), "");
}

}  // namespace
}  // namespace iuprobe
