#!/usr/bin/env bash
# The installed package from a user's side: `cmake --install` into a
# temporary prefix, then the C program consumer.c built against it twice,
# once with nothing but find_package(cleave) and once with nothing but
# pkg-config, each run on small datasets (molecules, proteins, DNA,
# embeddings and a deep mutational scan) and compared with the CLI (node and
# edge counts, and the whole split set but its manifest). Also checks that
# libcleave.so exports exactly the C API and carries a versioned SONAME.
# usage: install_test.sh BUILD_DIR CLEAVE_BIN TEST_DATA_DIR VERSION
set -uo pipefail
BUILD=$1
BIN=$2
DATA=$3
VERSION=$4
HERE=$(cd "$(dirname "$0")" && pwd)
HEADER=$HERE/../../include/cleave/cleave.h
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

prefix=$WORK/prefix
cmake --install "$BUILD" --prefix "$prefix" >"$WORK/install.log" 2>&1 ||
  { cat "$WORK/install.log"; echo "FAIL: cmake --install"; exit 1; }
lib=$(find "$prefix" -name libcleave.so)
[ -n "$lib" ] || { echo "FAIL: no libcleave.so under the prefix"; exit 1; }
libdir=$(dirname "$lib")
[ -f "$prefix/include/cleave/cleave.h" ] && ok || bad "cleave.h not installed"
[ -z "$(find "$prefix" -name 'libcleave.a')" ] && ok || bad "the static library was installed"

# ---- the shared library: SONAME and exports
soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
IFS=. read -r major minor _ <<<"$VERSION"
want_soname=libcleave.so.$major
[ "$major" = 0 ] && want_soname=libcleave.so.$major.$minor
[ "$soname" = "$want_soname" ] && ok || bad "SONAME '$soname', expected '$want_soname'"
[ -f "$libdir/$soname" ] && [ -f "$libdir/libcleave.so.$VERSION" ] && ok ||
  bad "missing $soname or libcleave.so.$VERSION"
nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | sort -u >"$WORK/exported"
grep -oE '^CLEAVE_API [^(]*\b(cleave_[a-z0-9_]+)\(' "$HEADER" | grep -oE 'cleave_[a-z0-9_]+\($' |
  tr -d '(' | sort -u >"$WORK/api"
[ -s "$WORK/api" ] && ok || bad "no CLEAVE_API functions found in cleave.h"
extra=$(comm -23 "$WORK/exported" "$WORK/api")
missing=$(comm -13 "$WORK/exported" "$WORK/api")
[ -z "$extra" ] && ok || bad "exported beyond the C API: $(echo "$extra" | head -5 | tr '\n' ' ')"
[ -z "$missing" ] && ok || bad "C API functions not exported: $(echo "$missing" | tr '\n' ' ')"

# ---- a consumer with nothing but find_package(cleave)
cmake -S "$HERE" -B "$WORK/by-cmake" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_BUILD_TYPE=Release >"$WORK/cm.log" 2>&1 &&
  cmake --build "$WORK/by-cmake" >>"$WORK/cm.log" 2>&1 ||
  { cat "$WORK/cm.log"; bad "find_package consumer did not build"; }
link=$(find "$WORK/by-cmake" -name link.txt -path '*consumer*' | head -1)
if [ -n "$link" ] && grep -qiE 'rdkit|fmt|cudart|cublas|gomp|metis|libz' "$link"; then
  bad "the find_package consumer links more than libcleave: $(cat "$link")"
else ok; fi

# ---- a consumer with nothing but pkg-config
pc_flags=$(PKG_CONFIG_LIBDIR=$libdir/pkgconfig PKG_CONFIG_PATH= pkg-config --cflags --libs cleave) ||
  bad "pkg-config cannot find cleave.pc"
# shellcheck disable=SC2086  # pkg-config prints a list of words
cc -std=c99 -o "$WORK/by-pkgconfig" "$HERE/consumer.c" $pc_flags >"$WORK/pc.log" 2>&1 ||
  { cat "$WORK/pc.log"; bad "pkg-config consumer did not build ($pc_flags)"; }
[ "$(PKG_CONFIG_LIBDIR=$libdir/pkgconfig pkg-config --modversion cleave)" = "$VERSION" ] && ok ||
  bad "cleave.pc version"

# ---- both consumers against the CLI on each input
# check INPUT FORMAT [CLI options...]
check() {
  local input=$1 format=$2 name
  shift 2
  name=$(basename "$input")
  if ! "$BIN" graph --quiet --input "$input" --format "$format" "$@" --out "$WORK/$name.cgr" \
    >"$WORK/cli.out" 2>&1; then
    if grep -q 'without RDKit' "$WORK/cli.out"; then return; fi  # no SMILES in this build
    bad "$name: cleave graph failed: $(cat "$WORK/cli.out")"
    return
  fi
  local counts
  counts=$(sed -n 's/.*: \([0-9]* nodes, [0-9]* edges\).*/\1/p' "$WORK/cli.out")
  "$BIN" split --quiet --graph "$WORK/$name.cgr" --out "$WORK/$name.cli" >/dev/null 2>&1 ||
    bad "$name: cleave split failed"
  for consumer in by-cmake/consumer by-pkgconfig; do
    [ -x "$WORK/$consumer" ] || continue
    rm -rf "$WORK/$name.c"
    if ! LD_LIBRARY_PATH=$libdir "$WORK/$consumer" "$input" "$format" "$WORK/$name.c" \
      >"$WORK/c.out" 2>&1; then
      bad "$name: $consumer failed: $(cat "$WORK/c.out")"
      continue
    fi
    grep -q "cleave $VERSION: $counts\$" "$WORK/c.out" && ok ||
      bad "$name: $consumer printed '$(cat "$WORK/c.out")', the CLI '$counts'"
    diff -r -x manifest.json "$WORK/$name.cli" "$WORK/$name.c" >"$WORK/diff" && ok ||
      bad "$name: $consumer's splits differ from the CLI's: $(head -5 "$WORK/diff")"
  done
}
# The find_package consumer finds libcleave through its RUNPATH alone.
ldd "$WORK/by-cmake/consumer" >"$WORK/ldd" 2>&1
grep -q "$libdir/libcleave.so" "$WORK/ldd" && ok ||
  bad "the find_package consumer does not load $libdir/libcleave.so: $(cat "$WORK/ldd")"
check "$DATA/cli_mols.csv" csv
check "$DATA/seq_proteins.fasta" fasta
check "$DATA/seq_dna.fasta" fasta
check "$DATA/npy_f4.npy" npy
# A deep mutational scan: the first 400 variants of the vendored GB1 set.
head -n 401 "$DATA/real/dms/GB1_Wu_2016_FLIP_subset.csv" >"$WORK/gb1_400.csv"
check "$WORK/gb1_400.csv" dms

echo "install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
