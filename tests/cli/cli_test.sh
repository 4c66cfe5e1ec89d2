#!/usr/bin/env bash
# End-to-end tests of the cleave binary: the pipeline's output layout, the
# SPECTRA invariants seen through the files, determinism across thread
# counts, and bad input (exit status, message naming file and line, no
# partial output). Usage: cli_test.sh CLEAVE_BIN TEST_DATA_DIR [REAL_DATA_DIR]
# (REAL_DATA_DIR: ../shared/data or tests/data/real, the default)
set -uo pipefail
BIN=$1
DATA=$2
SHARED=${3:-$(dirname "$0")/../data/real}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# expect_error NAME PATTERN OUTPUT_PATH -- cleave args...
# Runs cleave, requires a non-zero exit, PATTERN (grep -E) in stderr, and no
# file or directory at OUTPUT_PATH afterwards.
expect_error() {
  local name=$1 pattern=$2 out=$3
  shift 4
  "$BIN" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
  local rc=$?
  if [ $rc -eq 0 ]; then bad "$name: exit 0"; return; fi
  if ! grep -qE -- "$pattern" "$WORK/stderr"; then
    bad "$name: stderr lacks /$pattern/: $(cat "$WORK/stderr")"; return
  fi
  if [ -n "$out" ] && compgen -G "$out*" >/dev/null; then
    bad "$name: partial output left: $(ls -d "$out"*)"; return
  fi
  ok
}

# ---- the pipeline on a small real-molecule set with labels
"$BIN" run --quiet --input "$DATA/cli_mols.csv" --threshold 0.3 --out "$WORK/run" \
  --threads 2 >"$WORK/run.log" 2>&1 || bad "run failed: $(cat "$WORK/run.log")"
for f in graph.cgr graph.cgr.ids splits/stats.tsv splits/manifest.json \
  splits/sp_0.50_r1/train.txt splits/sp_0.50_r1/test.txt baseline/scores.csv \
  report/auspc.tsv report/spc.svg report/report.html; do
  [ -s "$WORK/run/$f" ] && ok || bad "missing output $f"
done
head -1 "$WORK/run/splits/stats.tsv" | tr '\t' '\n' >"$WORK/cols"
for c in sp repeat seed kept train test overlap_frac overlap_maxsim overlap_meansim; do
  grep -qx "$c" "$WORK/cols" && ok || bad "stats.tsv lacks column $c"
done
[ "$(tail -n +2 "$WORK/run/splits/stats.tsv" | wc -l)" -eq 63 ] && ok || bad "stats.tsv rows != 63"
leftovers=$(find "$WORK/run" -name '*.tmp-*' | wc -l)
[ "$leftovers" -eq 0 ] && ok || bad "temporary files left in the output"

# ids in split files are the input's ids; train and test are disjoint
cut -d, -f1 "$DATA/cli_mols.csv" | tail -n +2 | sort >"$WORK/all_ids"
for d in "$WORK"/run/splits/sp_*; do
  cat "$d/train.txt" "$d/test.txt" | sort >"$WORK/split_ids"
  [ -z "$(comm -23 "$WORK/split_ids" "$WORK/all_ids")" ] || bad "$d has unknown ids"
  [ -z "$(sort "$d/train.txt" | comm -12 - <(sort "$d/test.txt"))" ] || bad "$d: train and test overlap"
done
ok

# p = 0 (default mode) keeps every sample
n_all=$(wc -l <"$WORK/all_ids")
kept0=$(awk -F'\t' 'NR>1 && $1=="0.00" {print $5}' "$WORK/run/splits/stats.tsv" | sort -u)
[ "$kept0" = "$n_all" ] && ok || bad "p=0 kept $kept0 of $n_all"

