#!/usr/bin/env python3
"""Kept pairs per cold mode: `cleave paired` (SPECTRA sweep at p = 1 and the
min-cut partition) on the generated drug-target and protein-protein sets of
make_dti.py, and DataSAIL (Joeres et al., Nature Communications 2025) on the
same drug-target input when its package imports.

For every split, whoever made it, the leakage is recounted here by brute
force from the entity similarities (RDKit Tanimoto on Morgan radius 2, 2048
bits, at >= 0.4; target identity from `cleave graph` at >= 0.3): a test pair
leaks when its drug (cold drug), its target (cold target) or either (cold
both) is identical or similar to that of a train pair. cleave's splits must
show 0; DataSAIL's show what its cluster-based assignment leaves.

DataSAIL techniques compared: C1e (clusters of drugs to sides: cold drug),
C1f (cold target) and C2 (drug and target clusters both: cold both, pairs
across sides dropped). It gets the same similarity matrices (thresholded
as cleave's graphs) through its (names, matrix) interface, so no external
clustering tool is needed; its MILP runs on SCIP (pyscipopt) with
--datasail-sec seconds per problem.

Usage:
  python bench/make_dti.py --out bench/work/dti
  python bench/bench_paired.py --cleave build/src/cleave --data bench/work/dti \\
      [--datasail-python bench/work/ds-venv/bin/python]
CPU time = user + sys of /usr/bin/time -v.
"""
import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
from rdkit import Chem, DataStructs, RDLogger
from rdkit.Chem import rdFingerprintGenerator

DRUG_T, TARGET_T = 0.4, 0.3
SEEDS = "42,44,46"


def timed(cmd):
    res = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{res.stderr}")
    user = float(re.search(r"User time \(seconds\): ([\d.]+)", res.stderr).group(1))
    sys_ = float(re.search(r"System time \(seconds\): ([\d.]+)", res.stderr).group(1))
    return res.stdout, user + sys_


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def drug_sim_matrix(smiles):
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    fps = [gen.GetFingerprint(Chem.MolFromSmiles(s)) for s in smiles]
    m = np.array([DataStructs.BulkTanimotoSimilarity(fp, fps) for fp in fps])
    m[m < DRUG_T] = 0.0
    np.fill_diagonal(m, 1.0)
    return m


def seq_sim_matrix(cleave, fasta, names, tmp):
    g = os.path.join(tmp, os.path.basename(fasta) + ".cgr")
    subprocess.run([cleave, "graph", "--quiet", "--input", fasta, "--threshold", str(TARGET_T),
                    "--out", g], check=True, capture_output=True)
    out = subprocess.run([cleave, "edges", "--graph", g], check=True, capture_output=True,
                         text=True).stdout
    index = {n: k for k, n in enumerate(names)}
    m = np.eye(len(names))
    for line in out.splitlines():
        a, b, w = line.split("\t")
        if a in index and b in index:
            m[index[a], index[b]] = m[index[b], index[a]] = float(w)
    return m


def leaking(train, test, sides):
    """Test pairs with a train pair similar on any of the given sides.
    sides: list of (entity index per pair, similarity matrix)."""
    n = 0
    seen = [np.zeros(m.shape[0], bool) for _, m in sides]
    for (ent, _), s in zip(sides, seen):
        s[[ent[p] for p in train]] = True
    for p in test:
        if any(m[ent[p], s].any() for (ent, m), s in zip(sides, seen)):
            n += 1
    return n


def cleave_splits(out):
    res = []
    with open(os.path.join(out, "stats.tsv")) as f:
        for s in csv.DictReader(f, delimiter="\t"):
            if s["valid"] != "1":
                continue
            key, prefix = ("sp", "sp") if "sp" in s else ("target", "ov")
            d = os.path.join(out, f"{prefix}_{s[key]}_r{s['repeat']}")
            res.append((open(os.path.join(d, "train.txt")).read().split(),
                        open(os.path.join(d, "test.txt")).read().split()))
    return res


def summarise(name, splits, n_pairs, sides, cpu, idx):
    kept = [len(a) + len(b) for a, b in splits]
    test = [len(b) / max(1, len(a) + len(b)) for a, b in splits]
    leak = [int(leaking([idx[p] for p in a], [idx[p] for p in b], sides)) for a, b in splits]
    mean = sum(kept) / len(kept) if kept else 0
    empty = sum(1 for _, b in splits if not b)
    row = {"empty_test": empty, "split": name, "splits": len(splits), "kept_mean": mean,
           "kept_frac": mean / n_pairs, "kept_min": min(kept, default=0),
           "kept_max": max(kept, default=0),
           "test_frac": sum(test) / len(test) if test else 0,
           "leaking_test_pairs": sum(leak), "cpu_s": cpu}
    print(f"{name:34s} {len(splits):2d} splits  kept {mean:8.1f} ({100 * mean / n_pairs:5.1f}%)"
          f"  [{row['kept_min']}, {row['kept_max']}]  test {100 * row['test_frac']:4.1f}%"
          f"  leaking test pairs {sum(leak):5d}  cpu {cpu:6.2f} s"
          + (f"  (test side empty in {empty} of {len(splits)})" if empty else ""), flush=True)
    return row


