#!/usr/bin/env bash
# Runs every test, installing what is missing first (Debian 12, as root or with sudo):
#   1. iuprobe from the dev preset (optimised, warnings as errors) and the integration tests
#      against real servers (nginx, HAProxy, moto, boto3, the AWS CLI, chromium);
#   2. built with AddressSanitizer + UndefinedBehaviorSanitizer (and libstdc++'s assertions):
#      every unit test, the fuzz targets' seed corpora replayed (fuzz/), and the integration
#      suites that feed iuprobe untrusted or malformed input (run, bad input, AWS, emulator, plan);
#   3. the multi-threaded tests (load session, live page) built with ThreadSanitizer;
#   4. the load session's tests in the dev build, one at a time with nothing beside them: only
#      there are the times of their sends checked (a sanitizer slows every thread).
# The integration suites run four at a time (ctest -j4): they wait on servers far more than they
# compute (a median of 14% of the 2 cores, 55% at the 90th percentile, sampled every 5 s), and the
# longest entry is about 4 minutes. Nothing that compiles runs beside a suite that measures rates
# against a server (run, probe, limiters):
# when the sanitizer builds overlapped the limiter suite, two clean-clone runs in a row failed
# five of its probes and truths (stalls of tens of milliseconds in the emulator, a generator that
# fell behind, stray refusals at 0.97x). Exits non-zero on the first failure. .ci/run calls this
# script.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
stamp() { echo "== $(( SECONDS - started ))s: $*"; }

# What building needs first; the servers and clients the tests drive (chromium, nginx, HAProxy,
# Varnish, OpenMPI, ...) are installed while iuprobe compiles: on a fresh machine that hides
# their download and unpacking behind the build. Their log is printed if they fail.
scripts/setup.sh --build-only
peers_log=$(mktemp)
trap 'rm -f "$peers_log"' EXIT
scripts/setup.sh --no-build >"$peers_log" 2>&1 &
peers=$!

# The unit tests run in the sanitizer build (below), but for the load session's, which run in
# both: building them all twice cost CI two minutes, and `ctest --preset dev` still runs them
# for a developer. The load session's are built here, beside the peers' download and unpacking,
# rather than with the sanitizer builds, where nothing else waits.
stamp "dev: build iuprobe and the load session's tests (the test peers install meanwhile)"
cmake --preset dev >/dev/null
cmake --build --preset dev --target integration_deps engine_test
stamp "dev: built; waiting for the test peers"
if ! wait "$peers"; then
  cat "$peers_log"
  echo "== installing the test peers failed (scripts/setup.sh --no-build)" >&2
  exit 1
fi
cat "$peers_log"
# Configure again now that they are in: the AWS tests' Python is chosen at configure time, and
# the MPI plugin (for test_mpi) is built once CMake finds OpenMPI.
cmake --preset dev >/dev/null
cmake --build --preset dev --target integration_deps engine_test

stamp "dev: integration tests, four at a time"
ctest --preset dev -L integration -j4

# The sanitizer builds; their log is printed if they fail.
stamp "the sanitizer builds"
sanitizer_log=$(mktemp)
trap 'rm -f "$peers_log" "$sanitizer_log"' EXIT
if ! { cmake --preset asan-ubsan && cmake --build --preset asan-ubsan &&
  cmake --preset tsan && cmake --build --preset tsan --target engine_test live_test http_test; } \
  >"$sanitizer_log" 2>&1; then
  cat "$sanitizer_log"
  echo "== the sanitizer builds failed" >&2
  exit 1
fi

stamp "asan-ubsan: unit tests, the fuzz corpora, and the integration suites that feed iuprobe bad input"
ctest --preset asan-ubsan -L 'unit|fuzz' -j2
ctest --preset asan-ubsan -L integration -j2 \
  -R 'integration\.(test_run|test_bad_input|test_aws|test_emulator|test_plan)$'

stamp "tsan: load session, connections and live page"
for test in src/engine/engine_test src/http/http_test src/live/live_test; do
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" "build/tsan/$test" --gtest_brief=1
done

stamp "dev: the load session's tests, with the times of their sends"
build/dev/src/engine/engine_test --gtest_brief=1

stamp "all tests passed"
