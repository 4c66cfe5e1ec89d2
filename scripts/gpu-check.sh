#!/usr/bin/env bash
# The one command to run on a new GPU machine (under 10 minutes on one GPU):
#   1. builds cleave with CUDA for this GPU's architecture through
#      scripts/build.sh, the build step CI runs (scripts/test.sh), plus the
#      benchmarks;
#   2. runs every gpu-labelled test (device result == CPU backend); a skipped
#      GPU test is a failure here, since this machine has a GPU;
#   3. runs compute-sanitizer memcheck, racecheck and synccheck over the GPU
#      tests of the fingerprint and embedding kernels (small inputs), and
#      memcheck over the partitioner's and the alignment's GPU tests;
#   4. times `cleave graph` on generated fingerprints, embeddings (also with
#      --gemm-precision tf32 and bf16, whose edges must agree) and protein
#      sequences and prints each throughput next to the GPU's roofline for it,
#      and the partitioner's time and rounds per split (bench_large, 1M nodes).
# Prints a summary; exits 1 when a build, test or sanitizer step failed.
# Environment: BUILD_DIR (default build-gpu-check), JOBS, CLEAVE_CUDA_ARCHITECTURES
# (default: this GPU's compute capability), GPU_CHECK_SCALE (default 1: input
# sizes multiply by it).
set -euo pipefail
cd "$(dirname "$0")/.."
export BUILD_DIR=${BUILD_DIR:-build-gpu-check}
export JOBS=${JOBS:-$(nproc)}
SCALE=${GPU_CHECK_SCALE:-1}
PATH=$PATH:/usr/local/cuda/bin
WORK=$BUILD_DIR/gpu-check
failures=()
step() { printf '\n== %s\n' "$*"; }
fail() {
  failures+=("$*")
  printf 'FAIL: %s\n' "$*"
}

step "GPU"
if ! nvidia-smi --query-gpu=name,compute_cap,memory.total,driver_version --format=csv,noheader; then
  echo "gpu-check: nvidia-smi found no GPU; run this on the GPU machine" >&2
  exit 1
fi
cap=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d ' .')
export CLEAVE_CUDA_ARCHITECTURES=${CLEAVE_CUDA_ARCHITECTURES:-$cap}

step "build (scripts/build.sh, CUDA architectures $CLEAVE_CUDA_ARCHITECTURES)"
./scripts/build.sh -DCLEAVE_CUDA=ON -DCLEAVE_BUILD_BENCH=ON
"$BUILD_DIR/src/cleave" --version
mkdir -p "$WORK"

step "kernel resources (ptxas)"
python3 scripts/ptxas-check.py --arch "${CLEAVE_CUDA_ARCHITECTURES%%;*}" --jobs "$JOBS" ||
  fail "ptxas-check: a kernel spills or has a stack frame"

step "gpu tests (ctest -L gpu)"
if (cd "$BUILD_DIR" && ctest -L gpu --output-on-failure -V) >"$WORK/ctest-gpu.log" 2>&1; then
  grep -E "^\S+: \[ +(OK|SKIPPED|FAILED) +\]|tests passed" "$WORK/ctest-gpu.log" || true
  if grep -q "\[  SKIPPED \]" "$WORK/ctest-gpu.log"; then
    grep -m3 -A1 "Skipped" "$WORK/ctest-gpu.log" || true
    fail "gpu tests skipped on a GPU machine (see $WORK/ctest-gpu.log)"
  fi
else
  tail -40 "$WORK/ctest-gpu.log"
  fail "gpu tests (see $WORK/ctest-gpu.log)"
fi

step "compute-sanitizer"
if command -v compute-sanitizer >/dev/null; then
  run_sanitizer() {  # tool, test binary, gtest filter
    local log
    log="$WORK/sanitizer-$1-$2.log"
    if compute-sanitizer --tool "$1" --error-exitcode 1 "$BUILD_DIR/tests/$2" \
      --gtest_filter="$3" >"$log" 2>&1; then
      printf '%-10s %-16s %-40s clean\n' "$1" "$2" "$3"
    else
      tail -20 "$log"
      fail "compute-sanitizer $1 $2 $3 (see $log)"
    fi
  }
  for tool in memcheck racecheck synccheck; do
    run_sanitizer "$tool" test_similarity "GpuFingerprint.*:GpuEmbedding.*"
    run_sanitizer "$tool" test_search "GpuSearch.SmallEqualsCpu"
  done
  run_sanitizer memcheck test_split "GpuSplit.*"
  run_sanitizer memcheck test_sequence "Gpu*"
else
  fail "compute-sanitizer not found (it ships with the CUDA toolkit)"
fi

step "throughput against the roofline"
cat >"$WORK/devinfo.cu" <<'CU'
#include <cstdio>
#include <cuda_runtime.h>
int main() {
  int sms = 0, khz = 0, mem_khz = 0, bus = 0;
  cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
  cudaDeviceGetAttribute(&khz, cudaDevAttrClockRate, 0);
  cudaDeviceGetAttribute(&mem_khz, cudaDevAttrMemoryClockRate, 0);
  cudaDeviceGetAttribute(&bus, cudaDevAttrGlobalMemoryBusWidth, 0);
  std::printf("%d %d %d %d\n", sms, khz, mem_khz, bus);
  return 0;
}
CU
nvcc -o "$WORK/devinfo" "$WORK/devinfo.cu"
read -r SMS KHZ MEM_KHZ BUS < <("$WORK/devinfo")
echo "SMs $SMS, SM clock $((KHZ / 1000)) MHz, memory clock $((MEM_KHZ / 1000)) MHz, bus $BUS bits"

