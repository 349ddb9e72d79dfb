# SPDX-License-Identifier: Apache-2.0
# IUPROBE_PORTABLE: one binary that runs on any x86-64 Linux with glibc 2.31 or newer, and needs
# no library from the system but glibc's. The C++ runtime, Boost, fmt, OpenSSL, libjpeg-turbo,
# libpng and zlib are linked in; glibc stays shared, so its resolver (NSS: /etc/hosts, DNS,
# systemd-resolved...) and its locale of the host are the ones used, as for any other program.
# Linking against an old glibc: IUPROBE_GLIBC_SYSROOT names a root holding glibc 2.31's libc.so
# and start files (scripts/package.sh makes one with mmdebstrap from Debian 11); only the link
# uses it, and src/app/glibc_compat.cpp supplies the three symbols that this compiler's static
# runtime asks of a newer glibc.
option(IUPROBE_PORTABLE "Link every library but glibc statically (the portable tarball)" OFF)
set(IUPROBE_GLIBC_SYSROOT "" CACHE PATH "A root with the oldest glibc to link against")

set(IUPROBE_FMT_TARGET fmt::fmt)
if(IUPROBE_PORTABLE)
  set(Boost_USE_STATIC_LIBS ON)
  set(OPENSSL_USE_STATIC_LIBS TRUE)
  set(IUPROBE_FMT_TARGET fmt::fmt-header-only)  # Debian ships no static libfmt
  # -pthread: glibc 2.31 keeps threads in libpthread (the host's glibc, where FindThreads looked,
  # has them in libc).
  add_link_options(-static-libstdc++ -static-libgcc -pthread)
  if(IUPROBE_GLIBC_SYSROOT)
    set(libdir "${IUPROBE_GLIBC_SYSROOT}/usr/lib/x86_64-linux-gnu")
    if(NOT EXISTS "${libdir}/libc.so")
      message(FATAL_ERROR "IUPROBE_GLIBC_SYSROOT=${IUPROBE_GLIBC_SYSROOT} has no "
                          "usr/lib/x86_64-linux-gnu/libc.so: make it with scripts/package.sh")
    endif()
    # --sysroot alone is not enough: g++ also searches its own directory's ../../../x86_64-linux-gnu,
    # the host's. -B: the start files; -L: libc, libm, libpthread, libdl, ahead of the host's.
    # (The root's absolute symlinks must point into it: scripts/package.sh rewrites them.)
    add_link_options(--sysroot=${IUPROBE_GLIBC_SYSROOT} -B${libdir}/ -L${libdir}
                     -L${IUPROBE_GLIBC_SYSROOT}/lib/x86_64-linux-gnu)
  else()
    message(WARNING "IUPROBE_PORTABLE without IUPROBE_GLIBC_SYSROOT: the binary needs this "
                    "machine's glibc or newer (scripts/package.sh links against glibc 2.31)")
  endif()
endif()

# iuprobe_image_library(<var> <pkg-config module> <static archive>...): the imported target of a
# pkg-config module, or in a portable build its static archives.
function(iuprobe_image_library out module)
  if(IUPROBE_PORTABLE)
    set(archives)
    foreach(archive ${ARGN})
      find_library(iuprobe_${archive} NAMES ${archive} REQUIRED NO_CACHE)
      list(APPEND archives ${iuprobe_${archive}})
    endforeach()
    set(${out} ${archives} PARENT_SCOPE)
  else()
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(${module}_pc REQUIRED IMPORTED_TARGET ${module})
    set(${out} PkgConfig::${module}_pc PARENT_SCOPE)
  endif()
endfunction()
