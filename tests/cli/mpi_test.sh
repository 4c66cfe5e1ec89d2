#!/usr/bin/env bash
# cleave over MPI ranks on this machine: `mpirun -np K cleave graph|split|run`
# for K = 1, 2, 3 must write the same bytes as a plain run (graphs of
# molecules, of proteins exhaustive and prefiltered, of embeddings; split
# sets; a whole `run` directory). One rank is SIGKILLed once the checkpoint
# lists some tiles and the job is resumed on another rank count; a rank that
# fails (its tile file over a file size limit) ends the job non-zero with a
# message naming it, never a hang. Exits 77 (skip) without MPI.
# Usage: mpi_test.sh CLEAVE_BIN MPIRUN DATA_DIR
# shellcheck disable=SC2015  # `check && ok || bad`: ok always succeeds
set -uo pipefail
BIN=$1
MPIRUN=${2:-}
DATA=$3
if [ -z "$MPIRUN" ] || ! command -v "$MPIRUN" >/dev/null; then
  echo "skip: no mpirun"
  exit 77
fi
if ! "$BIN" version | grep -q '^mpi: yes'; then
  echo "skip: cleave was built without MPI"
  exit 77
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
# Root in containers; shared memory only; no CMA (ptrace is often denied).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl=self,vader OMPI_MCA_plm_rsh_agent=false
mpi() {
  local np=$1
  shift
  timeout 300 "$MPIRUN" -np "$np" --oversubscribe "$BIN" "$@"
}

# ---- data: 320 molecules (chains, rings, alcohols, amines and acids of
# growing size; many similar pairs), 240 proteins in 24 families of
# mutated copies (identity 0.5 to 0.95 within a family), 300 embeddings.
awk 'BEGIN { print "id,smiles"; k = 0
  for (i = 1; i <= 40; i++) { c = ""; for (j = 0; j < i; j++) c = c "C"
    n = split(c "O," c "N," c "C(=O)O,C1CC1" c ",c1ccccc1" c ",O" c "O,N" c "C(=O)N,C=C" c, s, ",")
    for (j = 1; j <= n && j <= 8; j++) printf "m%d,%s\n", ++k, s[j] } }' >"$WORK/mols.csv"
awk 'BEGIN { srand(7); aa = "ACDEFGHIKLMNPQRSTVWY"
  for (f = 0; f < 24; f++) { len = 80 + int(rand() * 80); s = ""
    for (i = 0; i < len; i++) s = s substr(aa, 1 + int(rand() * 20), 1)
    for (m = 0; m < 10; m++) { rate = 0.05 + 0.05 * m; t = ""
      for (i = 1; i <= len; i++) t = t (rand() < rate ? substr(aa, 1 + int(rand() * 20), 1) : substr(s, i, 1))
      printf ">f%d_%d\n%s\n", f, m, t } } }' >"$WORK/prot.fasta"
have_npy=0
if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  /usr/bin/python3 -c '
import numpy as np, sys
r = np.random.default_rng(3)
c = r.normal(size=(30, 16))
x = np.repeat(c, 10, axis=0) + 0.3 * r.normal(size=(300, 16))
np.save(sys.argv[1], x.astype(np.float32))' "$WORK/emb.npy" && have_npy=1
fi

# same NAME A B: files A and B (and A.ids, B.ids) have the same bytes.
same() {
  cmp -s "$2" "$3" && cmp -s "$2.ids" "$3.ids" && ok || bad "$1: $3 differs from $2"
}

