#!/usr/bin/env python3
"""All-pairs Tanimoto on real molecules: cleave's CPU kernel vs chemfp and
RDKit, per core, on the same fingerprints.

Input: the first N molecules (default 50,000) of the MOSES test set (ZINC
clean leads; Polykovskiy et al. 2020, MIT), taken from the `molsets` wheel
on PyPI. cleave turns them into Morgan fingerprints (radius 2) once, as an
FPS file; every tool then reads that file, so all work on identical bits.

- cleave: `cleave graph --input F.fps --threshold T --threads 1`, wall
  clock of the whole command (FPS parsing, all n(n-1)/2 pairs with the
  histogram of every pair's similarity, the graph written).
- chemfp 1.6.1 (PyPI; its Python layer is Python 2 only, so its C library
  is built here and driven by chemfp_driver.c): (a) `raw`, the first Q
  fingerprints against all, no popcount pruning, i.e. its all-pairs rate;
  (b) `nxn`, what `simsearch --NxN --threshold T` does (sort by popcount,
  symmetric threshold search with the popcount bound, which skips pairs).
- RDKit: DataStructs.BulkTanimotoSimilarity, each of the first R rows
  against all later ones, plus the threshold test in Python, as users write it.

All single-threaded (cleave also with 2 threads as an extra row). Prints
pairs/s for each and the ratio of cleave's to each.
"""
import argparse
import glob
import gzip
import os
import subprocess
import sys
import tarfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cleave_cli as cc  # noqa: E402


def pip_download(spec, dest, binary):
    """Downloads one distribution with pip (no dependencies); returns its path."""
    os.makedirs(dest, exist_ok=True)
    name = spec.split("==")[0]
    found = glob.glob(os.path.join(dest, name + "-*"))
    if found:
        return found[0]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-d", dest, spec]
    cmd += ["--only-binary=:all:"] if binary else ["--no-binary=:all:"]
    subprocess.run(cmd, check=True, capture_output=True)
    return glob.glob(os.path.join(dest, name + "-*"))[0]


def moses_csv(workdir, n):
    """The first n SMILES of the MOSES test set as an id,smiles CSV."""
    out = os.path.join(workdir, f"moses_test_{n}.csv")
    if os.path.exists(out):
        return out
    wheel = pip_download("molsets==0.3.1", os.path.join(workdir, "pip"), binary=True)
    with zipfile.ZipFile(wheel) as z:
        raw = gzip.decompress(z.read("moses/dataset/data/test.csv.gz")).decode().splitlines()
    assert raw[0].strip() == "SMILES", raw[0]
    smiles = raw[1:n + 1]
    with open(out + ".tmp", "w") as f:
        f.write("id,smiles\n")
        for i, s in enumerate(smiles):
            f.write(f"moses_{i},{s.strip()}\n")
    os.replace(out + ".tmp", out)
    return out


def build_chemfp_driver(workdir):
    """chemfp 1.6.1's C library (from its PyPI sdist) + chemfp_driver.c."""
    exe = os.path.join(workdir, "chemfp_driver")
    if os.path.exists(exe):
        return exe
    sdist = pip_download("chemfp==1.6.1", os.path.join(workdir, "pip"), binary=False)
    with tarfile.open(sdist) as t:
        t.extractall(workdir)  # a PyPI sdist pinned by version
    src = os.path.join(workdir, "chemfp-1.6.1", "src")
    files = ["bitops.c", "chemfp.c", "heapq.c", "searches.c", "fps.c", "popcount_SSSE3.c",
             "popcount_gillies.c", "popcount_lauradoux.c", "popcount_lut.c", "popcount_popcnt.c",
             "hits.c", "select_popcount.c"]
    # chemfp's own flags for gcc (its setup.py), without OpenMP: one core.
    subprocess.run(["gcc", "-O3", "-mssse3", "-w", "-I", src, "-o", exe,
                    os.path.join(HERE, "chemfp_driver.c")] + [os.path.join(src, f) for f in files]
                   + ["-lm"], check=True)
    return exe


def chemfp(exe, fps, mode, arg):
    out = subprocess.run([exe, fps, mode, str(arg)], check=True, capture_output=True,
                         text=True).stdout.split()
    return {"n": int(out[1]), "pairs": int(out[2]), "s": float(out[3]), "hits": int(out[4]),
            "methods": out[5]}


