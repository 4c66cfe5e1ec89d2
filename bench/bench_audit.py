#!/usr/bin/env python3
"""Audit of a random 80/20 split: `cleave audit` against RDKit's
BulkTanimotoSimilarity doing the same (the largest Tanimoto similarity of
every test molecule to any train molecule), on the same Morgan fingerprints
(radius 2, 2048 bits) in the same run, with the per-molecule maxima compared.

The molecule set: every SMILES of the shared molecule sets (../shared/data/
molecules, about 9,800 real molecules), topped up to --n with analogues made
by RDKit: a real molecule with one hydrogen replaced by a methyl, hydroxyl,
amino, fluoro or chloro group, the way a medicinal chemistry series grows.
Both tools read the same fingerprints (cleave from an FPS file RDKit wrote).

Usage (with /usr/bin/python3, which sees Debian's RDKit):
  bench_audit.py [--cleave BIN] [--data DIR] [--n 40000] [--threads 2]
Prints one Markdown table (the format of bench/RESULTS.md).
"""
import argparse
import csv
import glob
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cleave_cli import ROOT, find_cleave, run  # noqa: E402

try:
    from rdkit import Chem, DataStructs, RDLogger
    from rdkit.Chem import rdFingerprintGenerator
except ImportError:
    raise SystemExit("RDKit is needed: run with /usr/bin/python3 (Debian python3-rdkit)")

RDLogger.DisableLog("rdApp.*")
GROUPS = ["C", "O", "N", "F", "Cl"]


def real_smiles(data):
    out = []
    for path in sorted(glob.glob(os.path.join(data, "molecules", "*.csv"))):
        with open(path, newline="") as f:
            rows = csv.DictReader(f)
            col = next((c for c in rows.fieldnames if c.lower() in ("smiles", "canonical_smiles",
                                                                     "mol")), None)
            if col is None:
                continue
            out += [r[col] for r in rows if r[col]]
    return out


def analogue(mol, rng):
    """mol with one hydrogen-bearing atom given a substituent, or None."""
    sites = [a.GetIdx() for a in mol.GetAtoms() if a.GetTotalNumHs() > 0]
    if not sites:
        return None
    rw = Chem.RWMol(mol)
    new = rw.AddAtom(Chem.Atom(Chem.Atom(GROUPS[rng.randrange(len(GROUPS))]).GetAtomicNum()))
    rw.AddBond(rng.choice(sites), new, Chem.BondType.SINGLE)
    try:
        m = rw.GetMol()
        Chem.SanitizeMol(m)
        return m
    except Exception:
        return None


def molecule_set(data, n, seed):
    rng = random.Random(seed)
    mols, seen = [], set()
    for s in real_smiles(data):
        m = Chem.MolFromSmiles(s)
        if m is None:
            continue
        key = Chem.MolToSmiles(m)
        if key not in seen:
            seen.add(key)
            mols.append(m)
    base = list(mols)
    while len(mols) < n:
        m = analogue(base[rng.randrange(len(base))], rng)
        if m is None:
            continue
        key = Chem.MolToSmiles(m)
        if key not in seen:
            seen.add(key)
            mols.append(m)
    return mols[:n]


def write_fps(path, fps):
    with open(path, "w") as f:
        f.write("#FPS1\n#num_bits=2048\n")
        for i, fp in enumerate(fps):
            f.write(f"{DataStructs.BitVectToFPSText(fp)}\tm{i}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cleave")
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--n", type=int, default=40000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    cleave = find_cleave(args.cleave)

    t0 = time.perf_counter()
    mols = molecule_set(args.data, args.n, args.seed)
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    fps = [gen.GetFingerprint(m) for m in mols]
    prep = time.perf_counter() - t0
    rng = random.Random(args.seed)
    order = list(range(len(fps)))
    rng.shuffle(order)
    n_test = len(order) // 5
    test, train = sorted(order[:n_test]), sorted(order[n_test:])

    with tempfile.TemporaryDirectory() as tmp:
        fps_path = os.path.join(tmp, "set.fps")
        write_fps(fps_path, fps)
        split = os.path.join(tmp, "split")
        os.makedirs(split)
        for name, idx in (("train", train), ("test", test)):
            with open(os.path.join(split, f"{name}.txt"), "w") as f:
                f.writelines(f"m{i}\n" for i in idx)

        # RDKit: one BulkTanimotoSimilarity per test molecule (single-threaded).
        train_fps = [fps[i] for i in train]
        t0 = time.perf_counter()
        rd_max = {}
        for i in test:
            rd_max[i] = max(DataStructs.BulkTanimotoSimilarity(fps[i], train_fps))
        t_rdkit = time.perf_counter() - t0

        times = {}
        for threads in sorted({1, args.threads}):
            out = os.path.join(tmp, f"audit{threads}")
            times[threads] = run([cleave, "audit", "--quiet", "--input", fps_path, "--split", split,
                                  "--threads", str(threads), "--out", out])
        with open(os.path.join(tmp, f"audit{args.threads}", "nearest.tsv")) as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
        worst = max(abs(float(r["max_similarity"]) - rd_max[int(r["id"][1:])]) for r in rows)
        agree = len(rows) == len(test) and worst <= 5e-7

    print(f"Molecules: {len(fps)} ({args.n - min(args.n, 9800)}+ generated analogues), "
          f"{len(train)} train x {len(test)} test = {len(train) * len(test):,} pairs; "
          f"set made in {prep:.0f} s")
    print()
    print("| tool | threads | wall s | pairs/s | speed-up vs RDKit |")
    print("|---|---|---|---|---|")
    pairs = len(train) * len(test)
    print(f"| RDKit BulkTanimotoSimilarity | 1 | {t_rdkit:.1f} | {pairs / t_rdkit:.3g} | 1.0x |")
    for threads, t in times.items():
        print(f"| cleave audit | {threads} | {t:.1f} | {pairs / t:.3g} | {t_rdkit / t:.1f}x |")
    print()
    print(f"Max similarity per test molecule: {'equal' if agree else 'DIFFERENT'} "
          f"(largest difference {worst:.2g}, cleave prints 6 decimals)")
    if not agree:
        sys.exit(1)


if __name__ == "__main__":
    main()
