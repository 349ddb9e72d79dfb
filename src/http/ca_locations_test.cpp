// SPDX-License-Identifier: Apache-2.0
#include "http/ca_locations.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace iuprobe {
namespace {

struct FakeSystem {
  std::map<std::string, std::string, std::less<>> env;
  std::set<std::string> paths;
  CaLocations find() const {
    return find_ca_locations(environment_from(env),
                             [&](const std::string& path) { return paths.count(path) > 0; });
  }
};

TEST(CaLocations, DebianAndUbuntuBundle) {
  const CaLocations ca =
      FakeSystem{.paths = {"/etc/ssl/certs", "/etc/ssl/certs/ca-certificates.crt"}}.find();
  EXPECT_FALSE(ca.from_environment);
  EXPECT_EQ(ca.files, (std::vector<std::string>{"/etc/ssl/certs/ca-certificates.crt"}));
  // The hashed links beside it too: a certificate added with c_rehash is trusted as well.
  EXPECT_EQ(ca.dirs, (std::vector<std::string>{"/etc/ssl/certs"}));
}

TEST(CaLocations, AmazonLinuxAndFedoraBundle) {
  const CaLocations ca =
      FakeSystem{.paths = {"/etc/pki/tls/certs", "/etc/pki/tls/certs/ca-bundle.crt",
                           "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"}}
          .find();
  // Every bundle that exists, the distribution's main one first (the next is tried if the
  // first does not load).
  EXPECT_EQ(ca.files,
            (std::vector<std::string>{"/etc/pki/tls/certs/ca-bundle.crt",
                                      "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"}));
  EXPECT_EQ(ca.dirs, (std::vector<std::string>{"/etc/pki/tls/certs"}));
}

TEST(CaLocations, AlpineBundleOnly) {
  EXPECT_EQ(FakeSystem{.paths = {"/etc/ssl/cert.pem"}}.find().files,
            (std::vector<std::string>{"/etc/ssl/cert.pem"}));
}

TEST(CaLocations, HashedDirectoriesWhenNoBundle) {
  const CaLocations ca = FakeSystem{.paths = {"/etc/ssl/certs", "/etc/pki/tls/certs"}}.find();
  EXPECT_TRUE(ca.files.empty());
  EXPECT_EQ(ca.dirs, (std::vector<std::string>{"/etc/ssl/certs", "/etc/pki/tls/certs"}));
}

TEST(CaLocations, OpenSslVariablesWin) {
  for (const char* name : {"SSL_CERT_FILE", "SSL_CERT_DIR"}) {
    const CaLocations ca =
        FakeSystem{.env = {{name, "/opt/ca"}}, .paths = {"/etc/ssl/certs/ca-certificates.crt"}}
            .find();
    EXPECT_TRUE(ca.from_environment) << name;
    EXPECT_TRUE(ca.files.empty()) << name;
  }
  // Set but empty is not set.
  EXPECT_FALSE((FakeSystem{.env = {{"SSL_CERT_FILE", ""}}}.find().from_environment));
}

TEST(CaLocations, NothingFound) {
  const CaLocations ca = FakeSystem{}.find();
  EXPECT_FALSE(ca.from_environment);
  EXPECT_TRUE(ca.files.empty());
  EXPECT_TRUE(ca.dirs.empty());
}

}  // namespace
}  // namespace iuprobe
