"""cleave tutorial: a SPECTRA split spectrum of a small molecule set, a
nearest-neighbour baseline scored on every split, and its AUSPC.

Run from the repository root, or pass the dataset:
    python python/examples/tutorial.py [tests/data/cli_mols.csv]
"""
import csv
import sys
import tempfile

import numpy as np
import pandas as pd

import cleave

path = sys.argv[1] if len(sys.argv) > 1 else "tests/data/cli_mols.csv"
with open(path, newline="") as f:
    rows = list(csv.DictReader(f))
ids = [r["id"] for r in rows]
smiles = [r["smiles"] for r in rows]
y = np.array([float(r["label"]) for r in rows])

# 1. The overlap graph: Morgan fingerprints (radius 2, 2048 bits), an edge
#    between two molecules whose Tanimoto similarity is >= 0.3.
g = cleave.Graph.from_smiles(smiles, ids=ids, threshold=0.3)
u, v, w = g.edges()
print(g)
print(f"most similar pair: {g.ids[u[w.argmax()]]} ~ {g.ids[v[w.argmax()]]} ({w.max():.2f})")

# 2. The split spectrum: 21 spectral parameters x 3 seeds, as `cleave split`.
splits = cleave.spectra_splits(g)
frame = splits.to_frame()
print(frame[["sp", "repeat", "kept", "train", "test", "overlap_frac"]].iloc[::9])

# 3. A baseline on every split: predict a test molecule's label as the
#    similarity-weighted mean label of its train neighbours in the graph
#    (the train mean when it has none), scored by Spearman's rho.
neighbours = [[] for _ in range(g.n_nodes)]
for a, b, s in zip(u, v, w):
    neighbours[a].append((b, s))
    neighbours[b].append((a, s))

sp, scores = [], []
for s in splits:
    if not s.valid:
        continue
    in_train = np.zeros(g.n_nodes, bool)
    in_train[s.train] = True
    mean = y[s.train].mean()
    pred = []
    for t in s.test:
        near = [(j, x) for j, x in neighbours[t] if in_train[j]]
        pred.append(sum(y[j] * x for j, x in near) / sum(x for _, x in near) if near else mean)
    # Spearman's rho: the Pearson correlation of the ranks.
    rho = pd.Series(y[s.test]).rank().corr(pd.Series(pred).rank())
    if not np.isnan(rho):  # undefined when either side is constant
        sp.append(s.sp)
        scores.append(rho)

# 4. The area under the spectral performance curve.
print(f"AUSPC of the baseline (Spearman): {cleave.auspc(sp, scores):.3f} over {len(scores)} splits")

# 5. The same splits as files (stats.tsv, sp_<p>_r<k>/train.txt, test.txt),
#    and scikit-learn style.
with tempfile.TemporaryDirectory() as out:
    splits.write(out)
cv = cleave.SpectraSplit(threshold=0.3, sp=[0.0, 0.5, 1.0])
for train, test in cv.split(smiles):
    print(f"train {len(train):2d}  test {len(test):2d}")
