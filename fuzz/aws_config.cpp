// SPDX-License-Identifier: Apache-2.0
// ~/.aws/config and ~/.aws/credentials: the shared-file INI dialect, then a profile looked up
// in it as the credential chain does.
#include "aws/config_files.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto file = iuprobe::parse_ini(iuprobe::fuzzing::text(data, size), "config");
  if (!file) return 0;
  iuprobe::SharedFiles files{.config = *file, .credentials = *file};
  for (const auto& entry : *file) {
    iuprobe::fuzzing::require(iuprobe::find_profile(files, entry.first).has_value(),
                              "a profile that the credentials file names is found");
  }
  (void)iuprobe::find_profile(files, "default");
  return 0;
}
