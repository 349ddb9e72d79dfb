// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/environment.h"

namespace iuprobe {

// Where to find the CA certificates that TLS trusts. OpenSSL looks in the directory it was
// configured with when built (Debian's /usr/lib/ssl), which a binary built on Debian and run on
// Amazon Linux, Fedora or Alpine does not have; so iuprobe looks where distributions keep them.
struct CaLocations {
  bool from_environment = false;   // SSL_CERT_FILE or SSL_CERT_DIR is set: OpenSSL reads them
  std::vector<std::string> files;  // PEM bundles, in order: the first that loads is used
  std::vector<std::string> dirs;   // hashed certificate directories (c_rehash): all are used
};

// The bundle files and certificate directories distributions use, in the order they are tried.
extern const std::vector<std::string> kCaBundleFiles;
extern const std::vector<std::string> kCaDirectories;

// SSL_CERT_FILE / SSL_CERT_DIR when either is set (OpenSSL's own variables, honoured as it
// does); otherwise the bundle files and the directories that exist. Nothing found: empty, and the
// caller falls back to OpenSSL's compiled-in default.
CaLocations find_ca_locations(const EnvLookup& env,
                              const std::function<bool(const std::string&)>& exists);

}  // namespace iuprobe
