"""The cleave side of the benchmarks: the CLI binary, timed as a user runs it."""
import csv
import os
import resource
import shutil
import statistics
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def read_fasta(path):
    """[(id, sequence)] of a FASTA file: the id is the header's first word,
    sequence lines joined with surrounding whitespace removed."""
    recs, name, seq = [], None, []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith(">"):
                if name is not None:
                    recs.append((name, "".join(seq)))
                name, seq = line[1:].split()[0], []
            elif line:
                seq.append(line)
    if name is not None:
        recs.append((name, "".join(seq)))
    return recs


def find_cleave(explicit=None):
    """--cleave, else $CLEAVE, else the first build folder holding src/cleave."""
    for c in [explicit, os.environ.get("CLEAVE")]:
        if c:
            return c
    for b in ["build-bench", "build-lead", "build"]:
        c = os.path.join(ROOT, b, "src", "cleave")
        if os.access(c, os.X_OK):
            return c
    raise SystemExit("cleave binary not found: pass --cleave or set CLEAVE")


def _children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(cmd, env=None, cpu=False):
    """Runs a command; returns wall seconds, or (wall, CPU seconds user+sys)
    when cpu. Raises with its stderr on failure."""
    c0 = _children_cpu()
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    dt = time.perf_counter() - t0
    dc = _children_cpu() - c0
    if p.returncode != 0:
        raise SystemExit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return (dt, dc) if cpu else dt


def timed(cmd, repeats=1, clean=None, env=None):
    """Median wall seconds and median CPU seconds over repeats (clean: a
    folder removed before each run)."""
    walls, cpus = [], []
    for _ in range(repeats):
        if clean:
            shutil.rmtree(clean, ignore_errors=True)
        w, c = run(cmd, env, cpu=True)
        walls.append(w)
        cpus.append(c)
    return statistics.median(walls), statistics.median(cpus)


def read_stats(out_dir):
    """stats.tsv of a split set: {(p, repeat): row dict}."""
    rows = {}
    with open(os.path.join(out_dir, "stats.tsv")) as f:
        for r in csv.DictReader(f, delimiter="\t"):
            rows[(round(float(r["sp"]), 2), int(r["repeat"]))] = r
    return rows


def kept(stats, p, r):
    row = stats.get((round(p, 2), r))
    return int(row["kept"]) if row and row["valid"] == "1" else 0


def lscpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    except OSError:
        return "unknown"
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "unknown"
