#!/usr/bin/env python3
"""All-pairs global alignment throughput: `cleave graph --align global` vs parasail.

For the first --n records of a real protein set (BLOSUM62, gap open 11,
extend 1) and of a real DNA set (match 2, mismatch -3, open 5, extend 2),
both tools align every pair of the upper triangle (i < j) and keep the pairs
whose identity (matches / alignment length, SPECTRA's definition) reaches
--threshold. Throughput is in GCUPS: sum over the pairs of len(a) * len(b),
divided by the wall seconds, for both tools the same nominal cell count.

parasail side (Debian's python3-parasail, so run this script with
/usr/bin/python3 or .venv-ref/bin/python): first, on the first --select-n
records, every vectorised 16-bit NW stats routine this parasail offers
(striped, scan, diag; the *_profile variants with one profile per query when
they run) is timed, and the fastest does the full run. Its gap convention is
cleave's: open is the cost of a gap's first residue, extend of each further
one (checked on a hand-made pair). Before timing, the first --check-n records
are compared pair by pair: the chosen routine's score and identity against
parasail.nw_stats (the call tests/reference/test_parasail.py checks cleave
against), and cleave's edge weights (threshold 0) against that identity.

cleave side: `cleave graph --input F.fasta --align global --threshold T
--threads 1 --quiet --out X.cgr`, the whole command (process start, FASTA
parsing, writing the graph), median of --repeats runs; also --threads 2.
parasail's time is one run of a Python loop: it includes ctypes call
overhead per pair, measured separately on one-residue sequences and printed.
"""
import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cleave_cli as cc  # noqa: E402

sys.path.insert(0, os.path.join(cc.ROOT, "tests", "reference"))
import test_parasail as tp  # noqa: E402  (read_fasta, normalise, read_graph, f32)

DATA = os.path.normpath(os.path.join(cc.ROOT, "..", "shared", "data"))
SETS = {
    "protein": ("proteins/flip_conservation_pdb_minus_heldout.fasta", False),
    "dna": ("dna/vsearch_BioMarKs_top5000_18S_V4.fasta", True),
}
PLAIN = ["nw_stats_striped_16", "nw_stats_scan_16", "nw_stats_diag_16"]
PROFILE = ["nw_stats_striped_profile_16", "nw_stats_scan_profile_16"]


def scoring(parasail, dna):
    """(matrix, gap open, gap extend) as cleave's defaults."""
    if dna:
        return parasail.matrix_create("ACGTN", 2, -3), 5, 2
    return parasail.blosum62, 11, 1


def cells(seqs):
    """Sum over i < j of len(i) * len(j)."""
    lens = [len(s) for s in seqs]
    tot = sum(lens)
    return (tot * tot - sum(x * x for x in lens)) // 2


