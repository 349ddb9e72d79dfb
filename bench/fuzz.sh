#!/usr/bin/env bash
# Fuzzes every target in fuzz/ for SECONDS each (default 60), JOBS targets at a time (default 1;
# one core each), with libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer (the clang
# "fuzz" preset), and prints a table:
#   target   runs (inputs executed), exec/s, crashes (0 or 1: libFuzzer stops at the first),
#            cov (code edges reached), ft (features), corpus (inputs kept), seeds
#   bench/fuzz.sh [SECONDS [JOBS [TARGET...]]]     (all targets unless named)
# Each target starts from its seeds in fuzz/corpus/<target> and the inputs earlier runs kept in
# build/fuzz/work/<target>/corpus (the seeds in the repository are never written). A crash leaves
# its input in build/fuzz/work/<target>/crash-* and the log beside it: replay it with
#   build/fuzz/fuzz/fuzz_<target> build/fuzz/work/<target>/crash-...
# then make it a seed in fuzz/corpus/<target>/ (the regression test replays every seed) and fix it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
jobs=${2:-1}
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || {
  echo "fuzz.sh: SECONDS must be a whole number above 0, got '$seconds'" >&2
  exit 2
}
[[ $jobs =~ ^[0-9]+$ && $jobs -gt 0 ]] || {
  echo "fuzz.sh: JOBS must be a whole number above 0 (targets fuzzed at once), got '$jobs'" >&2
  exit 2
}

targets=$(sed -n 's/^iuprobe_fuzz_target(\([a-z_0-9]*\).*/\1/p' fuzz/CMakeLists.txt)
if (($# > 2)); then
  for target in "${@:3}"; do
    grep -qxF -- "$target" <<<"$targets" || {
      echo "fuzz.sh: no fuzz target '$target'; the targets are:" $targets >&2
      exit 2
    }
  done
  targets=$(printf '%s\n' "${@:3}" | awk '!seen[$0]++')  # each once
fi

scripts/setup.sh --no-build >/dev/null
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz >/dev/null

echo "$(nproc) cores; ${seconds} s per target, ${jobs} at a time; libFuzzer + ASan + UBSan (clang $(clang++-14 -dumpversion))"
printf '%-16s %12s %9s %8s %7s %7s %7s %6s\n' target runs exec/s crashes cov ft corpus seeds
printf -- '-%.0s' {1..80}
echo

# Fuzzes one target and leaves its table row in build/fuzz/work/<target>/row; returns
# libFuzzer's exit status.
fuzz() {
  local target=$1 work=build/fuzz/work/$1 rc=0
  mkdir -p "$work/corpus"
  local log=$work/log
  rm -f "$work/row"
  touch "$work/.started"
  "build/fuzz/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "fuzz/corpus/$target" \
    >"$log" 2>&1 || rc=$?
  local runs speed last cov ft corpus seeds crashes
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corpus=$(find "$work/corpus" -type f | wc -l)
  seeds=$(find "fuzz/corpus/$target" -type f | wc -l)
  crashes=$(find "$work" -maxdepth 1 -newer "$work/.started" \( -name 'crash-*' -o -name 'leak-*' \
    -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  printf '%-16s %12s %9s %8s %7s %7s %7s %6s\n' "$target" "${runs:--}" "${speed:--}" "$crashes" \
    "${cov:--}" "${ft:--}" "$corpus" "$seeds" >"$work/row"
  return $rc
}

status=0
declare -A pids=()
# An early exit stops the fuzzers still running (set +e: under errexit, a kill of a fuzzer that
# had already ended made the script exit 1 after a clean run).
trap 'set +e; for pid in "${pids[@]}"; do pkill -P "$pid"; kill "$pid"; done 2>/dev/null' EXIT
finish() {  # waits for the target started as pid $1
  local target=$2 rc=0
  wait "$1" || rc=$?
  unset "pids[$target]"  # the EXIT trap must not signal a pid that may have been reused
  cat "build/fuzz/work/$target/row"
  if ((rc != 0)); then
    status=1
    echo "  fuzz_$target stopped with exit status $rc: see build/fuzz/work/$target/log" >&2
  fi
}
running=()
for target in $targets; do
  if ((${#running[@]} >= jobs)); then
    finish "${pids[${running[0]}]}" "${running[0]}"
    running=("${running[@]:1}")
  fi
  fuzz "$target" &
  pids[$target]=$!
  running+=("$target")
done
for target in "${running[@]}"; do finish "${pids[$target]}" "$target"; done
exit $status
