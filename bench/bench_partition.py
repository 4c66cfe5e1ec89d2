#!/usr/bin/env python3
"""Samples kept at zero overlap: `cleave partition` (min cut) against the
SPECTRA sweep at p = 1 (`cleave split --sp 1`, default and --compat-spectrae)
and against a GraphPart-style iterative removal (graphpart_style below), on
the same graph in the same run, and against issue 11's quick prototype (one
METIS k-way cut and an exact vertex cover of it: metis_cover_prototype, needs
pymetis and scipy from PyPI, e.g. in .venv-ref); the largest component's share
of each graph; and the time to partition a large synthetic
graph (bench_large --save writes it). A second table: label balance of
unstratified and --stratify partitions on labelled MoleculeNet sets.

Usage: bench_partition.py [--cleave BIN] [--bench-large BIN] [--data DIR]  (DIR: ../shared/data beside the checkout)
                          [--large-nodes N --large-edges M] [--skip-large]
                          [--strata-only]
Prints Markdown tables (the format of bench/RESULTS.md).
"""
import argparse
import collections
import csv
import heapq
import random
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cleave_cli import ROOT, find_cleave  # noqa: E402

DEMO = "/usr/share/RDKit/Contrib/FreeWilson/data/CHEMBL2321810.smi"


def moleculenet_union(data, tmp):
    """The four MoleculeNet sets of the shared data (BACE, ClinTox, ESOL,
    FreeSolv) as one SMILES CSV, ids prefixed by the set's name: about 4,800
    molecules of mixed chemistry whose graph at Tanimoto 0.25-0.3 has one
    dominant component, the shape of issue 11's 4,200-molecule example
    (largest component 3,879 at 0.3), which is not in the shared data."""
    out = os.path.join(tmp, "moleculenet_union.csv")
    names = ("bace", "clintox", "esol", "freesolv")
    paths = [os.path.join(data, "molecules", f"moleculenet_{name}.csv") for name in names]
    for path in paths:
        if not os.path.exists(path):
            return path  # reported missing by main()
    if os.path.exists(out):
        return out
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "smiles"])
        for name, path in zip(names, paths):
            with open(path, newline="") as src:
                for r in csv.DictReader(src):
                    w.writerow([f"{name}_{r['id']}", r["smiles"]])
    return out


def sets(data, tmp):
    """The benchmark graphs' inputs. The amyloid-like DMS set is generated
    (bench/gen_dms.py, fixed seed): no amyloid-beta scan is in the shared data."""
    mol = os.path.join(data, "molecules", "rdkit_nci_first5k.csv")
    union = moleculenet_union(data, tmp)
    abeta = os.path.join(tmp, "abeta_like_dms.csv")
    if not os.path.exists(abeta):
        subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                     "gen_dms.py"), "--out", abeta],
                       check=True, capture_output=True)
    return [
        ("NCI first 5k, Tanimoto >= 0.3", mol, ["--threshold", "0.3"]),
        ("NCI first 5k, Tanimoto >= 0.35", mol, ["--threshold", "0.35"]),
        ("NCI first 5k, Tanimoto >= 0.4", mol, ["--threshold", "0.4"]),
        ("MoleculeNet union, Tanimoto >= 0.25", union, ["--threshold", "0.25"]),
        ("MoleculeNet union, Tanimoto >= 0.28", union, ["--threshold", "0.28"]),
        ("MoleculeNet union, Tanimoto >= 0.3", union, ["--threshold", "0.3"]),
        ("ChEMBL demo (CHEMBL2321810), >= 0.55", DEMO, ["--threshold", "0.55"]),
        ("GB1 DMS (FLIP subset), shared mutation",
         os.path.join(data, "dms", "GB1_Wu_2016_FLIP_subset.csv"), []),
        ("Abeta42-like DMS (gen_dms.py), shared mutation", abeta, []),
    ]


_cpu = [0.0]


def last_cpu():
    """User + system CPU seconds of the last run() (wall time is inflated on a
    shared machine)."""
    return _cpu[0]


def run(cmd):
    t0 = time.perf_counter()
    before = os.times()
    p = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    after = os.times()
    _cpu[0] = (after.children_user - before.children_user
               + after.children_system - before.children_system)
    if p.returncode != 0:
        raise SystemExit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return dt, p.stdout


def stats_rows(path):
    with open(path, newline="") as f:
        return [r for r in csv.DictReader(f, delimiter="\t") if r["valid"] == "1"]


def kept_of(rows):
    """Mean kept samples and mean test share of the valid rows."""
    kept = [int(r["kept"]) for r in rows]
    test = [int(r["test"]) / max(1, int(r["kept"])) for r in rows]
    return statistics.mean(kept), statistics.mean(test)


