#!/usr/bin/env python3
"""Generate protein or DNA families with realistic similarity structure.

Each family starts from a root: a real sequence taken from --seeds (FASTA)
while unused ones remain, afterwards a sequence drawn residue by residue
from the seeds' composition with a real length. Members are added one at a
time, each copied from a random earlier member of its family and evolved
along a branch: every site is substituted with probability d (d drawn
uniformly from [--min-div, --max-div] per branch), the new residue drawn
from the BLOSUM62 target distribution given the old one (proteins:
q(b | a) proportional to p(b) exp(lambda * s(a, b)), lambda = 0.3176, the
ungapped lambda of BLOSUM62; DNA: transitions twice as likely as each
transversion), and indels open at rate d / 10 per site with geometric
lengths (mean 3). Family sizes follow a Zipf-like law; a share of the
output (--singletons) is roots without relatives. The same --seed gives
the same file.

    bench/gen_families.py --seeds ../shared/data/proteins/flip_conservation_pdb_minus_heldout.fasta \\
        --n 20000 --out gen20k.fasta
    bench/gen_families.py --alphabet dna --seeds ../shared/data/dna/vsearch_BioMarKs_top5000_18S_V4.fasta \\
        --n 100000 --out dna100k.fasta

Needs numpy. Writes ids fam<F>_<k> (root k = 0) so a reader can tell
families apart.
"""
import argparse
import gzip
import math
import sys

import numpy as np

PROTEIN = "ARNDCQEGHILKMFPSTWYV"
DNA = "ACGT"
# BLOSUM62 over PROTEIN order (the 20 standard residues).
B62 = """
 4 -1 -2 -2  0 -1 -1  0 -2 -1 -1 -1 -1 -2 -1  1  0 -3 -2  0
-1  5  0 -2 -3  1  0 -2  0 -3 -2  2 -1 -3 -2 -1 -1 -3 -2 -3
-2  0  6  1 -3  0  0  0  1 -3 -3  0 -2 -3 -2  1  0 -4 -2 -3
-2 -2  1  6 -3  0  2 -1 -1 -3 -4 -1 -3 -3 -1  0 -1 -4 -3 -3
 0 -3 -3 -3  9 -3 -4 -3 -3 -1 -1 -3 -1 -2 -3 -1 -1 -2 -2 -1
-1  1  0  0 -3  5  2 -2  0 -3 -2  1  0 -3 -1  0 -1 -2 -1 -2
-1  0  0  2 -4  2  5 -2  0 -3 -3  1 -2 -3 -1  0 -1 -3 -2 -2
 0 -2  0 -1 -3 -2 -2  6 -2 -4 -4 -2 -3 -3 -2  0 -2 -2 -3 -3
-2  0  1 -1 -3  0  0 -2  8 -3 -3 -1 -2 -1 -2 -1 -2 -2  2 -3
-1 -3 -3 -3 -1 -3 -3 -4 -3  4  2 -3  1  0 -3 -2 -1 -3 -1  3
-1 -2 -3 -4 -1 -2 -3 -4 -3  2  4 -2  2  0 -3 -2 -1 -2 -1  1
-1  2  0 -1 -3  1  1 -2 -1 -3 -2  5 -1 -3 -1  0 -1 -3 -2 -2
-1 -1 -2 -3 -1  0 -2 -3 -2  1  2 -1  5  0 -2 -1 -1 -1 -1  1
-2 -3 -3 -3 -2 -3 -3 -3 -1  0  0 -3  0  6 -4 -2 -2  1  3 -1
-1 -2 -2 -1 -3 -1 -1 -2 -2 -3 -3 -1 -2 -4  7 -1 -1 -4 -3 -2
 1 -1  1  0 -1  0  0  0 -1 -2 -2  0 -1 -2 -1  4  1 -3 -2 -2
 0 -1  0 -1 -1 -1 -1 -2 -2 -1 -1 -1 -1 -2 -1  1  5 -2 -2  0
-3 -3 -4 -4 -2 -2 -3 -2 -2 -3 -2 -3 -1  1 -4 -3 -2 11  2 -3
-2 -2 -2 -3 -2 -1 -2 -3  2 -1 -1 -2 -1  3 -3 -2 -2  2  7 -1
 0 -3 -3 -3 -1 -2 -2 -3 -3  3  1 -2  1 -1 -2 -2  0 -3 -1  4
"""


