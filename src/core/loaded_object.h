// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>

namespace iuprobe {

// The loaded ELF object (the executable or a shared library) whose segments hold `address`:
// where it is mapped and where its exception-handling frame table (PT_GNU_EH_FRAME) is. What
// glibc 2.35's _dl_find_object answers, found the older way, through dl_iterate_phdr; the
// portable build supplies _dl_find_object from it (src/app/glibc_compat.cpp).
struct LoadedObject {
  const void* map_start = nullptr;  // lowest loaded segment
  const void* map_end = nullptr;    // end of the highest
  const void* eh_frame = nullptr;   // PT_GNU_EH_FRAME, or null
};
std::optional<LoadedObject> find_loaded_object(const void* address);

}  // namespace iuprobe
