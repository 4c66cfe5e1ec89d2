#!/usr/bin/env bash
# Configures and builds cleave into $BUILD_DIR (default build/): the one build
# step that setup.sh, test.sh (CI) and gpu-check.sh share. CUDA architectures
# come from $CLEAVE_CUDA_ARCHITECTURES when it is set (test.sh sets 90, so CI
# compiles one), else from cmake/Options.cmake (release: 80;86;89;90).
# Arguments are passed to cmake's configure step; so is $CMAKE_ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."
args=(-DCMAKE_BUILD_TYPE=Release)
if [ -n "${CLEAVE_CUDA_ARCHITECTURES:-}" ]; then
  args+=(-DCLEAVE_CUDA_ARCHITECTURES="$CLEAVE_CUDA_ARCHITECTURES")
fi
# shellcheck disable=SC2086  # CMAKE_ARGS is a list of words on purpose
cmake -S . -B "${BUILD_DIR:-build}" "${args[@]}" ${CMAKE_ARGS:-} "$@" >/dev/null
cmake --build "${BUILD_DIR:-build}" -j "${JOBS:-$(nproc)}"