N_FP=$((100000 * SCALE)) N_EMB=$((60000 * SCALE)) N_SEQ=$((3000 * SCALE))
python3 scripts/gpu-check-data.py "$WORK" --fps "$N_FP" --bits 2048 --npy "$N_EMB" --dim 512 \
  --fasta "$N_SEQ" --len 300
timed() {  # prints the wall seconds of a command
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null
  t1=$(date +%s.%N)
  python3 -c "print(f'{$t1 - $t0:.3f}')"
}
CLEAVE=$BUILD_DIR/src/cleave
t_fp=$(timed "$CLEAVE" graph --input "$WORK/fp.fps" --threshold 0.55 --out "$WORK/fp.cgr" --quiet)
t_emb=$(timed "$CLEAVE" graph --input "$WORK/emb.npy" --threshold 0.9 --out "$WORK/emb.cgr" --quiet)
# Tensor-core GEMMs with the exact re-check: both give the CPU backend's edges,
# so their edge lists must be identical.
t_tf32=$(timed "$CLEAVE" graph --input "$WORK/emb.npy" --threshold 0.9 --gemm-precision tf32 \
  --out "$WORK/emb_tf32.cgr" --quiet)
t_bf16=$(timed "$CLEAVE" graph --input "$WORK/emb.npy" --threshold 0.9 --gemm-precision bf16 \
  --out "$WORK/emb_bf16.cgr" --quiet)
cmp -s <("$CLEAVE" edges --graph "$WORK/emb_tf32.cgr") <("$CLEAVE" edges --graph "$WORK/emb_bf16.cgr") ||
  fail "embedding edges differ between --gemm-precision tf32 and bf16"
echo "embeddings, whole command: fp32 ${t_emb} s, tf32 ${t_tf32} s, bf16 ${t_bf16} s"
t_seq=$(timed "$CLEAVE" graph --input "$WORK/prot.fasta" --align global --threshold 0.3 \
  --out "$WORK/prot.cgr" --quiet)
cells=$(python3 -c "
import sys
lens=[len(l.strip()) for l in open('$WORK/prot.fasta') if not l.startswith('>')]
s=sum(lens); q=sum(x*x for x in lens)
print((s*s-q)//2)")
python3 - "$SMS" "$KHZ" "$t_fp" "$t_emb" "$t_seq" "$N_FP" "$N_EMB" "$cells" <<'PY'
import sys
sms, khz, t_fp, t_emb, t_seq, n_fp, n_emb, cells = sys.argv[1:]
sms, hz = int(sms), int(khz) * 1e3
t_fp, t_emb, t_seq, n_fp, n_emb, cells = float(t_fp), float(t_emb), float(t_seq), int(n_fp), int(n_emb), int(cells)
# Rooflines (per SM per clock on sm_80..sm_90): 16 POPC (32-bit), 128 FP32 FMA
# lanes, 64 INT32 lanes. A 2048-bit pair is 64 POPC; a GEMM FMA is 2 FLOP; a
# DP cell is taken as ~12 INT32 operations (max, add, compare of the affine
# recurrence with identity tracking).
peak_pairs = sms * 16 * hz / 64
peak_flops = sms * 128 * 2 * hz
peak_cells = sms * 64 * hz / 12
pairs = n_fp * (n_fp - 1) / 2
flops = 2.0 * 512 * n_emb * (n_emb - 1) / 2
rows = [("fingerprints (Tanimoto, 2048 bits)", pairs / t_fp, peak_pairs, "pairs/s", t_fp),
        ("embeddings (cosine, dim 512)", flops / t_emb, peak_flops, "FLOP/s", t_emb),
        ("alignment (global, protein)", cells / t_seq, peak_cells, "cells/s", t_seq)]
print(f"{'stage':<36}{'wall s':>9}{'measured':>12}{'roofline':>12}  unit     of roofline")
for name, got, peak, unit, t in rows:
    print(f"{name:<36}{t:>9.2f}{got:>12.3e}{peak:>12.3e}  {unit:<8} {got / peak:>6.1%}")
print("(whole `cleave graph` commands: reading input, host work and writing the graph are included)")
PY

step "partitioner on the GPU (bench_large: 1M nodes, 10M edges, 21 p x 1 seed)"
"$BUILD_DIR/bench/bench_large" --backend cuda --seeds 1 | tee "$WORK/bench_large.txt" ||
  fail "bench_large --backend cuda"
grep -q "backend=cuda" "$WORK/bench_large.txt" || fail "bench_large did not run on the cuda backend"

step "summary"
if [ ${#failures[@]} -eq 0 ]; then
  echo "gpu-check: all passed"
else
  printf 'gpu-check: %d failure(s):\n' "${#failures[@]}"
  printf '  - %s\n' "${failures[@]}"
  exit 1
fi
