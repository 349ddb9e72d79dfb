#!/usr/bin/env bash
# Installs everything iuprobe needs on Debian 12 (run as root, or with sudo available) and
# builds the release binary. Safe to re-run: apt-get runs only when a package is missing,
# and the build only recompiles what changed.
#
#   scripts/setup.sh              install packages, build build/release/src/app/iuprobe
#   scripts/setup.sh --no-build   install packages only
#   scripts/setup.sh --build-only install what building needs, not the test peers
#                                 (scripts/test.sh, before it builds)
#   scripts/setup.sh --package    --build-only's packages and libopenmpi-dev, for the MPI plugin's
#                                 package iuprobe-mpi (scripts/package.sh, and so the
#                                 Dockerfile's build stage)
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
tests=1
mpi=0
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    --build-only) build=0 tests=0 ;;
    --package) build=0 tests=0 mpi=1 ;;
    *) echo "setup.sh: unknown option '$arg' (known: --no-build, --build-only, --package)" >&2; exit 2 ;;
  esac
done

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # libraries
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libssl-dev libcli11-dev libfmt-dev
  libexpected-dev libgtest-dev libgmock-dev libbenchmark-dev libturbojpeg0-dev libpng-dev
  # packages: the man page from --help; CPack's dpkg-shlibdeps (needs file); Debian roots for
  # the portable build and its check
  help2man dpkg-dev file mmdebstrap ca-certificates
)
# test and benchmark peers; chromium opens report.html in the tests
((tests)) && packages+=(nginx-light haproxy varnish varnish-modules wrk nghttp2-client openssl procps
  python3 chromium
  # bench/fuzz.sh: libFuzzer comes with clang's runtime libraries
  clang-14 libclang-rt-14-dev
  # the optional MPI component (many generator hosts) and its tests
  openmpi-bin libopenmpi-dev)
((mpi)) && packages+=(libopenmpi-dev)
# The build bundles a chart library from the npm registry: use the machine's Node.js if it has
# one, else Debian's.
command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} > 0)); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  # Do not let package scripts start system services (nginx would grab port 80).
  policy=/usr/sbin/policy-rc.d
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee $policy >/dev/null
    $sudo chmod +x $policy
    trap '$sudo rm -f $policy' EXIT
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The integration tests drive boto3 and moto_server. The machine image has them; a bare Debian
# gets Debian's packages (and the tests then use Debian's Python).
if ((tests)) && { ! python3 -c 'import boto3, moto' 2>/dev/null || ! command -v moto_server >/dev/null; }; then
  echo "setup: boto3/moto missing from $(command -v python3 || echo python3); installing Debian's"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    python3-boto3 python3-moto python3-flask python3-flask-cors awscli
fi

if ((build)); then
  cmake --preset release >/dev/null
  cmake --build --preset release
  echo "setup: built $(pwd)/build/release/src/app/iuprobe"
fi
