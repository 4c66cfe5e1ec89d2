"""The Python package's overhead: a 63-split sweep (21 p x 3 seeds) through
`cleave` in Python vs `cleave split` on the same graph file.

Both sides do the same work in a fresh process: load the graph, make the 63
splits, write the split set (stats.tsv, train/test files, manifest). Python's
time is the whole `python -c ...` process (interpreter start and `import
cleave` included) and, separately, the in-process time of Graph.load +
spectra_splits + write. Runs alternate CLI / Python; the table has the
median of --repeats runs and checks that both wrote the same split files.

    .venv-ref/bin/python bench/bench_python.py [--input F.csv | --graph G.cgr]
        [--synthetic N,M] [--threshold 0.4] [--threads 2] [--repeats 5] [--weighted]
The package is imported from --pythonpath (default build/python).
"""
import argparse
import filecmp
import json
import os
import statistics
import subprocess
import sys
import time

from cleave_cli import ROOT, find_cleave, run

PY_SIDE = r"""
import json, sys, time
t0 = time.perf_counter()
import cleave
t1 = time.perf_counter()
g = cleave.Graph.load(sys.argv[1])
splits = cleave.spectra_splits(g, weighted=sys.argv[3] == "1")
t2 = time.perf_counter()
splits.write(sys.argv[2])
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "sweep": t2 - t1, "write": t3 - t2, "splits": len(splits)}))
"""


def same_tree(a, b):
    cmp = filecmp.dircmp(a, b, ignore=["manifest.json"])
    stack = [cmp]
    while stack:
        c = stack.pop()
        if c.left_only or c.right_only or c.diff_files:
            return False
        # dircmp compares by stat signature first; compare contents as well
        _, mismatch, errors = filecmp.cmpfiles(c.left, c.right, c.common_files, shallow=False)
        if mismatch or errors:
            return False
        stack.extend(c.subdirs.values())
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--input", default=os.path.join(ROOT, "..", "shared", "data", "molecules",
                                                     "rdkit_nci_first5k.csv"))
    ap.add_argument("--graph", help="an existing graph file (else built from --input)")
    ap.add_argument("--synthetic", metavar="N,M",
                    help="instead: a random graph of N nodes and M edges (numpy seed 7), "
                         "made with cleave.Graph.from_edges and saved")
    ap.add_argument("--threshold", type=float, default=0.4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--weighted", action="store_true")
    ap.add_argument("--cleave")
    ap.add_argument("--pythonpath", default=os.path.join(ROOT, "build", "python"))
    a = ap.parse_args()
    cli = find_cleave(a.cleave)
    work = os.path.join(ROOT, "bench", "work", "python")
    os.makedirs(work, exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads), OMP_WAIT_POLICY="passive",
               PYTHONPATH=a.pythonpath)
    graph = a.graph
    if a.synthetic:
        n, m = (int(x) for x in a.synthetic.split(","))
        graph = os.path.join(work, f"random_{n}_{m}.cgr")
        code = ("import sys, numpy as np, cleave; n, m = int(sys.argv[1]), int(sys.argv[2]); "
                "r = np.random.default_rng(7); "
                "cleave.Graph.from_edges(n, r.integers(0, n, m), r.integers(0, n, m), "
                "r.uniform(0.4, 1.0, m)).save(sys.argv[3])")
        subprocess.run([sys.executable, "-c", code, str(n), str(m), graph], check=True, env=env)
    if not graph:
        graph = os.path.join(work, "graph.cgr")
        run([cli, "graph", "--quiet", "--input", a.input, "--threshold", str(a.threshold),
             "--out", graph], env=env)
    weighted = ["--weighted"] if a.weighted else []
    cli_t, py_t, py_inner = [], [], []
    for r in range(a.repeats):
        t = run([cli, "split", "--quiet", "--threads", str(a.threads), "--graph", graph,
                 "--out", os.path.join(work, "cli"), *weighted], env=env)
        cli_t.append(t)
        t0 = time.perf_counter()
        p = subprocess.run([sys.executable, "-c", PY_SIDE, graph, os.path.join(work, "py"),
                            "1" if a.weighted else "0"], capture_output=True, text=True, env=env)
        py_t.append(time.perf_counter() - t0)
        if p.returncode != 0:
            raise SystemExit(f"python side failed:\n{p.stderr}")
        py_inner.append(json.loads(p.stdout.strip().splitlines()[-1]))
    same = same_tree(os.path.join(work, "cli"), os.path.join(work, "py"))
    with open(graph + ".ids") as f:
        n = sum(1 for _ in f)
    cm, pm = statistics.median(cli_t), statistics.median(py_t)
    inner = statistics.median(d["sweep"] + d["write"] for d in py_inner)
    imp = statistics.median(d["import"] for d in py_inner)
    print(f"graph: {graph} ({n} nodes), 63 splits, {a.threads} threads, "
          f"{'weighted' if a.weighted else 'binary'} mode, median of {a.repeats}")
    print(f"{'':34s}{'seconds':>10s}{'vs CLI':>10s}")
    print(f"{'cleave split (process)':34s}{cm:10.3f}{1.0:10.3f}")
    print(f"{'python (process, import included)':34s}{pm:10.3f}{pm / cm:10.3f}")
    print(f"{'python (load+sweep+write inside)':34s}{inner:10.3f}{inner / cm:10.3f}")
    print(f"{'python import cleave':34s}{imp:10.3f}")
    print(f"split files identical: {'yes' if same else 'NO'}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
