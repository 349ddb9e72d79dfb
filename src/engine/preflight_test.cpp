// SPDX-License-Identifier: Apache-2.0
#include "engine/preflight.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/error.hpp>

namespace iuprobe {
namespace {

namespace asio = boost::asio;

ExchangeResult failed_handshake(int reason) {
  ExchangeResult result;
  result.stage = ExchangeStage::kTlsHandshake;
  result.error = boost::system::error_code(static_cast<int>(ERR_PACK(ERR_LIB_SSL, 0, reason)),
                                           asio::error::get_ssl_category());
  return result;
}

TEST(TrustLost, AnUntrustedCertificateMidRunEndsTheLoadSayingWhatToDo) {
  ConnectionOptions options;
  options.host = "api.example";
  const auto lost = trust_lost(failed_handshake(SSL_R_CERTIFICATE_VERIFY_FAILED), options);
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->kind, ErrorKind::kNetwork);
  EXPECT_NE(lost->message.find("api.example"), std::string::npos);
  EXPECT_NE(lost->message.find("expired, or changed mid-run"), std::string::npos);
  EXPECT_NE(lost->message.find("--ca-file"), std::string::npos);
}

TEST(TrustLost, OtherFailuresAreCountedNotFatal) {
  const ConnectionOptions options;
  EXPECT_FALSE(trust_lost(failed_handshake(SSL_R_WRONG_VERSION_NUMBER), options));
  ExchangeResult refused;
  refused.stage = ExchangeStage::kConnect;
  refused.error = asio::error::connection_refused;
  EXPECT_FALSE(trust_lost(refused, options));
  ExchangeResult reset;
  reset.stage = ExchangeStage::kTlsHandshake;
  reset.error = asio::error::connection_reset;
  EXPECT_FALSE(trust_lost(reset, options));
}

}  // namespace
}  // namespace iuprobe
