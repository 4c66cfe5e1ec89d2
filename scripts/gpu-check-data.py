#!/usr/bin/env python3
"""Synthetic inputs for scripts/gpu-check.sh (Python standard library only,
fixed seeds): an FPS file of clustered bit fingerprints, an NPY file of
clustered float32 embeddings and a FASTA file of related protein sequences.

usage: gpu-check-data.py DIR [--fps N] [--bits B] [--npy N] [--dim D] [--fasta N] [--len L]
"""
import argparse
import os
import random
import struct

AMINO = "ACDEFGHIKLMNPQRSTVWY"


def write_fps(path, n, bits, rng):
    nbytes = bits // 8
    centres = [rng.sample(range(bits), 60) for _ in range(max(1, n // 20))]
    with open(path, "w") as f:
        f.write(f"#FPS1\n#num_bits={bits}\n#software=gpu-check\n")
        for i in range(n):
            on = set(rng.choice(centres))
            on = {b for b in on if rng.random() < 0.8} | set(rng.sample(range(bits), 15))
            by = bytearray(nbytes)
            for b in on:
                by[b // 8] |= 1 << (b % 8)
            f.write(f"{by.hex()}\tm{i}\n")


def write_npy(path, n, dim, rng):
    centres = [[rng.gauss(0, 1) for _ in range(dim)] for _ in range(max(1, n // 10))]
    header = f"{{'descr': '<f4', 'fortran_order': False, 'shape': ({n}, {dim}), }}"
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        for _ in range(n):
            c = rng.choice(centres)
            noise = rng.uniform(0.2, 0.6)
            f.write(struct.pack(f"<{dim}f", *[x + rng.gauss(0, noise) for x in c]))


def write_fasta(path, n, length, rng):
    families = ["".join(rng.choice(AMINO) for _ in range(length)) for _ in range(max(1, n // 10))]
    with open(path, "w") as f:
        for i in range(n):
            s = list(rng.choice(families))
            for k in range(len(s)):
                if rng.random() < 0.35:
                    s[k] = rng.choice(AMINO)
            cut = rng.randint(0, length // 10)
            f.write(f">p{i}\n{''.join(s[cut:])}\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--fps", type=int, default=40000)
    ap.add_argument("--bits", type=int, default=2048)
    ap.add_argument("--npy", type=int, default=40000)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--fasta", type=int, default=3000)
    ap.add_argument("--len", type=int, default=300)
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    rng = random.Random(7)
    write_fps(os.path.join(a.dir, "fp.fps"), a.fps, a.bits, rng)
    write_npy(os.path.join(a.dir, "emb.npy"), a.npy, a.dim, rng)
    write_fasta(os.path.join(a.dir, "prot.fasta"), a.fasta, a.len, rng)


if __name__ == "__main__":
    main()
