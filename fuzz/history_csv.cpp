// SPDX-License-Identifier: Apache-2.0
// A recorded traffic CSV the emulator replays (--history-csv, `iuprobe plan --from` with a file).
#include "emulator/config.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)iuprobe::parse_history_csv(iuprobe::fuzzing::text(data, size));
  return 0;
}
