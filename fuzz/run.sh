#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for a bounded time, one at a
# time, and fails when any of them finds a crash, a sanitizer report, a leak,
# an uncaught exception or a timeout. Writes a summary (target, seconds,
# executions, result) to BUILD/fuzz-summary.tsv.
#   usage: fuzz/run.sh BUILD_DIR [TARGET...]
#   env:   FUZZ_SECONDS (60 per target), FUZZ_CORPUS (BUILD_DIR/fuzz-corpus),
#          FUZZ_JOBS (1), CLEAVE_BIN (a cleave binary for the graph seeds)
set -uo pipefail
BUILD=${1:?usage: fuzz/run.sh BUILD_DIR [TARGET...]}
shift
HERE=$(cd "$(dirname "$0")" && pwd)
SECONDS_EACH=${FUZZ_SECONDS:-60}
BUILD=$(cd "$BUILD" && pwd)
CORPUS=${FUZZ_CORPUS:-$BUILD/fuzz-corpus}
ARTIFACTS=$BUILD/fuzz-artifacts
SUMMARY=$BUILD/fuzz-summary.tsv
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in "$BUILD"/fuzz/fuzz_*; do [ -x "$f" ] && targets+=("$(basename "$f")"); done
fi
[ ${#targets[@]} -gt 0 ] || { echo "no fuzz targets in $BUILD/fuzz (build with CLEAVE_BUILD_FUZZ=ON)"; exit 2; }
[ -d "$CORPUS" ] || "$HERE/make_corpus.sh" "$CORPUS" "${CLEAVE_BIN:-}" >/dev/null
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
mkdir -p "$ARTIFACTS"
printf 'target\tseconds\texecutions\tresult\n' >"$SUMMARY"
failed=0
for t in "${targets[@]}"; do
  exe=$BUILD/fuzz/$t
  [ -x "$exe" ] || { echo "missing $exe"; failed=1; continue; }
  mkdir -p "$CORPUS/$t" "$ARTIFACTS/$t"
  log=$ARTIFACTS/$t.log
  jobs=()  # parallel jobs (their logs go to fuzz-N.log in ARTIFACTS)
  [ "${FUZZ_JOBS:-1}" -gt 1 ] && jobs=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS")
  (cd "$ARTIFACTS" && "$exe" "$CORPUS/$t" -max_total_time="$SECONDS_EACH" -timeout=25 \
    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 -artifact_prefix="$ARTIFACTS/$t/" \
    "${jobs[@]}") >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s += $2} END {print s + 0}')
  if [ $rc -eq 0 ]; then result=ok; else result="FAILED (rc $rc, see $log)"; failed=1; fi
  printf '%s\t%s\t%s\t%s\n' "$t" "$SECONDS_EACH" "$execs" "$result" | tee -a "$SUMMARY"
  if [ $rc -ne 0 ]; then
    grep -m1 -E 'ERROR: |runtime error|deadly signal|uncaught|terminate' "$log"
    ls "$ARTIFACTS/$t" | head -3
  fi
done
exit $failed
