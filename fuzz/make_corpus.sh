#!/usr/bin/env bash
# Seeds a corpus directory per fuzz target from small pieces of real files:
# tests/data, the shared data set (or its vendored subset) and, given a cleave binary,
# a graph, split set and scores made from tests/data on the spot. Nothing here
# is committed; the corpus lives wherever OUT points.
#   usage: fuzz/make_corpus.sh OUT [CLEAVE_BIN] [SHARED_DATA_DIR]
set -euo pipefail
OUT=${1:?usage: make_corpus.sh OUT [CLEAVE_BIN] [SHARED_DATA_DIR]}
BIN=${2:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TESTS=$ROOT/tests/data
SHARED=${3:-$ROOT/../shared/data}
# A clone without ../shared seeds from the subsets vendored for the tests.
[ -d "$SHARED" ] || SHARED=$ROOT/tests/data/real
mkdir -p "$OUT"
for t in molecules_csv molecules_smi fps dms pairs id_list scores split_stats graph_file \
  graph_checked fasta npy; do
  mkdir -p "$OUT/fuzz_$t"
done
seed() { cat >"$OUT/fuzz_$1/$2"; }  # seed TARGET NAME < bytes
piece() { head -n "$3" "$2" | seed "$1" "$(basename "$2").head$3"; }  # piece TARGET FILE LINES

# molecules (CSV and SMI), labels joined by id after a NUL
for f in "$TESTS"/cli_mols.csv "$TESTS"/io_*.csv; do piece molecules_csv "$f" 12; done
if [ -d "$SHARED/molecules" ]; then
  for f in "$SHARED"/molecules/*.csv; do piece molecules_csv "$f" 8; done
fi
printf 'id,smiles\na,CCO\nb,c1ccccc1\n\0id,label\na,1.5\nb,2\n' | seed molecules_csv labels_join
printf 'id,smiles,label\n"x,1","C(=O)O",3\n' | seed molecules_csv quoted
printf 'CCO ethanol\nc1ccccc1 benzene\nC1CC broken\n' | seed molecules_smi basic
printf 'smiles id\nCC(=O)Oc1ccccc1C(=O)O aspirin\n\n[Na+].[Cl-] salt\n' | seed molecules_smi header
for f in /usr/share/rdkit/Docs/Book/data/*.smi /usr/share/rdkit/Data/*.smi; do
  [ -f "$f" ] && piece molecules_smi "$f" 6
done 2>/dev/null || true

# FPS
cp "$TESTS/io_mixed_lengths.fps" "$OUT/fuzz_fps/"
printf '#FPS1\n#num_bits=16\n#type=x\n0f00\ta\nff01\tb\n0000\tc\n' | seed fps basic
printf '#FPS1\n0123456789abcdef\tm1\nfedcba9876543210\tm2\n' | seed fps nobits

# DMS
cp "$TESTS/io_bad_mutation.csv" "$OUT/fuzz_dms/"
printf 'mutant,DMS_score\nA1C,0.5\nA1C:D2E,0.2\nD2E,1\n' | seed dms basic
[ -f "$SHARED/dms/GB1_Wu_2016_FLIP_subset.csv" ] &&
  piece dms "$SHARED/dms/GB1_Wu_2016_FLIP_subset.csv" 10

# pairs (ids after a NUL), id lists
cp "$TESTS/io_pairs_conflict.tsv" "$OUT/fuzz_pairs/"
printf '0\t1\t0.5\n1\t2\t0.9\n0\t2\t0.1\n\0a\nb\nc\n' | seed pairs with_ids
printf 'i\tj\tvalue\n0\t1\t1e-3\n3\t2\t0.75\n' | seed pairs header
printf 'a\nb\n  c  \n\nd\n' | seed id_list basic

# scores and stats
printf 'sp,repeat,score\n0.0,0,0.9\n0.5,0,0.7\n1.0,0,0.5\n' | seed scores basic
printf 'metric,sp,repeat,score\nr2,0,0,nan\nr2,1,0,0.1\nrmse,0,0,1\nrmse,1,0,2\n' | seed scores metrics
printf 'sp\trepeat\tseed\tvalid\tkept\ttrain\ttest\toverlap_frac\n0.00\t0\t42\t1\t10\t8\t2\t0.5\n1.00\t0\t42\t0\t3\t0\t0\t0\n' |
  seed split_stats basic

# FASTA (the first byte picks alphabet and invalid-residue policy) and NPY
for f in "$SHARED"/proteins/hmmer_globins45.fasta "$SHARED"/dna/dfam_MADE1_seed_ungapped.fasta; do
  [ -f "$f" ] && { printf '\000'; head -n 12 "$f"; } | seed fasta "$(basename "$f").head12"
done
printf '\004>a desc\nMKV\nLLA\n>b\nACGT*\n' | seed fasta protein_replace
printf '\012>x\nACGTN\n>y\nacgu\n' | seed fasta dna_skip
{ printf '\000'; printf '>g\nMKVL\n>h\nMKVI\n' | gzip -c; } | seed fasta gzipped
python3 - "$OUT/fuzz_npy" <<'PY' 2>/dev/null || true
import struct, sys
def npy(name, descr, shape, payload):
    hdr = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
    hdr += " " * (63 - (10 + len(hdr)) % 64) + "\n"
    with open(f"{sys.argv[1]}/{name}", "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode() + payload)
npy("f32_3x2", "<f4", "(3, 2)", struct.pack("<6f", 1, 0, 0, 1, 0.5, 0.5))
npy("f64_2x2", "<f8", "(2, 2)", struct.pack("<4d", 1, 2, 3, 4))
PY

# A graph, a split set and scores made by cleave itself from tests/data.
if [ -n "$BIN" ] && [ -x "$BIN" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  head -n 25 "$TESTS/cli_mols.csv" >"$tmp/m.csv"
  "$BIN" run --quiet --input "$tmp/m.csv" --threshold 0.3 --sp 0,0.5,1 --seeds 1,2 \
    --bootstrap 10 --out "$tmp/run" >/dev/null 2>&1 || true
  printf '0\t1\t0.5\n1\t2\t0.9\n2\t3\t0.2\n' >"$tmp/p.tsv"
  "$BIN" graph --quiet --input "$tmp/p.tsv" --format pairs --out "$tmp/p.cgr" >/dev/null 2>&1 || true
  for g in "$tmp/run/graph.cgr" "$tmp/p.cgr"; do
    [ -f "$g" ] || continue
    name=$(basename "$g")
    cp "$g" "$OUT/fuzz_graph_checked/$name"
    { cat "$g"; printf '\0'; cat "$g.ids"; } >"$OUT/fuzz_graph_file/$name"
  done
  [ -f "$tmp/run/splits/stats.tsv" ] && cp "$tmp/run/splits/stats.tsv" "$OUT/fuzz_split_stats/run"
  [ -f "$tmp/run/baseline/scores.csv" ] && cp "$tmp/run/baseline/scores.csv" "$OUT/fuzz_scores/run"
  [ -f "$tmp/run/splits/sp_0.00_r0/train.txt" ] &&
    cp "$tmp/run/splits/sp_0.00_r0/train.txt" "$OUT/fuzz_id_list/train"
  "$BIN" fingerprints --quiet --input "$tmp/m.csv" --out "$tmp/m.fps" >/dev/null 2>&1 &&
    head -n 8 "$tmp/m.fps" | seed fps cleave_written
fi
echo "corpus in $OUT: $(find "$OUT" -type f | wc -l) seed files"
