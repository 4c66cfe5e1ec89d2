#!/usr/bin/env python3
"""An independent judge for `cleave partition`: the largest zero-overlap
train/test split of a graph as a mixed-integer program, solved by HiGHS
(PyPI `highspy`; not needed by any test or by cleave itself).

Binaries t_v (test) and s_v (train) for every sample with an edge,
t_v + s_v <= 1 (neither: removed); for each edge (u, v) t_u + s_v <= 1 and
t_v + s_u <= 1; isolated samples are two integers (how many in test, how
many in train). The test share is counted on the kept samples as cleave
does: (f - tol) K <= T <= (f + tol) K. Maximise K. A split written by
`cleave partition` (train.txt / test.txt) can be given as a start.

The LP relaxation is no judge here: t_v = f, s_v = 1 - f for every sample
satisfies every edge row and the share, so the root bound is the sample
count, and so is any bound a few hours of branching reach on a graph of
thousands of samples. Hence --free-radius: samples farther than R hops from
every sample the start removed are fixed to their start side, and the MIP
proves (or refutes) that no better split differs from the start only near
its separator.

Prints the best split found (kept), HiGHS's upper bound on kept, the gap,
and (with --out) the split's test.txt / train.txt (samples with an edge)
and isolated.txt (how many isolated samples on each side) for study or as
the next --start.

Usage: partition_mip.py --cleave BIN --graph G.cgr [--start DIR] [--free-radius R]
                        [--time-limit S] [--threads N] [--fraction F --tolerance T] [--out DIR]
"""
import argparse
import collections
import os
import subprocess
import sys

import highspy
import numpy as np


def read_graph(cleave, graph):
    """(ids of samples with an edge, edge list as index pairs, isolated count)."""
    stats = subprocess.run([cleave, "stats", "--graph", graph], check=True,
                           capture_output=True, text=True).stdout
    n = int(next(l.split()[1] for l in stats.splitlines() if l.startswith("nodes")))
    out = subprocess.run([cleave, "edges", "--graph", graph], check=True, capture_output=True,
                         text=True).stdout
    index, ids, edges = {}, [], []
    for line in out.splitlines():
        a, b, _ = line.split("\t")
        for x in (a, b):
            if x not in index:
                index[x] = len(ids)
                ids.append(x)
        edges.append((index[a], index[b]))
    return ids, edges, n - len(ids)


