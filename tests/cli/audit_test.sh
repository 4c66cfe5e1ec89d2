#!/usr/bin/env bash
# End-to-end tests of `cleave search`, `cleave audit` and `cleave paired`: an audit of every
# split of a `cleave split` set reproduces the overlap columns of its
# stats.tsv, hits files are sorted and complete, and bad split files fail
# naming file and line without leaving output.
# Usage: audit_test.sh CLEAVE_BIN TEST_DATA_DIR
set -uo pipefail
BIN=$1
DATA=$2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

expect_error() {  # NAME PATTERN OUTPUT_PATH -- cleave args...
  local name=$1 pattern=$2 out=$3
  shift 4
  "$BIN" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
  if [ $? -eq 0 ]; then bad "$name: exit 0"; return; fi
  grep -qE -- "$pattern" "$WORK/stderr" || { bad "$name: stderr lacks /$pattern/: $(cat "$WORK/stderr")"; return; }
  if [ -n "$out" ] && [ -e "$out" ]; then bad "$name: output left at $out"; return; fi
  ok
}

MOLS=$DATA/cli_mols.csv
"$BIN" graph --quiet --input "$MOLS" --threshold 0.3 --out "$WORK/g.cgr" >/dev/null 2>&1 ||
  bad "graph failed"
"$BIN" split --quiet --graph "$WORK/g.cgr" --sp 0,0.3,0.6,1 --seeds 1,2 --out "$WORK/splits" \
  >/dev/null 2>&1 || bad "split failed"

# ---- the audit of a whole split set equals its stats.tsv overlap columns
"$BIN" audit --quiet --input "$MOLS" --threshold 0.3 --split "$WORK/splits" --out "$WORK/a" \
  >/dev/null 2>"$WORK/a.log" || bad "audit failed: $(cat "$WORK/a.log")"
for f in summary.tsv report.html; do [ -s "$WORK/a/$f" ] && ok || bad "audit lacks $f"; done
# stats.tsv: sp repeat ... overlap_frac overlap_maxsim overlap_meansim (by name)
awk -F'\t' 'NR==1{for(i=1;i<=NF;i++)c[$i]=i; next}
  $c["valid"]==1 {printf "sp_%s_r%s %s %s %s\n", $c["sp"], $c["repeat"], $c["overlap_frac"],
  $c["overlap_maxsim"], $c["overlap_meansim"]}' "$WORK/splits/stats.tsv" | sort >"$WORK/want"
awk -F'\t' 'NR==1{for(i=1;i<=NF;i++)c[$i]=i; next}
  $c["side"]=="test" {printf "%s %s %s %s\n", $c["split"], $c["overlap_frac"],
  $c["overlap_maxsim"], $c["overlap_meansim"]}' "$WORK/a/summary.tsv" | sort >"$WORK/got"
[ -s "$WORK/want" ] && diff -q "$WORK/want" "$WORK/got" >/dev/null && ok ||
  bad "audit overlap differs from stats.tsv: $(diff "$WORK/want" "$WORK/got" | head -5)"
# At p = 1 no test sample has a train neighbour at the graph threshold.
for d in "$WORK"/a/sp_1.00_r*; do
  awk -F'\t' -v t=0.3 'NR>1 && $4 != "NA" && $4 >= t {exit 1}' "$d/nearest.tsv" && ok ||
    bad "$d: a test sample at p = 1 has a train neighbour >= 0.3"
done
# nearest.tsv has one row per test sample of its split.
for d in "$WORK"/splits/sp_*; do
  n=$(wc -l <"$d/test.txt")
  m=$(($(wc -l <"$WORK/a/$(basename "$d")/nearest.tsv") - 1))
  [ "$n" -eq "$m" ] && ok || bad "$(basename "$d"): $m nearest rows for $n test samples"
done

# ---- one split given as a CSV column, and as a folder: the same nearest rows
d=$WORK/splits/sp_0.30_r0
{ echo "id,fold"; sed 's/$/,train/' "$d/train.txt"; sed 's/$/,test/' "$d/test.txt"; } >"$WORK/s.csv"
"$BIN" audit --quiet --input "$MOLS" --threshold 0.3 --split "$WORK/s.csv" --split-column fold \
  --out "$WORK/c" >/dev/null 2>&1 || bad "CSV audit failed"
