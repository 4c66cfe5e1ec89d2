#!/usr/bin/env python3
"""End to end, SMILES to the 63-split sweep: spectrae's path vs cleave's.

spectrae's path, as a user of its molecule tutorial takes it: RDKit Morgan
fingerprints (radius 2, 2048 bits) in Python, all-pairs Tanimoto with
DataStructs.BulkTanimotoSimilarity, the pairs written in spectrae's
precalculated format (only the rows >= threshold, which favours spectrae:
its own pre_calculate_spectra_properties writes every pair), then
load_spectra_precalculated_spectra_properties, construct_spectra_graph and
generate_spectra_splits over p = 0, 0.05, ..., 1 with seeds 42, 44, 46.

cleave's path: `cleave graph` + `cleave split --compat-spectrae`, and
`cleave run` (graph, splits, baseline, report) on the same CSV.
"""
import csv
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cleave_cli as cc  # noqa: E402
import spectrae_ref as sr  # noqa: E402
from bench_sweep import molecule_bench_args  # noqa: E402


def spectrae_similarity(inp, threshold, prefix):
    """Fingerprints and all-pairs Tanimoto in Python/RDKit; writes the pairs.
    Returns (n, edges, wall seconds for fingerprints, similarity, writing,
    CPU seconds of all three)."""
    from rdkit import Chem, DataStructs, RDLogger
    # AllChem.GetMorganFingerprintAsBitVect is this function; importing it
    # directly avoids AllChem's numpy-compiled extras.
    from rdkit.Chem import rdMolDescriptors

    RDLogger.DisableLog("rdApp.*")
    c0 = time.process_time()
    t0 = time.perf_counter()
    fps = []
    with open(inp, newline="") as f:
        reader = csv.DictReader(f)
        col = next(c for c in reader.fieldnames if c.lower() == "smiles")
        for row in reader:
            mol = Chem.MolFromSmiles(row[col])
            if mol is not None:
                fps.append(rdMolDescriptors.GetMorganFingerprintAsBitVect(mol, 2, nBits=2048))
    t_fp = time.perf_counter() - t0

    t0 = time.perf_counter()
    rows = []
    for i in range(len(fps) - 1):
        sims = DataStructs.BulkTanimotoSimilarity(fps[i], fps[i + 1:])
        for k, s in enumerate(sims):
            if s >= threshold:
                rows.append((i, i + 1 + k, s))
    t_sim = time.perf_counter() - t0

    t0 = time.perf_counter()
    sr.write_pairs(prefix + "_precalculated_spectra_properties", rows)
    t_write = time.perf_counter() - t0
    return len(fps), len(rows), t_fp, t_sim, t_write, time.process_time() - c0


def main():
    a, cleave, inp = molecule_bench_args(__doc__, "end_to_end", 3)
    prefix = os.path.abspath(os.path.join(a.workdir, "mols"))

    n, m, t_fp, t_sim, t_write, c_sim = spectrae_similarity(inp, a.threshold, prefix)
    spec = sr.run_sweep(os.path.join(a.workdir, "spectrae"), n, prefix,
                        budget_s=a.max_spectrae_seconds)
    spec_sweep, spec_label = sr.sweep_estimate(spec)
    spec_sweep_cpu, _ = sr.sweep_estimate(spec, "sweep_cpu_s")
    spec_total = t_fp + t_sim + t_write + spec["load_s"] + spec["graph_s"] + spec_sweep
    # spectrae's graph building is single-threaded Python: its CPU time is its wall time.
    spec_total_cpu = c_sim + spec["load_s"] + spec["graph_s"] + spec_sweep_cpu

    thr = ["--threads", str(a.threads)]
    graph = os.path.join(a.workdir, "cleave.cgr")
    t_graph, c_graph = cc.timed([cleave, "graph", "--input", inp, "--threshold", str(a.threshold),
                           "--out", graph, "--quiet"] + thr, repeats=a.repeats)
    split_out = os.path.join(a.workdir, "cleave_split")
    t_split, c_split = cc.timed([cleave, "split", "--graph", graph, "--out", split_out, "--quiet",
                           "--compat-spectrae"] + thr, repeats=a.repeats, clean=split_out)
    run_out = os.path.join(a.workdir, "cleave_run")
    t_run, c_run = cc.timed([cleave, "run", "--input", inp, "--threshold", str(a.threshold),
                         "--out", run_out, "--quiet", "--compat-spectrae"] + thr,
                        repeats=a.repeats, clean=run_out)
    t_pipe = t_graph + t_split
    c_pipe = c_graph + c_split

    print(f"# bench_end_to_end: {inp}, Tanimoto >= {a.threshold}; {n} molecules parsed by "
          f"RDKit, {m} edges (spectrae graph: {spec['graph_nodes']} nodes, "
          f"{spec['graph_edges']} edges)")
    print(f"# CPU: {cc.lscpu_model()}, {os.cpu_count()} cores; 1-min load average at the end "
          f"{os.getloadavg()[0]:.1f} (machine shared); {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"# spectrae sweep: {spec_label}; cleave: median of {a.repeats} runs")
    print()
    print(f"{'stage':60} {'wall s':>9} {'CPU s':>9}")
    print(f"{'spectrae: RDKit Morgan fingerprints (Python)':60} {t_fp:9.3f}")
    print(f"{'spectrae: BulkTanimotoSimilarity, all pairs':60} {t_sim:9.3f}")
    print(f"{'spectrae: write precalculated pairs':60} {t_write:9.3f} {c_sim:9.3f}")
    print(f"{'spectrae: load pairs + construct_spectra_graph':60} "
          f"{spec['load_s'] + spec['graph_s']:9.3f}")
    print(f"{'spectrae: generate_spectra_splits, 63 splits':60} {spec_sweep:9.3f} "
          f"{spec_sweep_cpu:9.3f}")
    print(f"{'spectrae: total':60} {spec_total:9.3f} {spec_total_cpu:9.3f}")
    print(f"{'cleave graph':60} {t_graph:9.3f} {c_graph:9.3f}")
    print(f"{'cleave split --compat-spectrae':60} {t_split:9.3f} {c_split:9.3f}")
    print(f"{'cleave graph + split: total':60} {t_pipe:9.3f} {c_pipe:9.3f}")
    print(f"{'cleave run --compat-spectrae (+ baseline, report)':60} {t_run:9.3f} {c_run:9.3f}")
    print()
    print(f"{'ratio (spectrae / cleave)':60} {'wall x':>9} {'CPU x':>9}")
    print(f"{'end to end: vs cleave graph + split':60} {spec_total / t_pipe:9.1f} "
          f"{spec_total_cpu / c_pipe:9.1f}")
    print(f"{'end to end: vs cleave run':60} {spec_total / t_run:9.1f} "
          f"{spec_total_cpu / c_run:9.1f}")
    print(f"{'similarity stage: fingerprints+pairs+write vs cleave graph':60} "
          f"{(t_fp + t_sim + t_write) / t_graph:9.1f} {c_sim / c_graph:9.1f}")
    print(f"{'goal: end to end >= 100x (wall, graph + split)':60} "
          f"{'MET' if spec_total / t_pipe >= 100 else 'NOT MET':>9}")


if __name__ == "__main__":
    main()
