#!/usr/bin/env python3
"""Split stage: spectrae's 63-split sweep vs `cleave split`, on the same graph.

The graph is built once by `cleave graph` (RDKit Morgan r=2, 2048 bits,
Tanimoto >= threshold); its edges go to spectrae as a precalculated pairs file
(node indices, edge rows only), so both tools split the very same graph.
Prints the times, the ratios and, per p, the mean kept sample count of both
tools (three seeds each), which should agree in --compat-spectrae mode.
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cleave_cli as cc  # noqa: E402
import spectrae_ref as sr  # noqa: E402

DEFAULT_INPUT = os.path.normpath(
    os.path.join(cc.HERE, "..", "..", "shared", "data", "molecules", "rdkit_nci_first5k.csv"))
FALLBACK_SMI = "/usr/share/RDKit/Data/NCI/first_5K.smi"


def resolve_input(path, workdir):
    """The CSV to use; converts RDKit's NCI .smi (smiles<TAB>id) when the
    shared CSV is missing."""
    if os.path.exists(path):
        return path
    if path != DEFAULT_INPUT or not os.path.exists(FALLBACK_SMI):
        raise SystemExit(f"input not found: {path}")
    out = os.path.join(workdir, "nci_first5k.csv")
    with open(FALLBACK_SMI) as f, open(out, "w") as g:
        g.write("id,smiles\n")
        for line in f:
            parts = line.split()
            if len(parts) >= 2:
                g.write(f"NCI_{parts[1]},{parts[0]}\n")
    return out


def edges_to_pairs(cleave, graph, prefix):
    """cleave edges -> spectrae's precalculated file with 0-based indices."""
    with open(graph + ".ids") as f:
        index = {line.rstrip("\n"): k for k, line in enumerate(f)}
    tsv = prefix + ".edges.tsv"
    cc.run(["sh", "-c", f"'{cleave}' edges --graph '{graph}' > '{tsv}'"])
    rows = []
    with open(tsv) as f:
        for line in f:
            a, b, v = line.rstrip("\n").split("\t")
            rows.append((index[a], index[b], v))
    sr.write_pairs(prefix + "_precalculated_spectra_properties", rows)
    return len(index), len(rows)


def mean(xs):
    return statistics.fmean(xs) if xs else float("nan")