"$BIN" audit --quiet --input "$MOLS" --threshold 0.3 --split "$d" --out "$WORK/f" >/dev/null 2>&1 ||
  bad "folder audit failed"
cmp -s "$WORK/c/nearest.tsv" "$WORK/f/nearest.tsv" && ok || bad "CSV and folder audits differ"
cmp -s "$WORK/f/nearest.tsv" "$WORK/a/sp_0.30_r0/nearest.tsv" && ok || bad "single and set audits differ"

# ---- search: the top 3 of every query, sorted by query then similarity
head -20 "$MOLS" >"$WORK/q.csv"
"$BIN" search --quiet --query "$WORK/q.csv" --target "$MOLS" --top 3 --out "$WORK/hits.tsv" \
  >/dev/null 2>&1 || bad "search failed"
[ "$(tail -n +2 "$WORK/hits.tsv" | wc -l)" -eq 57 ] && ok || bad "search: not 3 hits for 19 queries"
# Every query finds itself first, at similarity 1.
awk -F'\t' 'NR>1 && !($1 in seen) {seen[$1]=1; if ($1 != $2 && $3 != "1.000000") exit 1}' \
  "$WORK/hits.tsv" && ok || bad "search: a query's best hit is not itself"
awk -F'\t' 'NR>2 && $1==q && $3>s {exit 1} {q=$1; s=$3}' "$WORK/hits.tsv" && ok ||
  bad "search: hits not by descending similarity"
"$BIN" search --quiet --query "$WORK/q.csv" --target "$MOLS" --threshold 0.5 --threads 1 \
  --out "$WORK/h1.tsv" >/dev/null 2>&1
"$BIN" search --quiet --query "$WORK/q.csv" --target "$MOLS" --threshold 0.5 --threads 2 \
  --out "$WORK/h2.tsv" >/dev/null 2>&1
cmp -s "$WORK/h1.tsv" "$WORK/h2.tsv" && ok || bad "search differs on 1 and 2 threads"

# ---- --backend: cpu is what auto runs; cuda equals cpu byte for byte on a
# device and, without one, fails naming the option and leaves no output;
# sequences (and embeddings) are cpu only whatever the machine has
"$BIN" search --quiet --query "$WORK/q.csv" --target "$MOLS" --threshold 0.5 --backend cpu \
  --out "$WORK/hc.tsv" >/dev/null 2>&1
cmp -s "$WORK/h1.tsv" "$WORK/hc.tsv" && ok || bad "search --backend cpu differs from auto"
"$BIN" search --quiet --query "$WORK/q.csv" --target "$MOLS" --threshold 0.3 --top 4 \
  --backend cpu --out "$WORK/hc4.tsv" >/dev/null 2>&1 || bad "search --backend cpu failed"
if "$BIN" search --quiet --query "$WORK/q.csv" --target "$MOLS" --threshold 0.3 --top 4 \
  --backend cuda --out "$WORK/hg4.tsv" >/dev/null 2>"$WORK/hg4.err"; then
  cmp -s "$WORK/hc4.tsv" "$WORK/hg4.tsv" && ok || bad "search --backend cuda differs from cpu"
  "$BIN" audit --quiet --input "$MOLS" --threshold 0.3 --split "$d" --backend cuda \
    --out "$WORK/fg" >/dev/null 2>&1 || bad "audit --backend cuda failed"
  for f in nearest.tsv summary.tsv; do
    cmp -s "$WORK/f/$f" "$WORK/fg/$f" && ok || bad "audit --backend cuda: $f differs from cpu"
  done
else
  grep -q -- "--backend cuda: " "$WORK/hg4.err" && ok ||
    bad "search --backend cuda without a device: $(cat "$WORK/hg4.err")"
  [ ! -e "$WORK/hg4.tsv" ] && ok || bad "search --backend cuda without a device left its output"
  expect_error "audit --backend cuda without a device" "--backend cuda: " "$WORK/fg" -- \
    audit --input "$MOLS" --threshold 0.3 --split "$d" --backend cuda --out "$WORK/fg"
fi
expect_error "search --backend cuda on sequences" "compute sequences on the cpu backend only" \
  "$WORK/o8.tsv" -- search --query "$DATA/seq_proteins.fasta" --target "$DATA/seq_proteins.fasta" \
  --top 1 --backend cuda --out "$WORK/o8.tsv"
