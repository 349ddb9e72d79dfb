// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace iuprobe {

// Thin wrappers over OpenSSL's one-shot digests: what SigV4 and the Rekognition target need.
using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest sha256(std::string_view data);
Sha256Digest hmac_sha256(std::string_view key, std::string_view data);
std::string to_hex(const Sha256Digest& digest);
inline std::string sha256_hex(std::string_view data) {
  return to_hex(sha256(data));
}

std::string base64_encode(std::string_view bytes);
// nullopt if `text` is not valid (padded, standard-alphabet) base64.
std::optional<std::string> base64_decode(std::string_view text);

inline std::string_view as_view(const Sha256Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

}  // namespace iuprobe
