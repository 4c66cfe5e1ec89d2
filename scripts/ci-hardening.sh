#!/usr/bin/env bash
# The reliability stages of CI, after the main test suite: the whole suite
# under ASan + UBSan, the threaded areas under TSan (scripts/sanitize.sh),
# and every libFuzzer target for a bounded time (fuzz/run.sh). Installs the
# clang toolchain these need. Env: FUZZ_SECONDS (default 20 per target).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
missing=()
for p in clang-14 libclang-rt-14-dev libomp-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

JOBS=${JOBS:-2} ./scripts/sanitize.sh all

echo "== fuzz: build"
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_C_COMPILER=clang-14 \
  -DCLEAVE_CUDA=OFF -DCLEAVE_PYTHON=OFF -DCLEAVE_BUILD_FUZZ=ON -DCLEAVE_BUILD_TESTS=OFF >build-fuzz.configure.log 2>&1 ||
  { cat build-fuzz.configure.log; exit 1; }
cmake --build build-fuzz -j "${JOBS:-2}" >build-fuzz.build.log 2>&1 ||
  { tail -40 build-fuzz.build.log; exit 1; }
echo "== fuzz: every target for ${FUZZ_SECONDS:-20} s"
CLEAVE_BIN=${CLEAVE_BIN:-build/src/cleave} FUZZ_SECONDS=${FUZZ_SECONDS:-20} fuzz/run.sh build-fuzz
cat build-fuzz/fuzz-summary.tsv