expect_error "search --backend nonsense" "unknown backend 'tpu'" "$WORK/o9.tsv" -- \
  search --query "$MOLS" --target "$MOLS" --top 1 --backend tpu --out "$WORK/o9.tsv"

# ---- bad input
mkdir -p "$WORK/bad"
cp "$d/train.txt" "$WORK/bad/train.txt"
{ cat "$d/test.txt"; echo "no_such_molecule"; } >"$WORK/bad/test.txt"
n=$(wc -l <"$WORK/bad/test.txt")
expect_error "unknown id" "test.txt:$n: id 'no_such_molecule' is not in the dataset" "$WORK/o1" -- \
  audit --input "$MOLS" --split "$WORK/bad" --out "$WORK/o1"
{ cat "$d/test.txt"; head -1 "$d/train.txt"; } >"$WORK/bad/test.txt"
n=$(wc -l <"$WORK/bad/test.txt")
expect_error "duplicate id" "test.txt:$n: id '.*' is named twice" "$WORK/o2" -- \
  audit --input "$MOLS" --split "$WORK/bad" --out "$WORK/o2"
expect_error "no split" "no such file or folder" "$WORK/o3" -- \
  audit --input "$MOLS" --split "$WORK/nothing" --out "$WORK/o3"
expect_error "search without a mode" "give --threshold, --top or both" "$WORK/o4.tsv" -- \
  search --query "$MOLS" --target "$MOLS" --out "$WORK/o4.tsv"
expect_error "search of different kinds" "one kind" "$WORK/o5.tsv" -- \
  search --query "$MOLS" --target "$DATA/seq_proteins.fasta" --top 1 --out "$WORK/o5.tsv"
expect_error "search --gap-open on molecules" "applies to FASTA input only" "$WORK/o6.tsv" -- \
  search --query "$MOLS" --target "$MOLS" --top 1 --gap-open 5 --out "$WORK/o6.tsv"
expect_error "search --exhaustive with --sensitivity" "which --exhaustive turns off" \
  "$WORK/o7.tsv" -- search --query "$DATA/seq_proteins.fasta" \
  --target "$DATA/seq_proteins.fasta" --top 1 --exhaustive --sensitivity 3 --out "$WORK/o7.tsv"

# ---- search takes the graph's alignment settings: a sequence set against
# itself has n self hits plus two per graph edge, with the same options.
P=$DATA/seq_proteins.fasta
for opts in "--exhaustive" "--exhaustive --align local --gap-open 8"; do
  # shellcheck disable=SC2086  # opts is a list of words on purpose
  "$BIN" graph --quiet --input "$P" --threshold 0.3 $opts --out "$WORK/pg.cgr" \
    >/dev/null 2>&1 || bad "graph $opts failed"
  edges=$("$BIN" stats --graph "$WORK/pg.cgr" 2>/dev/null | awk '$1=="edges"{print $2}')
  nodes=$("$BIN" stats --graph "$WORK/pg.cgr" 2>/dev/null | awk '$1=="nodes"{print $2}')
  # shellcheck disable=SC2086
  "$BIN" search --quiet --query "$P" --target "$P" --threshold 0.3 $opts \
    --out "$WORK/ph.tsv" >/dev/null 2>&1 || bad "search $opts failed"
  hits=$(($(wc -l <"$WORK/ph.tsv") - 1))
  [ -n "$edges" ] && [ "$hits" -eq $((nodes + 2 * edges)) ] && ok ||
    bad "search $opts: $hits hits for $nodes nodes and $edges edges"
done

# ---- AU-GOOD from an audit's nearest.tsv: every sample at or below 1.0,
# so with the same score at every threshold AU-GOOD is that score
printf 'threshold,score\n0.3,0.5\n0.6,0.5\n1.0,0.5\n' >"$WORK/curve.csv"
"$BIN" augood --curve "$WORK/curve.csv" --deployment "$WORK/f/nearest.tsv" --out "$WORK/good.tsv" \
  >"$WORK/good.log" 2>&1 && grep -q "AU-GOOD 0.5000 (0 deployment" "$WORK/good.log" && ok ||
  bad "augood: $(cat "$WORK/good.log")"
