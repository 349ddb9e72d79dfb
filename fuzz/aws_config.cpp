// SPDX-License-Identifier: Apache-2.0
// ~/.aws/config and ~/.aws/credentials: the shared-file INI dialect, then a profile looked up
// in it as the credential chain does.
#include "aws/config_files.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto file = iuprobe::parse_ini(iuprobe::fuzzing::text(data, size), "config");
  if (!file) return 0;
  // As the config file: "[profile NAME]" sections (and "[default]") are the profiles.
  const iuprobe::SharedFiles files{.config = *file};
  for (const auto& [section, settings] : *file) {
    if (!section.starts_with("profile ")) continue;
    const auto found = iuprobe::find_profile(files, std::string_view(section).substr(8));
    iuprobe::fuzzing::require(found.has_value(), "a [profile NAME] section is found by its NAME");
  }
  (void)iuprobe::find_profile(files, "default");
  return 0;
}
