#!/usr/bin/env python3
"""Sequence identity of `cleave graph --format fasta` against parasail.

For real proteins (BLOSUM62, gap open 11, extend 1) and real DNA (match 2,
mismatch -3, open 5, extend 2), global and local, every pair's edge weight
(threshold 0, so every pair is an edge; `--identity aligned`, parasail's
length) must equal, as float32, matches / length of parasail.nw_stats /
parasail.sw_stats with s1 = the
earlier record. Sequences are normalised as cleave reads them (upper case;
proteins U->C, O->K, J->X; DNA U->T, IUPAC codes->N).

The files come from --data (../shared/data or tests/data/real, where the
18S FASTA is gzip-compressed). Exit 77 (skip) when parasail does not import
under this Python or the cleave binary has no FASTA input yet; missing data
is a failure.
"""
import argparse
import gzip
import os
import struct
import subprocess
import sys
import tempfile

SKIP = 77


def read_fasta(path, limit):
    recs = []
    opener = gzip.open if path.endswith(".gz") else open
    for line in opener(path, "rt"):
        line = line.rstrip("\r\n")
        if line.startswith(">"):
            if len(recs) == limit:
                break
            recs.append([line[1:].split()[0], line, ""])
        elif line.strip():
            recs[-1][2] += line.strip()
    return recs


def normalise(seq, dna):
    s = seq.upper()
    if dna:
        s = s.replace("U", "T")
        return "".join(c if c in "ACGT" else "N" for c in s)
    return s.replace("U", "C").replace("O", "K").replace("J", "X")


def read_graph(path):
    data = open(path, "rb").read()
    assert data[:8] == b"CLVGRAPH", "not a cleave graph"
    n, = struct.unpack_from("<Q", data, 16)
    adj, = struct.unpack_from("<Q", data, 32)
    off_offsets, off_cols, off_weights = struct.unpack_from("<QQQ", data, 96)
    offsets = struct.unpack_from("<%dQ" % (n + 1), data, off_offsets)
    cols = struct.unpack_from("<%dI" % adj, data, off_cols)
    weights = struct.unpack_from("<%df" % adj, data, off_weights)
    out = {}
    for u in range(n):
        for e in range(offsets[u], offsets[u + 1]):
            out[(u, cols[e])] = weights[e]
    return n, out


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cleave", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--tests", default="")
    args = ap.parse_args()
    try:
        import parasail
    except ImportError as e:
        print("SKIP: parasail does not import under %s: %s" % (sys.executable, e))
        return SKIP
    helptext = subprocess.run([args.cleave, "graph", "--help"], capture_output=True, text=True)
    if "fasta" not in helptext.stdout + helptext.stderr:
        print("SKIP: %s graph has no FASTA input" % args.cleave)
        return SKIP
    sets = [
        ("proteins/hmmer_globins45.fasta", 45, False),
        ("proteins/pfam_fn3_seed_ungapped.fasta", 40, False),
        ("dna/dfam_MADE1_seed_ungapped.fasta", 40, True),
        ("dna/vsearch_BioMarKs_top5000_18S_V4.fasta", 25, True),
    ]
    dna_matrix = parasail.matrix_create("ACGTN", 2, -3)
    checked = failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for rel, limit, dna in sets:
            path = os.path.join(args.data, rel)
            if not os.path.exists(path) and os.path.exists(path + ".gz"):
                path += ".gz"
            if not os.path.exists(path):
                print("FAIL: real data absent: %s" % path)
                return 1
            recs = read_fasta(path, limit)
            sub = os.path.join(tmp, "in.fasta")
            with open(sub, "w") as f:
                for _, header, seq in recs:
                    f.write("%s\n%s\n" % (header, seq))
            seqs = [normalise(r[2], dna) for r in recs]
            matrix, gap_open, gap_ext = (dna_matrix, 5, 2) if dna else (parasail.blosum62, 11, 1)
            for mode, fn in (("global", parasail.nw_stats), ("local", parasail.sw_stats)):
                out = os.path.join(tmp, "g.cgr")
                cmd = [args.cleave, "graph", "--input", sub, "--format", "fasta", "--align", mode,
                       "--identity", "aligned", "--exhaustive", "--threshold", "0", "--out", out,
                       "--quiet", "--threads", "2"]
                r = subprocess.run(cmd, capture_output=True, text=True)
                if r.returncode != 0:
                    print("FAIL: %s\n%s%s" % (" ".join(cmd), r.stdout, r.stderr))
                    return 1
                n, weights = read_graph(out)
                ids = open(out + ".ids").read().split("\n")[:n]
                assert ids == [rec[0] for rec in recs], "node order differs from the input"
                for i in range(n):
                    for j in range(i + 1, n):
                        res = fn(seqs[i], seqs[j], gap_open, gap_ext, matrix)
                        want = res.matches / res.length if res.length else 0.0
                        got = weights.get((i, j))
                        checked += 1
                        if got is None or got != f32(want):
                            failures += 1
                            if failures <= 10:
                                print("MISMATCH %s %s %s %s: cleave %s parasail %d/%d" %
                                      (rel, mode, recs[i][0], recs[j][0], got, res.matches,
                                       res.length))
    print("%d pairs compared, %d mismatches" % (checked, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
