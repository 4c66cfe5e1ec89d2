#!/usr/bin/env bash
# `pip install .` into a fresh venv (from /usr/bin/python3 with the system
# site packages, so Debian's numpy is there), then, outside the repository:
# the README tutorial, and the tests that compare the installed package with
# the CLI (same graph, same splits). CUDA is left out of this build; ccache is
# used when present, and the CMake build folder is kept between runs
# (BUILD_CACHE) so a rerun only rebuilds what changed.
# Usage: pip_install_test.sh SOURCE_DIR WORK_DIR CLEAVE_BIN
set -euo pipefail
SRC=$1
WORK=$2
CLI=$3
BUILD_CACHE=${CLEAVE_PIP_BUILD_DIR:-$WORK.build}
rm -rf "$WORK"
mkdir -p "$WORK/outside"
/usr/bin/python3 -m venv --system-site-packages "$WORK/venv" ||
  { echo "no python3-venv: skipping"; exit 77; }
PY=$WORK/venv/bin/python
args=(--config-settings=cmake.define.CLEAVE_CUDA=OFF "--config-settings=build-dir=$BUILD_CACHE")
if command -v ccache >/dev/null; then
  args+=(--config-settings=cmake.define.CMAKE_CXX_COMPILER_LAUNCHER=ccache
         --config-settings=cmake.define.CMAKE_C_COMPILER_LAUNCHER=ccache)
fi
start=$SECONDS
"$PY" -m pip install -q "${args[@]}" "$SRC" pytest
echo "pip install: $((SECONDS - start)) s"
cd "$WORK/outside"
# The installed package, not the source tree.
"$PY" -c 'import cleave, sys; assert "/venv/" in cleave.__file__, cleave.__file__; print(cleave.__file__)'
"$PY" -c 'import cleave, pathlib; p = pathlib.Path(cleave.__file__).parent; assert (p / "py.typed").exists() and (p / "_core.pyi").exists()'
cp "$SRC/python/examples/tutorial.py" .
"$PY" -W ignore::UserWarning tutorial.py "$SRC/tests/data/cli_mols.csv" | tee tutorial.log
grep -q "AUSPC of the baseline" tutorial.log
# Same graphs and splits as the CLI, through the installed package.
CLEAVE_BIN=$CLI CLEAVE_TEST_DATA=$SRC/tests/data OMP_NUM_THREADS=2 \
  "$PY" -m pytest -q -p no:cacheprovider --rootdir "$WORK/outside" \
  "$SRC/tests/python/test_graph.py" "$SRC/tests/python/test_splits.py" -k "equal_cli"