# graph_case NAME ARGS...: a plain run, then 1, 2, 3 ranks (one thread each)
# and 2 ranks of 2 threads, all byte-identical to the plain run.
graph_case() {
  local name=$1
  shift
  local ref=$WORK/$name-ref.cgr
  "$BIN" graph "$@" --threads 2 --quiet --out "$ref" >/dev/null 2>"$WORK/err" ||
    { bad "$name: plain run: $(cat "$WORK/err")"; return; }
  local edges
  edges=$("$BIN" stats --graph "$ref" | awk '$1 == "edges" { print $2 }')
  [ "${edges:-0}" -ge 50 ] && ok || bad "$name: only ${edges:-0} edges in the reference"
  for spec in 1:1 2:1 3:1 2:2; do
    local np=${spec%:*} th=${spec#*:}
    local out=$WORK/$name-$np-$th.cgr
    mpi "$np" graph "$@" --threads "$th" --out "$out" >"$WORK/out" 2>"$WORK/err" ||
      { bad "$name: $np ranks x $th threads: exit $?: $(tail -3 "$WORK/err")"; continue; }
    same "$name ($np ranks x $th threads)" "$ref" "$out"
    # One report line, from rank 0.
    [ "$(grep -c '^wrote ' "$WORK/out")" -eq 1 ] && ok || bad "$name: $(cat "$WORK/out")"
  done
}

# The small vendored sets: one tile, so ranks other than 0 get no work.
for f in cli_mols.csv seq_proteins.fasta; do
  "$BIN" graph --input "$DATA/$f" --threads 2 --quiet --out "$WORK/$f-ref.cgr" >/dev/null 2>&1 ||
    bad "$f: plain run failed"
  for np in 2 3; do
    mpi "$np" graph --input "$DATA/$f" --threads 1 --quiet --out "$WORK/$f-$np.cgr" >/dev/null \
      2>"$WORK/err" || bad "$f on $np ranks: $(tail -3 "$WORK/err")"
    same "$f on $np ranks" "$WORK/$f-ref.cgr" "$WORK/$f-$np.cgr"
  done
done
graph_case mols --input "$WORK/mols.csv" --threshold 0.5 --max-memory 1M
graph_case prot-exhaustive --input "$WORK/prot.fasta" --exhaustive --max-memory 1M
graph_case prot-prefilter --input "$WORK/prot.fasta" --prefilter
# With a work directory the prefilter's rows go in chunks (tile files every
# rank writes into the shared directory); the graph is the same.
graph_case prot-prefilter-work --input "$WORK/prot.fasta" --prefilter --work-dir "$WORK/pre.work"
[ -z "$(ls -A "$WORK/pre.work" 2>/dev/null)" ] && ok || bad "prefilter left $(ls "$WORK/pre.work")"
cmp -s "$WORK/prot-prefilter-ref.cgr" "$WORK/prot-prefilter-work-ref.cgr" && ok ||
  bad "the prefiltered graph differs with a work directory"
if [ $have_npy -eq 1 ]; then
  graph_case emb --input "$WORK/emb.npy" --threshold 0.8 --max-memory 1M
else
  echo "note: no numpy for /usr/bin/python3: embeddings not tested"
fi

# ---- split sets: 2 and 3 ranks write the same directory as a plain run.
G=$WORK/mols-ref.cgr
"$BIN" split --graph "$G" --threads 2 --quiet --out "$WORK/split-ref" >/dev/null ||
  bad "plain split failed"
for np in 2 3; do
  mpi "$np" split --graph "$G" --threads 1 --quiet --out "$WORK/split-$np" >/dev/null \
    2>"$WORK/err" || { bad "split on $np ranks: $(tail -3 "$WORK/err")"; continue; }
  diff -r "$WORK/split-ref" "$WORK/split-$np" >/dev/null && ok ||
    bad "split on $np ranks differs from the plain run"
done
# The whole pipeline on labelled molecules: every file of the directory but
# the absolute paths in the manifest (each run has its own directory).
awk -F, 'NR == 1 { print $0 ",y"; next } { print $0 "," (NR % 7) / 3 }' "$WORK/mols.csv" \
  >"$WORK/mols-y.csv"
# shellcheck disable=SC2054  # commas inside option values
run_args=(run --input "$WORK/mols-y.csv" --label-column y --threshold 0.5 --sp 0,0.3,0.6,0.9
  --seeds 1,2 --bootstrap 20 --quiet)
"$BIN" "${run_args[@]}" --threads 2 --out "$WORK/run-ref" >/dev/null 2>"$WORK/err" ||
  bad "plain run: $(tail -3 "$WORK/err")"
mpi 3 "${run_args[@]}" --threads 1 --out "$WORK/run-3" >/dev/null 2>"$WORK/err" ||
  bad "run on 3 ranks: $(tail -3 "$WORK/err")"
(cd "$WORK/run-ref" && find . -type f ! -name '.cleave.lock' | sort) >"$WORK/files-ref"
(cd "$WORK/run-3" && find . -type f ! -name '.cleave.lock' | sort) >"$WORK/files-3"
cmp -s "$WORK/files-ref" "$WORK/files-3" && ok || bad "run on 3 ranks: other files"
while read -r f; do
  sed "s|$WORK/run-ref|DIR|g" "$WORK/run-ref/$f" >"$WORK/a"
  sed "s|$WORK/run-3|DIR|g" "$WORK/run-3/$f" >"$WORK/b"
  cmp -s "$WORK/a" "$WORK/b" && ok || bad "run on 3 ranks: $f differs"
done <"$WORK/files-ref"

# ---- a rank killed mid-run, resumed on another rank count.
done_tiles() {
  local n=0
  [ -f "$1/cleave-checkpoint.txt" ] &&
    n=$(awk '$1 == "done" { c = 0; k = split($2, r, ",")
      for (i = 1; i <= k; i++) { if (r[i] == "-") continue
        m = split(r[i], ab, "-"); c += m == 2 ? ab[2] - ab[1] + 1 : 1 }
      print c; exit }' "$1/cleave-checkpoint.txt" 2>/dev/null)
  echo "${n:-0}"
}
# Twice the proteins (a second set of families): long enough to kill mid-way.
awk 'BEGIN { srand(11); aa = "ACDEFGHIKLMNPQRSTVWY"
  for (f = 0; f < 40; f++) { len = 150 + int(rand() * 100); s = ""
    for (i = 0; i < len; i++) s = s substr(aa, 1 + int(rand() * 20), 1)
    for (m = 0; m < 10; m++) { t = ""
      for (i = 1; i <= len; i++) t = t (rand() < 0.04 * m ? substr(aa, 1 + int(rand() * 20), 1) : substr(s, i, 1))
      printf ">g%d_%d\n%s\n", f, m, t } } }' >"$WORK/big.fasta"
