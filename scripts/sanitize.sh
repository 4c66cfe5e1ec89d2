#!/usr/bin/env bash
# Builds cleave under the sanitizers and runs the test suite there:
#   asan: AddressSanitizer + UBSan (gcc, libgomp), every ctest test but the
#         reference cross-checks (Python tools that would run unsanitized),
#         the MPI test (label mpi, excluded by the presets: OpenMPI's own
#         internals are what a sanitizer would report) and the CLI graph
#         kill test (too slow sanitized);
#   tsan: ThreadSanitizer with clang + LLVM libomp + Archer (OpenMP-aware),
#         the threaded areas: split, similarity, graph, io, the C API and CLI.
# usage: scripts/sanitize.sh [asan|tsan|all] [extra ctest args...]
#   env: JOBS (build jobs, default 2), CTEST_REGEX (run only matching tests)
# Exits non-zero when a build fails or any test (or sanitizer) reports.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WHICH=${1:-all}
shift || true
JOBS=${JOBS:-2}
status=0
run_preset() {
  local preset=$1 dir=$ROOT/build-$1
  shift
  echo "== $preset: configure and build ($dir)"
  cmake --preset "$preset" -S "$ROOT" >"$dir.configure.log" 2>&1 ||
    { cat "$dir.configure.log"; echo "$preset: configure failed"; return 1; }
  cmake --build "$dir" -j "$JOBS" >"$dir.build.log" 2>&1 ||
    { tail -40 "$dir.build.log"; echo "$preset: build failed"; return 1; }
  echo "== $preset: ctest"
  # cli_graph_resume kills and reruns a whole real graph build a dozen times:
  # under a sanitizer that is longer than its timeout. The scheduler's own
  # kill-and-resume test (Resume.SurvivesSigkill) runs under ASan instead.
  (cd "$ROOT" && ctest --preset "$preset" -j "$JOBS" --timeout 1800 -E '^cli_graph_resume$' "$@") ||
    return 1
}
if [ "$WHICH" = asan ] || [ "$WHICH" = all ]; then
  run_preset asan ${CTEST_REGEX:+-R "$CTEST_REGEX"} "$@" || status=1
fi
if [ "$WHICH" = tsan ] || [ "$WHICH" = all ]; then
  # Threaded areas only: the eval and report tests are single-threaded and
  # gain nothing from TSan's 5-15x slowdown.
  run_preset tsan -L 'split|similarity|graph|io|c_api|cli|reliability' \
    ${CTEST_REGEX:+-R "$CTEST_REGEX"} "$@" || status=1
fi
[ $status -eq 0 ] && echo "sanitizers: clean" || echo "sanitizers: FAILED"
exit $status
