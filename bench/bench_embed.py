#!/usr/bin/env python3
"""Cosine-similarity graph on float32 embeddings: `cleave graph` on a .npy vs numpy.

The input is made here with numpy (fixed seed): --n rows of dimension --dim,
--centres random Gaussian centres, each row a centre plus Gaussian noise of a
per-row scale drawn from [--noise-min, --noise-max], so that some pairs of
the same centre reach the threshold and pairs of different centres do not.
The rows are saved unnormalised as float32 .npy (cleave normalises).

numpy side, what a user writes: np.load, normalise the rows (float32),
then for each block of --block rows, block @ rows[i:].T (the block against
itself and every later row, so about the upper triangle), threshold, np.nonzero,
keep j > i and collect the edge arrays. numpy's BLAS is held to one thread
(OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS = 1, set before
numpy is imported; threadpoolctl's report is printed when it is installed).
Edges stay in memory (not written): favours numpy.

cleave side: `cleave graph --input E.npy --threshold T --threads 1 --quiet
--out X.cgr`, the whole command (process start, reading the .npy, writing the
graph and its ids), median of --repeats runs; also --threads 2 (cleave runs
without the thread-limiting variables above). The edge sets are compared:
`cleave stats` for the count and `cleave edges` for the pairs; pairs found by
only one tool are listed with their float64 cosine.
"""
import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cleave_cli as cc  # noqa: E402


def make_embeddings(n, dim, centres, noise_min, noise_max, seed):
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(centres, dim)).astype(np.float32)
    which = rng.integers(0, centres, size=n)
    scale = rng.uniform(noise_min, noise_max, size=(n, 1)).astype(np.float32)
    x = c[which] + scale * rng.normal(size=(n, dim)).astype(np.float32)
    return x.astype("<f4")


def numpy_graph(path, threshold, block):
    """Returns (wall s, CPU s, matmul wall s, rows i, cols j with i < j)."""
    c0 = time.process_time()
    t0 = time.perf_counter()
    x = np.load(path)
    u = x / np.linalg.norm(x, axis=1, keepdims=True)
    n = u.shape[0]
    t_mm = 0.0
    rows, cols = [], []
    for i in range(0, n, block):
        m0 = time.perf_counter()
        s = u[i:i + block] @ u[i:].T
        t_mm += time.perf_counter() - m0
        r, c = np.nonzero(s >= threshold)
        keep = c > r
        rows.append(r[keep] + i)
        cols.append(c[keep] + i)
    ri, cj = np.concatenate(rows), np.concatenate(cols)
    return time.perf_counter() - t0, time.process_time() - c0, t_mm, ri, cj


