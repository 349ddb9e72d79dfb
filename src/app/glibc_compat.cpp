// SPDX-License-Identifier: Apache-2.0
// Only in the portable build (cmake/portable.cmake), which links against glibc 2.31 but takes
// its C++ runtime and unwinder from this compiler, built against a newer glibc. They ask for
// three symbols that glibc 2.31 does not have; each is defined here with the same meaning, on
// what 2.31 offers. The executable's own definitions are used on every glibc, old or new (a
// static link binds them; the dynamic libraries never see them).
// The code is compiled against the build machine's glibc headers and linked against 2.31: a
// function 2.31 lacks fails the link, but a sysconf() constant it does not know (_SC_ names new
// since 2.31, behind PTHREAD_STACK_MIN or SIGSTKSZ) would return -1 at run time. iuprobe uses none;
// new code must not either.
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <sys/random.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" {

// glibc 2.32: nonzero while the process has one thread, so that libstdc++ may skip atomic
// operations. Zero is always correct (the atomic path); iuprobe is multi-threaded anyway.
char __libc_single_threaded = 0;  // NOLINT(bugprone-reserved-identifier)

// glibc 2.36: libstdc++'s std::random_device may use it. Kernel randomness, as glibc's own.
uint32_t arc4random() noexcept {
  uint32_t value = 0;
  auto* bytes = reinterpret_cast<unsigned char*>(&value);
  std::size_t got = 0;
  while (got < sizeof value) {
    const ssize_t n = getrandom(bytes + got, sizeof value - got, 0);
    if (n > 0)
      got += static_cast<std::size_t>(n);
    else if (errno != EINTR)
      std::abort();  // no kernel randomness (before Linux 3.17): glibc's arc4random aborts too
  }
  return value;
}

// glibc 2.35: the unwinder (libgcc_eh, which throws every C++ exception) asks which loaded
// object holds a code address and where its exception-handling frame table is. glibc before
// 2.35 answers the same question through dl_iterate_phdr, as libgcc itself does there.
int _dl_find_object(void* address,
                    dl_find_object* result) noexcept {  // NOLINT(bugprone-reserved-identifier)
  struct Search {
    std::uintptr_t pc;
    dl_find_object* out;
    bool found;
  } search{reinterpret_cast<std::uintptr_t>(address), result, false};
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* data) -> int {
        auto* s = static_cast<Search*>(data);
        std::uintptr_t low = UINTPTR_MAX, high = 0;
        bool holds = false;
        const void* eh_frame = nullptr;
        for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          const std::uintptr_t start = info->dlpi_addr + ph.p_vaddr;
          if (ph.p_type == PT_LOAD) {
            if (start < low) low = start;
            if (start + ph.p_memsz > high) high = start + ph.p_memsz;
            if (s->pc >= start && s->pc < start + ph.p_memsz) holds = true;
          } else if (ph.p_type == PT_GNU_EH_FRAME) {
            eh_frame = reinterpret_cast<const void*>(start);
          }
        }
        if (!holds) return 0;
        s->out->dlfo_flags = 0;
        s->out->dlfo_map_start = reinterpret_cast<void*>(low);
        s->out->dlfo_map_end = reinterpret_cast<void*>(high);
        s->out->dlfo_link_map = nullptr;
        s->out->dlfo_eh_frame = const_cast<void*>(eh_frame);
        s->found = true;
        return 1;
      },
      &search);
  return search.found ? 0 : -1;
}

}  // extern "C"
