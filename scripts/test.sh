#!/usr/bin/env bash
# Runs every test, installing what is missing first (Debian 12, as root or with sudo):
#   1. the dev build (warnings as errors): unit tests and integration tests against real servers;
#   2. the same tests built with AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. the multi-threaded engine tests built with ThreadSanitizer.
# Exits non-zero on the first failure. .ci/run calls this script.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --no-build

for preset in dev asan-ubsan; do
  echo "== $preset: build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  echo "== $preset: unit and integration tests"
  ctest --preset "$preset"
done

echo "== tsan: engine and live-page tests (worker threads, controller, stop requests, dashboard thread)"
cmake --preset tsan >/dev/null
cmake --build --preset tsan --target engine_test live_test
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" build/tsan/src/engine/engine_test --gtest_brief=1
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" build/tsan/src/live/live_test --gtest_brief=1

echo "== all tests passed"
