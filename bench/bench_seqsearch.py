#!/usr/bin/env python3
"""Sequence identity graphs: `cleave graph` (default: seed prefilter, then
exact global alignment) against `mmseqs easy-search --min-seq-id T` (Debian
`mmseqs2`), on the same FASTA and the same threads, in the same run.

For each input it prints wall time, peak memory (max RSS), edge counts and
the ratio of the two times, then the agreement of the two edge sets.
MMseqs2 reports local alignments and their identity over the aligned
columns, cleave the global identity it is asked for (default full: every
column, end gaps too), so the sets differ by definition; the script says
how many cleave edges MMseqs2 reports as a hit at all, and how many
MMseqs2 pairs at >= T are cleave edges. With --exhaustive GRAPH (a graph of
the same input from `cleave graph --exhaustive`, or `run` to make one) it
also prints the prefilter's recall of the exhaustive edges at 0.3, 0.4,
0.5 and 0.7.

    bench/bench_seqsearch.py --cleave build/src/cleave --input proteins.fasta --exhaustive run
    bench/bench_seqsearch.py --cleave build/src/cleave --input gen20k.fasta --sensitivity 5
"""
import argparse
import os
import subprocess
import sys
import tempfile


def timed(cmd):
    """Runs cmd under /usr/bin/time; returns (wall s, max RSS MiB, CPU s).

    CPU time (user + system) is the steadier figure on a shared machine,
    where other work inflates the wall time of both tools."""
    r = subprocess.run(["/usr/bin/time", "-f", "TIME %e %M %U %S"] + cmd, capture_output=True,
                       text=True)
    if r.returncode != 0:
        sys.exit("failed: %s\n%s%s" % (" ".join(cmd), r.stdout, r.stderr[-3000:]))
    line = [l for l in r.stderr.splitlines() if l.startswith("TIME ")][-1]
    wall, rss, user, system = line.split()[1:]
    return float(wall), int(rss) / 1024.0, float(user) + float(system)


def cleave_edges(cleave, graph):
    out = subprocess.run([cleave, "edges", "--graph", graph], capture_output=True, text=True,
                         check=True).stdout
    edges = {}
    for line in out.splitlines():
        a, b, v = line.split("\t")
        edges[(a, b) if a < b else (b, a)] = float(v)
    return edges


def mmseqs_pairs(m8):
    pairs = {}
    for line in open(m8):
        f = line.split("\t")
        a, b = f[0], f[1]
        if a == b:
            continue
        key = (a, b) if a < b else (b, a)
        pairs[key] = max(pairs.get(key, 0.0), float(f[2]))
    return pairs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cleave", required=True)
    ap.add_argument("--input", required=True, nargs="+")
    ap.add_argument("--threshold", type=float, default=0.3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--sensitivity", type=float, default=None, help="cleave --sensitivity")
    ap.add_argument("--mmseqs", default="mmseqs")
    ap.add_argument("--mmseqs-sens", type=float, default=None, help="mmseqs -s")
    ap.add_argument("--exhaustive", default=None,
                    help="graph from cleave graph --exhaustive of the (single) input, or 'run'")
    a = ap.parse_args()
    print("# bench_seqsearch: identity >= %.2f, %d threads" % (a.threshold, a.threads))
    with tempfile.TemporaryDirectory() as tmp:
        for path in a.input:
            name = os.path.basename(path)
            g = os.path.join(tmp, "g.cgr")
            cmd = [a.cleave, "graph", "--input", path, "--threshold", str(a.threshold),
                   "--threads", str(a.threads), "--out", g, "--quiet", "--prefilter"]
            if a.sensitivity is not None:
                cmd += ["--sensitivity", str(a.sensitivity)]
            c_wall, c_rss, c_cpu = timed(cmd)
            ce = cleave_edges(a.cleave, g)
            m8 = os.path.join(tmp, "m.m8")
            mcmd = [a.mmseqs, "easy-search", path, path, m8, os.path.join(tmp, "mm"),
                    "--min-seq-id", str(a.threshold), "--threads", str(a.threads), "-v", "1"]
            if a.mmseqs_sens is not None:
                mcmd += ["-s", str(a.mmseqs_sens)]
            m_wall, m_rss, m_cpu = timed(mcmd)
            mp = mmseqs_pairs(m8)
            print("%-40s cleave %8.1f s (%8.1f CPU-s) %7.0f MiB %8d edges | mmseqs %8.1f s "
                  "(%8.1f CPU-s) %7.0f MiB %8d pairs | ratio mmseqs/cleave wall %.2f, CPU %.2f"
                  % (name, c_wall, c_cpu, c_rss, len(ce), m_wall, m_cpu, m_rss, len(mp),
                     m_wall / c_wall, m_cpu / c_cpu))
            both = sum(1 for k in ce if k in mp)
            mm_at = {k for k, v in mp.items() if v >= a.threshold}
            print("%-40s cleave edges MMseqs2 reports: %d/%d (%.3f); MMseqs2 pairs that are cleave "
                  "edges: %d/%d (%.3f)" % ("", both, len(ce), both / max(1, len(ce)),
                                           len(mm_at & set(ce)), len(mm_at),
                                           len(mm_at & set(ce)) / max(1, len(mm_at))))
            if a.exhaustive:
                ex = a.exhaustive
                if ex == "run":
                    ex = os.path.join(tmp, "ex.cgr")
                    e_wall, _, _ = timed([a.cleave, "graph", "--input", path, "--threshold",
                                       str(a.threshold), "--threads", str(a.threads), "--out", ex,
                                       "--quiet", "--exhaustive"])
                    print("%-40s exhaustive %.1f s" % ("", e_wall))
                ee = cleave_edges(a.cleave, ex)
                parts = []
                for t in (0.3, 0.4, 0.5, 0.7):
                    want = {k for k, v in ee.items() if v >= t}
                    got = {k for k, v in ce.items() if v >= t}
                    parts.append("%.1f: %d/%d = %.4f" % (t, len(want & got), len(want),
                                                         len(want & got) / max(1, len(want))))
                print("%-40s recall of exhaustive edges  %s" % ("", " | ".join(parts)))
                bad = sum(1 for k, v in ce.items() if k not in ee or abs(ee[k] - v) > 1e-6)
                print("%-40s prefilter edges not exhaustive or with another weight: %d" % ("", bad))


if __name__ == "__main__":
    main()