# p = 1 (binary mode): no edge joins train and test
"$BIN" edges --graph "$WORK/run/graph.cgr" >"$WORK/edges.tsv" || bad "edges failed"
[ -s "$WORK/edges.tsv" ] && ok || bad "the test graph has no edges"
for d in "$WORK"/run/splits/sp_1.00_r*; do
  crossing=$(awk -F'\t' 'FILENAME ~ /train/ {tr[$1]=1; next} FILENAME ~ /test/ {te[$1]=1; next}
    (tr[$1] && te[$2]) || (te[$1] && tr[$2]) {n++} END {print n+0}' \
    "$d/train.txt" "$d/test.txt" "$WORK/edges.tsv")
  [ "$crossing" -eq 0 ] && ok || bad "$d: $crossing train-test edges at p=1"
done

# the same seeds give byte-identical splits on 1 and 2 threads; the graph is reused
"$BIN" run --quiet --input "$DATA/cli_mols.csv" --threshold 0.3 --out "$WORK/run1" \
  --threads 1 >/dev/null 2>&1 || bad "run --threads 1 failed"
diff -r "$WORK/run/splits" "$WORK/run1/splits" -x manifest.json >/dev/null && ok ||
  bad "splits differ between 1 and 2 threads"
cmp "$WORK/run/graph.cgr" "$WORK/run1/graph.cgr" && ok || bad "graphs differ between thread counts"
"$BIN" run --input "$DATA/cli_mols.csv" --threshold 0.3 --out "$WORK/run1" --threads 1 \
  >/dev/null 2>"$WORK/resume.log" || bad "second run failed"
grep -q "reusing the graph" "$WORK/resume.log" && ok || bad "a second run did not reuse the graph"

# split a stored graph again: same files as the pipeline made
"$BIN" split --quiet --graph "$WORK/run/graph.cgr" --out "$WORK/split2" >/dev/null ||
  bad "split failed"
diff -r "$WORK/run/splits" "$WORK/split2" -x manifest.json >/dev/null && ok ||
  bad "cleave split differs from cleave run"

# auspc from the baseline's scores
"$BIN" auspc --scores "$WORK/run/baseline/scores.csv" --stats "$WORK/run/splits/stats.tsv" \
  --out "$WORK/eval" >"$WORK/auspc.log" 2>&1 && grep -q AUSPC "$WORK/auspc.log" && ok ||
  bad "auspc failed: $(cat "$WORK/auspc.log")"

# help everywhere
for c in run graph stats edges split baseline auspc fingerprints; do
  "$BIN" "$c" --help | grep -q "Examples:" && ok || bad "$c --help has no examples"
done

# ---- bad input: exit status, message with file and line, no partial output
printf 'id,smiles\n' >"$WORK/empty.csv"
expect_error "empty csv" "empty.csv.*(no data|empty)" "$WORK/o1" -- \
  graph --input "$WORK/empty.csv" --out "$WORK/o1"
: >"$WORK/zero.csv"
expect_error "zero-byte file" "zero.csv" "$WORK/o2" -- graph --input "$WORK/zero.csv" --out "$WORK/o2"
printf 'id,smiles\na,CCO\nb,"CC\n' >"$WORK/quote.csv"
expect_error "unbalanced quote" "quote.csv:3" "$WORK/o3" -- graph --input "$WORK/quote.csv" --out "$WORK/o3"
printf 'id,smiles\na,CCO\nb,CCN\na,CCC\n' >"$WORK/dup.csv"
expect_error "duplicate id" "dup.csv:4.*a" "$WORK/o4" -- graph --input "$WORK/dup.csv" --out "$WORK/o4"
printf 'id,smiles\na,CCO\nb,C1CC\nc,CCC\nd,CCCC\n' >"$WORK/badsmi.csv"
expect_error "bad smiles strict" "badsmi.csv:3" "$WORK/o5" -- \
  graph --input "$WORK/badsmi.csv" --strict --out "$WORK/o5"
"$BIN" graph --input "$WORK/badsmi.csv" --out "$WORK/o6" >/dev/null 2>"$WORK/skip.log" &&
  grep -q "skipped 1" "$WORK/skip.log" && ok || bad "bad SMILES not skipped and counted"
expect_error "wrong column" "nope.*(smiles|id)" "$WORK/o7" -- \
  graph --input "$DATA/cli_mols.csv" --smiles-column nope --out "$WORK/o7"
printf '0\t1\t0.5\n1\t7\t0.9\n' >"$WORK/pairs.tsv"
printf 'a\nb\nc\n' >"$WORK/ids.txt"
expect_error "pairs out of range" "pairs.tsv:2" "$WORK/o8" -- \
  graph --input "$WORK/pairs.tsv" --format pairs --ids "$WORK/ids.txt" --out "$WORK/o8"
printf '0\t1\t0.5\n1\tx\t0.9\n' >"$WORK/pairs2.tsv"
expect_error "pairs malformed" "pairs2.tsv:2" "$WORK/o9" -- \
  graph --input "$WORK/pairs2.tsv" --format pairs --out "$WORK/o9"
head -c 1000 "$WORK/run/graph.cgr" >"$WORK/trunc.cgr"
cp "$WORK/run/graph.cgr.ids" "$WORK/trunc.cgr.ids"
expect_error "truncated graph" "trunc.cgr.*(truncated|corrupt)" "$WORK/o10" -- \
  split --graph "$WORK/trunc.cgr" --out "$WORK/o10"
cp "$WORK/run/graph.cgr" "$WORK/flip.cgr"
cp "$WORK/run/graph.cgr.ids" "$WORK/flip.cgr.ids"
printf '\x7f' | dd of="$WORK/flip.cgr" bs=1 seek=700 conv=notrunc 2>/dev/null
expect_error "corrupted graph" "flip.cgr.*checksum" "$WORK/o11" -- \
  split --graph "$WORK/flip.cgr" --out "$WORK/o11"
expect_error "unknown flag" "unknown option --frobnicate" "$WORK/o12" -- \
  run --input "$DATA/cli_mols.csv" --frobnicate --out "$WORK/o12"
expect_error "threshold > 1" "--threshold" "$WORK/o13" -- \
  graph --input "$DATA/cli_mols.csv" --threshold 1.5 --out "$WORK/o13"
expect_error "test fraction 0" "--test-fraction" "$WORK/o14" -- \
  split --graph "$WORK/run/graph.cgr" --test-fraction 0 --out "$WORK/o14"
expect_error "missing input" "no such file" "$WORK/o15" -- \
  graph --input "$WORK/absent.csv" --out "$WORK/o15"
# `cleave graph --backend`: the CPU backend gives the graph `run` built.
"$BIN" graph --quiet --backend cpu --input "$DATA/cli_mols.csv" --threshold 0.3 \
  --out "$WORK/cpu.cgr" >/dev/null 2>&1 || bad "graph --backend cpu failed"
"$BIN" edges --graph "$WORK/cpu.cgr" >"$WORK/cpu.edges" &&
  "$BIN" edges --graph "$WORK/run/graph.cgr" | cmp -s - "$WORK/cpu.edges" && ok ||
  bad "graph --backend cpu differs from run's graph"
expect_error "unknown backend" "unknown backend 'tpu'" "$WORK/o15b" -- \
  graph --input "$DATA/cli_mols.csv" --backend tpu --out "$WORK/o15b"
printf 'sp,repeat,score\n0.0,0,0.9\n0.5,0,abc\n' >"$WORK/scores.csv"
expect_error "bad score" "scores.csv:3" "$WORK/o16" -- auspc --scores "$WORK/scores.csv" --out "$WORK/o16"
printf 'mutant,DMS_score\nA1C,0.5\nA1C:Q,0.2\n' >"$WORK/dms.csv"
expect_error "bad mutant" "dms.csv:3" "$WORK/o17" -- \
  graph --input "$WORK/dms.csv" --format dms --out "$WORK/o17"
# A failing run never destroys a good earlier output.
cp -r "$WORK/run/splits" "$WORK/keep"
expect_error "failed split keeps old output" "--seeds" "" -- \
  split --graph "$WORK/run/graph.cgr" --seeds 1,x --out "$WORK/keep"
diff -r "$WORK/run/splits" "$WORK/keep" >/dev/null && ok || bad "a failed split changed the old output"

# ---- cleave partition: zero-overlap min-cut splits in the split-set layout
# side_edges DIR: edges of the graph whose ends are kept on two different
# sides of the split in DIR (checked from the files, not by the partitioner).
side_edges() {
  "$BIN" edges --graph "$WORK/run/graph.cgr" | awk -F'\t' -v d="$1" '
    BEGIN { while ((getline l < (d "/train.txt")) > 0) s[l] = "train"
            while ((getline l < (d "/test.txt")) > 0) s[l] = "test"
            while ((getline l < (d "/validation.txt")) > 0) s[l] = "validation" }
    ($1 in s) && ($2 in s) && s[$1] != s[$2] { n++ } END { print n + 0 }'
}
"$BIN" partition --quiet --graph "$WORK/run/graph.cgr" --valid-fraction 0.1 --repeats 2 \
  --threads 1 --out "$WORK/part1" >"$WORK/part.log" 2>&1 || bad "partition failed: $(cat "$WORK/part.log")"
for f in stats.tsv manifest.json ov_0.00_r0/train.txt ov_0.00_r0/test.txt \
  ov_0.00_r0/validation.txt ov_0.00_r1/test.txt; do
  [ -s "$WORK/part1/$f" ] && ok || bad "partition: missing $f"
done
[ "$(head -1 "$WORK/part1/stats.tsv")" = "$(printf 'target\trepeat\tseed\tvalid\tkept\tkept_units\ttrain\tvalidation\ttest\toverlap_frac\toverlap_maxsim\toverlap_meansim\treached')" ] &&
  ok || bad "partition: stats.tsv header: $(head -1 "$WORK/part1/stats.tsv")"
grep -q '"method": "partition"' "$WORK/part1/manifest.json" && ok || bad "partition: manifest lacks its method"
for r in 0 1; do
  n=$(side_edges "$WORK/part1/ov_0.00_r$r")
  [ "$n" = 0 ] && ok || bad "partition: $n edges between sides in repeat $r"
done
"$BIN" partition --quiet --graph "$WORK/run/graph.cgr" --valid-fraction 0.1 --repeats 2 \
  --threads 2 --out "$WORK/part2" >/dev/null 2>&1 || bad "partition on 2 threads failed"
diff -r "$WORK/part1" "$WORK/part2" >/dev/null && ok || bad "partition differs on 1 and 2 threads"
"$BIN" run --quiet --input "$DATA/cli_mols.csv" --threshold 0.3 --method partition --seeds 7 \
  --out "$WORK/runpart" >"$WORK/runpart.log" 2>&1 || bad "run --method partition failed: $(cat "$WORK/runpart.log")"
[ -s "$WORK/runpart/splits/ov_0.00_r0/test.txt" ] && [ -s "$WORK/runpart/baseline/scores.csv" ] &&
  ok || bad "run --method partition: splits or baseline scores missing"
"$BIN" partition --quiet --graph "$WORK/run/graph.cgr" --target-overlap 0,0.5,1 --seeds 42 \
  --out "$WORK/part3" >/dev/null 2>&1 || bad "partition --target-overlap failed"
[ "$(awk -F'\t' 'NR > 1 && $4 == 1 { print $1 }' "$WORK/part3/stats.tsv" | tr '\n' ' ')" = "0.00 0.50 1.00 " ] &&
  [ -s "$WORK/part3/ov_1.00_r0/test.txt" ] && ok || bad "partition targets: $(cat "$WORK/part3/stats.tsv")"
"$BIN" run --quiet --input "$DATA/cli_mols.csv" --threshold 0.3 --method partition \
  --target-overlap 0,0.5,1 --out "$WORK/runspec" >"$WORK/runspec.log" 2>&1 &&
  [ -s "$WORK/runspec/report/auspc.tsv" ] && ok ||
  bad "run --method partition --target-overlap: no AUSPC report: $(tail -3 "$WORK/runspec.log")"
"$BIN" partition --quiet --graph "$WORK/run/graph.cgr" --folds 3 --seeds 5 --out "$WORK/part4" \
  >/dev/null 2>&1 || bad "partition --folds failed"
n=$("$BIN" edges --graph "$WORK/run/graph.cgr" | awk -F'\t' -v d="$WORK/part4/ov_0.00_r0" '
  BEGIN { for (k = 0; k < 3; k++) while ((getline l < (d "/fold_" k ".txt")) > 0) f[l] = k }
  ($1 in f) && ($2 in f) && f[$1] != f[$2] { n++ } END { print n + 0 }')
[ -s "$WORK/part4/ov_0.00_r0/fold_2.txt" ] && [ "$n" = 0 ] && ok ||
  bad "partition --folds: missing fold file or $n edges between folds"
# --stratify: whole kept components move between sides so that each side's
# label distribution follows the whole; nothing more is removed, no edge
# joins two sides, strata.tsv reports the strata per side.
cut -d, -f1,3 "$DATA/cli_mols.csv" >"$WORK/labels.csv"
"$BIN" partition --graph "$WORK/run/graph.cgr" --valid-fraction 0.1 --repeats 2 --threads 1 \
  --labels "$WORK/labels.csv" --stratify --strata 3 --out "$WORK/part5" >"$WORK/part5.log" 2>&1 ||
  bad "partition --stratify failed: $(cat "$WORK/part5.log")"
[ "$(head -1 "$WORK/part5/strata.tsv")" = "$(printf 'split\tside\tstratum\tlower\tupper\tcount\tfraction')" ] &&
  grep -q "largest difference of a stratum's share" "$WORK/part5.log" && ok ||
  bad "partition --stratify: strata.tsv or summary missing: $(head -3 "$WORK/part5/strata.tsv")"
for r in 0 1; do
  n=$(side_edges "$WORK/part5/ov_0.00_r$r")
  [ "$n" = 0 ] && ok || bad "partition --stratify: $n edges between sides in repeat $r"
done
[ "$(cut -f5 "$WORK/part5/stats.tsv")" = "$(cut -f5 "$WORK/part1/stats.tsv")" ] && ok ||
  bad "partition --stratify kept other samples than without: $(cut -f5 "$WORK/part5/stats.tsv")"
"$BIN" partition --quiet --graph "$WORK/run/graph.cgr" --valid-fraction 0.1 --repeats 2 \
  --threads 2 --labels "$WORK/labels.csv" --stratify --strata 3 --out "$WORK/part6" >/dev/null 2>&1 ||
  bad "partition --stratify on 2 threads failed"
diff -r "$WORK/part5" "$WORK/part6" >/dev/null && ok || bad "partition --stratify differs on 1 and 2 threads"
"$BIN" partition --quiet --graph "$WORK/run/graph.cgr" --labels "$WORK/labels.csv" --seeds 1 \
  --out "$WORK/part7" >/dev/null 2>&1 && [ -s "$WORK/part7/strata.tsv" ] && ok ||
  bad "partition --labels without --stratify: no strata.tsv"
"$BIN" partition --quiet --graph "$WORK/run/graph.cgr" --labels "$WORK/labels.csv" --folds 3 \
  --stratify --seeds 5 --out "$WORK/part8" >/dev/null 2>&1 &&
  grep -q "fold_2" "$WORK/part8/strata.tsv" && ok || bad "partition --folds --stratify failed"
"$BIN" run --quiet --input "$DATA/cli_mols.csv" --threshold 0.3 --method partition --seeds 7 \
  --stratify --out "$WORK/runstrat" >"$WORK/runstrat.log" 2>&1 &&
  [ -s "$WORK/runstrat/splits/strata.tsv" ] && ok ||
  bad "run --method partition --stratify: $(tail -3 "$WORK/runstrat.log")"
grep -q '"stratify": true, "strata": 3' "$WORK/part5/manifest.json" && ok ||
  bad "partition --stratify: the manifest does not say so: $(grep -o '"options": {[^}]*}' "$WORK/part5/manifest.json")"
cut -d, -f1 "$DATA/cli_mols.csv" | awk 'NR == 1 { print "id,label"; next } { print $1 "," (NR % 2) }' >"$WORK/classes.csv"
expect_error "partition --strata with class labels" "quantile bins are for numeric labels" "$WORK/o28" -- \
  partition --graph "$WORK/run/graph.cgr" --labels "$WORK/classes.csv" --strata 4 --out "$WORK/o28"
expect_error "partition --label-column without --labels" "need --labels" "$WORK/o29" -- \
  partition --graph "$WORK/run/graph.cgr" --label-column label --out "$WORK/o29"
expect_error "partition --stratify without labels" "--stratify needs labels" "$WORK/o23" -- \
  partition --graph "$WORK/run/graph.cgr" --stratify --out "$WORK/o23"
head -20 "$WORK/labels.csv" >"$WORK/labels_short.csv"
expect_error "partition labels missing an id" "labels_short.csv: sample '[^']+' has no label" \
  "$WORK/o24" -- partition --graph "$WORK/run/graph.cgr" --labels "$WORK/labels_short.csv" \
  --stratify --out "$WORK/o24"
{ cat "$WORK/labels.csv"; echo "extra,high"; } >"$WORK/labels_bad.csv"
expect_error "partition label not a number" "labels_bad.csv:48: .*not a number" "$WORK/o25" -- \
  partition --graph "$WORK/run/graph.cgr" --labels "$WORK/labels_bad.csv" --out "$WORK/o25"
expect_error "partition --stratify with a target overlap" "zero-overlap splits only" "$WORK/o26" -- \
  partition --graph "$WORK/run/graph.cgr" --labels "$WORK/labels.csv" --stratify \
  --target-overlap 0,0.5 --out "$WORK/o26"
expect_error "run --stratify needs the method" "need --method partition" "$WORK/o27" -- \
  run --input "$DATA/cli_mols.csv" --stratify --out "$WORK/o27"
expect_error "partition fractions leave no train" "leave nothing for train" "$WORK/o20" -- \
  partition --graph "$WORK/run/graph.cgr" --test-fraction 0.5 --valid-fraction 0.5 --out "$WORK/o20"
expect_error "partition seeds and repeats" "either --seeds or --repeats" "$WORK/o21" -- \
  partition --graph "$WORK/run/graph.cgr" --seeds 1 --repeats 2 --out "$WORK/o21"
expect_error "run partition options need the method" "need --method partition" "$WORK/o22" -- \
  run --input "$DATA/cli_mols.csv" --target-overlap 0.5 --out "$WORK/o22"
# The sweep's validation side: no edge to train or test at any p (checked
# from the files); test is the same as without it.
"$BIN" split --quiet --graph "$WORK/run/graph.cgr" --sp 0,0.5,1 --seeds 3 --valid-fraction 0.2 \
  --out "$WORK/swv" >/dev/null 2>&1 || bad "split --valid-fraction failed"
"$BIN" split --quiet --graph "$WORK/run/graph.cgr" --sp 0,0.5,1 --seeds 3 --out "$WORK/swp" \
  >/dev/null 2>&1 || bad "split failed"
head -1 "$WORK/swv/stats.tsv" | grep -q "train.validation.test" && [ -s "$WORK/swv/sp_1.00_r0/validation.txt" ] &&
  ok || bad "split --valid-fraction: no validation column or file"
for p in 0.00 0.50 1.00; do
  n=$("$BIN" edges --graph "$WORK/run/graph.cgr" | awk -F'\t' -v d="$WORK/swv/sp_${p}_r0" '
    BEGIN { while ((getline l < (d "/validation.txt")) > 0) v[l] = 1
            while ((getline l < (d "/train.txt")) > 0) o[l] = 1
            while ((getline l < (d "/test.txt")) > 0) o[l] = 1 }
    (($1 in v) && ($2 in o)) || (($2 in v) && ($1 in o)) { n++ } END { print n + 0 }')
  [ "$n" = 0 ] && cmp -s "$WORK/swv/sp_${p}_r0/test.txt" "$WORK/swp/sp_${p}_r0/test.txt" && ok ||
    bad "split --valid-fraction p=$p: $n validation edges, or test changed"
done

# ---- --gemm-precision: NPY only; the cpu backend computes in fp32 (same edges) and says so
"$BIN" graph --quiet --input "$DATA/npy_f4.npy" --threshold 0.1 --backend cpu \
  --out "$WORK/g32.cgr" >/dev/null 2>&1 || bad "npy graph failed"
"$BIN" graph --quiet --input "$DATA/npy_f4.npy" --threshold 0.1 --backend cpu \
  --gemm-precision bf16 --out "$WORK/g16.cgr" >/dev/null 2>"$WORK/g16.log" || bad "bf16 graph failed"
grep -q "cpu backend computes in fp32" "$WORK/g16.log" && ok || bad "no fp32 note: $(cat "$WORK/g16.log")"
cmp -s <("$BIN" edges --graph "$WORK/g32.cgr") <("$BIN" edges --graph "$WORK/g16.cgr") && ok ||
  bad "bf16 edges differ from fp32 on the cpu backend"
expect_error gemm_name "unknown GEMM precision 'fp16'" "$WORK/g8.cgr" -- graph \
  --input "$DATA/npy_f4.npy" --gemm-precision fp16 --out "$WORK/g8.cgr"
expect_error gemm_csv "applies to NPY embeddings only" "$WORK/g9.cgr" -- graph \
  --input "$DATA/cli_mols.csv" --gemm-precision tf32 --out "$WORK/g9.cgr"

# ---- real data
if [ -f "$SHARED/molecules/moleculenet_esol.csv" ] &&
  [ -f "$SHARED/molecules/moleculenet_clintox.csv" ]; then
  "$BIN" graph --quiet --input "$SHARED/molecules/moleculenet_esol.csv" --out "$WORK/esol.cgr" \
    >/dev/null 2>&1 && ok || bad "esol graph failed"
  "$BIN" run --quiet --input "$SHARED/molecules/moleculenet_clintox.csv" --out "$WORK/clintox" \
    --sp 0,0.5,1 >/dev/null 2>"$WORK/clintox.log" && grep -q "skipped 6" "$WORK/clintox.log" && ok ||
    bad "clintox run failed or did not skip its 6 bad SMILES: $(tail -3 "$WORK/clintox.log")"
else
  bad "real data not found in $SHARED"
fi

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
