#!/usr/bin/env bash
# Strong scaling of `cleave graph` over MPI ranks on one machine: the same
# exhaustive protein identity graph on 1 rank x 1 thread, 2 ranks x 1
# thread and (for reference) 1 process x 2 threads, each checked byte for
# byte against the first; then the per-rank summary lines (tiles, compute
# seconds, bytes sent and received) with and without a work directory.
# Usage: bench/mpi_scaling.sh CLEAVE_BIN FASTA [N_SEQUENCES]
set -euo pipefail
BIN=$1
FASTA=$2
N=${3:-1000}
OUT=${OUT:-bench/work/mpi}
mkdir -p "$OUT"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_btl=self,vader
awk -v n="$N" '/^>/ { k++ } k > n { exit } { print }' "$FASTA" >"$OUT/in.fasta"
ARGS=(graph --input "$OUT/in.fasta" --exhaustive --max-memory 64M)
wall() { /usr/bin/time -f "%e %U %S" -o "$OUT/time" "$@"; cat "$OUT/time"; }
echo "input: $(grep -c '>' "$OUT/in.fasta") sequences, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "config wall_s user_s sys_s"
echo "1rank_1thread $(wall "$BIN" "${ARGS[@]}" --threads 1 --quiet --out "$OUT/a.cgr")"
echo "2ranks_1thread $(wall mpirun -np 2 "$BIN" "${ARGS[@]}" --threads 1 --quiet --out "$OUT/b.cgr")"
echo "1rank_2threads $(wall "$BIN" "${ARGS[@]}" --threads 2 --quiet --out "$OUT/c.cgr")"
cmp "$OUT/a.cgr" "$OUT/b.cgr" && cmp "$OUT/a.cgr" "$OUT/c.cgr" && echo "graphs identical"
echo "-- per rank, edges in messages (no work dir):"
mpirun -np 2 "$BIN" "${ARGS[@]}" --threads 1 --out "$OUT/d.cgr" 2>&1 | grep '^rank '
echo "-- per rank, tile files in a shared work dir:"
rm -rf "$OUT/wd"
mpirun -np 2 "$BIN" "${ARGS[@]}" --threads 1 --work-dir "$OUT/wd" --out "$OUT/e.cgr" 2>&1 |
  grep '^rank '
"$BIN" stats --graph "$OUT/a.cgr" | head -3
