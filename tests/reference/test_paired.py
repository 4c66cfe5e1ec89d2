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
The same for the min-cut partitions (--method partition, ov_0.00_r<k>/):
every split has zero overlap. Sweeps and partitions give the same files
with 1 and 2 threads.

Protein-protein pairs (--pairs protein-protein): 60 generated proteins (12
families of 5) in one FASTA, 180 pairs between them. For cold one and both,
sweep and partition, every split is checked against brute force over
protein identities from `cleave graph`: the test classes of Park & Marcotte
(2012), with "seen" meaning a train pair holds the protein or one similar to
it (C1 both seen, C2 one, C3 neither): at p = 1 and in every partition, cold
both has only C3 test pairs and cold one no C1; train pairs never hold a
protein of a C3 side; the overlap columns equal their brute-force values.
Bad input (an id not in the FASTA, a missing column, a drug-target cold side)
exits non-zero naming the file and line.
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


def run_fails(cmd, *needles):
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode == 0:
        fail(f"{' '.join(cmd)} succeeded on bad input")
    for n in needles:
        if n not in res.stderr:
            fail(f"{' '.join(cmd)}: '{n}' not in the error: {res.stderr.strip()}")


def read_splits(out):
    """(stats row, folder, train ids, test ids, cold) of every valid split."""
    with open(os.path.join(out, "stats.tsv")) as f:
        stats = list(csv.DictReader(f, delimiter="\t"))
    res = []
    for s in stats:
        if s["valid"] != "1":
            continue
        key, prefix = ("sp", "sp") if "sp" in s else ("target", "ov")
        d = os.path.join(out, f"{prefix}_{s[key]}_r{s['repeat']}")
        train = open(os.path.join(d, "train.txt")).read().split()
        test = open(os.path.join(d, "test.txt")).read().split()
        if set(train) & set(test):
            fail(f"{d}: train and test share pairs")
        # Cold splits: p = 1 of the sweep, every zero-overlap partition.
        cold = s[key] == ("1.00" if key == "sp" else "0.00")
        res.append((s, d, train, test, cold))
    return res



def made_splits(cmd, method, out, what, known):
    """Runs a `cleave paired` command (SPECTRA sweeps at p = 0, 0.5, 1) on
    2 and on 1 thread, requires the same files, three valid partitions and
    known pair ids; returns the splits."""
    if method == "spectra":
        cmd = cmd + ["--sp", "0,0.5,1"]
    run(cmd + ["--threads", "2", "--out", out])
    run(cmd + ["--threads", "1", "--out", out + "_t1"])
    same_files(out, out + "_t1")
    splits = read_splits(out)
    if method == "partition" and len(splits) < 3:
        fail(f"{what}: {len(splits)} of 3 partitions are valid")
    for s, d, train, test, cold_split in splits:
        if not set(train + test) <= known:
            fail(f"{d}: unknown pair ids")
        # Partitions meet the test fraction (0.2 +- 0.02, the defaults) on
        # the pairs, not only on the entities (one pair of slack for sets
        # this small).
        share = len(test) / len(train + test)
        if method == "partition" and abs(share - 0.2) > 0.02 + 1 / len(train + test):
            fail(f"{d}: test share of the pairs {share:.3f}, asked 0.2 +- 0.02")
    return splits

def check_overlap(d, s, want):
    got = (float(s["overlap_frac"]), float(s["overlap_maxsim"]), float(s["overlap_meansim"]))
    for name, w, g in zip(("frac", "maxsim", "meansim"), want, got):
        if abs(w - g) > 2e-6:
            fail(f"{d}: overlap_{name} {g} != brute force {w:.6f}")


def same_files(a, b):
    for root, _, files in os.walk(a):
        for name in files:
            if name == "manifest.json":
                continue
            pa = os.path.join(root, name)
            pb = os.path.join(b, os.path.relpath(pa, a))
            if not os.path.exists(pb) or open(pa).read() != open(pb).read():
                fail(f"{pa} differs between 1 and 2 threads")


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
            for method in ("spectra", "partition"):
                out = os.path.join(tmp, f"{cold}_{method}")
                # Cold drug builds no target graph: alignment options are refused there.
                align = [] if cold == "drug" else ["--exhaustive"]
                cmd = [args.cleave, "paired", "--quiet", "--input", csv_path, "--cold", cold,
                       "--seeds", "1,2,3", "--method", method] + align
                splits = made_splits(cmd, method, out, f"cold {cold}", by_id.keys())
                for s, d, train, test, cold_split in splits:

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
                    check_overlap(f"cold {cold} {d}", s,
                                  (touching / len(test), sum_max / len(test),
                                   sum_all / (len(test) * len(train))))
                    if cold_split and touching:
                        fail(f"cold {cold} {d}: {touching} test pairs have a train neighbour")
                    checked += 1
        if checked < 21:
            fail(f"only {checked} valid splits were checked")
        # An option for the target graph does nothing with cold drug: refused.
        for opt in (["--target-threshold", "0.5"], ["--sensitivity", "7"], ["--exhaustive"]):
            run_fails([args.cleave, "paired", "--quiet", "--input", csv_path, "--cold", "drug",
                       "--out", os.path.join(tmp, "refused")] + opt,
                      f"option {opt[0]}", "--cold drug")
            if os.path.exists(os.path.join(tmp, "refused")):
                fail(f"cold drug with {opt[0]}: an output folder was left behind")
        print(f"paired: {checked} drug-target splits equal brute force, "
              "target-graph options refused with cold drug")
        check_protein_pairs(args.cleave, tmp)


