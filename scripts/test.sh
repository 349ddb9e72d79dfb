#!/usr/bin/env bash
# Runs every test, installing what is missing first (Debian 12, as root or with sudo):
#   1. the dev build (warnings as errors): unit tests, then the integration tests against real
#      servers (nginx, moto, boto3, the AWS CLI, chromium);
#   2. the same unit tests built with AddressSanitizer + UndefinedBehaviorSanitizer, and the
#      integration suites that feed iuprobe untrusted or malformed input (run, bad input, AWS,
#      emulator, plan);
#   3. the multi-threaded tests (load session, live page) built with ThreadSanitizer.
# The sanitizer builds compile as SCHED_IDLE tasks (they run only on CPU time nothing else wants,
# and give it up at once when the server or the generator under test wakes: a plain `nice` still
# delays them by a few milliseconds, which a stray refusal in a probe has shown) while the longest
# dev integration suite runs (the limiter suite, ~13 minutes: its probes mostly wait on the wall clock and its
# truths are reference runs measured in the same conditions), so the two overlap on two cores
# instead of queueing. The suites that check rates against a server's configuration (run, probe)
# run before, on a quiet machine. Exits non-zero on the first failure. .ci/run calls this script.
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

# The sanitizer builds, in the background; their log is printed if they fail.
idle=(nice -n 19)
if chrt --idle 0 true 2>/dev/null; then idle=(chrt --idle 0 nice -n 19); fi
sanitizer_log=$(mktemp)
(
  set -e
  cmake --preset asan-ubsan >/dev/null
  "${idle[@]}" cmake --build --preset asan-ubsan
  cmake --preset tsan >/dev/null
  "${idle[@]}" cmake --build --preset tsan --target engine_test live_test
) >"$sanitizer_log" 2>&1 &
sanitizer_builds=$!
trap 'kill $sanitizer_builds 2>/dev/null || true; rm -f "$sanitizer_log"' EXIT

stamp "dev: the limiter suite (sanitizer builds compiling alongside)"
ctest --preset dev -R 'integration\.test_limiters$'

stamp "waiting for the sanitizer builds"
if ! wait $sanitizer_builds; then
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
