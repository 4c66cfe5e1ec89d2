#!/usr/bin/python3
"""Compares `cleave split --compat-spectrae` with spectrae's own
run_independent_set in distribution: the mean number of kept units per
spectral parameter over many seeds, binary and weighted, on a random graph
with clique components and hub nodes. Exits 77 (skip) when spectrae (or
networkx) is not importable by this python.
"""
import argparse
import contextlib
import csv
import io
import math
import os
import random
import subprocess
import sys
import tempfile

try:
    import networkx as nx
    from spectrae.independent_set_algo import run_independent_set
except ImportError:
    print("spectrae is not importable by this python: skipping")
    sys.exit(77)

PS = [0.0, 0.2, 0.5, 0.8, 1.0]
RUNS = 150


def random_pairs(n, seed):
    """Every pair i<j with a similarity: 0, or in [0.5, 1) for an edge."""
    rng = random.Random(seed)
    sim = {}
    for i in range(n):
        for j in range(i + 1, n):
            sim[(i, j)] = round(rng.uniform(0.5, 1.0), 4) if rng.random() < 0.04 else 0.0
    base = n
    for size in (2, 3, 4):  # clique components
        for i in range(size):
            for j in range(i + 1, size):
                sim[(base + i, base + j)] = 0.9
        base += size
    for i in range(1, 6):  # a star: one hub
        sim[(base, base + i)] = 0.7
    total = base + 6
    for i in range(total):
        for j in range(i + 1, total):
            sim.setdefault((i, j), 0.0)
    return total, sim


def spectrae_means(sim, weighted):
    g = nx.Graph()
    for (i, j), w in sim.items():
        if w:
            g.add_edge(i, j, weight=w)
    dist = list(sim.values())
    means = {}
    for p in PS:
        kept = []
        for s in range(RUNS):
            with contextlib.redirect_stdout(io.StringIO()):
                res = run_independent_set(p, g, seed=10_000 + s, distribution=dist,
                                          binary=not weighted)
            kept.append(len(res))
        means[p] = kept
    return means


def cleave_means(cleave, tmp, sim, n, weighted):
    pairs = os.path.join(tmp, "pairs.tsv")
    ids = os.path.join(tmp, "ids.txt")
    with open(pairs, "w") as f:
        for (i, j), w in sim.items():
            f.write(f"{i}\t{j}\t{w}\n")
    with open(ids, "w") as f:
        f.write("".join(f"s{i}\n" for i in range(n)))
    graph = os.path.join(tmp, "g.cgr")
    out = os.path.join(tmp, "splits_w" if weighted else "splits_b")
    cmds = [[cleave, "graph", "--input", pairs, "--ids", ids, "--format", "pairs",
             "--threshold", "0.5", "--out", graph, "--quiet"],
            [cleave, "split", "--graph", graph, "--compat-spectrae", "--backend", "cpu",
             "--sp", ",".join(f"{p:.2f}" for p in PS),
             "--seeds", ",".join(str(s) for s in range(RUNS)), "--out", out, "--quiet"]
            + (["--weighted"] if weighted else [])]
    for cmd in cmds:
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            raise SystemExit(f"FAIL: {' '.join(cmd)} exited {res.returncode}\n{res.stderr}")
    means = {p: [] for p in PS}
    with open(os.path.join(out, "stats.tsv"), newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            means[min(PS, key=lambda p: abs(p - float(row["sp"])))].append(
                int(row["kept_units"]))
    return means


def mean_se(x):
    m = sum(x) / len(x)
    var = sum((v - m) ** 2 for v in x) / max(1, len(x) - 1)
    return m, math.sqrt(var / len(x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cleave", required=True)
    ap.add_argument("--data")
    ap.add_argument("--tests")
    args = ap.parse_args()
    n, sim = random_pairs(120, 5)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for weighted in (False, True):
            ref = spectrae_means(sim, weighted)
            ours = cleave_means(args.cleave, tmp, sim, n, weighted)
            for p in PS:
                (a, sa), (b, sb) = mean_se(ours[p]), mean_se(ref[p])
                tol = 5 * math.hypot(sa, sb) + 1e-9
                ok = abs(a - b) <= tol
                failures += not ok
                print(f"{'weighted' if weighted else 'binary'} p={p:.2f}: cleave {a:.2f} "
                      f"spectrae {b:.2f} tol {tol:.2f} {'ok' if ok else 'FAIL'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