def molecule_bench_args(description, workdir_name, repeats):
    """The options both molecule benchmarks take; returns (args, cleave binary, input CSV)."""
    ap = argparse.ArgumentParser(description=description,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--input", default=DEFAULT_INPUT, help="CSV id,smiles[,label]")
    ap.add_argument("--threshold", type=float, default=0.4, help="Tanimoto edge threshold")
    ap.add_argument("--cleave", help="cleave binary (default: $CLEAVE or a build folder)")
    ap.add_argument("--workdir", default=os.path.join(cc.HERE, "work", workdir_name))
    ap.add_argument("--threads", type=int, default=0, help="cleave threads (0 = all cores)")
    ap.add_argument("--repeats", type=int, default=repeats,
                    help="cleave timings: median of this many")
    ap.add_argument("--max-spectrae-seconds", type=float, default=900.0,
                    help="stop spectrae's sweep after this long and extrapolate (labelled)")
    a = ap.parse_args()
    cleave = cc.find_cleave(a.cleave)
    os.makedirs(a.workdir, exist_ok=True)
    return a, cleave, resolve_input(a.input, a.workdir)


def main():
    a, cleave, inp = molecule_bench_args(__doc__, "sweep", 5)
    graph = os.path.join(a.workdir, "mols.cgr")
    prefix = os.path.join(a.workdir, "mols")

    t_graph = cc.run([cleave, "graph", "--input", inp, "--threshold", str(a.threshold),
                      "--out", graph, "--threads", str(a.threads)])
    n, m = edges_to_pairs(cleave, graph, prefix)

    spec = sr.run_sweep(os.path.join(a.workdir, "spectrae"), n, os.path.abspath(prefix),
                        budget_s=a.max_spectrae_seconds)
    spec_sweep, spec_label = sr.sweep_estimate(spec)
    spec_total = spec["load_s"] + spec["graph_s"] + spec_sweep

    thr = ["--threads", str(a.threads)]
    runs = {}
    variants = [
        ("cleave split --compat-spectrae", ["--compat-spectrae"] + thr, None),
        ("cleave split --compat-spectrae --threads 1", ["--compat-spectrae", "--threads", "1"], None),
        ("cleave split --compat-spectrae, OMP_WAIT_POLICY=passive", ["--compat-spectrae"] + thr,
         dict(os.environ, OMP_WAIT_POLICY="passive")),
        ("cleave split (default semantics)", thr, None),
    ]
    for k, (label, extra, env) in enumerate(variants):
        out = os.path.join(a.workdir, f"cleave_{k}")
        wall, cpu = cc.timed([cleave, "split", "--graph", graph, "--out", out, "--quiet"] + extra,
                             repeats=a.repeats, clean=out, env=env)
        runs[label] = (wall, cpu, out)
    spec_cpu, _ = sr.sweep_estimate(spec, "sweep_cpu_s")

    print(f"# bench_sweep: {inp}, Tanimoto >= {a.threshold}, {n} molecules, {m} edges; "
          f"spectrae graph {spec['graph_nodes']} nodes / {spec['graph_edges']} edges")
    print(f"# CPU: {cc.lscpu_model()}, {os.cpu_count()} cores; 1-min load average at the end "
          f"{os.getloadavg()[0]:.1f} (machine shared); {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"# cleave graph (SMILES -> graph, for reference): {t_graph:.2f} s")
    print(f"# spectrae sweep: {spec_label}; p values run: {len(spec['done'])}")
    print("# wall = elapsed seconds (cleave: median of --repeats runs of the whole command,")
    print("# process start, graph load and writing 63 split folders included); CPU = user+sys")
    print()
    print(f"{'tool':60} {'wall s':>9} {'CPU s':>9} {'splits/s':>9}")
    print(f"{'spectrae load pairs (pandas)':60} {spec['load_s']:9.3f}")
    print(f"{'spectrae construct_spectra_graph (networkx)':60} {spec['graph_s']:9.3f}")
    print(f"{'spectrae generate_spectra_splits, 63 splits':60} {spec_sweep:9.3f} "
          f"{spec_cpu:9.3f} {63 / spec_sweep:9.3f}")
    for label, (wall, cpu, _) in runs.items():
        print(f"{label:60} {wall:9.3f} {cpu:9.3f} {63 / wall:9.1f}")
    print()
    compat_w, compat_c, _ = runs["cleave split --compat-spectrae"]
    default_w, default_c, _ = runs["cleave split (default semantics)"]
    ratio_w = spec_sweep / compat_w
    print(f"{'ratio (spectrae / cleave)':60} {'wall x':>9} {'CPU x':>9}")
    print(f"{'split stage: sweep vs cleave split --compat-spectrae':60} {ratio_w:9.0f} "
          f"{spec_cpu / compat_c:9.0f}")
    print(f"{'split stage incl. spectrae graph load vs --compat-spectrae':60} "
          f"{spec_total / compat_w:9.0f}")
    print(f"{'split stage: sweep vs cleave split (default semantics)':60} "
          f"{spec_sweep / default_w:9.0f} {spec_cpu / default_c:9.0f}")
    print(f"{'goal: split stage >= 1000x (wall)':60} {'MET' if ratio_w >= 1000 else 'NOT MET':>9}")
    print()

    st_c = cc.read_stats(runs["cleave split --compat-spectrae"][2])
    st_d = cc.read_stats(runs["cleave split (default semantics)"][2])
    print("mean kept samples over seeds 42,44,46 (spectrae, cleave --compat-spectrae, "
          "cleave default); sd = spread across seeds")
    print(f"{'p':>5} {'spectrae':>10} {'sd':>7} {'cleave-compat':>14} {'sd':>7} "
          f"{'diff':>7} {'cleave-default':>15}")
    worst = 0.0
    for p in spec["done"]:
        ks = [spec["kept"][(p, r)] for r in range(3)]
        kc = [cc.kept(st_c, p, r) for r in range(3)]
        kd = [cc.kept(st_d, p, r) for r in range(3)]
        diff = mean(kc) - mean(ks)
        sd = max(statistics.pstdev(ks), statistics.pstdev(kc), 1.0)
        worst = max(worst, abs(diff) / sd)
        print(f"{p:5.2f} {mean(ks):10.1f} {statistics.pstdev(ks):7.1f} {mean(kc):14.1f} "
              f"{statistics.pstdev(kc):7.1f} {diff:+7.1f} {mean(kd):15.1f}")
    print(f"# largest |mean difference| / seed spread: {worst:.1f}")


if __name__ == "__main__":
    main()
