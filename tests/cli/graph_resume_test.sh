#!/usr/bin/env bash
# Kill-and-resume test of `cleave graph --work-dir` on real data: the real
# binary is SIGKILLed while it builds a graph of proteins (global alignment
# identity, 28 tiles) and of molecules (Tanimoto, 45 tiles), at a fixed list
# of delays spread over an uninterrupted run and at fixed tile counts, then
# rerun with the same work directory; the same proteins again through the
# seed prefilter, whose chunks of rows are its tiles. After a kill nothing
# but the complete graph may lie under the final name; the rerun must reuse
# the tiles the checkpoint lists, leave the work directory empty and write a
# graph and ids byte-identical to an uninterrupted run without a work
# directory. A rerun on other inputs or another threshold is refused and
# leaves the checkpoint as it was.
# Usage: graph_resume_test.sh CLEAVE_BIN [REAL_DATA_DIR]
# (REAL_DATA_DIR: ../shared/data or tests/data/real, the default; the latter
# holds the first 260 records of flip_conservation, all this test reads)
# shellcheck disable=SC2015  # `check && ok || bad`: ok always succeeds
set -uo pipefail
BIN=$1
SHARED=${2:-$(dirname "$0")/../data/real}
PROT=$SHARED/proteins
MOLS=$SHARED/molecules/rdkit_nci_first5k.csv
for f in hmmer_globins45 pfam_Pkinase_seed_ungapped pfam_fn3_seed_ungapped \
  flip_conservation_pdb_minus_heldout; do
  [ -f "$PROT/$f.fasta" ] || { echo "FAIL: real data not found ($PROT/$f.fasta)"; exit 1; }
done
[ -f "$MOLS" ] || { echo "FAIL: real data not found ($MOLS)"; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
T_START=$(now_ms)

# done_tiles DIR: how many tiles the checkpoint in DIR lists as finished (its
# "done" line holds ranges like 0-11,14,16-17; 0 when there is no checkpoint).
# The checkpoint is replaced by rename, so a read never sees half a file.
done_tiles() {
  local n=0
  [ -f "$1/cleave-checkpoint.txt" ] &&
    n=$(awk '$1 == "done" { c = 0; k = split($2, r, ",")
      for (i = 1; i <= k; i++) { if (r[i] == "-") continue
        m = split(r[i], ab, "-"); c += m == 2 ? ab[2] - ab[1] + 1 : 1 }
      print c; exit }' "$1/cleave-checkpoint.txt" 2>/dev/null)
  echo "${n:-0}"
}
# running PID: the process exists and is not a zombie waiting to be reaped.
running() {
  local st=Z
  { read -r _ _ st _ <"/proc/$1/stat"; } 2>/dev/null
  [ "$st" != Z ]
}

# Dataset under test, set by each section: CMD (the cleave graph command,
# without --work-dir and --out), REF (the uninterrupted graph), TILES (tiles
# in the triangle), LABEL (the progress label), REF_MS (uninterrupted run).
CMD=()
REF=""
TILES=0
LABEL=""
REF_MS=0
RESUME_BY_FILES=0
resumed=0
trials=0
killed=0

# reference NAME: an uninterrupted run without a work directory (progress
# on, to read the tile count off its last progress line).
reference() {
  REF=$WORK/$1-ref.cgr
  local t0
  t0=$(now_ms)
  "$BIN" "${CMD[@]}" --out "$REF" >/dev/null 2>"$WORK/ref.err" ||
    { echo "FAIL: $1 reference run: $(cat "$WORK/ref.err")"; exit 1; }
  REF_MS=$(($(now_ms) - t0))
  TILES=$(sed -n "s|^$LABEL: \\([0-9]*\\)/\\([0-9]*\\) (100.0%).*|\\2|p" "$WORK/ref.err" | tail -1)
  echo "note: $1 reference: ${REF_MS} ms, ${TILES:-?} tiles"
  [ "${TILES:-0}" -ge 24 ] || { echo "FAIL: $1: expected dozens of tiles: $(cat "$WORK/ref.err")"; exit 1; }
}

# start_and_kill WHEN OUT WD [extra args]: runs CMD into OUT with work
# directory WD in the background and SIGKILLs it WHEN seconds later, or, for
# WHEN = @K, as soon as the checkpoint lists K tiles. Sets KILL_RC (137 when
# the kill landed, 0 when the run had finished first).
start_and_kill() {
  local when=$1 out=$2 wd=$3
  shift 3
  "$BIN" "${CMD[@]}" "$@" --work-dir "$wd" --out "$out" >/dev/null 2>"$WORK/killed.err" &
  local pid=$!
  if [[ $when == @* ]]; then
    local t0
    t0=$(now_ms)
    while running $pid && [ "$(done_tiles "$wd")" -lt "${when#@}" ] &&
      [ $(($(now_ms) - t0)) -lt 120000 ]; do
      sleep 0.005
    done
  else
    sleep "$when"
  fi
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null  # (no "Killed" line from the shell)
  KILL_RC=$?
  trials=$((trials + 1))
}

# after_kill NAME OUT WD: what a kill may leave under the final name is
# nothing or the complete graph (never a partial one); a run that finished
# before the kill must have emptied its work directory.
after_kill() {
  local name=$1 out=$2 wd=$3
  case $KILL_RC in
    137) killed=$((killed + 1)) ;;
    0) [ -z "$(ls -A "$wd" 2>/dev/null)" ] && ok || bad "$name: a finished run left $(ls "$wd")" ;;
    *) bad "$name: exit $KILL_RC before the kill: $(tail -3 "$WORK/killed.err")" ;;
  esac
  if [ -e "$out" ]; then
    cmp -s "$REF" "$out" && cmp -s "$REF.ids" "$out.ids" && ok ||
      bad "$name: a partial or wrong graph under the final name after the kill"
  fi
  if [ -e "$out.ids" ] && ! cmp -s "$REF.ids" "$out.ids"; then
    bad "$name: a partial or wrong ids file under the final name after the kill"
  fi
  local left
  left=$(cd "$(dirname "$out")" && ls -d "$(basename "$out")".*tmp-* 2>/dev/null)
  [ -n "$left" ] && echo "note: $name: the kill left temporaries beside the output: $left"
}