[ "$(tail -n +2 "$WORK/good.tsv" | wc -l)" -eq 3 ] && ok || bad "augood: not 3 curve rows"
printf 'threshold,score\n0.3,0.5\nx,0.5\n' >"$WORK/badcurve.csv"
expect_error "augood bad curve" "badcurve.csv:3: threshold 'x' is not a number" "" -- \
  augood --curve "$WORK/badcurve.csv" --deployment "$WORK/f/nearest.tsv"

# ---- paired data: bad rows name file and line
printf 'id,smiles,target\np1,CCO,MKVLA\np2,CCN,MKVLA\np1,CCC,MKVLW\n' >"$WORK/dup.csv"
expect_error "paired duplicate pair id" "dup.csv:4: pair id 'p1' appears twice" "$WORK/o6" -- \
  paired --input "$WORK/dup.csv" --out "$WORK/o6"
printf 'id,smiles,target\np1,CCO,MKVLA\np2,C1CC,MKVLA\n' >"$WORK/badsmi.csv"
expect_error "paired bad SMILES" "badsmi.csv:3: SMILES 'C1CC'" "$WORK/o7" -- \
  paired --input "$WORK/badsmi.csv" --out "$WORK/o7"
printf 'id,smiles,target\np1,CCO,P1\np2,CCN,nope\n' >"$WORK/ids.csv"
printf '>P1\nMKVLAAGG\n' >"$WORK/t.fasta"
expect_error "paired unknown target" "ids.csv:3: target 'nope' is not in" "$WORK/o8" -- \
  paired --input "$WORK/ids.csv" --target-fasta "$WORK/t.fasta" --out "$WORK/o8"
expect_error "paired bad cold side" "drug, target or both" "$WORK/o9" -- \
  paired --input "$WORK/ids.csv" --cold sideways --out "$WORK/o9"

# ---- protein-protein pairs and min-cut partitions of pairs: bad rows and
# options that do not fit the kind of pairs or the method
printf '>P1\nMKVLAAGG\n>P2\nMKVLAAGW\n' >"$WORK/pp.fasta"
printf 'id,protein_a,protein_b\nx1,P1,P2\nx2,P2,nope\n' >"$WORK/pp.csv"
expect_error "ppi unknown protein" "pp.csv:3: protein 'nope' is not in" "$WORK/o10" -- \
  paired --pairs protein-protein --input "$WORK/pp.csv" --fasta "$WORK/pp.fasta" --out "$WORK/o10"
printf 'id,protein_a,protein_b\nx1,P1,P2\nx1,P2,P1\n' >"$WORK/ppdup.csv"
expect_error "ppi duplicate pair id" "ppdup.csv:3: pair id 'x1' appears twice" "$WORK/o11" -- \
  paired --pairs protein-protein --input "$WORK/ppdup.csv" --fasta "$WORK/pp.fasta" --out "$WORK/o11"
printf 'id,a,protein_b\nx1,P1,P2\n' >"$WORK/ppcol.csv"
expect_error "ppi missing column" "ppcol.csv:1: no column 'protein_a'" "$WORK/o12" -- \
  paired --pairs protein-protein --input "$WORK/ppcol.csv" --fasta "$WORK/pp.fasta" --out "$WORK/o12"
expect_error "ppi needs a FASTA" "needs --fasta" "$WORK/o13" -- \
  paired --pairs protein-protein --input "$WORK/pp.csv" --out "$WORK/o13"
expect_error "ppi refuses drug options" "option --target-fasta is for --pairs drug-target" \
  "$WORK/o14" -- paired --pairs protein-protein --input "$WORK/pp.csv" --fasta "$WORK/pp.fasta" \
  --target-fasta "$WORK/pp.fasta" --out "$WORK/o14"
expect_error "drug-target refuses --fasta" "option --fasta is for --pairs protein-protein" \
  "$WORK/o15" -- paired --input "$WORK/ids.csv" --fasta "$WORK/t.fasta" --out "$WORK/o15"
expect_error "partition refuses --sp" "option --sp applies to --method spectra only" "$WORK/o16" -- \
  paired --input "$WORK/ids.csv" --method partition --sp 1 --out "$WORK/o16"
expect_error "spectra refuses --tries" "option --tries needs --method partition" "$WORK/o17" -- \
  paired --input "$WORK/ids.csv" --tries 3 --out "$WORK/o17"

echo "audit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
