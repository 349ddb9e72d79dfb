// SPDX-License-Identifier: Apache-2.0
#include "http/url.h"

#include <gtest/gtest.h>

namespace iuprobe {
namespace {

TEST(ParseHttpUrl, SplitsHostPortAndTarget) {
  auto url = parse_http_url("http://127.0.0.1:8080/v1/infer?model=a");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_FALSE(url->tls);
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->target, "/v1/infer?model=a");
  EXPECT_EQ(url->host_header, "127.0.0.1:8080");
}

TEST(ParseHttpUrl, DefaultsPortAndPathByScheme) {
  auto url = parse_http_url("https://rekognition.us-east-1.amazonaws.com");
  ASSERT_TRUE(url);
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->target, "/");
  EXPECT_EQ(url->host_header, "rekognition.us-east-1.amazonaws.com");
}

TEST(ParseHttpUrl, KeepsBracketsOnlyInTheHostHeader) {
  auto url = parse_http_url("http://[::1]:9000/");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->host_header, "[::1]:9000");
}

TEST(ParseHttpUrl, RejectsWhatItCannotUseWithAReason) {
  auto ftp = parse_http_url("ftp://example.com/");
  ASSERT_FALSE(ftp);
  EXPECT_NE(ftp.error().message.find("scheme 'ftp'"), std::string::npos);
  auto relative = parse_http_url("example.com/path");
  ASSERT_FALSE(relative);
  EXPECT_NE(relative.error().message.find("not an absolute URL"), std::string::npos);
  EXPECT_FALSE(parse_http_url("http://:80/"));
  EXPECT_FALSE(parse_http_url("http://host:0/"));
  EXPECT_FALSE(parse_http_url("http://host:99999/"));
  EXPECT_FALSE(parse_http_url("http://user:pw@host/"));
}

TEST(ParseListenAddress, TakesNumericAddressesAndPorts) {
  auto v4 = parse_listen_address("127.0.0.1:8990", "--listen");
  ASSERT_TRUE(v4) << v4.error().message;
  EXPECT_EQ(endpoint_text(*v4), "127.0.0.1:8990");
  auto v6 = parse_listen_address("[::1]:0", "--listen");
  ASSERT_TRUE(v6) << v6.error().message;
  EXPECT_TRUE(v6->address().is_v6());
  EXPECT_EQ(v6->port(), 0);
  for (const char* bad :
       {"localhost:80", "127.0.0.1", "127.0.0.1:http", "127.0.0.1:70000", ":80"}) {
    auto refused = parse_listen_address(bad, "--listen");
    ASSERT_FALSE(refused) << bad;
    EXPECT_NE(refused.error().message.find("--listen"), std::string::npos);
  }
}

}  // namespace
}  // namespace iuprobe