# rerun NAME OUT WD [extra args]: reruns CMD with the same work directory;
# the rerun must resume the D tiles the checkpoint lists (progress label
# "(resumed: D of TILES tiles done)", nothing computed when D = TILES, no
# resume when D = 0), equal the reference byte for byte and empty WD.
rerun() {
  local name=$1 out=$2 wd=$3
  shift 3
  local d files
  d=$(done_tiles "$wd")
  files=$(find "$wd" -maxdepth 1 -name 'cleave-tile-*.bin' 2>/dev/null | wc -l)
  [ "$files" -ge "$d" ] && ok || bad "$name: checkpoint lists $d tiles, only $files tile files"
  # What a save killed between its writes leaves (pid of no running process).
  : >"$out.tmp-999999999"
  : >"$out.ids.tmp-999999999"
  if ! "$BIN" "${CMD[@]}" "$@" --work-dir "$wd" --out "$out" >/dev/null 2>"$WORK/rerun.err"; then
    bad "$name: rerun failed: $(tail -3 "$WORK/rerun.err")"
    return
  fi
  cmp -s "$REF" "$out" && ok || bad "$name: rerun graph differs from the uninterrupted run"
  cmp -s "$REF.ids" "$out.ids" && ok || bad "$name: rerun ids differ from the uninterrupted run"
  [ -z "$(ls -A "$wd" 2>/dev/null)" ] && ok || bad "$name: rerun left $(ls "$wd") in the work dir"
  # Temporaries a killed save left beside the output are gone after the rerun.
  local left
  left=$(cd "$(dirname "$out")" && ls -d "$(basename "$out")".*tmp-* 2>/dev/null)
  [ -z "$left" ] && ok || bad "$name: rerun left temporaries beside the output: $left"
  # The prefilter reads back every whole tile file of its run, also one
  # that a kill left before the checkpoint could list it.
  [ "$RESUME_BY_FILES" -eq 1 ] && d=$files
  if [ "$d" -eq 0 ]; then
    ! grep -q "resumed" "$WORK/rerun.err" && ok || bad "$name: resumed without a checkpoint"
  elif [ "$d" -lt "$TILES" ]; then
    resumed=$((resumed + 1))
    grep -qF "$LABEL (resumed: $d of $TILES tiles done)" "$WORK/rerun.err" && ok ||
      bad "$name: checkpoint listed $d of $TILES tiles, rerun said: $(head -2 "$WORK/rerun.err")"
  else
    resumed=$((resumed + 1))
    ! grep -q "^$LABEL" "$WORK/rerun.err" && ok ||
      bad "$name: every tile was checkpointed, yet the rerun computed some: $(head -2 "$WORK/rerun.err")"
  fi
  echo "note: $name: killed=$([ "$KILL_RC" -eq 137 ] && echo yes || echo no), resumed $d of $TILES tiles"
}