BIG=(graph --input "$WORK/big.fasta" --exhaustive --max-memory 256K --threads 1)
"$BIN" "${BIG[@]}" --quiet --out "$WORK/big-ref.cgr" 2>"$WORK/err" >/dev/null ||
  bad "big plain run: $(cat "$WORK/err")"
WD=$WORK/big.work
# Up to three tries: on a quiet machine a try may finish before the kill.
for try in 1 2 3; do
  rm -rf "$WD" "$WORK/big-k.cgr" "$WORK/big-k.cgr.ids"
  "$MPIRUN" -np 3 --oversubscribe "$BIN" "${BIG[@]}" --quiet --work-dir "$WD" \
    --out "$WORK/big-k.cgr" >/dev/null 2>"$WORK/killed.err" &
  MPI_PID=$!
  t0=$(date +%s)
  while kill -0 $MPI_PID 2>/dev/null && [ "$(done_tiles "$WD")" -lt 4 ] &&
    [ $(($(date +%s) - t0)) -lt 120 ]; do
    sleep 0.01
  done
  victim=$(pgrep -P $MPI_PID -f cleave | tail -1)
  [ -n "$victim" ] && kill -9 "$victim"
  wait $MPI_PID
  rc=$?
  [ "$rc" -ne 0 ] && break
  echo "note: try $try finished before the kill"
done
d=$(done_tiles "$WD")
if [ "$rc" -ne 0 ] && [ "$d" -gt 0 ]; then
  ok
  [ ! -e "$WORK/big-k.cgr" ] && ok || bad "a graph under the final name after the kill"
  mpi 2 "${BIG[@]}" --work-dir "$WD" --out "$WORK/big-k.cgr" >/dev/null 2>"$WORK/err" ||
    bad "resume on 2 ranks: $(tail -3 "$WORK/err")"
  grep -q "resumed: $d of" "$WORK/err" && ok ||
    bad "resume on 2 ranks did not resume the $d checkpointed tiles: $(head -3 "$WORK/err")"
  same "resume on 2 ranks after a kill on 3" "$WORK/big-ref.cgr" "$WORK/big-k.cgr"
  [ -z "$(ls -A "$WD" 2>/dev/null)" ] && ok || bad "resume left $(ls "$WD") in the work dir"
  echo "note: killed rank $victim of 3 with $d tiles checkpointed; resumed on 2 ranks"
else
  bad "the kill did not land mid-run (exit $rc, $d tiles checkpointed): $(tail -3 "$WORK/killed.err")"
fi

# ---- failing ranks end the job non-zero with a message, within the timeout.
# Rank 1 (MPMD: its own arguments) has too small a memory budget for one tile.
F=(graph --exhaustive --threads 1 --quiet --out "$WORK/f.cgr")
timeout 120 "$MPIRUN" --oversubscribe -np 1 "$BIN" "${F[@]}" --input "$WORK/big.fasta" \
  --max-memory 256K : -np 1 "$BIN" "${F[@]}" --input "$WORK/big.fasta" --max-memory 1K \
  >/dev/null 2>"$WORK/err"
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q "error (rank 1 of 2): .*memory budget" "$WORK/err" && ok ||
  bad "rank 1 out of memory: exit $rc: $(grep -v '^\(--\|$\)' "$WORK/err" | head -5)"
# Rank 1 reads another input: refused before any tile.
head -400 "$WORK/big.fasta" >"$WORK/other.fasta"
timeout 120 "$MPIRUN" --oversubscribe -np 1 "$BIN" "${F[@]}" --input "$WORK/big.fasta" \
  : -np 1 "$BIN" "${F[@]}" --input "$WORK/other.fasta" >/dev/null 2>"$WORK/err"
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q "ranks read other inputs or parameters" "$WORK/err" &&
  ok || bad "rank 1 on other input: exit $rc: $(grep -v '^\(--\|$\)' "$WORK/err" | head -5)"
# Mid-run: every tile file's name is taken by a directory, so the first rank
# to finish a tile fails (rank 0 reports another rank's failure as its own).
mkdir -p "$WORK/f.work"
for i in $(seq 0 200); do mkdir -p "$(printf '%s/cleave-tile-%08d.bin/x' "$WORK/f.work" "$i")"; done
timeout 120 "$MPIRUN" --oversubscribe -np 3 "$BIN" "${BIG[@]}" --quiet --work-dir "$WORK/f.work" \
  --out "$WORK/f.cgr" >/dev/null 2>"$WORK/err"
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q "error (rank 0 of 3): .*cleave-tile-" "$WORK/err" &&
  ok || bad "failing tile writes: exit $rc: $(grep -v '^\(--\|$\)' "$WORK/err" | head -5)"
[ ! -e "$WORK/f.cgr" ] && ok || bad "failing ranks: a graph was written"

echo "mpi: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