def read_fasta(path, letters):
    opener = gzip.open if path.endswith(".gz") else open
    seqs, cur = [], []
    with opener(path, "rt") as f:
        for line in f:
            if line.startswith(">"):
                if cur:
                    seqs.append("".join(cur))
                cur = []
            else:
                cur.append(line.strip().upper())
    if cur:
        seqs.append("".join(cur))
    index = {c: k for k, c in enumerate(letters)}
    out = []
    for s in seqs:
        codes = [index[c] for c in s if c in index]
        if len(codes) >= 20:
            out.append(np.array(codes, dtype=np.int8))
    if not out:
        sys.exit("gen_families: no usable sequence in %s" % path)
    return out


def substitution_table(letters, background):
    n = len(letters)
    if n == 20:
        s = np.array(B62.split(), dtype=float).reshape(20, 20)
        q = background[None, :] * np.exp(0.3176 * s)
    else:  # DNA: A C G T, transitions A<->G and C<->T
        q = np.ones((4, 4))
        for a, b in ((0, 2), (2, 0), (1, 3), (3, 1)):
            q[a, b] = 2.0
    np.fill_diagonal(q, 0.0)  # a substitution changes the residue
    q /= q.sum(axis=1, keepdims=True)
    return np.cumsum(q, axis=1)


def evolve(parent, d, cum, background_cum, rng):
    child = parent.copy()
    sub = rng.random(len(child)) < d
    if sub.any():
        rows = cum[child[sub]]
        child[sub] = (rng.random(sub.sum())[:, None] >= rows).sum(axis=1).astype(np.int8)
    # Indels: at rate d / 10 per site, half insertions, geometric lengths.
    n_events = rng.poisson(len(child) * d / 10.0)
    for _ in range(n_events):
        length = int(rng.geometric(1.0 / 3.0))
        at = int(rng.integers(0, len(child) + 1))
        if rng.random() < 0.5:
            ins = np.searchsorted(background_cum, rng.random(length)).astype(np.int8)
            child = np.concatenate([child[:at], ins, child[at:]])
        elif len(child) > length + 20:
            child = np.concatenate([child[:at], child[at + length:]])
    return child


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", required=True, help="FASTA of real sequences (roots, composition)")
    ap.add_argument("--alphabet", choices=("protein", "dna"), default="protein")
    ap.add_argument("--n", type=int, required=True, help="sequences to write")
    ap.add_argument("--out", required=True)
    ap.add_argument("--mean-family", type=float, default=8.0, help="mean family size")
    ap.add_argument("--singletons", type=float, default=0.3, help="share of roots without relatives")
    ap.add_argument("--min-div", type=float, default=0.02, help="least substitution rate per branch")
    ap.add_argument("--max-div", type=float, default=0.55, help="largest substitution rate per branch")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    letters = PROTEIN if a.alphabet == "protein" else DNA
    rng = np.random.default_rng(a.seed)
    seeds = read_fasta(a.seeds, letters)
    rng.shuffle(seeds)
    counts = np.bincount(np.concatenate(seeds), minlength=len(letters)).astype(float)
    background = counts / counts.sum()
    background_cum = np.cumsum(background)
    cum = substitution_table(letters, background)
    lengths = np.array([len(s) for s in seeds])
    written = 0
    family = 0
    next_seed = 0
    with open(a.out, "w") as f:
        while written < a.n:
            if next_seed < len(seeds):
                root = seeds[next_seed]
                next_seed += 1
            else:
                length = int(rng.choice(lengths))
                root = np.searchsorted(background_cum, rng.random(length)).astype(np.int8)
            if rng.random() < a.singletons:
                size = 1
            else:  # Zipf-like sizes with the requested mean, at least 2
                size = 2 + int(rng.zipf(1.8)) % max(2, int(2 * a.mean_family))
            members = [root]
            for _ in range(1, size):
                parent = members[int(rng.integers(0, len(members)))]
                d = rng.uniform(a.min_div, a.max_div)
                members.append(evolve(parent, d, cum, background_cum, rng))
            for k, m in enumerate(members):
                if written == a.n:
                    break
                seq = "".join(letters[c] for c in m)
                f.write(">fam%d_%d\n" % (family, k))
                for x in range(0, len(seq), 80):
                    f.write(seq[x:x + 80] + "\n")
                written += 1
            family += 1
    print("gen_families: %d sequences in %d families -> %s" % (written, family, a.out))


if __name__ == "__main__":
    main()