# ---- proteins: three homologous families (globins, kinases, fibronectin
# type III) then PDB chains, 441 in all; ~1,000 edges at identity >= 0.3.
FASTA=$WORK/proteins.fasta
{
  cat "$PROT/hmmer_globins45.fasta" "$PROT/pfam_Pkinase_seed_ungapped.fasta" \
    "$PROT/pfam_fn3_seed_ungapped.fasta"
  awk '/^>/ { n++ } n > 260 { exit } { print }' "$PROT/flip_conservation_pdb_minus_heldout.fasta"
} >"$FASTA"
CMD=(graph --input "$FASTA" --threads 2 --max-memory 4M)
LABEL="sequence identity"
reference proteins
edges=$("$BIN" stats --graph "$REF" | awk '$1 == "edges" { print $2 }')
[ "${edges:-0}" -ge 500 ] && ok || bad "proteins: only ${edges:-0} edges in the reference"

# SIGKILL after fixed fractions of the uninterrupted time (the first lands
# before any tile is checkpointed), then a rerun. The fractions lean early:
# on a shared machine a run may go faster than the reference did, and a run
# that ends before its kill is checked as such (complete graph, empty work
# directory) but resumes nothing.
for frac in 0.03 0.15 0.3 0.45 0.6 0.8; do
  delay=$(awk -v f="$frac" -v ms="$REF_MS" 'BEGIN { printf "%.3f", f * ms / 1000 }')
  name="proteins kill after ${delay}s"
  out=$WORK/p-$frac.cgr
  wd=$WORK/p-$frac.work
  start_and_kill "$delay" "$out" "$wd"
  after_kill "$name" "$out" "$wd"
  rerun "$name" "$out" "$wd"
done
[ "$resumed" -ge 1 ] && ok || bad "proteins: no timed kill left checkpointed tiles to resume"

# A checkpoint from other inputs: killed once the checkpoint lists two
# thirds of the tiles, then rerun with another threshold and on another input (the
# first 440 sequences): both are refused with a message naming the
# checkpoint, leave no graph and the checkpoint as it was. The rerun with
# the first parameters (1 thread and a bigger budget: how, not what) resumes.
out=$WORK/p-other.cgr
wd=$WORK/p-other.work
start_and_kill "@$((TILES * 2 / 3))" "$out" "$wd"
after_kill "proteins kill for other inputs" "$out" "$wd"
if [ "$KILL_RC" -eq 137 ] && [ "$(done_tiles "$wd")" -gt 0 ]; then
  sum=$(sha256sum "$wd/cleave-checkpoint.txt")
  awk '/^>/ { n++ } n > 440 { exit } { print }' "$FASTA" >"$WORK/fewer.fasta"
  for other in "--input $FASTA --threshold 0.25" "--input $WORK/fewer.fasta"; do
    # shellcheck disable=SC2086  # $other is several words on purpose
    "$BIN" graph $other --threads 2 --max-memory 4M --work-dir "$wd" --out "$out" \
      >/dev/null 2>"$WORK/other.err"
    rc=$?
    if [ $rc -eq 0 ] || [ $rc -ge 128 ]; then
      bad "rerun with $other on a foreign checkpoint: exit $rc"
    elif ! grep -qF "checkpoint $wd/cleave-checkpoint.txt was made with another input" \
      "$WORK/other.err" || ! grep -q "remove it or use another work directory" "$WORK/other.err"; then
      bad "rerun with $other on a foreign checkpoint: unclear message: $(cat "$WORK/other.err")"
    else
      ok
    fi
    [ ! -e "$out" ] && ok || bad "rerun with $other on a foreign checkpoint wrote $out"
    [ "$(sha256sum "$wd/cleave-checkpoint.txt" 2>/dev/null)" = "$sum" ] && ok ||
      bad "rerun with $other changed the checkpoint"
  done
  CMD=(graph --input "$FASTA" --threads 1 --max-memory 64M)
  rerun "proteins after refusals, 1 thread, 64M" "$out" "$wd"
  CMD=(graph --input "$FASTA" --threads 2 --max-memory 4M)
