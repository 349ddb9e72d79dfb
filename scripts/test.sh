#!/usr/bin/env bash
# Runs every test, installing what is missing first (Debian 12, as root or with sudo):
#   1. the dev build (warnings as errors): unit tests, then the integration tests against real
#      servers (nginx, moto, boto3, the AWS CLI, chromium);
#   2. the same unit tests built with AddressSanitizer + UndefinedBehaviorSanitizer, and the
#      integration suites that feed iuprobe untrusted or malformed input (run, bad input, AWS,
#      emulator, plan);
#   3. the multi-threaded tests (load session, live page) built with ThreadSanitizer.
# Every suite that measures rates against a server (run, probe, the limiter suite) runs on a
# quiet machine: the limiter suite used to overlap with the sanitizer builds (as SCHED_IDLE
# tasks), and in two clean-clone runs in a row that noise failed five of its probes and truths
# (stalls of tens of milliseconds in the emulator, a generator that fell behind, stray refusals
# at 0.97x), so it now runs before them, at the cost of about ten minutes of CI. Exits non-zero on
# the first failure. .ci/run calls this script.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
stamp() { echo "== $(( SECONDS - started ))s: $*"; }

scripts/setup.sh --no-build

stamp "dev: build"
cmake --preset dev >/dev/null
cmake --build --preset dev

stamp "dev: unit tests"
ctest --preset dev -L unit -j2
stamp "dev: integration tests"
ctest --preset dev -L integration -E 'integration\.test_limiters$'
stamp "dev: the limiter suite"
ctest --preset dev -R 'integration\.test_limiters$'

# The sanitizer builds; their log is printed if they fail.
stamp "the sanitizer builds"
sanitizer_log=$(mktemp)
trap 'rm -f "$sanitizer_log"' EXIT
if ! { cmake --preset asan-ubsan && cmake --build --preset asan-ubsan &&
  cmake --preset tsan && cmake --build --preset tsan --target engine_test live_test; } \
  >"$sanitizer_log" 2>&1; then
  cat "$sanitizer_log"
  echo "== the sanitizer builds failed" >&2
  exit 1
fi

stamp "asan-ubsan: unit tests, and the integration suites that feed iuprobe bad input"
ctest --preset asan-ubsan -L unit -j2
ctest --preset asan-ubsan -L integration \
  -R 'integration\.(test_run|test_bad_input|test_aws|test_emulator|test_plan)$'

stamp "tsan: load session and live page"
for test in src/engine/engine_test src/live/live_test; do
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" "build/tsan/$test" --gtest_brief=1
done

stamp "all tests passed"
