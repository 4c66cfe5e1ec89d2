#!/usr/bin/env bash
# Runs every cleave benchmark in order and keeps each one's table under
# bench/work/results/. Environment:
#   CLEAVE         cleave binary (default: build-bench/src/cleave, built here)
#   PYTHON         Python with spectrae + RDKit (default: .venv-ref/bin/python)
#   BUILD_DIR      build folder for bench_large (default: build-bench)
#   JOBS           parallel build jobs (default: 2)
#   SPECTRAE_MAX_S per-benchmark cap on spectrae's sweep, in seconds (default: 900)
#   LARGE_ARGS     arguments for bench_large (default: 1M nodes, 10M edges)
#   LARGE_REF_ARGS arguments for bench_large_ref.py (default: sizes 5k,10k,20k)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
build="${BUILD_DIR:-$root/build-bench}"
python="${PYTHON:-$root/.venv-ref/bin/python}"
max_s="${SPECTRAE_MAX_S:-900}"
results="$here/work/results"
mkdir -p "$results"

if [[ ! -x "$build/bench/bench_large" || ! -x "$build/src/cleave" ]]; then
  cmake -S "$root" -B "$build" -DCLEAVE_CUDA=OFF -DCLEAVE_BUILD_BENCH=ON -DCLEAVE_BUILD_TESTS=OFF
  cmake --build "$build" -j"${JOBS:-2}" --target cleave bench_large
fi
export CLEAVE="${CLEAVE:-$build/src/cleave}"
if ! "$python" -c "import spectrae, rdkit, networkx, sklearn, pandas" 2>/dev/null; then
  echo "run_all.sh: $python lacks spectrae/RDKit; see bench/README.md (Setup)" >&2
  exit 1
fi

# step NAME TITLE COMMAND...: runs COMMAND, shows its table, keeps it as NAME.txt.
step() {
  local name="$1"
  echo "== $2" >&2
  shift 2
  "$@" | tee "$results/$name.txt"
}

step sweep "1/7 split stage: spectrae vs cleave split" \
  "$python" "$here/bench_sweep.py" --max-spectrae-seconds "$max_s"
step end_to_end "2/7 end to end: SMILES -> 63 splits" \
  "$python" "$here/bench_end_to_end.py" --max-spectrae-seconds "$max_s"
# shellcheck disable=SC2086
step large "3/7 1M nodes / 10M edges sweep" "$build/bench/bench_large" ${LARGE_ARGS:-}
# shellcheck disable=SC2086
step large_ref "4/7 spectrae on smaller graphs of the same degree" \
  "$python" "$here/bench_large_ref.py" --bench-large "$build/bench/bench_large" ${LARGE_REF_ARGS:-}
step fingerprints "5/7 all-pairs Tanimoto: cleave vs chemfp and RDKit" \
  "$python" "$here/bench_fingerprints.py"
step align "6/7 all-pairs alignment: cleave vs parasail" "$python" "$here/bench_align.py"
step embed "7/7 embedding cosine: cleave vs numpy" "$python" "$here/bench_embed.py"
echo "tables in $results" >&2
