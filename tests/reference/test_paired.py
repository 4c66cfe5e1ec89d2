#!/usr/bin/python3
"""Cross-checks `cleave paired` (cold-drug, cold-target and cold-both
spectra of drug-target pairs) by brute force over every pair of pairs.

The pairs: the 46 real molecules of tests/data/cli_mols.csv, each with four
of 40 generated protein targets (8 families of 5, increasingly mutated).
Drug similarity is recomputed with RDKit (Morgan radius 2, 2048 bits,
Tanimoto); target identity comes from `cleave graph` on the targets alone
(checked against parasail by test_parasail.py). For every split folder:
  * train and test are disjoint and hold only known pair ids;
  * overlap_frac, overlap_maxsim and overlap_meansim of stats.tsv equal the
    brute-force values, where a pair's similarity to another is that of
    their drugs, their targets, or the larger of the two (1 for a shared
    entity, 0 below the threshold);
  * at p = 1 no test pair has a train neighbour on the cold side(s).
Exits 77 (skip) when RDKit is missing.
"""
import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile

try:
    from rdkit import Chem, DataStructs
    from rdkit.Chem import rdFingerprintGenerator
except ImportError:
    print("RDKit is not importable by this python: skipping")
    sys.exit(77)

DRUG_T, TARGET_T = 0.4, 0.3


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def run(cmd):
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        fail(f"{' '.join(cmd)} exited {res.returncode}\n{res.stderr}")
    return res.stdout


def make_pairs(tests, path):
    rng = random.Random(3)
    with open(os.path.join(tests, "data", "cli_mols.csv"), newline="") as f:
        mols = [r["smiles"] for r in csv.DictReader(f)]
    aa = "ACDEFGHIKLMNPQRSTVWY"
    targets = []
    for _ in range(8):
        root = "".join(rng.choice(aa) for _ in range(80))
        for m in range(5):
            targets.append("".join(c if rng.random() > 0.17 * m else rng.choice(aa) for c in root))
    rows = []
    for s in mols:
        for t in rng.sample(range(len(targets)), 4):
            rows.append((f"p{len(rows) + 1}", s, targets[t]))
    with open(path, "w") as f:
        f.write("id,smiles,target\n")
        for r in rows:
            f.write(",".join(r) + "\n")
    return rows


def target_similarity(cleave, rows, tmp):
    seqs = sorted({r[2] for r in rows})
    fasta = os.path.join(tmp, "targets.fasta")
    with open(fasta, "w") as f:
        for k, s in enumerate(seqs):
            f.write(f">t{k}\n{s}\n")
    g = os.path.join(tmp, "targets.cgr")
    run([cleave, "graph", "--quiet", "--input", fasta, "--threshold", str(TARGET_T),
         "--exhaustive", "--out", g])
    sim = {}
    for line in run([cleave, "edges", "--graph", g]).splitlines():
        a, b, w = line.split("\t")
        sa, sb = seqs[int(a[1:])], seqs[int(b[1:])]
        sim[(sa, sb)] = sim[(sb, sa)] = float(w)
    return lambda x, y: 1.0 if x == y else sim.get((x, y), 0.0)


def drug_similarity(rows):
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    fps = {s: gen.GetFingerprint(Chem.MolFromSmiles(s)) for s in {r[1] for r in rows}}

    def sim(x, y):
        if x == y:
            return 1.0
        v = DataStructs.TanimotoSimilarity(fps[x], fps[y])
        return v if v >= DRUG_T else 0.0
    return sim


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cleave", required=True)
    ap.add_argument("--data")
    ap.add_argument("--tests", required=True)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = os.path.join(tmp, "dti.csv")
        rows = make_pairs(args.tests, csv_path)
        by_id = {r[0]: r for r in rows}
        sd, st = drug_similarity(rows), target_similarity(args.cleave, rows, tmp)
        checked = 0
        for cold in ("drug", "target", "both"):
            out = os.path.join(tmp, cold)
            run([args.cleave, "paired", "--quiet", "--input", csv_path, "--cold", cold,
                 "--sp", "0,0.5,1", "--seeds", "1,2", "--exhaustive", "--out", out])
            with open(os.path.join(out, "stats.tsv")) as f:
                stats = list(csv.DictReader(f, delimiter="\t"))
            for s in stats:
                if s["valid"] != "1":
                    continue
                d = os.path.join(out, f"sp_{s['sp']}_r{s['repeat']}")
                train = open(os.path.join(d, "train.txt")).read().split()
                test = open(os.path.join(d, "test.txt")).read().split()
                if set(train) & set(test):
                    fail(f"{d}: train and test share pairs")
                if not set(train + test) <= by_id.keys():
                    fail(f"{d}: unknown pair ids")

                def sim(p, q):
                    a, b = by_id[p], by_id[q]
                    x = sd(a[1], b[1]) if cold != "target" else 0.0
                    y = st(a[2], b[2]) if cold != "drug" else 0.0
                    return max(x, y)
                touching, sum_max, sum_all = 0, 0.0, 0.0
                for p in test:
                    m = 0.0
                    for q in train:
                        v = sim(p, q)
                        m = max(m, v)
                        sum_all += v
                    touching += m > 0
                    sum_max += m
                want = (touching / len(test), sum_max / len(test),
                        sum_all / (len(test) * len(train)))
                got = (float(s["overlap_frac"]), float(s["overlap_maxsim"]),
                       float(s["overlap_meansim"]))
                for name, w, g in zip(("frac", "maxsim", "meansim"), want, got):
                    if abs(w - g) > 2e-6:
                        fail(f"cold {cold} {d}: overlap_{name} {g} != brute force {w:.6f}")
                if s["sp"] == "1.00" and touching:
                    fail(f"cold {cold} {d}: p = 1 but {touching} test pairs have a train neighbour")
                checked += 1
        if checked < 12:
            fail(f"only {checked} valid splits were checked")
        print(f"paired: {checked} splits equal brute force")


if __name__ == "__main__":
    main()