DATASAIL_DRIVER = r"""
import json, sys, time
import numpy as np
from datasail.sail import datasail
spec = json.load(open(sys.argv[1]))
drugs, targets = spec["drugs"], spec["targets"]
dm, tm = np.load(spec["dm"]), np.load(spec["tm"])
inter = [tuple(x) for x in spec["inter"]]
out = {}
for tech in ("C1e", "C1f", "C2"):
    t0 = time.process_time()
    e, f, i = datasail(techniques=[tech], inter=inter, splits=[8, 2], names=["train", "test"],
                       runs=3, solver="SCIP", max_sec=spec["max_sec"], verbose="E",
                       e_type="M", e_data=dict(zip(drugs, spec["smiles"])),
                       e_sim=(drugs, dm), f_type="P", f_data=dict(zip(targets, spec["sequences"])),
                       f_sim=(targets, tm), epsilon=0.05, delta=0.05)
    runs = i.get(tech, [])
    out[tech] = {"cpu_in_process": time.process_time() - t0,
                 "runs": [[[a, b, s] for (a, b), s in r.items()] for r in runs]}
json.dump(out, open(sys.argv[2], "w"))
"""


def run_datasail(py, rows, drug_ids, smiles, tnames, tseqs, dm, tm, max_sec, tmp):
    np.save(os.path.join(tmp, "dm.npy"), dm)
    np.save(os.path.join(tmp, "tm.npy"), tm)
    spec = {"drugs": drug_ids, "smiles": smiles, "targets": tnames, "sequences": tseqs,
            "dm": os.path.join(tmp, "dm.npy"), "tm": os.path.join(tmp, "tm.npy"),
            "inter": [[r["_d"], r["target"]] for r in rows], "max_sec": max_sec}
    with open(os.path.join(tmp, "spec.json"), "w") as f:
        json.dump(spec, f)
    driver = os.path.join(tmp, "driver.py")
    with open(driver, "w") as f:
        f.write(DATASAIL_DRIVER)
    res = subprocess.run(["/usr/bin/time", "-v", py, driver, os.path.join(tmp, "spec.json"),
                          os.path.join(tmp, "ds.json")], capture_output=True, text=True)
    if res.returncode != 0:
        return None, res.stderr[-3000:]
    user = float(re.search(r"User time \(seconds\): ([\d.]+)", res.stderr).group(1))
    sys_ = float(re.search(r"System time \(seconds\): ([\d.]+)", res.stderr).group(1))
    return (json.load(open(os.path.join(tmp, "ds.json"))), user + sys_), None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cleave", required=True)
    ap.add_argument("--data", required=True, help="folder written by make_dti.py")
    ap.add_argument("--datasail-python", help="python that imports datasail")
    ap.add_argument("--datasail-sec", type=int, default=60)
    ap.add_argument("--json", help="write the table here")
    args = ap.parse_args()
    RDLogger.DisableLog("rdApp.*")
    rows = read_rows(os.path.join(args.data, "dti.csv"))
    smiles = sorted({r["smiles"] for r in rows})
    drug_of = {s: k for k, s in enumerate(smiles)}
    tnames, tseqs = [], []
    for line in open(os.path.join(args.data, "targets.fasta")):
        if line.startswith(">"):
            tnames.append(line[1:].split()[0])
            tseqs.append("")
        else:
            tseqs[-1] += line.strip()
    t_of = {n: k for k, n in enumerate(tnames)}
    for r in rows:
        r["_d"] = f"D{drug_of[r['smiles']]:04d}"
    idx = {r["id"]: k for k, r in enumerate(rows)}
    dent = [drug_of[r["smiles"]] for r in rows]
    tent = [t_of[r["target"]] for r in rows]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        dm = drug_sim_matrix(smiles)
        tm = seq_sim_matrix(args.cleave, os.path.join(args.data, "targets.fasta"), tnames, tmp)
        sides = {"drug": [(dent, dm)], "target": [(tent, tm)],
                 "both": [(dent, dm), (tent, tm)]}
        n = len(rows)
        print(f"drug-target: {n} pairs, {len(smiles)} drugs, {len(tnames)} targets; "
              f"drug edges {int((dm > 0).sum() - len(smiles)) // 2}, "
              f"target edges {int((tm > 0).sum() - len(tnames)) // 2}")
        for cold in ("drug", "target", "both"):
            for method in ("spectra", "partition"):
                out = os.path.join(tmp, f"{cold}_{method}")
                cmd = [args.cleave, "paired", "--quiet", "--threads", "2", "--input",
                       os.path.join(args.data, "dti.csv"), "--target-fasta",
                       os.path.join(args.data, "targets.fasta"), "--cold", cold,
                       "--method", method, "--seeds", SEEDS, "--out", out]
                if method == "spectra":
                    cmd += ["--sp", "1"]
                _, cpu = timed(cmd)
                results.append(summarise(f"cleave {method} cold {cold}", cleave_splits(out), n,
                                         sides[cold], cpu, idx))
        if args.datasail_python:
            ds, err = run_datasail(args.datasail_python, rows,
                                   [f"D{k:04d}" for k in range(len(smiles))], smiles, tnames,
                                   tseqs, dm, tm, args.datasail_sec, tmp)
            if ds is None:
                print("DataSAIL failed:\n" + err)
            else:
                ds, cpu = ds
                key = {f"{r['_d']}\t{r['target']}": r["id"] for r in rows}
                for tech, cold in (("C1e", "drug"), ("C1f", "target"), ("C2", "both")):
                    splits = []
                    for run in ds[tech]["runs"]:
                        tr = [key[f"{a}\t{b}"] for a, b, s in run if s == "train"]
                        te = [key[f"{a}\t{b}"] for a, b, s in run if s == "test"]
                        splits.append((tr, te))
                    results.append(summarise(f"datasail {tech} (cold {cold})", splits, n,
                                             sides[cold], ds[tech]["cpu_in_process"], idx))
                print(f"DataSAIL process CPU time, all three techniques: {cpu:.1f} s")

        # Protein-protein pairs.
        prow = read_rows(os.path.join(args.data, "ppi.csv"))
        pnames = [line[1:].split()[0] for line in open(os.path.join(args.data, "ppi.fasta"))
                  if line.startswith(">")]
        p_of = {x: k for k, x in enumerate(pnames)}
        pm = seq_sim_matrix(args.cleave, os.path.join(args.data, "ppi.fasta"), pnames, tmp)
        pidx = {r["id"]: k for k, r in enumerate(prow)}
        pa = [p_of[r["protein_a"]] for r in prow]
        pb = [p_of[r["protein_b"]] for r in prow]
        print(f"protein-protein: {len(prow)} pairs, {len(pnames)} proteins, "
              f"edges {int((pm > 0).sum() - len(pnames)) // 2}")
        for cold in ("one", "both"):
            for method in ("spectra", "partition"):
                out = os.path.join(tmp, f"ppi_{cold}_{method}")
                cmd = [args.cleave, "paired", "--quiet", "--threads", "2", "--pairs",
                       "protein-protein", "--input", os.path.join(args.data, "ppi.csv"),
                       "--fasta", os.path.join(args.data, "ppi.fasta"), "--cold", cold,
                       "--method", method, "--seeds", SEEDS, "--out", out]
                if method == "spectra":
                    cmd += ["--sp", "1"]
                _, cpu = timed(cmd)
                splits = cleave_splits(out)
                # Leakage for PPI: a test pair breaks cold one when both its
                # proteins are seen (C1), cold both when either is (C1, C2).
                bad = 0
                for tr, te in splits:
                    seen = np.zeros(len(pnames), bool)
                    for q in tr:
                        seen[pa[pidx[q]]] = seen[pb[pidx[q]]] = True
                    for q in te:
                        sa = pm[pa[pidx[q]], seen].any()
                        sb = pm[pb[pidx[q]], seen].any()
                        bad += (sa and sb) if cold == "one" else (sa or sb)
                kept = [len(a) + len(b) for a, b in splits]
                mean = sum(kept) / len(kept)
                tf = sum(len(b) / (len(a) + len(b)) for a, b in splits) / len(splits)
                print(f"{'cleave ' + method + ' ppi cold ' + cold:34s} {len(splits):2d} splits  "
                      f"kept {mean:8.1f} ({100 * mean / len(prow):5.1f}%)  [{min(kept)}, "
                      f"{max(kept)}]  test {100 * tf:4.1f}%  leaking test pairs {bad:5d}  "
                      f"cpu {cpu:6.2f} s", flush=True)
                results.append({"split": f"cleave {method} ppi cold {cold}", "kept_mean": mean,
                                "kept_frac": mean / len(prow), "test_frac": tf,
                                "leaking_test_pairs": int(bad), "cpu_s": cpu})
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
