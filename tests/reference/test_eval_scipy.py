#!/usr/bin/python3
"""Cross-checks `cleave auspc` against numpy (and scipy when present).

Writes random scores CSVs (several metrics, repeats, NaNs, a partial p range),
runs `cleave auspc --scores F --out D` and compares D/auspc.tsv with
numpy.trapz of the per-p means and D/spc.tsv with numpy means and sample
standard deviations; checks that reruns are byte-identical and that a bad
scores file is rejected with file:line. (Spearman, R^2 and AUROC are checked
against hand-computed values in tests/eval.) Exits 77 (skip) when numpy is
missing or the CLI has no working `auspc` command.
"""
import argparse
import csv
import math
import os
import random
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("numpy is not importable by this python: skipping")
    sys.exit(77)


def run_auspc(cleave, scores, out, extra=()):
    cmd = [cleave, "auspc", "--scores", scores, "--out", out, "--quiet", *extra]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"FAIL: {' '.join(cmd)} exited {res.returncode}\n{res.stderr}")
    return res


def read_tsv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def make_scores(rng, path, metrics, ps, repeats, nan_rate):
    rows = []
    for m in metrics:
        base = rng.uniform(0.2, 0.9)
        slope = rng.uniform(-0.8, 0.1)
        for p in ps:
            for r in range(repeats):
                v = base + slope * p + rng.gauss(0, 0.05)
                if rng.random() < nan_rate:
                    v = float("nan")
                rows.append((m, p, r, v))
    rng.shuffle(rows)
    with open(path, "w") as f:
        f.write("repeat,score,sp,metric,model\n")
        for m, p, r, v in rows:
            f.write(f"{r},{'nan' if math.isnan(v) else repr(v)},{p!r},{m},ref\n")
    return rows


def expected_curves(rows):
    by = {}
    for m, p, r, v in rows:
        if not math.isnan(v):
            by.setdefault(m, {}).setdefault(p, []).append(v)
    out = {}
    for m, pts in by.items():
        ps = sorted(pts)
        means = np.array([np.mean(pts[p]) for p in ps])
        sds = [float(np.std(pts[p], ddof=1)) if len(pts[p]) > 1 else float("nan") for p in ps]
        out[m] = (np.array(ps), means, sds, [len(pts[p]) for p in ps])
    return out


def close(a, b, tol=1e-9):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= tol * max(1.0, abs(b))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cleave", required=True)
    ap.add_argument("--data")
    ap.add_argument("--tests")
    args = ap.parse_args()

    try:
        help_run = subprocess.run([args.cleave, "auspc", "--help"], capture_output=True, text=True)
    except OSError as e:
        print(f"cannot run {args.cleave}: {e}: skipping")
        return 77
    if help_run.returncode != 0 or "--scores" not in help_run.stdout + help_run.stderr:
        print("`cleave auspc --help` does not work yet: skipping")
        return 77

    rng = random.Random(20240611)
    failures = []
    cases = [
        (["spearman", "r2"], [i / 20 for i in range(21)], 3, 0.0),
        (["auroc"], [round(rng.uniform(0, 1), 2) for _ in range(12)], 5, 0.1),
        (["m"], [0.1, 0.25, 0.3, 0.8], 2, 0.0),  # partial range: warns, still the trapezoid
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for ci, (metrics, ps, repeats, nan_rate) in enumerate(cases):
            ps = sorted(set(ps))
            scores = os.path.join(tmp, f"scores{ci}.csv")
            out = os.path.join(tmp, f"out{ci}")
            rows = make_scores(rng, scores, metrics, ps, repeats, nan_rate)
            run_auspc(args.cleave, scores, out, ["--bootstrap", "500", "--seed", "3"])
            expect = expected_curves(rows)
            got = {r["metric"]: r for r in read_tsv(os.path.join(out, "auspc.tsv"))}
            for m, (x, means, sds, ns) in expect.items():
                ref = float(np.trapz(means, x))
                a = float(got[m]["auspc"])
                if not close(a, ref):
                    failures.append(f"case {ci} {m}: auspc {a} vs numpy.trapz {ref}")
                if int(got[m]["n_points"]) != len(x):
                    failures.append(f"case {ci} {m}: n_points {got[m]['n_points']} vs {len(x)}")
                lo, hi = float(got[m]["ci_low"]), float(got[m]["ci_high"])
                if not (lo <= hi and lo - 0.05 <= a <= hi + 0.05):
                    failures.append(f"case {ci} {m}: interval [{lo}, {hi}] far from {a}")
                width = x[-1] - x[0]
                if not close(float(got[m]["auspc_norm"]), ref / width):
                    failures.append(f"case {ci} {m}: auspc_norm {got[m]['auspc_norm']}")
            spc = read_tsv(os.path.join(out, "spc.tsv"))
            for m, (x, means, sds, ns) in expect.items():
                mine = [r for r in spc if r["metric"] == m]
                if len(mine) != len(x):
                    failures.append(f"case {ci} {m}: {len(mine)} spc rows vs {len(x)}")
                    continue
                for r, p, mu, sd, n in zip(mine, x, means, sds, ns):
                    if not (close(float(r["sp"]), p) and close(float(r["mean"]), float(mu))
                            and close(float(r["sd"]), sd) and int(r["n"]) == n):
                        failures.append(f"case {ci} {m}: spc row {r} vs p={p} mean={mu} sd={sd} n={n}")
            # Same inputs, same seed: byte-identical output.
            out2 = os.path.join(tmp, f"again{ci}")
            run_auspc(args.cleave, scores, out2, ["--bootstrap", "500", "--seed", "3"])
            for name in ("auspc.tsv", "spc.tsv", "spc.svg"):
                with open(os.path.join(out, name), "rb") as f1, open(os.path.join(out2, name), "rb") as f2:
                    if f1.read() != f2.read():
                        failures.append(f"case {ci}: {name} differs between identical runs")

        # A bad scores file is rejected with file:line.
        bad = os.path.join(tmp, "bad.csv")
        with open(bad, "w") as f:
            f.write("sp,repeat,score\n0.1,0,0.5\n1.7,0,0.5\n")
        res = subprocess.run([args.cleave, "auspc", "--scores", bad, "--out", os.path.join(tmp, "x")],
                             capture_output=True, text=True)
        if res.returncode == 0 or "bad.csv:3" not in res.stderr:
            failures.append(f"bad scores accepted or not located: rc={res.returncode} {res.stderr!r}")

    if failures:
        print("\n".join(failures))
        return 1
    print("auspc matches numpy.trapz; spc means/sds match numpy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
