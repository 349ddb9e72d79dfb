// SPDX-License-Identifier: Apache-2.0
// The emulator's --config JSON, parsed and validated as `iuprobe emulate` does.
#include "emulator/config.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto config = iuprobe::parse_emulator_config(iuprobe::fuzzing::text(data, size));
  if (config) (void)iuprobe::validate_emulator_config(*config);
  return 0;
}
