// SPDX-License-Identifier: Apache-2.0
#include "http/ca_locations.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace iuprobe {
namespace {

struct FakeSystem {
  std::map<std::string, std::string> env;
  std::set<std::string> paths;
  CaLocations find() const {
    return find_ca_locations(
        [&](const char* name) -> std::optional<std::string> {
          const auto it = env.find(name);
          if (it == env.end()) return std::nullopt;
          return it->second;
        },
        [&](const std::string& path) { return paths.count(path) > 0; });
  }
};

TEST(CaLocations, DebianAndUbuntuBundle) {
  const CaLocations ca =
      FakeSystem{.paths = {"/etc/ssl/certs", "/etc/ssl/certs/ca-certificates.crt"}}.find();
  EXPECT_FALSE(ca.from_environment);
  EXPECT_EQ(ca.file, "/etc/ssl/certs/ca-certificates.crt");
  EXPECT_TRUE(ca.dirs.empty());
}

TEST(CaLocations, AmazonLinuxAndFedoraBundle) {
  const CaLocations ca =
      FakeSystem{.paths = {"/etc/pki/tls/certs", "/etc/pki/tls/certs/ca-bundle.crt",
                           "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"}}
          .find();
  EXPECT_EQ(ca.file, "/etc/pki/tls/certs/ca-bundle.crt");
}

TEST(CaLocations, AlpineBundleOnly) {
  EXPECT_EQ(FakeSystem{.paths = {"/etc/ssl/cert.pem"}}.find().file, "/etc/ssl/cert.pem");
}

TEST(CaLocations, HashedDirectoriesWhenNoBundle) {
  const CaLocations ca = FakeSystem{.paths = {"/etc/ssl/certs", "/etc/pki/tls/certs"}}.find();
  EXPECT_FALSE(ca.file);
  EXPECT_EQ(ca.dirs, (std::vector<std::string>{"/etc/ssl/certs", "/etc/pki/tls/certs"}));
}

TEST(CaLocations, OpenSslVariablesWin) {
  for (const char* name : {"SSL_CERT_FILE", "SSL_CERT_DIR"}) {
    const CaLocations ca =
        FakeSystem{.env = {{name, "/opt/ca"}}, .paths = {"/etc/ssl/certs/ca-certificates.crt"}}
            .find();
    EXPECT_TRUE(ca.from_environment) << name;
    EXPECT_FALSE(ca.file) << name;
  }
  // Set but empty is not set.
  EXPECT_FALSE((FakeSystem{.env = {{"SSL_CERT_FILE", ""}}}.find().from_environment));
}

TEST(CaLocations, NothingFound) {
  const CaLocations ca = FakeSystem{}.find();
  EXPECT_FALSE(ca.from_environment);
  EXPECT_FALSE(ca.file);
  EXPECT_TRUE(ca.dirs.empty());
}

}  // namespace
}  // namespace iuprobe
