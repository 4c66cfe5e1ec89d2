#!/usr/bin/python3
"""Cross-checks cleave's Morgan fingerprints and Tanimoto graph against RDKit.

For rdkit_cdk2.csv and moleculenet_esol.csv of the real data (--data:
../shared/data or tests/data/real):
  * `cleave fingerprints --input F --out X.fps` must give, for every molecule
    and in input order, exactly the on-bits of RDKit's
    AllChem.GetMorganFingerprintAsBitVect(mol, 2, nBits=2048) (decoded from
    the FPS hex as chemfp defines it: byte k = hex digits 2k, 2k+1 holds bits
    8k..8k+7) and the same hex as DataStructs.BitVectToFPSText.
  * Tanimoto values: DataStructs.BulkTanimotoSimilarity of the first 200
    molecules against all, computed on cleave's fingerprints, must equal the
    values on RDKit's own fingerprints bit for bit; and `cleave graph` at
    thresholds that occur exactly among those values must have exactly the
    edges RDKit's doubles give (sim >= t) among those pairs, each weight the
    float32 of RDKit's value.
Exits 77 (skip) when RDKit cannot be imported; missing data is a failure.
"""
import argparse
import csv
import os
import struct
import subprocess
import sys
import tempfile

try:
    from rdkit import Chem, DataStructs, RDLogger
    from rdkit.Chem import AllChem
except ImportError:
    print("RDKit is not importable by this python: skipping")
    sys.exit(77)

RDLogger.DisableLog("rdApp.*")

FILES = ["molecules/rdkit_cdk2.csv", "molecules/moleculenet_esol.csv"]
N_QUERY = 200


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def run(cmd):
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        fail(f"{' '.join(cmd)} exited {res.returncode}\n{res.stderr}")
    return res.stdout


def read_fps(path):
    n_bits = None
    rows = []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#"):
                if line.startswith("#num_bits="):
                    n_bits = int(line.split("=", 1)[1])
                continue
            hexs, ident = line.split("\t")[:2]
            rows.append((ident, hexs))
    return n_bits, rows


def on_bits_of_hex(hexs):
    bits = []
    for k in range(len(hexs) // 2):
        byte = int(hexs[2 * k:2 * k + 2], 16)
        bits.extend(8 * k + b for b in range(8) if byte >> b & 1)
    return bits


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def reference(path):
    ids, fps = [], []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            mol = Chem.MolFromSmiles(row["smiles"].strip())
            if mol is None:
                fail(f"{path}: RDKit cannot parse {row['smiles']!r}; choose parseable test data")
            ids.append(row["id"].strip())
            fps.append(AllChem.GetMorganFingerprintAsBitVect(mol, 2, nBits=2048))
    return ids, fps


def check_fingerprints(cleave, path, work):
    ids, ref = reference(path)
    out = os.path.join(work, "fp.fps")
    run([cleave, "fingerprints", "--input", path, "--out", out, "--quiet"])
    n_bits, rows = read_fps(out)
    if n_bits != 2048:
        fail(f"{path}: FPS num_bits {n_bits}, expected 2048")
    if [r[0] for r in rows] != ids:
        fail(f"{path}: ids differ from the input order")
    mine = []
    for (ident, hexs), fp in zip(rows, ref):
        want = list(fp.GetOnBits())
        got = on_bits_of_hex(hexs)
        if got != want:
            fail(f"{path}: {ident}: on-bits differ\n cleave {got}\n rdkit  {want}")
        if hexs != DataStructs.BitVectToFPSText(fp):
            fail(f"{path}: {ident}: FPS hex differs from RDKit's BitVectToFPSText")
        bv = DataStructs.ExplicitBitVect(2048)
        bv.SetBitsFromList(got)
        mine.append(bv)
    print(f"{os.path.basename(path)}: {len(rows)} fingerprints identical to RDKit")
    return ids, ref, mine


def check_similarities(cleave, path, work, ids, ref, mine):
    n = len(ref)
    q = min(N_QUERY, n)
    values = {}
    for i in range(q):
        want = DataStructs.BulkTanimotoSimilarity(ref[i], ref)
        got = DataStructs.BulkTanimotoSimilarity(mine[i], mine)
        if want != got:
            fail(f"{path}: Tanimoto of {ids[i]} against all differs")
        for j in range(n):
            if i < j or (j < q and j < i):
                values[(min(i, j), max(i, j))] = want[j]
    # Thresholds that occur exactly (ties must be edges), plus 0.4.
    present = sorted(v for v in set(values.values()) if 0.3 <= v < 1.0)
    thresholds = sorted({0.4, 0.5, present[len(present) // 2], present[len(present) // 4]})
    index = {ident: k for k, ident in enumerate(ids)}
    for t in thresholds:
        graph = os.path.join(work, "g.cgr")
        run([cleave, "graph", "--input", path, "--threshold", repr(t), "--out", graph, "--quiet"])
        edges = {}
        for line in run([cleave, "edges", "--graph", graph]).splitlines():
            a, b, w = line.split("\t")
            i, j = index[a], index[b]
            edges[(min(i, j), max(i, j))] = float(w)
        want = {p: v for p, v in values.items() if v >= t}
        got = {p: w for p, w in edges.items() if p in values}
        if set(want) != set(got):
            extra = sorted(set(got) - set(want))[:5]
            missing = sorted(set(want) - set(got))[:5]
            fail(f"{path} t={t!r}: edges differ; extra {extra} missing {missing}")
        for p, v in want.items():
            if f32(got[p]) != f32(v):
                fail(f"{path} t={t!r}: weight of {p} is {got[p]}, RDKit {v}")
        ties = sum(1 for v in want.values() if v == t)
        print(f"  threshold {t!r}: {len(want)} edges among the first {q} rows, {ties} exact ties")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cleave", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--tests", default="")
    args = ap.parse_args()
    paths = [os.path.join(args.data, f) for f in FILES]
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        print(f"FAIL: real data missing: {', '.join(missing)}")
        sys.exit(1)
    with tempfile.TemporaryDirectory() as work:
        for path in paths:
            ids, ref, mine = check_fingerprints(args.cleave, path, work)
            check_similarities(args.cleave, path, work, ids, ref, mine)
    print("OK")


if __name__ == "__main__":
    main()
