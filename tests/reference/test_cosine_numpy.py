#!/usr/bin/python3
"""Cross-checks cleave's embedding cosine graph against NumPy in float64.

For clustered random embeddings saved as float32 and as float16 .npy files
(dimensions not a multiple of 8; a few rows scaled far from unit length),
`cleave graph --input X.npy --format npy --ids FILE --measure cosine` must
give, compared with the float64 cosine of the same stored values:
  * every edge's weight within 1e-5 of the reference;
  * every pair whose reference is >= threshold + 1e-5 as an edge, and no
    pair whose reference is < threshold - 1e-5.
Exits 77 (skip) when numpy is missing or `cleave graph --help` does not
mention npy input.
"""
import argparse
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("numpy is not importable by this python: skipping")
    sys.exit(77)

TOL = 1e-5


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def run(cmd):
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        fail(f"{' '.join(cmd)} exited {res.returncode}\n{res.stderr}")
    return res.stdout


def embeddings(n, dim, seed):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n // 10 + 1, dim))
    x = centres[np.arange(n) // 10] + rng.uniform(0.2, 1.2, size=(n, 1)) * rng.normal(size=(n, dim))
    x[::17] *= 1000.0  # norms far from 1
    x[5::23] *= 1e-3
    return x


def check(cleave, work, name, values, threshold):
    path = os.path.join(work, name + ".npy")
    np.save(path, values)
    n = values.shape[0]
    ids = os.path.join(work, name + ".ids")
    with open(ids, "w") as f:
        f.write("".join(f"s{i}\n" for i in range(n)))
    graph = os.path.join(work, name + ".cgr")
    run([cleave, "graph", "--input", path, "--format", "npy", "--ids", ids, "--measure", "cosine",
         "--threshold", repr(threshold), "--out", graph, "--quiet"])
    edges = {}
    for line in run([cleave, "edges", "--graph", graph]).splitlines():
        a, b, w = line.split("\t")
        i, j = int(a[1:]), int(b[1:])
        edges[(min(i, j), max(i, j))] = float(w)

    x = values.astype(np.float64)
    u = x / np.linalg.norm(x, axis=1, keepdims=True)
    ref = u @ u.T
    iu, ju = np.triu_indices(n, 1)
    sims = ref[iu, ju]
    worst = 0.0
    for (i, j), w in edges.items():
        worst = max(worst, abs(w - ref[i, j]))
        if abs(w - ref[i, j]) > TOL:
            fail(f"{name}: pair ({i}, {j}) weight {w!r}, float64 reference {ref[i, j]!r}")
        if ref[i, j] < threshold - TOL:
            fail(f"{name}: pair ({i}, {j}) is an edge but its cosine is {ref[i, j]!r}")
    must = [(int(i), int(j)) for i, j, s in zip(iu, ju, sims) if s >= threshold + TOL]
    missing = [p for p in must if p not in edges]
    if missing:
        fail(f"{name}: {len(missing)} pairs above the threshold are not edges, e.g. {missing[:5]}")
    if len(must) < 100:
        fail(f"{name}: only {len(must)} edges: test data too sparse to be meaningful")
    print(f"  {name}: {n} x {values.shape[1]} {values.dtype}, {len(edges)} edges at "
          f"{threshold}, max |cleave - float64| = {worst:.2e}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cleave", required=True)
    ap.add_argument("--data", default="")
    ap.add_argument("--tests", default="")
    args = ap.parse_args()
    helptext = subprocess.run([args.cleave, "graph", "--help"], capture_output=True, text=True)
    if "npy" not in helptext.stdout + helptext.stderr:
        print("cleave graph does not read .npy yet: skipping")
        sys.exit(77)
    with tempfile.TemporaryDirectory() as work:
        x = embeddings(700, 101, 1)
        check(args.cleave, work, "f32", x.astype("<f4"), 0.5)
        check(args.cleave, work, "f16", (x / 1000.0).astype("<f2"), 0.7)
    print("OK")


if __name__ == "__main__":
    main()