else
  bad "proteins: the run ended before its checkpoint listed $((TILES * 2 / 3)) tiles (exit $KILL_RC)"
fi
echo "note: proteins: $killed of $trials kills landed during a run, $resumed reruns resumed tiles"

# ---- the same proteins through the seed prefilter: each chunk of rows
# (every 7th block of 64, so chunks cost about the same) is a tile file of
# the checkpoint. Kills at tile counts, then reruns as above.
CMD=(graph --input "$FASTA" --prefilter --threads 2)
LABEL="sequence identity, prefiltered"
RESUME_BY_FILES=1
resumed=0
trials=0
killed=0
REF=$WORK/pre-ref.cgr
"$BIN" "${CMD[@]}" --out "$REF" >/dev/null 2>"$WORK/ref.err" ||
  { echo "FAIL: prefilter reference run: $(cat "$WORK/ref.err")"; exit 1; }
TILES=$((($(grep -c '^>' "$FASTA") + 63) / 64))
[ "$TILES" -eq 7 ] && ok || bad "prefilter: expected 7 chunks of 64 rows, got $TILES"
for k in 1 3 5; do
  name="prefilter kill at $k tiles"
  out=$WORK/pre-$k.cgr
  wd=$WORK/pre-$k.work
  start_and_kill "@$k" "$out" "$wd"
  after_kill "$name" "$out" "$wd"
  rerun "$name" "$out" "$wd"
done
[ "$resumed" -ge 1 ] && ok || bad "prefilter: no kill left checkpointed tiles to resume"
# A checkpoint of the prefilter is not the exhaustive graph's, nor that of
# another sensitivity: both refused, naming it.
out=$WORK/pre-other.cgr
wd=$WORK/pre-other.work
start_and_kill "@3" "$out" "$wd"
after_kill "prefilter kill for other settings" "$out" "$wd"
if [ "$KILL_RC" -eq 137 ] && [ "$(done_tiles "$wd")" -gt 0 ]; then
  for other in "--exhaustive" "--prefilter --sensitivity 6"; do
    # shellcheck disable=SC2086  # $other is several words on purpose
    "$BIN" graph --input "$FASTA" $other --threads 2 --work-dir "$wd" --out "$out" \
      >/dev/null 2>"$WORK/other.err"
    rc=$?
    [ $rc -ne 0 ] && [ $rc -lt 128 ] &&
      grep -qF "checkpoint $wd/cleave-checkpoint.txt was made with another input" "$WORK/other.err" &&
      ok || bad "prefilter checkpoint reused by $other (exit $rc): $(cat "$WORK/other.err")"
  done
  rerun "prefilter after refusals" "$out" "$wd"
else
  bad "prefilter: the run ended before its checkpoint listed 3 tiles (exit $KILL_RC)"
fi
echo "note: prefilter: $killed of $trials kills landed during a run, $resumed reruns resumed tiles"

# ---- molecules: 4,993 parseable SMILES of the NCI set (6 are skipped with a
# warning), Tanimoto >= 0.4 on Morgan fingerprints; fingerprinting takes
# most of the time, so the kills wait for a tile count instead of a delay.
CMD=(graph --input "$MOLS" --threads 2 --max-memory 1M)
LABEL="similarity"
RESUME_BY_FILES=0
resumed=0
trials=0
killed=0
reference molecules
for k in $((TILES / 4)) $((TILES * 3 / 4)); do
  name="molecules kill at $k tiles"
  out=$WORK/m-$k.cgr
  wd=$WORK/m-$k.work
  start_and_kill "@$k" "$out" "$wd"
  after_kill "$name" "$out" "$wd"
  rerun "$name" "$out" "$wd"
done
echo "note: molecules: $killed of $trials kills landed during a run, $resumed reruns resumed tiles"

echo "graph resume: $pass passed, $fail failed in $(( ($(now_ms) - T_START) / 1000 )) s"
[ "$fail" -eq 0 ]
