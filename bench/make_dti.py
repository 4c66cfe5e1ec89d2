#!/usr/bin/env python3
"""Generates a drug-target interaction set, and a protein-protein interaction
set, from real molecules and real proteins (`../shared/data` beside the checkout, or --data), for
bench_paired.py.

No PyPI package checked ships a drug-target affinity set inside its wheel or
sdist: datasail 1.4.0 (tool argument YAML only), DeepPurpose 0.1.5 (ESPF
sub-word vocabularies only) and PyTDC 1.1.15 (code only) all download their
data at run time, which this machine cannot. So the pairs are generated; the
entities are real.

Shape mimicked: KIBA (Tang et al. 2014, as used by DeepDTA): 2,111 drugs x
229 kinases with 118,254 measured pairs, about 24% of the matrix, with a
heavy tail on both sides (a few targets are measured against most drugs;
most drugs have a handful of pairs). Here:
  * targets: the Pfam Pkinase seed domains (38 kinases, the family KIBA and
    DAVIS are made of), 45 globins, 98 fibronectin type III domains and the
    first --other-targets records of the mmseqs2 example queries, so that the
    target graph has dense families and singletons;
  * drugs: the first --drugs parseable, distinct SMILES of NCI first-5K
    (diverse) and of BACE (one dense chemical series), half each;
  * pairs per target: a Zipf weight 1 / rank^0.9 (rank in a seeded shuffle);
  * pairs per drug: lognormal with median --median-pairs and sigma 1,
    clipped to [1, targets]; each drug picks that many distinct targets with
    probability proportional to the targets' weights;
  * label: a pKd-like number, 5 + drug effect + target effect + noise.
The PPI set: the same proteins as the targets (families and singletons; the
first 400 FLIP bind proteins have no pair at identity >= 0.3, so they would
test nothing), --ppi-pairs distinct unordered pairs whose two proteins are
drawn with Zipf weights (hubs, as in interactome screens), label 0/1.

Writes OUT/dti.csv (id,smiles,target,label; target = FASTA id),
OUT/targets.fasta, OUT/ppi.csv (id,protein_a,protein_b,label) and
OUT/ppi.fasta. Deterministic for a seed.
"""
import argparse
import csv
import math
import os
import random
import sys

from rdkit import Chem, RDLogger

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cleave_cli import read_fasta  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def smiles_of(path, n):
    out, seen = [], set()
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            s = row.get("smiles") or row.get("SMILES") or row.get("mol")
            if not s or s in seen or Chem.MolFromSmiles(s) is None:
                continue
            seen.add(s)
            out.append(s)
            if len(out) == n:
                break
    return out


def zipf_weights(n, rng, exponent=0.9):
    ranks = list(range(1, n + 1))
    rng.shuffle(ranks)
    return [1.0 / r ** exponent for r in ranks]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--drugs", type=int, default=800)
    ap.add_argument("--other-targets", type=int, default=60)
    ap.add_argument("--median-pairs", type=float, default=8)
    ap.add_argument("--ppi-pairs", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"),
                    help="the shared data folder (molecules/, proteins/)")
    args = ap.parse_args()
    RDLogger.DisableLog("rdApp.*")
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)

    prot = os.path.join(args.data, "proteins")
    targets = []
    for name, limit in (("pfam_Pkinase_seed_ungapped.fasta", None),
                        ("hmmer_globins45.fasta", None),
                        ("pfam_fn3_seed_ungapped.fasta", None),
                        ("mmseqs2_example_QUERY_minus_heldout.fasta", args.other_targets)):
        recs = read_fasta(os.path.join(prot, name))
        targets += recs[:limit] if limit else recs
    names = [f"T{k:03d}" for k in range(len(targets))]
    with open(os.path.join(args.out, "targets.fasta"), "w") as f:
        for n, (orig, seq) in zip(names, targets):
            f.write(f">{n} {orig}\n{seq}\n")

    mol = os.path.join(args.data, "molecules")
    half = args.drugs // 2
    drugs = smiles_of(os.path.join(mol, "rdkit_nci_first5k.csv"), args.drugs - half)
    drugs += [s for s in smiles_of(os.path.join(mol, "moleculenet_bace.csv"), half)
              if s not in set(drugs)]

    tw = zipf_weights(len(names), rng)
    t_effect = [rng.gauss(0, 0.8) for _ in names]
    rows = []
    for d, s in enumerate(drugs):
        k = int(round(math.exp(rng.gauss(math.log(args.median_pairs), 1.0))))
        k = max(1, min(len(names), k))
        chosen = set()
        while len(chosen) < k:
            chosen.add(rng.choices(range(len(names)), tw)[0])
        d_effect = rng.gauss(0, 0.8)
        for t in sorted(chosen):
            label = 5.0 + d_effect + t_effect[t] + rng.gauss(0, 0.5)
            rows.append((f"p{len(rows) + 1}", s, names[t], f"{label:.3f}"))
    with open(os.path.join(args.out, "dti.csv"), "w") as f:
        f.write("id,smiles,target,label\n")
        for r in rows:
            f.write(",".join(r) + "\n")

    ppi = [(n, seq) for n, (_, seq) in zip(names, targets)]
    with open(os.path.join(args.out, "ppi.fasta"), "w") as f:
        for n, seq in ppi:
            f.write(f">{n}\n{seq}\n")
    pw = zipf_weights(len(ppi), rng)
    seen, prow = set(), []
    while len(prow) < args.ppi_pairs:
        a, b = rng.choices(range(len(ppi)), pw, k=2)
        if a == b or (min(a, b), max(a, b)) in seen:
            continue
        seen.add((min(a, b), max(a, b)))
        prow.append((f"i{len(prow) + 1}", ppi[a][0], ppi[b][0], str(int(rng.random() < 0.5))))
    with open(os.path.join(args.out, "ppi.csv"), "w") as f:
        f.write("id,protein_a,protein_b,label\n")
        for r in prow:
            f.write(",".join(r) + "\n")

    per_t = {}
    per_d = {}
    for r in rows:
        per_t[r[2]] = per_t.get(r[2], 0) + 1
        per_d[r[1]] = per_d.get(r[1], 0) + 1
    pt, pd = sorted(per_t.values()), sorted(per_d.values())
    print(f"dti: {len(rows)} pairs, {len(drugs)} drugs, {len(per_t)} of {len(names)} targets "
          f"used; density {len(rows) / (len(drugs) * len(names)):.3f}; pairs per drug median "
          f"{pd[len(pd) // 2]} max {pd[-1]}; per target median {pt[len(pt) // 2]} max {pt[-1]}")
    print(f"ppi: {len(prow)} pairs over {len(ppi)} proteins")


if __name__ == "__main__":
    main()