def profile_runs(name):
    """Whether a *_profile routine runs at all: tried in a child process,
    since some parasail builds crash in the stats profile routines."""
    code = ("import parasail\n"
            "p = parasail.profile_create_stats_16('MKTAYIAKQRQISFVK', parasail.blosum62)\n"
            f"r = parasail.{name}(p, 'MKTAYIAKQRQISFVKSHF', 11, 1)\n"
            "print(r.score)\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if p.returncode == 0:
        return None
    return f"crashed (signal {-p.returncode})" if p.returncode < 0 else f"failed ({p.returncode})"


def all_pairs(parasail, name, seqs, matrix, go, ge, threshold):
    """Aligns every pair i < j with the routine `name`; returns (wall s, CPU s,
    edges, saturated count)."""
    n = len(seqs)
    edges = []
    sat = 0
    c0 = time.process_time()
    t0 = time.perf_counter()
    if "_profile_" in name:
        f = getattr(parasail, name)
        for i in range(n - 1):
            prof = parasail.profile_create_stats_16(seqs[i], matrix)
            for j in range(i + 1, n):
                r = f(prof, seqs[j], go, ge)
                sat += r.saturated
                m, length = r.matches, r.length
                if length and m >= threshold * length:
                    edges.append((i, j))
    else:
        f = getattr(parasail, name)
        for i in range(n - 1):
            si = seqs[i]
            for j in range(i + 1, n):
                r = f(si, seqs[j], go, ge, matrix)
                sat += r.saturated
                m, length = r.matches, r.length
                if length and m >= threshold * length:
                    edges.append((i, j))
    return time.perf_counter() - t0, time.process_time() - c0, edges, sat


def write_subset(recs, path):
    with open(path, "w") as f:
        for _, header, seq in recs:
            f.write(f"{header}\n{seq}\n")


def check(parasail, cleave, name, recs, dna, workdir):
    """Pairs among recs: (pairs, chosen routine's score == nw_stats's,
    identity == nw_stats's, cleave weight == f32(nw_stats identity))."""
    matrix, go, ge = scoring(parasail, dna)
    seqs = [tp.normalise(r[2], dna) for r in recs]
    sub = os.path.join(workdir, "check.fasta")
    write_subset(recs, sub)
    graph = os.path.join(workdir, "check.cgr")
    cc.run([cleave, "graph", "--input", sub, "--align", "global", "--identity", "aligned",
            "--exhaustive", "--threshold", "0",
            "--threads", "2", "--quiet", "--out", graph])
    n, weights = tp.read_graph(graph)
    assert n == len(recs)
    f = getattr(parasail, name)
    pairs = same_score = same_ident = same_cleave = 0
    for i in range(n - 1):
        prof = parasail.profile_create_stats_16(seqs[i], matrix) if "_profile_" in name else None
        for j in range(i + 1, n):
            ref = parasail.nw_stats(seqs[i], seqs[j], go, ge, matrix)
            r = f(prof, seqs[j], go, ge) if prof else f(seqs[i], seqs[j], go, ge, matrix)
            want = ref.matches / ref.length if ref.length else 0.0
            pairs += 1
            same_score += r.score == ref.score
            same_ident += (r.matches, r.length) == (ref.matches, ref.length)
            same_cleave += weights.get((i, j)) == tp.f32(want)
    return pairs, same_score, same_ident, same_cleave


def gap_convention(parasail):
    """Score of W*10 vs W*8 (one gap of length 2) under BLOSUM62, open 11,
    extend 1: 8 * 11 - 12 = 76 when a gap of length k costs open + (k-1) * extend."""
    return parasail.nw_stats_scan_16("W" * 10, "W" * 8, 11, 1, parasail.blosum62).score


def bench_set(parasail, a, cleave, label, rel, dna, n_recs):
    path = os.path.join(a.data, rel)
    if not os.path.exists(path):
        raise SystemExit(f"input not found: {path}")
    work = os.path.join(a.workdir, label)
    os.makedirs(work, exist_ok=True)
    recs = tp.read_fasta(path, n_recs)
    seqs = [tp.normalise(r[2], dna) for r in recs]
    matrix, go, ge = scoring(parasail, dna)
    out = {"label": label, "path": path, "n": len(recs), "cells": cells(seqs),
           "pairs": len(recs) * (len(recs) - 1) // 2,
           "mean_len": sum(map(len, seqs)) / len(seqs)}

    # pick parasail's fastest routine on a sample
    sample = seqs[:a.select_n]
    sample_cells = cells(sample)
    tried = []
    for name in PLAIN + PROFILE:
        if not hasattr(parasail, name):
            tried.append((name, None, "absent"))
            continue
        if name in PROFILE:
            why = profile_runs(name)
            if why:
                tried.append((name, None, why))
                continue
        wall, _, _, _ = all_pairs(parasail, name, sample, matrix, go, ge, a.threshold)
        tried.append((name, sample_cells / wall / 1e9, None))
    best = max((t for t in tried if t[1] is not None), key=lambda t: t[1])[0]
    out["tried"], out["best"] = tried, best

    out["check"] = check(parasail, cleave, best, recs[:a.check_n], dna, work)

    # per-call overhead of the Python loop: the same loop over 1-residue sequences
    tiny = ["A"] * len(seqs)
    out["overhead_s"] = all_pairs(parasail, best, tiny, matrix, go, ge, a.threshold)[0]

    wall, cpu, edges, sat = all_pairs(parasail, best, seqs, matrix, go, ge, a.threshold)
    out["parasail"] = (wall, cpu)
    out["parasail_edges"], out["saturated"] = len(edges), sat

    sub = os.path.join(work, "input.fasta")
    write_subset(recs, sub)
    for t in (1, 2):
        graph = os.path.join(work, f"cleave_t{t}.cgr")
        out[f"cleave_t{t}"] = cc.timed(
            [cleave, "graph", "--input", sub, "--align", "global", "--identity", "aligned",
             "--exhaustive", "--threshold",
             str(a.threshold), "--threads", str(t), "--quiet", "--out", graph],
            repeats=a.repeats)
    stats = subprocess.run([cleave, "stats", "--graph", os.path.join(work, "cleave_t1.cgr")],
                           capture_output=True, text=True).stdout
    out["cleave_edges"] = next((int(l.split()[1]) for l in stats.splitlines()
                                if l.startswith("edges")), -1)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", default=DATA, help="folder holding proteins/ and dna/")
    ap.add_argument("--sets", default="protein,dna", help="protein, dna or both")
    ap.add_argument("--n", type=int, default=700, help="records of the protein set")
    ap.add_argument("--n-dna", type=int, default=500, help="records of the DNA set")
    ap.add_argument("--threshold", type=float, default=0.3, help="identity threshold")
    ap.add_argument("--select-n", type=int, default=80,
                    help="records on which parasail's routines are raced")
    ap.add_argument("--check-n", type=int, default=40,
                    help="records compared pair by pair (parasail routines, cleave)")
    ap.add_argument("--cleave", help="cleave binary (default: $CLEAVE or a build folder)")
    ap.add_argument("--workdir", default=os.path.join(cc.HERE, "work", "align"))
    ap.add_argument("--repeats", type=int, default=3, help="cleave timings: median of this many")
    a = ap.parse_args()
    cleave = cc.find_cleave(a.cleave)
    os.makedirs(a.workdir, exist_ok=True)
    try:
        import parasail
    except ImportError as e:
        raise SystemExit(f"parasail does not import under {sys.executable}: {e}\n"
                         "run with /usr/bin/python3 or .venv-ref/bin/python")

    load0 = os.getloadavg()
    t_start = time.strftime("%Y-%m-%d %H:%M")
    gap = gap_convention(parasail)
    results = []
    for label in a.sets.split(","):
        rel, dna = SETS[label]
        results.append(bench_set(parasail, a, cleave, label, rel, dna,
                                 a.n_dna if dna else a.n))
    load1 = os.getloadavg()

    print(f"# bench_align: all-pairs global alignment (i < j), identity >= {a.threshold}")
    print(f"# CPU: {cc.lscpu_model()}, {os.cpu_count()} cores; load average (1, 5, 15 min) "
          f"at start {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}, at end {load1[0]:.2f} "
          f"{load1[1]:.2f} {load1[2]:.2f} (machine shared); {t_start}")
    print(f"# parasail {'.'.join(map(str, parasail.version()))} ({parasail.__file__}), "
          f"AVX2 {parasail.can_use_avx2()}; Python {sys.version.split()[0]}")
    print(f"# gap convention: W*10 vs W*8, BLOSUM62, open 11, extend 1 scores {gap} in parasail "
          f"({'= 88 - 12: a gap of k costs open + (k-1)*extend, as cleave' if gap == 76 else 'UNEXPECTED'})")
    print(f"# cleave: median of {a.repeats} runs of the whole command; parasail: one run of a "
          f"Python loop over the pairs; GCUPS = sum len(a)*len(b) / wall s")
    for r in results:
        print()
        print(f"## {r['label']}: first {r['n']} records of {r['path']}")
        print(f"# {r['pairs']} pairs, mean length {r['mean_len']:.1f}, "
              f"{r['cells'] / 1e9:.3f} G cells")
        for name, g, why in r["tried"]:
            print(f"# race on {a.select_n} records: {name:30} "
                  + (f"{g:.3f} GCUPS" if g is not None else why))
        print(f"# fastest, used below: {r['best']}")
        pairs, s_score, s_ident, s_cleave = r["check"]
        print(f"# check on the first {a.check_n} records ({pairs} pairs): score = nw_stats "
              f"{s_score}/{pairs}; matches/length = nw_stats {s_ident}/{pairs}; cleave weight = "
              f"f32(nw_stats identity) {s_cleave}/{pairs}")
        pw, pc = r["parasail"]
        print(f"# parasail loop overhead (same loop, 1-residue sequences): "
              f"{r['overhead_s']:.3f} s = {100 * r['overhead_s'] / pw:.1f}% of its run; "
              f"16-bit saturated results: {r['saturated']}")
        print(f"# edges: parasail {r['parasail_edges']}, cleave {r['cleave_edges']}")
        print()
        print(f"{'tool':52} {'wall s':>9} {'CPU s':>9} {'GCUPS':>9}")
        print(f"{'parasail ' + r['best'] + ' (1 thread)':52} {pw:9.3f} {pc:9.3f} "
              f"{r['cells'] / pw / 1e9:9.3f}")
        for t in (1, 2):
            w, c = r[f"cleave_t{t}"]
            print(f"{'cleave graph --align global --threads ' + str(t):52} {w:9.3f} {c:9.3f} "
                  f"{r['cells'] / w / 1e9:9.3f}")
        print()
        print(f"{'ratio (cleave GCUPS / parasail GCUPS)':52} {'wall x':>9} {'CPU x':>9}")
        for t in (1, 2):
            w, c = r[f"cleave_t{t}"]
            print(f"{'cleave --threads ' + str(t) + ' vs parasail (1 thread)':52} "
                  f"{pw / w:9.2f} {pc / c:9.2f}")


if __name__ == "__main__":
    main()