def components(m, edges):
    adj = [[] for _ in range(m)]
    for a, b in edges:
        adj[a].append(b)
        adj[b].append(a)
    label = [-1] * m
    sizes = []
    for r in range(m):
        if label[r] >= 0:
            continue
        label[r] = len(sizes)
        stack, size = [r], 0
        while stack:
            v = stack.pop()
            size += 1
            for w in adj[v]:
                if label[w] < 0:
                    label[w] = len(sizes)
                    stack.append(w)
        sizes.append(size)
    return label, sizes, adj


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cleave", required=True)
    ap.add_argument("--graph", required=True)
    ap.add_argument("--start", help="split directory of cleave partition (train.txt, test.txt)")
    ap.add_argument("--free-radius", type=int, default=-1,
                    help="with --start: fix samples farther than R hops from its removed ones")
    ap.add_argument("--time-limit", type=float, default=600)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--fraction", type=float, default=0.2)
    ap.add_argument("--tolerance", type=float, default=0.02)
    ap.add_argument("--out", help="write the best split's test.txt and train.txt here")
    args = ap.parse_args()

    ids, edges, n_iso = read_graph(args.cleave, args.graph)
    m = len(ids)
    label, sizes, adj = components(m, edges)
    print(f"samples with an edge {m}, isolated {n_iso}, edges {len(edges)}, "
          f"components {len(sizes)} (largest {max(sizes)})", flush=True)

    # Columns: t_0..t_{m-1}, s_0..s_{m-1}, z_test, z_train (isolated counts).
    ncol = 2 * m + 2
    zt, zs = 2 * m, 2 * m + 1
    lo, hi = args.fraction - args.tolerance, args.fraction + args.tolerance
    rows = []  # (indices, values, lower, upper)
    for v in range(m):
        rows.append(([v, m + v], [1.0, 1.0], -highspy.kHighsInf, 1.0))
    for a, b in edges:
        rows.append(([a, m + b], [1.0, 1.0], -highspy.kHighsInf, 1.0))
        rows.append(([b, m + a], [1.0, 1.0], -highspy.kHighsInf, 1.0))
    # T - lo K >= 0 and T - hi K <= 0, K = sum t + sum s + z_t + z_s.
    idx = list(range(ncol))
    share = lambda c: [(1.0 - c) if (j < m or j == zt) else -c for j in idx]  # noqa: E731
    rows.append((idx, share(lo), 0.0, highspy.kHighsInf))
    rows.append((idx, share(hi), -highspy.kHighsInf, 0.0))
    rows.append(([zt, zs], [1.0, 1.0], -highspy.kHighsInf, float(n_iso)))

    lp = highspy.HighsLp()
    lp.num_col_ = ncol
    lp.num_row_ = len(rows)
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.ones(ncol)
    lp.col_lower_ = np.zeros(ncol)
    lp.col_upper_ = np.array([1.0] * (2 * m) + [float(n_iso)] * 2)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * ncol
    lp.row_lower_ = np.array([r[2] for r in rows])
    lp.row_upper_ = np.array([r[3] for r in rows])
    starts, index, value = [0], [], []
    for r in rows:
        index.extend(r[0])
        value.extend(r[1])
        starts.append(len(index))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(value)
    lp.a_matrix_.num_col_ = ncol
    lp.a_matrix_.num_row_ = len(rows)

    h = highspy.Highs()
    h.setOptionValue("time_limit", args.time_limit)
    h.setOptionValue("threads", args.threads)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("output_flag", True)
    h.passModel(lp)

    if args.start:
        pos = {x: i for i, x in enumerate(ids)}
        col = np.zeros(ncol)
        for name, off in (("test.txt", 0), ("train.txt", m)):
            iso = 0
            with open(os.path.join(args.start, name)) as f:
                for line in f:
                    x = line.strip()
                    if not x:
                        continue
                    if x in pos:
                        col[off + pos[x]] = 1.0
                    else:
                        iso += 1
            col[zt if off == 0 else zs] = iso
        counts = os.path.join(args.start, "isolated.txt")
        if os.path.exists(counts):  # a split this script wrote: isolated samples as counts
            with open(counts) as f:
                col[zt], col[zs] = (float(x) for x in f.read().split())
        print(f"start: kept {int(col.sum())}, test {int(col[:m].sum() + col[zt])}", flush=True)
        if args.free_radius >= 0:
            dist = [-1] * m
            frontier = [v for v in range(m) if col[v] + col[m + v] < 0.5]
            for v in frontier:
                dist[v] = 0
            for r in range(args.free_radius):
                nxt = []
                for v in frontier:
                    for w in adj[v]:
                        if dist[w] < 0:
                            dist[w] = r + 1
                            nxt.append(w)
                frontier = nxt
            free = [v for v in range(m) if dist[v] >= 0]
            for v in range(m):
                if dist[v] < 0:
                    for off in (0, m):
                        h.changeColBounds(off + v, col[off + v], col[off + v])
            print(f"free samples (within {args.free_radius} hops of a removed one): "
                  f"{len(free)} of {m}; isolated counts free", flush=True)
        sol = highspy.HighsSolution()
        sol.col_value = list(col)
        sol.value_valid = True
        h.setSolution(sol)

    h.run()
    info = h.getInfo()
    best = info.objective_function_value
    bound = info.mip_dual_bound
    total = m + n_iso
    print(f"status {h.modelStatusToString(h.getModelStatus())}")
    print(f"best kept {best:.0f} = {100 * best / total:.2f}%  upper bound {bound:.1f} = "
          f"{100 * bound / total:.2f}%  gap {info.mip_gap:.4f}  nodes {info.mip_node_count}")
    x = np.array(h.getSolution().col_value)
    if args.out and x.size == ncol:
        os.makedirs(args.out, exist_ok=True)
        t = [ids[v] for v in range(m) if x[v] > 0.5]
        s = [ids[v] for v in range(m) if x[m + v] > 0.5]
        with open(os.path.join(args.out, "test.txt"), "w") as f:
            f.write("\n".join(t) + "\n")
        with open(os.path.join(args.out, "train.txt"), "w") as f:
            f.write("\n".join(s) + "\n")
        with open(os.path.join(args.out, "isolated.txt"), "w") as f:
            f.write(f"{round(x[zt])} {round(x[zs])}\n")
        per = collections.Counter(label[v] for v in range(m) if x[v] > 0.5)
        print(f"isolated in test {x[zt]:.0f}, in train {x[zs]:.0f}; test samples per component "
              f"(largest first): {sorted(per.values(), reverse=True)[:20]}")


if __name__ == "__main__":
    sys.exit(main())
