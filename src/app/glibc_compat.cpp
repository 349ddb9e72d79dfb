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
#include <sys/random.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>

#include "core/loaded_object.h"

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
// 2.35 answers the same question through dl_iterate_phdr (core/loaded_object.h, tested against
// glibc's own _dl_find_object), as libgcc itself does there.
int _dl_find_object(void* address,
                    dl_find_object* result) noexcept {  // NOLINT(bugprone-reserved-identifier)
  const std::optional<iuprobe::LoadedObject> found = iuprobe::find_loaded_object(address);
  if (!found) return -1;
  *result = dl_find_object{};
  result->dlfo_map_start = const_cast<void*>(found->map_start);
  result->dlfo_map_end = const_cast<void*>(found->map_end);
  result->dlfo_eh_frame = const_cast<void*>(found->eh_frame);
  return 0;
}

}  // extern "C"
