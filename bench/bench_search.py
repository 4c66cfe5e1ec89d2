#!/usr/bin/env python3
"""Sequence search, queries against targets: `cleave search` (the seed
prefilter, then exact global alignment of its candidates) against
`mmseqs easy-search --min-seq-id T` (Debian `mmseqs2`) on the same query
and target FASTA files and the same threads, in the same run.

The input is split into queries and targets: --queries N records drawn at
random (--seed) become the queries, the rest the targets (or pass --query
and --target files). It prints wall time, peak memory and hit counts of
both, and their agreement. As in bench_seqsearch.py, MMseqs2 reports local
alignments with identity over the aligned columns and cleave the global
identity it is asked for, so the sets differ by definition. With
--exhaustive, cleave also runs every pair, and the prefilter's recall of
the exhaustive hits at 0.3, 0.4 and 0.5 is printed.

    bench/gen_families.py --seeds ../shared/data/proteins/flip_conservation_pdb_minus_heldout.fasta \\
        --n 110000 --out gen110k.fasta
    bench/bench_search.py --cleave build/src/cleave --input gen110k.fasta --queries 10000
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_seqsearch import timed  # noqa: E402
from cleave_cli import read_fasta  # noqa: E402


def write_fasta(path, recs):
    with open(path, "w") as f:
        for n, s in recs:
            f.write(f">{n}\n{s}\n")


def cleave_hits(path):
    hits = {}
    with open(path) as f:
        next(f)
        for line in f:
            q, t, v = line.rstrip("\n").split("\t")
            hits[(q, t)] = float(v)
    return hits


def mmseqs_hits(m8):
    hits = {}
    for line in open(m8):
        f = line.split("\t")
        key = (f[0], f[1])
        hits[key] = max(hits.get(key, 0.0), float(f[2]))
    return hits


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cleave", required=True)
    ap.add_argument("--input")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--query")
    ap.add_argument("--target")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--threshold", type=float, default=0.3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--sensitivity", type=float, default=None)
    ap.add_argument("--mmseqs", default="mmseqs")
    ap.add_argument("--exhaustive", action="store_true")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if a.query and a.target:
            qpath, tpath = a.query, a.target
        else:
            recs = read_fasta(a.input)
            random.Random(a.seed).shuffle(recs)
            qpath, tpath = os.path.join(tmp, "q.fasta"), os.path.join(tmp, "t.fasta")
            write_fasta(qpath, recs[:a.queries])
            write_fasta(tpath, recs[a.queries:])
        nq, nt = len(read_fasta(qpath)), len(read_fasta(tpath))
        out = os.path.join(tmp, "hits.tsv")
        cmd = [a.cleave, "search", "--query", qpath, "--target", tpath, "--threshold",
               str(a.threshold), "--threads", str(a.threads), "--prefilter", "--quiet",
               "--out", out]
        if a.sensitivity is not None:
            cmd += ["--sensitivity", str(a.sensitivity)]
        c_wall, c_rss, c_cpu = timed(cmd)
        ch = cleave_hits(out)
        m8 = os.path.join(tmp, "m.m8")
        m_wall, m_rss, m_cpu = timed([a.mmseqs, "easy-search", qpath, tpath, m8, os.path.join(tmp, "mm"),
                               "--min-seq-id", str(a.threshold), "--threads", str(a.threads),
                               "-v", "1"])
        mh = mmseqs_hits(m8)
        print(f"# bench_search: {nq} queries x {nt} targets, identity >= {a.threshold}, "
              f"{a.threads} threads")
        print(f"cleave search  {c_wall:8.1f} s ({c_cpu:8.1f} CPU-s) {c_rss:7.0f} MiB "
              f"{len(ch):9d} hits")
        print(f"mmseqs         {m_wall:8.1f} s ({m_cpu:8.1f} CPU-s) {m_rss:7.0f} MiB "
              f"{len(mh):9d} hits   ratio mmseqs/cleave wall {m_wall / c_wall:.2f}, "
              f"CPU {m_cpu / c_cpu:.2f}")
        both = sum(1 for k in ch if k in mh)
        mm_at = {k for k, v in mh.items() if v >= a.threshold}
        print(f"cleave hits MMseqs2 reports: {both}/{len(ch)} ({both / max(1, len(ch)):.3f}); "
              f"MMseqs2 hits that are cleave hits: {sum(1 for k in mm_at if k in ch)}/{len(mm_at)}")
        if a.exhaustive:
            ex = os.path.join(tmp, "ex.tsv")
            e_wall, _, _ = timed(cmd[:cmd.index("--prefilter")] + ["--exhaustive", "--quiet",
                                                                 "--out", ex])
            eh = cleave_hits(ex)
            print(f"cleave exhaustive {e_wall:8.1f} s {len(eh):9d} hits")
            for t in (0.3, 0.4, 0.5):
                want = {k for k, v in eh.items() if v >= t}
                got = sum(1 for k in want if k in ch)
                print(f"recall at >= {t}: {got}/{len(want)} = {got / max(1, len(want)):.3f}")


if __name__ == "__main__":
    main()
