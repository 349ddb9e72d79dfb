// SPDX-License-Identifier: Apache-2.0
// What every fuzz target includes: libFuzzer's entry point, and the input as text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

// libFuzzer calls this once per input; its return value must be 0.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace iuprobe::fuzzing {

// The input as the untrusted text or bytes a parser reads.
inline std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};  // NOLINT(*-reinterpret-cast)
}

// Stops the fuzzer (a crash it reports) when a property that must hold for every input fails.
void require(bool holds, const char* what);

}  // namespace iuprobe::fuzzing
