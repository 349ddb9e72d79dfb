#!/usr/bin/env bash
# Runs every test, installing what is missing first (Debian 12, as root or with sudo):
#   1. iuprobe from the dev preset (optimised, warnings as errors) and the integration tests
#      against real servers (nginx, HAProxy, moto, boto3, the AWS CLI, chromium);
#   2. built with AddressSanitizer + UndefinedBehaviorSanitizer (and libstdc++'s assertions):
#      every unit test, the fuzz targets' seed corpora replayed (fuzz/), and the integration
#      suites that feed iuprobe untrusted or malformed input (run, bad input, AWS, emulator, plan);
#   3. the multi-threaded tests (load session, live page) built with ThreadSanitizer.
# The integration suites run two at a time: the limiter suite (10 minutes, about 2% of a core:
# it probes at 100-200/s and holds reference rates) beside the others in turn. The sanitizer
# builds run beside them under SCHED_IDLE (and the idle I/O class): the kernel gives them a core
# only when no test wants it, and a waking test preempts them at once. At normal priority they
# took the cores from the suites that measure rates against a server: two clean-clone runs in a
# row failed five limiter probes and truths (stalls of tens of milliseconds in the emulator, a
# generator that fell behind, stray refusals at 0.97x). The integration suites wait on servers
# most of the time, so the builds are mostly done when they end. Where SCHED_IDLE is refused,
# the builds wait for the integration suites instead. Exits non-zero on the first failure (a
# failed sanitizer build is reported once the integration suites end). .ci/run calls this script.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
stamp() { echo "== $(( SECONDS - started ))s: $*"; }

scripts/setup.sh --no-build

# The unit tests run in the sanitizer build only (below): building them twice cost CI two
# minutes, and `ctest --preset dev` still runs them for a developer.
stamp "dev: build iuprobe"
cmake --preset dev >/dev/null
cmake --build --preset dev --target integration_deps

# The sanitizer builds; their log is printed if they fail.
sanitizer_log=$(mktemp)
trap 'rm -f "$sanitizer_log"' EXIT
sanitizer_builds() {
  { cmake --preset asan-ubsan && cmake --build --preset asan-ubsan && cmake --preset tsan &&
    cmake --build --preset tsan --target engine_test live_test; } </dev/null >"$sanitizer_log" 2>&1
}
builds=""
if chrt --idle 0 true 2>/dev/null; then
  stamp "the sanitizer builds start, at idle priority (see above)"
  # Job control gives them a process group of their own, which an early exit stops.
  set -m
  {
    chrt --idle --pid 0 "$BASHPID" && { ionice -c 3 -p "$BASHPID" || true; } && sanitizer_builds
  } &
  builds=$!
  set +m
  trap 'kill -- -"$builds" 2>/dev/null; rm -f "$sanitizer_log"' EXIT
fi

stamp "dev: integration tests, two at a time"
ctest --preset dev -L integration -j2

if [[ -n $builds ]]; then
  stamp "integration tests passed; waiting for the sanitizer builds"
  build_status=0
  wait "$builds" || build_status=$?
  trap 'rm -f "$sanitizer_log"' EXIT  # the group is gone: its number may be reused
else
  stamp "the sanitizer builds"
  build_status=0
  sanitizer_builds || build_status=$?
fi
if ((build_status != 0)); then
  cat "$sanitizer_log"
  echo "== the sanitizer builds failed" >&2
  exit 1
fi

stamp "asan-ubsan: unit tests, the fuzz corpora, and the integration suites that feed iuprobe bad input"
ctest --preset asan-ubsan -L 'unit|fuzz' -j2
ctest --preset asan-ubsan -L integration \
  -R 'integration\.(test_run|test_bad_input|test_aws|test_emulator|test_plan)$'

stamp "tsan: load session and live page"
for test in src/engine/engine_test src/live/live_test; do
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" "build/tsan/$test" --gtest_brief=1
done

stamp "all tests passed"
