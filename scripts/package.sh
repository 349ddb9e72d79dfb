#!/usr/bin/env bash
# Builds iuprobe's release artefacts from a clean checkout, into dist/ (Debian 12, as root:
# mmdebstrap makes a root; installs what it needs first):
#   iuprobe_<version>_amd64.deb               for Debian 12: installed with apt, its
#                                             dependencies computed by dpkg-shlibdeps (CPack)
#   iuprobe-mpi_<version>_amd64.deb           its MPI plugin, to run and probe from many
#                                             generator hosts (depends on iuprobe and OpenMPI)
#   iuprobe-<version>-linux-x86_64.tar.gz     one binary for any x86-64 Linux with glibc 2.31 or
#                                             newer, needing no library but glibc's, with its man
#                                             page, bash completion, README and licence (no
#                                             MPI plugin: that links the host's own MPI)
#   SHA256SUMS                                of all three
# The portable binary is linked against glibc 2.31, taken from a minimal Debian 11 root that
# mmdebstrap makes once in build/sysroot-glibc-2.31 (cmake/portable.cmake says why).
# scripts/check-packages.sh then installs both into fresh Debian roots and runs them.
#
#   scripts/package.sh          both artefacts
#   scripts/package.sh --deb    the .debs only (the Dockerfile's build stage)
set -euo pipefail
cd "$(dirname "$0")/.."

deb_only=0
for arg in "$@"; do
  case "$arg" in
    --deb) deb_only=1 ;;
    *) echo "package.sh: unknown option '$arg' (known: --deb)" >&2; exit 2 ;;
  esac
done
started=$SECONDS
stamp() { echo "== $(( SECONDS - started ))s: $*"; }
if [[ $(id -u) -ne 0 ]]; then
  echo "package.sh: run as root (apt-get, and mmdebstrap's root for the portable build)" >&2
  exit 2
fi

scripts/setup.sh --package
version=$(sed -n 's/^project(iuprobe VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
debs=(iuprobe_"$version"_amd64.deb iuprobe-mpi_"$version"_amd64.deb)
mkdir -p dist
rm -f "${debs[@]/#/dist/}" dist/iuprobe-"$version"-linux-x86_64.tar.gz dist/SHA256SUMS

stamp "the .debs: release build against Debian 12's libraries (and its OpenMPI, for the plugin)"
cmake --preset release >/dev/null
cmake --build --preset release
(cd build/release && cpack -G DEB >/dev/null)
for deb in "${debs[@]}"; do
  if [[ ! -f dist/$deb ]]; then
    echo "package.sh: CPack made no dist/$deb (did CMake find MPI? build/release/CMakeCache.txt: MPI_C_LIB_NAMES; scripts/setup.sh --package installs libopenmpi-dev)" >&2
    exit 1
  fi
  dpkg-deb --info "dist/$deb" | sed -n 's/^ \(Package\|Version\|Depends\|Recommends\|Installed-Size\):/  \1:/p'
  dpkg-deb --contents "dist/$deb" | awk '{print "  " $6}' | grep -v '/$'
done

if ((deb_only == 0)); then
  sysroot=build/sysroot-glibc-2.31
  if [[ ! -e $sysroot/usr/lib/x86_64-linux-gnu/libc.so ]]; then
    stamp "a glibc 2.31 root to link against (Debian 11, mmdebstrap)"
    rm -rf "$sysroot" "$sysroot.tmp"
    mmdebstrap --quiet --variant=minbase --include=libc6-dev bullseye "$sysroot.tmp" \
      "${IUPROBE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
    # Links inside the root point into it, not at the host's libraries.
    find "$sysroot.tmp" -type l -lname '/*' -print0 | while IFS= read -r -d '' link; do
      ln -sfnr "$sysroot.tmp$(readlink "$link")" "$link"
    done
    mv "$sysroot.tmp" "$sysroot"
  fi

  stamp "the portable binary: every library but glibc linked in, against glibc 2.31"
  cmake --preset portable >/dev/null
  cmake --build --preset portable
  binary=build/portable/src/app/iuprobe
  # The glibc it needs, from its symbol versions, and the libraries it names: glibc's only.
  newest=$(objdump -T "$binary" | grep -oE 'GLIBC_[0-9]+\.[0-9]+' | sort -V -u | tail -1)
  needed=$(objdump -p "$binary" | awk '/NEEDED/ { print $2 }' | tr '\n' ' ')
  echo "  needs $newest at most; libraries: $needed"
  if [[ $(printf '%s\n' GLIBC_2.31 "$newest" | sort -V | tail -1) != GLIBC_2.31 ]]; then
    echo "package.sh: the portable binary needs $newest, newer than glibc 2.31" >&2
    exit 1
  fi
  if [[ -n $(tr ' ' '\n' <<<"$needed" | grep -vE '^(lib(c|m|dl|pthread|rt)\.so\.[0-9]+|ld-linux-x86-64\.so\.2|)$') ]]; then
    echo "package.sh: the portable binary needs a library that is not glibc's: $needed" >&2
    exit 1
  fi

  name=iuprobe-$version-linux-x86_64
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' EXIT
  cmake --install build/portable --prefix "$stage/$name" --strip >/dev/null
  # The same files the .deb installs, under one directory; reproducible archive order and owners.
  tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner \
    --mtime="@$(git log -1 --format=%ct 2>/dev/null || date +%s)" -czf "dist/$name.tar.gz" "$name"
  tar -tzf "dist/$name.tar.gz" | grep -v '/$' | sed 's/^/  /'
fi

(cd dist && sha256sum "${debs[@]}" $( ((deb_only)) || echo "iuprobe-$version-linux-x86_64.tar.gz") >SHA256SUMS)
stamp "done"
ls -l dist | sed 's/^/  /'