def labelled_sets(data):
    mol = os.path.join(data, "molecules")
    return [
        ("BACE (binary)", os.path.join(mol, "moleculenet_bace.csv")),
        ("ClinTox (binary)", os.path.join(mol, "moleculenet_clintox.csv")),
        ("ESOL (numeric, 5 quantile bins)", os.path.join(mol, "moleculenet_esol.csv")),
    ]


def strata_table(cleave, data, tmp, seeds):
    """Kept share and the largest difference of a stratum's share on a side
    from all kept (cleave's printed summary, worst and mean over the seeds),
    without and with --stratify, on graphs at Tanimoto >= 0.4."""
    print("\n| set (Tanimoto >= 0.4) | samples | kept | max stratum difference, plain "
          "(worst / mean of seeds) | with --stratify | kept with --stratify | "
          "test share with --stratify |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, path in labelled_sets(data):
        if not os.path.exists(path):
            print(f"| {name} | missing: {path} | | | | | |")
            continue
        g = os.path.join(tmp, "lab.cgr")
        run([cleave, "graph", "--quiet", "--input", path, "--threshold", "0.4", "--out", g])
        labels = os.path.join(tmp, "labels.csv")
        with open(path, newline="") as f, open(labels, "w", newline="") as out:
            w = csv.writer(out)
            w.writerow(["id", "label"])
            for r in csv.DictReader(f):
                w.writerow([r["id"], r["label"]])
        with open(g + ".ids") as f:
            n = sum(1 for _ in f)
        res = []
        for extra in ([], ["--stratify"]):
            out = os.path.join(tmp, "strat")
            _, text = run([cleave, "partition", "--quiet", "--graph", g, "--labels", labels,
                           "--seeds", seeds, "--out", out] + extra)
            diffs = [float(line.rsplit(None, 1)[1]) for line in text.splitlines()
                     if "largest difference of a stratum" in line]
            kept, test = kept_of(stats_rows(os.path.join(out, "stats.tsv")))
            res.append((max(diffs), statistics.mean(diffs), kept, test))
        (pw, pm, pk, _), (sw, sm, sk, st) = res
        print(f"| {name} | {n} | {pk:.0f} = {100 * pk / n:.1f}% | {pw:.4f} / {pm:.4f} | "
              f"{sw:.4f} / {sm:.4f} | {sk:.0f} = {100 * sk / n:.1f}% | {st:.3f} |")
        sys.stdout.flush()


def graphpart_style(edges, nodes, test_fraction=0.2, tolerance=0.02, seed=42):
    """Kept samples of a removal-based zero-overlap split in the manner of
    GraphPart (Teufel et al., NAR Genomics and Bioinformatics 2023),
    reproduced here from the paper's description, not from its code:
    connected components go whole to test (seeded order, then largest first)
    up to the fraction; when the largest component leaves test short, test
    takes a breadth-first region of it from a seeded start. Then samples with
    neighbours across move to the side holding most of their neighbours
    (while the test share stays within tolerance), and finally the sample
    with the most neighbours across is removed, one at a time, until no edge
    joins the two sides. Returns (kept, test)."""
    adj = collections.defaultdict(set)
    for a, b in edges:
        adj[a].add(b)
        adj[b].add(a)
    # Sorted neighbour lists: a set of strings iterates in the order of
    # Python's per-process string hashing, which made runs differ.
    adj = collections.defaultdict(list, {v: sorted(ws) for v, ws in adj.items()})
    rng = random.Random(seed)
    seen, comps = set(), []
    for v in nodes:
        if v in seen:
            continue
        comp, todo = [], [v]
        seen.add(v)
        while todo:
            u = todo.pop()
            comp.append(u)
            for w in adj[u]:
                if w not in seen:
                    seen.add(w)
                    todo.append(w)
        comps.append(comp)
    target = test_fraction * len(nodes)
    order = comps[:]
    rng.shuffle(order)
    side = {v: 0 for v in nodes}
    filled = 0
    for c in order + sorted(order, key=len, reverse=True):
        if side[c[0]] == 1 or filled + len(c) > target + 0.5:
            continue
        for v in c:
            side[v] = 1
        filled += len(c)
    giant = max(comps, key=len)
    if filled < target - tolerance * len(nodes) and side[giant[0]] == 0:
        start = rng.choice(giant)
        todo, mark = collections.deque([start]), {start}
        while todo and filled < target:
            u = todo.popleft()
            side[u] = 1
            filled += 1
            for w in sorted(adj[u]):
                if w not in mark:
                    mark.add(w)
                    todo.append(w)
    kept = set(nodes)

    def across(v):
        return sum(1 for w in adj[v] if w in kept and side[w] != side[v])

    n_test = sum(side.values())
    for v in sorted(nodes):  # one pass of moves to the majority side
        a = across(v)
        same = sum(1 for w in adj[v] if w in kept) - a
        if a > same:
            nt = n_test + (1 if side[v] == 0 else -1)
            if abs(nt - test_fraction * len(kept)) <= tolerance * len(kept):
                side[v] = 1 - side[v]
                n_test = nt
    heap = [(-across(v), v) for v in nodes if across(v) > 0]
    heapq.heapify(heap)
    while heap:
        c, v = heapq.heappop(heap)
        if v not in kept:
            continue
        now = across(v)
        if now == 0:
            continue
        if now != -c:
            heapq.heappush(heap, (-now, v))
            continue
        kept.discard(v)
        for w in adj[v]:
            if w in kept and across(w) > 0:
                heapq.heappush(heap, (-across(w), w))
    return len(kept), sum(1 for v in kept if side[v] == 1)


def metis_cover_prototype(edges, nodes, seed, test_fraction=0.2, tolerance=0.02):
    """Issue 11's quick prototype, reproduced as the issue describes it: one
    METIS k-way cut of the whole graph into k = round(1 / test_fraction)
    parts (pymetis, PyPI), one part as test, and an exact minimum vertex
    cover of the cut edges between it and the rest removed (Konig's theorem:
    a maximum matching of the bipartite cut graph, scipy, then the cover read
    off the alternating paths from the unmatched test-side ends). Of the k
    choices of test part, the one that removes fewest while the test share
    stays within tolerance (when none does, the one that removes fewest).
    No refinement. Returns (kept, test, share within tolerance), or None
    when pymetis or scipy is missing."""
    try:
        import numpy as np
        import pymetis
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import maximum_bipartite_matching
    except ImportError:
        return None
    index = {v: i for i, v in enumerate(nodes)}
    adj = [[] for _ in nodes]
    for a, b in edges:
        adj[index[a]].append(index[b])
        adj[index[b]].append(index[a])
    k = round(1 / test_fraction)
    _, part = pymetis.part_graph(k, adjacency=adj, options=pymetis.Options(seed=seed))
    part = np.asarray(part)
    n, best = len(nodes), None
    for p in range(k):
        left = sorted({u for u in range(n) if part[u] == p for w in adj[u] if part[w] != p})
        right = sorted({w for u in left for w in adj[u] if part[w] != p})
        li = {u: i for i, u in enumerate(left)}
        ri = {w: i for i, w in enumerate(right)}
        rows, cols = [], []
        for u in left:
            for w in adj[u]:
                if part[w] != p:
                    rows.append(li[u])
                    cols.append(ri[w])
        cover_test = cover = 0
        if left:
            m = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(left), len(right)))
            match = maximum_bipartite_matching(m, perm_type="column")  # row -> column or -1
            by_col = {int(c): r for r, c in enumerate(match) if c >= 0}
            # Konig: Z = reachable from unmatched rows (any edge to a column,
            # the matching edge back); cover = rows not in Z + columns in Z.
            zr = {r for r in range(len(left)) if match[r] < 0}
            zc, todo = set(), list(zr)
            while todo:
                r = todo.pop()
                for c in m.indices[m.indptr[r]:m.indptr[r + 1]]:
                    if c not in zc:
                        zc.add(c)
                        r2 = by_col.get(int(c))
                        if r2 is not None and r2 not in zr:
                            zr.add(r2)
                            todo.append(r2)
            cover_test = len(left) - len(zr)
            cover = cover_test + len(zc)
            assert cover == int((match >= 0).sum())  # Konig: cover size = matching size
        kept = n - cover
        test = int((part == p).sum()) - cover_test
        fits = abs(test / kept - test_fraction) <= tolerance
        if best is None or (fits, kept) > (best[2], best[0]):
            best = (kept, test, fits)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cleave")
    ap.add_argument("--bench-large")
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--large-nodes", type=int, default=1_000_000)
    ap.add_argument("--large-edges", type=int, default=10_000_000)
    ap.add_argument("--skip-large", action="store_true")
    ap.add_argument("--strata-only", action="store_true",
                    help="print only the label-balance table")
    a = ap.parse_args()
    cleave = find_cleave(a.cleave)
    seeds = "42,44,46"
    if a.strata_only:
        with tempfile.TemporaryDirectory() as tmp:
            strata_table(cleave, a.data, tmp, seeds)
        return
    print("| set | samples | edges | largest component | partition kept (test share) | time | "
          "sweep p=1 kept | --compat-spectrae kept | GraphPart-style kept (test share) | "
          "METIS k-way + cover prototype kept (test share) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, path, gargs in sets(a.data, tmp):
            if not os.path.exists(path):
                print(f"| {name} | missing: {path} | | | | | | | | |")
                continue
            g = os.path.join(tmp, "g.cgr")
            run([cleave, "graph", "--quiet", "--input", path, "--out", g] + gargs)
            _, st = run([cleave, "stats", "--graph", g])
            info = dict(line.split(None, 1) for line in st.splitlines()
                        if line and line.split()[0] in ("nodes", "edges", "components"))
            n = int(info["nodes"])
            # "333 (largest 4213 nodes, ...)"
            giant = int(info["components"].split("largest", 1)[1].split()[0])
            dt, _ = run([cleave, "partition", "--quiet", "--graph", g, "--seeds", seeds,
                         "--out", os.path.join(tmp, "part")])
            cpu = last_cpu()
            pk, pt = kept_of(stats_rows(os.path.join(tmp, "part", "stats.tsv")))
            run([cleave, "split", "--quiet", "--graph", g, "--sp", "1", "--seeds", seeds,
                 "--out", os.path.join(tmp, "sw")])
            sk, _ = kept_of(stats_rows(os.path.join(tmp, "sw", "stats.tsv")))
            run([cleave, "split", "--quiet", "--graph", g, "--sp", "1", "--seeds", seeds,
                 "--compat-spectrae", "--out", os.path.join(tmp, "swc")])
            ck, _ = kept_of(stats_rows(os.path.join(tmp, "swc", "stats.tsv")))
            gp = proto = "skipped (over 1M edges)"
            if int(info["edges"]) <= 1_000_000:
                _, el = run([cleave, "edges", "--graph", g])
                with open(g + ".ids") as f:
                    ids = [line.rstrip("\n") for line in f]
                pairs = [tuple(line.split("\t")[:2]) for line in el.splitlines() if line]
                res = [graphpart_style(pairs, ids, seed=s) for s in (42, 44, 46)]
                gk = statistics.mean(k for k, _ in res)
                gt = statistics.mean(t / max(k, 1) for k, t in res)
                gp = f"{gk:.0f} = {100 * gk / n:.1f}% ({gt:.3f})"
                res = [metis_cover_prototype(pairs, ids, seed=s) for s in (42, 44, 46)]
                if any(r is None for r in res):
                    proto = "needs pymetis and scipy"
                else:
                    mk = statistics.mean(k for k, _, _ in res)
                    mt = statistics.mean(t / k for k, t, _ in res)
                    off = sum(1 for _, _, fits in res if not fits)
                    proto = f"{mk:.0f} = {100 * mk / n:.1f}% ({mt:.3f})" + (
                        f", share off in {off} of 3 seeds" if off else "")
            print(f"| {name} | {n} | {info['edges'].strip()} | {giant} = {100 * giant / n:.1f}% | "
                  f"{pk:.0f} = {100 * pk / n:.1f}% ({pt:.3f}) | {dt / 3:.2f} s/split "
                  f"({cpu / 3:.2f} CPU s) | {sk:.0f} = {100 * sk / n:.1f}% | "
                  f"{ck:.0f} = {100 * ck / n:.1f}% | {gp} | {proto} |")
            sys.stdout.flush()
        strata_table(cleave, a.data, tmp, seeds)
        if a.skip_large:
            return
        bl = a.bench_large or os.path.join(os.path.dirname(cleave), "..", "bench", "bench_large")
        if not os.access(bl, os.X_OK):
            print(f"\nbench_large not found ({bl}): large-graph timing skipped")
            return
        for model in ("er", "local"):
            g = os.path.join(tmp, f"large_{model}.cgr")
            run([bl, "--nodes", str(a.large_nodes), "--edges", str(a.large_edges), "--model",
                 model, "--seeds", "1", "--save", g])
            dt, _ = run([cleave, "partition", "--quiet", "--graph", g, "--seeds", "42",
                         "--out", os.path.join(tmp, "lp")])
            pk, pt = kept_of(stats_rows(os.path.join(tmp, "lp", "stats.tsv")))
            print(f"\nlarge graph ({model}, {a.large_nodes} nodes, {a.large_edges} edges drawn): "
                  f"cleave partition {dt:.1f} s wall (load + partition + write), kept "
                  f"{pk:.0f} = {100 * pk / a.large_nodes:.1f}%, test share {pt:.3f}")


if __name__ == "__main__":
    main()