def blas_report():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        threadpool_info = None
    if threadpool_info:
        libs = [f"{d.get('internal_api')} {d.get('version')} ({d.get('architecture')}), "
                f"{d.get('num_threads')} thread(s)" for d in threadpool_info()
                if d.get("user_api") == "blas"]
        if libs:
            return "; ".join(libs) + " [threadpoolctl]"
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        return f"{blas['name']} {blas.get('version', '')} [numpy.show_config]"
    except Exception:  # older numpy: show_config prints only
        return "unknown (see numpy.show_config())"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=20000, help="rows")
    ap.add_argument("--dim", type=int, default=512, help="dimension")
    ap.add_argument("--centres", type=int, default=2000, help="cluster centres")
    ap.add_argument("--noise-min", type=float, default=0.2)
    ap.add_argument("--noise-max", type=float, default=0.45)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threshold", type=float, default=0.9, help="cosine edge threshold")
    ap.add_argument("--block", type=int, default=1024, help="numpy: rows per block")
    ap.add_argument("--cleave", help="cleave binary (default: $CLEAVE or a build folder)")
    ap.add_argument("--workdir", default=os.path.join(cc.HERE, "work", "embed"))
    ap.add_argument("--repeats", type=int, default=3, help="median of this many runs, both tools")
    a = ap.parse_args()
    cleave = cc.find_cleave(a.cleave)
    os.makedirs(a.workdir, exist_ok=True)
    # cleave gets the caller's environment, without the limits set for numpy
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}

    load0 = os.getloadavg()
    t_start = time.strftime("%Y-%m-%d %H:%M")
    x = make_embeddings(a.n, a.dim, a.centres, a.noise_min, a.noise_max, a.seed)
    path = os.path.join(a.workdir, f"emb_{a.n}x{a.dim}_s{a.seed}.npy")
    np.save(path, x)
    del x

    runs = [numpy_graph(path, a.threshold, a.block) for _ in range(a.repeats)]
    k = sorted(range(len(runs)), key=lambda q: runs[q][0])[len(runs) // 2]
    np_wall = runs[k][0]
    np_cpu = statistics.median(r[1] for r in runs)
    np_mm = runs[k][2]
    ri, cj = runs[k][3], runs[k][4]
    np_edges = set(zip(ri.tolist(), cj.tolist()))
    del runs

    cl = {}
    for t in (1, 2):
        graph = os.path.join(a.workdir, f"cleave_t{t}.cgr")
        cl[t] = cc.timed([cleave, "graph", "--input", path, "--threshold", repr(a.threshold),
                          "--threads", str(t), "--quiet", "--out", graph],
                         repeats=a.repeats, env=env)
    graph = os.path.join(a.workdir, "cleave_t1.cgr")
    stats = subprocess.run([cleave, "stats", "--graph", graph], capture_output=True,
                           text=True).stdout
    cl_count = next((int(l.split()[1]) for l in stats.splitlines() if l.startswith("edges")), -1)
    with open(graph + ".ids") as f:
        ids = [line.rstrip("\n") for line in f]
    index = {s: q for q, s in enumerate(ids)}
    out = subprocess.run([cleave, "edges", "--graph", graph], capture_output=True,
                         text=True).stdout
    cl_edges = set()
    for line in out.splitlines():
        p, q, _ = line.split("\t")
        i, j = index[p], index[q]
        cl_edges.add((min(i, j), max(i, j)))
    only_np = sorted(np_edges - cl_edges)
    only_cl = sorted(cl_edges - np_edges)
    load1 = os.getloadavg()

    x64 = np.load(path).astype(np.float64)
    x64 /= np.linalg.norm(x64, axis=1, keepdims=True)

    def cos64(i, j):
        return float(x64[i] @ x64[j])

    pairs = a.n * (a.n - 1) // 2
    print(f"# bench_embed: {a.n} x {a.dim} float32 embeddings ({a.centres} centres, noise "
          f"{a.noise_min}-{a.noise_max}, seed {a.seed}), cosine >= {a.threshold}; "
          f"{pairs} pairs")
    print(f"# CPU: {cc.lscpu_model()}, {os.cpu_count()} cores; load average (1, 5, 15 min) "
          f"at start {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}, at end {load1[0]:.2f} "
          f"{load1[1]:.2f} {load1[2]:.2f} (machine shared); {t_start}")
    print(f"# numpy {np.__version__}, BLAS: {blas_report()}; Python {sys.version.split()[0]}")
    print(f"# numpy: blocks of {a.block} rows; its matmul part {np_mm:.3f} s "
          f"({2.0 * a.dim * (pairs + a.n * a.block / 2) / np_mm / 1e9:.1f} GFLOP/s), "
          f"the rest (load, normalise, threshold, nonzero) {np_wall - np_mm:.3f} s")
    print(f"# both: median of {a.repeats} runs; cleave: the whole command")
    print(f"# edges: numpy {len(np_edges)}, cleave stats {cl_count} (cleave edges listed "
          f"{len(cl_edges)}); only numpy {len(only_np)}, only cleave {len(only_cl)}")
    for name, lst in (("only numpy", only_np), ("only cleave", only_cl)):
        for i, j in lst[:10]:
            print(f"#   {name}: ({i}, {j}) float64 cosine {cos64(i, j):.9f} "
                  f"(threshold {a.threshold})")
    print()
    print(f"{'tool':52} {'wall s':>9} {'CPU s':>9} {'pairs/s':>10}")
    print(f"{'numpy blocked X @ X.T (1 BLAS thread)':52} {np_wall:9.3f} {np_cpu:9.3f} "
          f"{pairs / np_wall:10.3g}")
    for t in (1, 2):
        w, c = cl[t]
        print(f"{'cleave graph --threads ' + str(t):52} {w:9.3f} {c:9.3f} {pairs / w:10.3g}")
    print()
    print(f"{'ratio (cleave pairs/s / numpy pairs/s)':52} {'wall x':>9} {'CPU x':>9}")
    for t in (1, 2):
        w, c = cl[t]
        print(f"{'cleave --threads ' + str(t) + ' vs numpy (1 thread)':52} {np_wall / w:9.2f} "
              f"{np_cpu / c:9.2f}")


if __name__ == "__main__":
    main()
