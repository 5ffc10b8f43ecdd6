#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each one for N seconds from its seed corpus.
#
#   tests/fuzz/run.sh [seconds-per-target]     (default 20)
#
# Environment:
#   SQLCACHE_FUZZ_BUILD_DIR   build directory (default <repo>/build-fuzz)
#   SQLCACHE_FUZZ_TARGETS     space-separated subset of targets (default: all the CMake lists)
#   SQLCACHE_FUZZ_JOBS        parallel build jobs, and targets fuzzed at once (default 1: the
#                             machine is shared)
#   SQLCACHE_FUZZ_TIMEOUT     seconds one input may take before it counts as a hang (default 30)
#
# New inputs the fuzzer finds go to <build>/corpus/<target>/ (the committed seeds in
# tests/fuzz/corpus/ are only read); a crashing input is written to <build>/artifacts/.
# Mutations also splice in the words of tests/fuzz/dict/<target>.dict (default: mysql_wire.dict).
# Prints "<target>: N execs" per target; exits non-zero if a build fails or any target crashes.
set -euo pipefail

seconds="${1:-20}"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="${SQLCACHE_FUZZ_BUILD_DIR:-$repo/build-fuzz}"
jobs="${SQLCACHE_FUZZ_JOBS:-1}"

mkdir -p "$build"
cmake -S "$here" -B "$build" -DCMAKE_CXX_COMPILER=clang++ >"$build/configure.log" 2>&1 || {
  cat "$build/configure.log" >&2
  exit 1
}

read -r -a targets <<<"${SQLCACHE_FUZZ_TARGETS:-$(tr '\n' ' ' <"$build/fuzz_targets.txt")}"
cmake --build "$build" -j "$jobs" --target "${targets[@]}"

mkdir -p "$build/artifacts"

# Runs one target; prints its line and exits with its fuzzer's status.
run_target() {
  local target=$1
  local work="$build/corpus/$target"
  local seeds="$here/corpus/$target"
  mkdir -p "$work" "$seeds"
  local log="$build/$target.log"
  # A target's own dictionary, else the MySQL protocol's (every other target reads its bytes).
  local dict="$here/dict/$target.dict"
  [ -f "$dict" ] || dict="$here/dict/mysql_wire.dict"
  local status=0
  "$build/$target" -max_total_time="$seconds" -timeout="${SQLCACHE_FUZZ_TIMEOUT:-30}" \
    -dict="$dict" -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/$target-" "$work" "$seeds" >"$log" 2>&1 || status=$?
  local execs
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  if [ "$status" -ne 0 ]; then
    {
      echo "$target: FAILED (exit $status) after ${execs:-?} execs; log: $log"
      grep -E "ERROR|invariant failed|SUMMARY|Test unit written" "$log" | head -n 20 || true
    } >&2
  else
    echo "$target: ${execs:-0} execs"
  fi
  return "$status"
}

# Each fuzzer uses one core, so SQLCACHE_FUZZ_JOBS of them run side by side.
failed=0
running=0
for target in "${targets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
  run_target "$target" &
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
exit "$failed"