def rdkit_rate(fps, rows, threshold):
    """BulkTanimotoSimilarity over the first `rows` rows against all later
    rows. Returns (pairs, seconds with the threshold test in Python, seconds
    inside BulkTanimotoSimilarity alone, hits)."""
    from rdkit import DataStructs
    vecs = []
    with open(fps) as f:
        for line in f:
            if not line.startswith("#"):
                vecs.append(DataStructs.CreateFromFPSText(line.split("\t", 1)[0]))
    pairs = hits = 0
    bulk = 0.0
    t0 = time.perf_counter()
    for i in range(min(rows, len(vecs) - 1)):
        b0 = time.perf_counter()
        sims = DataStructs.BulkTanimotoSimilarity(vecs[i], vecs[i + 1:])
        bulk += time.perf_counter() - b0
        pairs += len(sims)
        hits += sum(1 for s in sims if s >= threshold)
    return pairs, time.perf_counter() - t0, bulk, hits


def graph_edges(cleave, graph):
    out = subprocess.run([cleave, "stats", "--graph", graph], check=True, capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] == "edges":
            return int(parts[1])
    raise SystemExit(f"no edge count in `cleave stats {graph}`:\n{out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cleave", help="cleave binary (default: $CLEAVE or a build folder)")
    ap.add_argument("--n", type=int, default=50000, help="molecules [50000]")
    ap.add_argument("--nbits", default="1024,2048", help="fingerprint sizes [1024,2048]")
    ap.add_argument("--threshold", type=float, default=0.55, help="edge threshold [0.55]")
    ap.add_argument("--chemfp-queries", type=int, default=5000,
                    help="queries of chemfp's raw all-pairs run [5000]")
    ap.add_argument("--rdkit-rows", type=int, default=1500, help="rows RDKit runs [1500]")
    ap.add_argument("--workdir", default=os.path.join(HERE, "work", "fingerprints"))
    a = ap.parse_args()
    cleave = cc.find_cleave(a.cleave)
    os.makedirs(a.workdir, exist_ok=True)
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    csv_path = moses_csv(a.workdir, a.n)
    driver = build_chemfp_driver(a.workdir)

    for nbits in [int(b) for b in a.nbits.split(",")]:
        fps = os.path.join(a.workdir, f"moses_{a.n}_{nbits}.fps")
        if not os.path.exists(fps):
            cc.run([cleave, "fingerprints", "--input", csv_path, "--nbits", str(nbits),
                    "--out", fps, "--quiet"])
        n = sum(1 for line in open(fps) if not line.startswith("#"))
        all_pairs = n * (n - 1) // 2
        rows = []  # (tool, pairs, seconds, hits or None)
        graph = os.path.join(a.workdir, f"cleave_{nbits}.cgr")
        for threads in (1, 2):
            env = dict(os.environ, OMP_WAIT_POLICY="passive")
            w = cc.run([cleave, "graph", "--input", fps, "--threshold", str(a.threshold),
                        "--threads", str(threads), "--quiet", "--out", graph], env=env)
            rows.append((f"cleave graph, {threads} thread{'s' if threads > 1 else ''}",
                         all_pairs, w, graph_edges(cleave, graph)))
        raw = chemfp(driver, fps, "raw", a.chemfp_queries)
        rows.append((f"chemfp 1.6.1 all pairs ({raw['pairs'] // n} queries x all)", raw["pairs"],
                     raw["s"], None))
        nxn = chemfp(driver, fps, "nxn", a.threshold)
        rows.append(("chemfp 1.6.1 NxN threshold search (popcount-pruned)", nxn["pairs"],
                     nxn["s"], nxn["hits"]))
        rp, rs, rbulk, _ = rdkit_rate(fps, a.rdkit_rows, a.threshold)
        rows.append((f"RDKit BulkTanimotoSimilarity + threshold in Python ({a.rdkit_rows} rows x"
                     " later rows)", rp, rs, None))
        rows.append(("RDKit BulkTanimotoSimilarity calls alone (same rows)", rp, rbulk, None))

        cleave_rate = rows[0][1] / rows[0][2]
        print(f"\n{n} MOSES molecules, Morgan radius 2, {nbits} bits, Tanimoto >= {a.threshold};"
              f" {all_pairs:,} pairs. chemfp popcount methods: {raw['methods']}")
        print("| tool | pairs | s | M pairs/s | edges | cleave (1 thread) / tool |")
        print("|---|---:|---:|---:|---:|---:|")
        for tool, pairs, s, hits in rows:
            rate = pairs / s
            print(f"| {tool} | {pairs:,} | {s:.2f} | {rate / 1e6:.1f} | "
                  f"{'' if hits is None else f'{hits:,}'} | {cleave_rate / rate:.2f} |")
    print(f"\nload average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
