// SPDX-License-Identifier: Apache-2.0
#include "core/loaded_object.h"

#include <link.h>

#include <cstdint>

namespace iuprobe {

std::optional<LoadedObject> find_loaded_object(const void* address) {
  struct Search {
    std::uintptr_t pc;
    std::optional<LoadedObject> found;
  } search{reinterpret_cast<std::uintptr_t>(address), std::nullopt};
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* data) -> int {
        auto* s = static_cast<Search*>(data);
        std::uintptr_t low = UINTPTR_MAX, high = 0, eh_frame = 0;
        bool holds = false;
        for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          const std::uintptr_t start = info->dlpi_addr + ph.p_vaddr;
          if (ph.p_type == PT_LOAD) {
            if (start < low) low = start;
            if (start + ph.p_memsz > high) high = start + ph.p_memsz;
            if (s->pc >= start && s->pc < start + ph.p_memsz) holds = true;
          } else if (ph.p_type == PT_GNU_EH_FRAME) {
            eh_frame = start;
          }
        }
        if (!holds) return 0;
        s->found = LoadedObject{.map_start = reinterpret_cast<const void*>(low),
                                .map_end = reinterpret_cast<const void*>(high),
                                .eh_frame = reinterpret_cast<const void*>(eh_frame)};
        return 1;  // stop iterating
      },
      &search);
  return search.found;
}

}  // namespace iuprobe
