#!/usr/bin/env bash
# Sets up (scripts/setup.sh), builds and runs every test with ctest. Tests that
# need a GPU skip without one. Real-data tests read ../shared/data when the
# checkout has that sibling folder and tests/data/real (in the repository)
# otherwise, so a fresh clone runs them too.
# A Python venv with the reference tools (spectrae from PyPI) is made in
# .venv-ref for the reference tests; it also builds and tests the Python
# package (nanobind, scikit-build-core, pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD_DIR:-build}
# CI compiles CUDA for one architecture (sm_90) to keep the build short;
# release builds default to 80;86;89;90 (cmake/Options.cmake).
export CLEAVE_CUDA_ARCHITECTURES=${CLEAVE_CUDA_ARCHITECTURES:-90}

./scripts/setup.sh

if [ ! -x .venv-ref/bin/python ]; then
  /usr/bin/python3 -m venv --system-site-packages .venv-ref
fi
if ! .venv-ref/bin/python -c 'import spectrae, scipy, sklearn, networkx, nanobind, scikit_build_core, pytest' 2>/dev/null; then
  # spectrae declares torch as a dependency but its splitting code never imports it.
  .venv-ref/bin/pip install -q --no-deps spectrae==1.0.3 ||
    echo "test: spectrae could not be installed; its reference tests will skip"
  # numpy < 2: Debian's RDKit is built against numpy 1.x.
  .venv-ref/bin/pip install -q "numpy<2" "pandas<2.3" networkx scipy scikit-learn tqdm ||
    echo "test: reference packages could not be installed; their tests will skip"
  # The Python package's build and tests (python/, tests/python).
  .venv-ref/bin/pip install -q nanobind==3.1.0 scikit-build-core==1.1.2 pytest==9.2.0 ||
    echo "test: nanobind/pytest could not be installed; the Python package is not built"
fi

./scripts/build.sh -DCLEAVE_REFERENCE_PYTHON="$PWD/.venv-ref/bin/python" \
  -DPython_EXECUTABLE="$PWD/.venv-ref/bin/python"
# Every CUDA kernel without spills or (own kernels) stack frames.
if [ -x /usr/local/cuda/bin/nvcc ] || command -v nvcc >/dev/null; then
  python3 scripts/ptxas-check.py --arch "${CLEAVE_CUDA_ARCHITECTURES%%;*}"
fi
cd "$BUILD"
ctest --output-on-failure -j "${JOBS:-$(nproc)}" "$@"
