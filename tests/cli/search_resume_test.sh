#!/usr/bin/env bash
# Checkpoint and resume of `cleave search` and `cleave audit` end to end:
# a search of globins against 1199 proteins, one query a block, is
# SIGKILLed once its checkpoint lists some blocks; the rerun with the same
# work directory must say "(resumed: D of B blocks done)", write hits equal
# byte for byte to an uninterrupted run without a work directory (on 1 and
# 2 threads, for any block size) and leave the work directory empty. A
# killed search leaves no hits file; a checkpoint made with another
# threshold is refused naming it; an audit with a work directory equals one
# without.
# Usage: search_resume_test.sh CLEAVE_BIN REAL_DATA_DIR
set -uo pipefail
BIN=$1
PROT=$2/proteins
Q=$PROT/hmmer_globins45.fasta
T=$PROT/flip_bind_uniprot_minus_heldout.fasta
for f in "$Q" "$T"; do [ -f "$f" ] || { echo "FAIL: real data not found ($f)"; exit 1; }; done
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# done_blocks DIR: blocks the checkpoint in DIR lists as finished (0 without one).
done_blocks() {
  local n=0
  [ -f "$1/cleave-checkpoint.txt" ] &&
    n=$(awk '$1 == "done" { c = 0; k = split($2, r, ",")
      for (i = 1; i <= k; i++) { if (r[i] == "-") continue
        m = split(r[i], ab, "-"); c += m == 2 ? ab[2] - ab[1] + 1 : 1 }
      print c; exit }' "$1/cleave-checkpoint.txt" 2>/dev/null)
  echo "${n:-0}"
}
running() {
  local st=Z
  { read -r _ _ st _ <"/proc/$1/stat"; } 2>/dev/null
  [ "$st" != Z ]
}

CMD=(search --query "$Q" --target "$T" --threshold 0.2 --exhaustive)

# ---- the reference, and the same hits for other block sizes, threads and a work dir
"$BIN" "${CMD[@]}" --quiet --out "$WORK/ref.tsv" >/dev/null 2>"$WORK/ref.err" ||
  { echo "FAIL: reference search: $(cat "$WORK/ref.err")"; exit 1; }
[ "$(wc -l <"$WORK/ref.tsv")" -gt 45 ] && ok || bad "the reference has too few hits"
for threads in 1 2; do
  for rows in 1 7; do
    "$BIN" "${CMD[@]}" --quiet --threads $threads --block-rows $rows --work-dir "$WORK/w$rows" \
      --out "$WORK/b.tsv" >/dev/null 2>"$WORK/b.err" || bad "search $threads/$rows: $(cat "$WORK/b.err")"
    cmp -s "$WORK/ref.tsv" "$WORK/b.tsv" && ok ||
      bad "hits differ on $threads threads with $rows-query blocks and a work dir"
    [ -z "$(ls -A "$WORK/w$rows")" ] && ok || bad "work dir left: $(ls "$WORK/w$rows")"
  done
done

# ---- killed and resumed
BLOCKS=45
resumed=0
for when in 3 12 30; do
  wd=$WORK/kill$when
  out=$WORK/kill$when.tsv
  "$BIN" "${CMD[@]}" --threads 1 --block-rows 1 --work-dir "$wd" --out "$out" \
    >/dev/null 2>"$WORK/killed.err" &
  pid=$!
  while running $pid && [ "$(done_blocks "$wd")" -lt $when ]; do sleep 0.005; done
  kill -9 $pid 2>/dev/null
  wait $pid
  rc=$?
  if [ $rc -eq 0 ]; then
    echo "note: the run finished before the kill at $when blocks"
    continue
  fi
  [ $rc -eq 137 ] && ok || bad "killed run exited $rc: $(tail -3 "$WORK/killed.err")"
  [ ! -e "$out" ] && ok || bad "a killed search left a hits file"
  d=$(done_blocks "$wd")
  [ "$d" -ge $when ] && ok || bad "the checkpoint lists $d blocks, expected >= $when"
  "$BIN" "${CMD[@]}" --threads 2 --block-rows 1 --work-dir "$wd" --out "$out" \
    >/dev/null 2>"$WORK/rerun.err" || { bad "rerun failed: $(tail -3 "$WORK/rerun.err")"; continue; }
  cmp -s "$WORK/ref.tsv" "$out" && ok || bad "resumed hits differ from the uninterrupted run"
  [ -z "$(ls -A "$wd")" ] && ok || bad "rerun left $(ls "$wd") in the work dir"
  if [ "$d" -lt $BLOCKS ]; then
    resumed=$((resumed + 1))
    grep -qF "search (resumed: $d of $BLOCKS blocks done)" "$WORK/rerun.err" && ok ||
      bad "rerun of $d done blocks said: $(head -c 300 "$WORK/rerun.err")"
  fi
done
[ $resumed -gt 0 ] && ok || bad "no kill landed mid-run: nothing was resumed"

# ---- a checkpoint made with another threshold is refused, naming it
wd=$WORK/foreign
"$BIN" "${CMD[@]}" --threads 1 --block-rows 1 --work-dir "$wd" --out "$WORK/f.tsv" \
  >/dev/null 2>&1 &
pid=$!
while running $pid && [ "$(done_blocks "$wd")" -lt 2 ]; do sleep 0.005; done
kill -9 $pid 2>/dev/null
wait $pid
if [ -f "$wd/cleave-checkpoint.txt" ]; then
  before=$(cat "$wd/cleave-checkpoint.txt")
  "$BIN" search --query "$Q" --target "$T" --threshold 0.25 --exhaustive --quiet --work-dir "$wd" \
    --out "$WORK/f.tsv" >/dev/null 2>"$WORK/f.err" && bad "a foreign checkpoint was used"
  grep -qF "checkpoint $wd/cleave-checkpoint.txt was made with another threshold" "$WORK/f.err" &&
    ok || bad "refusal does not name the checkpoint: $(cat "$WORK/f.err")"
  [ "$before" = "$(cat "$wd/cleave-checkpoint.txt")" ] && ok || bad "the refusal changed the checkpoint"
  [ ! -e "$WORK/f.tsv" ] && ok || bad "a refused search left a hits file"
else
  echo "note: the run finished before the kill; refusal not checked"
fi

# ---- an audit of a split set with a work dir equals one without
MOLS_DIR=$(dirname "$PROT")/molecules
M=$MOLS_DIR/moleculenet_clintox.csv
if [ -f "$M" ]; then
  "$BIN" graph --quiet --input "$M" --threshold 0.3 --out "$WORK/g.cgr" >/dev/null 2>&1 &&
    "$BIN" split --quiet --graph "$WORK/g.cgr" --sp 0,0.5 --seeds 1 --out "$WORK/splits" \
      >/dev/null 2>&1 || bad "graph or split failed"
  "$BIN" audit --quiet --input "$M" --split "$WORK/splits" --out "$WORK/a1" >/dev/null 2>&1 ||
    bad "audit failed"
  "$BIN" audit --quiet --input "$M" --split "$WORK/splits" --out "$WORK/a2" --work-dir "$WORK/aw" \
    --block-rows 5 --threads 1 >/dev/null 2>"$WORK/a2.err" || bad "audit with a work dir: $(cat "$WORK/a2.err")"
  diff -r -x .cleave.lock "$WORK/a1" "$WORK/a2" >/dev/null && ok || bad "audit with a work dir differs"
  [ -z "$(ls -A "$WORK/aw")" ] && ok || bad "audit left $(ls "$WORK/aw") in the work dir"
fi

echo "search resume: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
