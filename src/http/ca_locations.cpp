// SPDX-License-Identifier: Apache-2.0
#include "http/ca_locations.h"

namespace iuprobe {

// The places Go's crypto/x509 also searches on Linux, most common first.
const std::vector<std::string> kCaBundleFiles = {
    "/etc/ssl/certs/ca-certificates.crt",                 // Debian, Ubuntu, Gentoo, Alpine
    "/etc/pki/tls/certs/ca-bundle.crt",                   // Amazon Linux, Fedora, RHEL
    "/etc/ssl/ca-bundle.pem",                             // openSUSE
    "/etc/pki/tls/cacert.pem",                            // OpenELEC
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  // CentOS, RHEL 7
    "/etc/ssl/cert.pem",                                  // Alpine (ca-certificates-bundle)
};
const std::vector<std::string> kCaDirectories = {
    "/etc/ssl/certs",      // SLES, and Debian's hashed links
    "/etc/pki/tls/certs",  // Fedora, RHEL
};

CaLocations find_ca_locations(const EnvLookup& env,
                              const std::function<bool(const std::string&)>& exists) {
  CaLocations found;
  const auto set = [&](std::string_view name) {
    const std::optional<std::string> value = env(name);
    return value && !value->empty();
  };
  if (set("SSL_CERT_FILE") || set("SSL_CERT_DIR")) {
    found.from_environment = true;
    return found;
  }
  for (const std::string& file : kCaBundleFiles) {
    if (exists(file)) found.files.push_back(file);
  }
  for (const std::string& dir : kCaDirectories) {
    if (exists(dir)) found.dirs.push_back(dir);
  }
  return found;
}

}  // namespace iuprobe
