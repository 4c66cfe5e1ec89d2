#!/usr/bin/env python3
"""Writes a synthetic amyloid-like deep mutational scan in the CSV format
cleave reads for DMS (`mutant,mutated_sequence,DMS_score`, as the ProteinGym
files and ../shared/data/dms/GB1_Wu_2016_FLIP_subset.csv).

Shape modelled on Seuma et al. 2021/2022 ("The genetic landscape for amyloid
beta fibril nucleation...", eLife 10:e63364; ProteinGym A4_HUMAN_Seuma_2022):
about 14,500 variants of the 42-residue Abeta42 peptide, single and double
amino-acid substitutions from a library made with doped oligonucleotides.
The real file is not available offline, so the distribution below is an
assumption, stated so it can be checked against the real set:

* wild type: Abeta42 (DAEFRHDSGYEVHHQKLVFFAEDVGSNKGAIIGLMVGGVVIA);
* variant count `--n` (default 14,479) of which `--singles` (default 700,
  about 5%; at most 42 x 19 = 798 exist) are single substitutions and the
  rest double substitutions at two distinct positions chosen uniformly;
* substitutions: a doped library changes single nucleotides of one codon
  most often, so an amino acid one nucleotide away from the wild-type codon
  (a fixed codon per residue, below) is drawn with weight 1 and any other
  with weight `--far-weight` (default 0.1, two or three nucleotide changes);
  stop codons are left out (a nucleation selection removes them);
* DMS_score: an additive model (a normal effect per substitution, summed,
  plus normal noise), only so that the column exists; partitioning ignores it.

Everything comes from one seeded random generator (`--seed`, default 11), so
the file is the same on every run.

Usage: gen_dms.py [--out FILE] [--n N] [--singles S] [--far-weight W] [--seed K]
"""
import argparse
import random

WT = "DAEFRHDSGYEVHHQKLVFFAEDVGSNKGAIIGLMVGGVVIA"
AA = "ACDEFGHIKLMNPQRSTVWY"
# One common codon per amino acid (E. coli / yeast usage); the wild-type
# codon decides which substitutions are one nucleotide away.
CODON = {"A": "GCT", "C": "TGT", "D": "GAT", "E": "GAA", "F": "TTT", "G": "GGT", "H": "CAT",
         "I": "ATT", "K": "AAA", "L": "TTG", "M": "ATG", "N": "AAT", "P": "CCA", "Q": "CAA",
         "R": "AGA", "S": "TCT", "T": "ACT", "V": "GTT", "W": "TGG", "Y": "TAT"}
BASES = "TCAG"
CODE = {}
_aas = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"
for i, c in enumerate(a + b + c for a in BASES for b in BASES for c in BASES):
    CODE[c] = _aas[i]


def near(aa):
    """Amino acids one nucleotide change away from aa's codon."""
    out = set()
    cod = CODON[aa]
    for i in range(3):
        for b in BASES:
            if b != cod[i]:
                m = CODE[cod[:i] + b + cod[i + 1:]]
                if m not in ("*", aa):
                    out.add(m)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="abeta_like_dms.csv")
    ap.add_argument("--n", type=int, default=14479)
    ap.add_argument("--singles", type=int, default=700)
    ap.add_argument("--far-weight", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=11)
    a = ap.parse_args()
    assert len(WT) == 42
    if not 0 <= a.singles <= 42 * 19 or a.singles > a.n:
        raise SystemExit(f"--singles must be in [0, min(798, n)], got {a.singles}")
    rng = random.Random(a.seed)
    subs = []  # per position: (amino acids, weights)
    for w in WT:
        close = near(w)
        aas = [x for x in AA if x != w]
        subs.append((aas, [1.0 if x in close else a.far_weight for x in aas]))

    def draw(pos):
        aas, wts = subs[pos]
        return f"{WT[pos]}{pos + 1}{rng.choices(aas, wts)[0]}"

    effect = {}
    seen, rows = set(), []
    while len(rows) < a.n:
        k = 1 if len(rows) < a.singles else 2
        pos = sorted(rng.sample(range(42), k))
        muts = [draw(p) for p in pos]
        name = ":".join(muts)
        if name in seen:
            continue
        seen.add(name)
        seq = list(WT)
        score = 0.0
        for m in muts:
            seq[int(m[1:-1]) - 1] = m[-1]
            if m not in effect:
                effect[m] = rng.gauss(-0.3, 0.8)
            score += effect[m]
        rows.append((name, "".join(seq), score + rng.gauss(0.0, 0.2)))
    with open(a.out, "w") as f:
        f.write("mutant,mutated_sequence,DMS_score\n")
        for name, seq, score in rows:
            f.write(f"{name},{seq},{score:.6f}\n")
    muts = {m for name, _, _ in rows for m in name.split(":")}
    print(f"{a.out}: {len(rows)} variants ({a.singles} single, {len(rows) - a.singles} double), "
          f"{len(muts)} distinct substitutions")


if __name__ == "__main__":
    main()