def make_protein_pairs(tmp):
    rng = random.Random(5)
    aa = "ACDEFGHIKLMNPQRSTVWY"
    proteins = []
    for _ in range(12):
        root = "".join(rng.choice(aa) for _ in range(70))
        for m in range(5):
            proteins.append("".join(c if rng.random() > 0.16 * m else rng.choice(aa)
                                    for c in root))
    names = [f"P{k:03d}" for k in range(len(proteins))]
    fasta = os.path.join(tmp, "ppi.fasta")
    with open(fasta, "w") as f:
        for n, p in zip(names, proteins):
            f.write(f">{n}\n{p}\n")
    # Skewed: a few hub proteins take many pairs, as in interactome screens.
    weights = [8 if k % 11 == 0 else 1 for k in range(len(names))]
    rows, seen = [], set()
    while len(rows) < 180:
        a, b = rng.choices(names, weights)[0], rng.choices(names, weights)[0]
        if (a, b) in seen or (b, a) in seen:
            continue
        seen.add((a, b))
        rows.append((f"x{len(rows) + 1}", a, b, str(rng.randint(0, 1))))
    path = os.path.join(tmp, "ppi.csv")
    with open(path, "w") as f:
        f.write("id,protein_a,protein_b,label\n")
        for r in rows:
            f.write(",".join(r) + "\n")
    return path, fasta, names, rows


def check_protein_pairs(cleave, tmp):
    path, fasta, names, rows = make_protein_pairs(tmp)
    by_id = {r[0]: r for r in rows}
    g = os.path.join(tmp, "ppi.cgr")
    run([cleave, "graph", "--quiet", "--input", fasta, "--threshold", str(TARGET_T),
         "--exhaustive", "--out", g])
    sim = {}
    for line in run([cleave, "edges", "--graph", g]).splitlines():
        a, b, w = line.split("\t")
        sim[(a, b)] = sim[(b, a)] = float(w)

    def ps(x, y):
        return 1.0 if x == y else sim.get((x, y), 0.0)
    checked = 0
    classes_seen = set()
    for cold in ("one", "both"):
        for method in ("spectra", "partition"):
            out = os.path.join(tmp, f"ppi_{cold}_{method}")
            cmd = [cleave, "paired", "--quiet", "--pairs", "protein-protein", "--input", path,
                   "--fasta", fasta, "--cold", cold, "--exhaustive", "--seeds", "1,2,3",
                   "--method", method]
            splits = made_splits(cmd, method, out, f"ppi cold {cold}", by_id.keys())
            for s, d, train, test, cold_split in splits:
                train_proteins = {x for q in train for x in by_id[q][1:3]}

                def best(x):
                    return max((ps(x, y) for y in train_proteins), default=0.0)
                touching, sum_max, sum_all = 0, 0.0, 0.0
                classes = [0, 0, 0]  # test pairs in C1, C2, C3
                for p in test:
                    a, b = by_id[p][1:3]
                    ba, bb = best(a), best(b)
                    classes[(ba == 0) + (bb == 0)] += 1
                    m = max(ba, bb) if cold == "both" else min(ba, bb)
                    touching += m > 0
                    sum_max += m
                    for q in train:
                        c, e = by_id[q][1:3]
                        sa, sb = max(ps(a, c), ps(a, e)), max(ps(b, c), ps(b, e))
                        sum_all += max(sa, sb) if cold == "both" else min(sa, sb)
                check_overlap(f"ppi cold {cold} {d}", s,
                              (touching / len(test), sum_max / len(test),
                               sum_all / (len(test) * len(train))))
                if cold_split:
                    if cold == "both" and classes[2] != len(test):
                        fail(f"{d}: cold both, but test classes C1/C2/C3 = {classes}")
                    if cold == "one" and classes[0]:
                        fail(f"{d}: cold one, but {classes[0]} test pairs are C1")
                    classes_seen.update(k for k in range(3) if classes[k])
                checked += 1
    if checked < 14 or classes_seen != {1, 2}:
        fail(f"protein pairs: {checked} splits checked, test classes seen {classes_seen}")
    # Bad input: file and line in the error, non-zero exit.
    bad = os.path.join(tmp, "bad.csv")
    with open(bad, "w") as f:
        f.write("id,protein_a,protein_b\nx1,P000,P001\nx2,P002,NOPE\n")
    base = [cleave, "paired", "--quiet", "--pairs", "protein-protein", "--fasta", fasta,
            "--out", os.path.join(tmp, "bad_out")]
    run_fails(base + ["--input", bad], f"{bad}:3:", "NOPE")
    with open(bad, "w") as f:
        f.write("id,protein_a,other\nx1,P000,P001\n")
    run_fails(base + ["--input", bad], f"{bad}:1:", "protein_b")
    run_fails(base + ["--input", path, "--cold", "drug"], "one or both")
    run_fails(base + ["--input", path, "--method", "partition", "--sp", "1"], "--sp")
    print(f"paired: {checked} protein-protein splits equal brute force (classes C2, C3 seen), "
          "bad input refused")


if __name__ == "__main__":
    main()
