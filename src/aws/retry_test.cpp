// SPDX-License-Identifier: Apache-2.0
#include "aws/retry.h"

#include <gtest/gtest.h>

namespace iuprobe {
namespace {

using namespace std::chrono_literals;

TEST(IsTransient, NoAnswerThrottlingAndServerFaultsAreWorthRetrying) {
  EXPECT_TRUE(is_transient({.status = 0, .type = "TransportError"}));
  EXPECT_TRUE(is_transient({.status = 400, .type = "ThrottlingException"}));
  EXPECT_TRUE(is_transient({.status = 400, .type = "LimitExceededException"}));
  EXPECT_TRUE(is_transient({.status = 500, .type = "InternalServerError"}));
  EXPECT_TRUE(is_transient({.status = 503, .type = "ServiceUnavailable"}));
  EXPECT_TRUE(is_transient({.status = 502, .type = ""}));  // a proxy's page, no AWS type
  EXPECT_TRUE(is_transient({.status = 429, .type = ""}));
}

TEST(IsTransient, WhatWouldFailTheSameWayAgainIsNot) {
  EXPECT_FALSE(is_transient({.status = 400, .type = "AccessDeniedException"}));
  EXPECT_FALSE(is_transient({.status = 400, .type = "ResourceNotFoundException"}));
  EXPECT_FALSE(is_transient({.status = 400, .type = "ResourceInUseException"}));
  EXPECT_FALSE(is_transient({.status = 403, .type = "UnrecognizedClientException"}));
  EXPECT_FALSE(is_transient({.status = 400, .type = "InvalidParameterException"}));
  EXPECT_FALSE(is_transient({.status = 501, .type = ""}));  // not implemented, ever
  // An endpoint whose certificate this machine does not trust will not be trusted next time.
  EXPECT_FALSE(is_transient({.status = 0, .type = "UntrustedCertificate"}));
}

TEST(BackoffDelay, DoublesFromTheFirstDelayUpToTheCap) {
  EXPECT_EQ(backoff_delay(1s, 1, 30s), 1s);
  EXPECT_EQ(backoff_delay(1s, 2, 30s), 2s);
  EXPECT_EQ(backoff_delay(1s, 5, 30s), 16s);
  EXPECT_EQ(backoff_delay(1s, 6, 30s), 30s);
  EXPECT_EQ(backoff_delay(1s, 1000, 30s), 30s);  // no overflow however many
  EXPECT_EQ(backoff_delay(100ms, 3, 30s), 400ms);
  EXPECT_EQ(backoff_delay(40s, 1, 30s), 30s);
}

}  // namespace
}  // namespace iuprobe
