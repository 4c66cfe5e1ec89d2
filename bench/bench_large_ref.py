#!/usr/bin/env python3
"""spectrae at a size it can run, to put bench_large's numbers in context.

spectrae cannot run the 1M-node / 10M-edge sweep in any reasonable time (its
independent-set loop copies the networkx graph per split and draws each next
node with random.sample(list(G.nodes()), 1), which is O(n) per kept node), so
this measures it on smaller graphs of the same mean degree, made by
bench_large's own generator (--save) so both tools split the same graph, and
fits t = a * n^k through the sizes to give an EXTRAPOLATED time at the large
size. Every extrapolated number is labelled as such.
"""
import argparse
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cleave_cli as cc  # noqa: E402
import spectrae_ref as sr  # noqa: E402
from bench_sweep import edges_to_pairs  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--bench-large", default=os.path.join(cc.ROOT, "build-bench", "bench",
                                                           "bench_large"))
    ap.add_argument("--cleave", help="cleave binary (default: $CLEAVE or a build folder)")
    ap.add_argument("--sizes", default="5000,10000,20000", help="node counts (edges = 10 x nodes)")
    ap.add_argument("--target-nodes", type=int, default=1_000_000)
    ap.add_argument("--target-edges", type=int, default=10_000_000)
    ap.add_argument("--model", default="er", help="bench_large --model")
    ap.add_argument("--ps", default="0,0.5,1", help="p values spectrae runs (3 seeds each)")
    ap.add_argument("--max-spectrae-seconds", type=float, default=300.0,
                    help="per size: stop spectrae after this long")
    ap.add_argument("--workdir", default=os.path.join(cc.HERE, "work", "large_ref"))
    a = ap.parse_args()

    cleave = cc.find_cleave(a.cleave)
    ps = [float(x) for x in a.ps.split(",")]
    rows = []
    for n in [int(x) for x in a.sizes.split(",")]:
        m = 10 * n
        wd = os.path.join(a.workdir, f"n{n}")
        os.makedirs(wd, exist_ok=True)
        graph = os.path.join(wd, "g.cgr")
        cc.run([a.bench_large, "--nodes", str(n), "--edges", str(m), "--model", a.model,
                "--seeds", "1", "--save", graph])
        prefix = os.path.join(wd, "g")
        nodes, edges = edges_to_pairs(cleave, graph, prefix)
        spec = sr.run_sweep(os.path.join(wd, "spectrae"), nodes, os.path.abspath(prefix), ps=ps,
                            budget_s=a.max_spectrae_seconds)
        per_split = spec["sweep_s"] / (3 * len(spec["done"]))
        out = os.path.join(wd, "cleave")
        t_cleave, _ = cc.timed([cleave, "split", "--graph", graph, "--out", out, "--quiet",
                                "--compat-spectrae"], repeats=3, clean=out)
        rows.append((nodes, edges, spec, per_split, t_cleave / 63))  # cleave: median of 3

    print(f"# bench_large_ref: spectrae on {a.model} graphs of mean degree 20 "
          f"(bench_large --save), p in {ps}, seeds 42,44,46")
    print(f"# CPU: {cc.lscpu_model()}, {os.cpu_count()} cores")
    print(f"{'nodes':>9} {'edges':>10} {'spectrae graph s':>17} {'spectrae s/split':>17} "
          f"{'cleave s/split':>15} {'ratio':>8}")
    for nodes, edges, spec, per_split, c in rows:
        print(f"{nodes:9d} {edges:10d} {spec['load_s'] + spec['graph_s']:17.2f} "
              f"{per_split:17.3f} {c:15.5f} {per_split / c:8.0f}")
    if len(rows) >= 2:
        (n0, _, _, t0, _), (n1, _, _, t1, _) = rows[0], rows[-1]
        k = math.log(t1 / t0) / math.log(n1 / n0)
        est = t1 * (a.target_nodes / n1) ** k
        print(f"# fitted spectrae s/split ~ n^{k:.2f}; EXTRAPOLATED to {a.target_nodes} nodes / "
              f"{a.target_edges} edges: {est:.0f} s per split, {63 * est / 3600:.0f} h for 63 splits")


if __name__ == "__main__":
    main()
