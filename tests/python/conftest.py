"""Shared fixtures of the Python package tests: the cleave CLI to compare
against, the test data folders, and helpers reading its outputs.

ctest runs these with PYTHONPATH at the build tree's python/ folder and
CLEAVE_BIN, CLEAVE_TEST_DATA and CLEAVE_REAL_DATA set (tests/CMakeLists.txt).
"""
import csv
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import cleave

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cli():
    """Runs the cleave CLI; returns its stdout, fails the test on an error."""
    exe = os.environ.get("CLEAVE_BIN") or str(ROOT / "build" / "src" / "cleave")
    if not Path(exe).exists():
        pytest.skip(f"no cleave binary at {exe}")

    def run(*args):
        r = subprocess.run([exe, *map(str, args)], capture_output=True, text=True)
        assert r.returncode == 0, f"cleave {' '.join(map(str, args))}: {r.stderr}"
        return r.stdout

    return run


@pytest.fixture(scope="session")
def data():
    return Path(os.environ.get("CLEAVE_TEST_DATA") or ROOT / "tests" / "data")


@pytest.fixture(scope="session")
def shared():
    """The real-data folder: ../shared/data, or tests/data/real without it."""
    default = ROOT.parent / "shared" / "data"
    if not default.is_dir():
        default = ROOT / "tests" / "data" / "real"
    p = Path(os.environ.get("CLEAVE_REAL_DATA") or default)
    if not p.is_dir():
        pytest.fail(f"no real data at {p}")
    return p


def read_molecules(path):
    """(ids, smiles) of a CSV with id and smiles columns."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["id"] for r in rows], [r["smiles"] for r in rows]


def read_fasta(path):
    """(ids, sequences) of a plain FASTA file: first header word, joined lines."""
    ids, seqs = [], []
    for line in Path(path).read_text().splitlines():
        if line.startswith(">"):
            ids.append(line[1:].split()[0])
            seqs.append("")
        elif line.strip():
            seqs[-1] += line.strip()
    return ids, seqs


def cli_edges(cli, graph_path):
    """{(id_a, id_b): weight} as `cleave edges` prints them (float32 weights)."""
    out = {}
    for line in cli("edges", "--graph", graph_path).splitlines():
        a, b, w = line.split("\t")
        out[(a, b)] = np.float32(float(w))
    return out


def py_edges(g):
    """{(id_a, id_b): weight} of a Graph, as cli_edges."""
    u, v, w = g.edges()
    ids = g.ids
    return {(ids[a], ids[b]): np.float32(x) for a, b, x in zip(u.tolist(), v.tolist(), w)}


def assert_same_graph(cli, g, graph_path):
    """g has the nodes, edges and weights of the CLI's graph file."""
    ref = cleave.Graph.load(graph_path)
    assert g.ids == ref.ids
    assert (g.n_nodes, g.n_edges) == (ref.n_nodes, ref.n_edges)
    assert g.measure == ref.measure
    assert g.threshold == ref.threshold
    assert g.n_pairs == ref.n_pairs
    ours, theirs = py_edges(g), cli_edges(cli, graph_path)
    assert ours.keys() == theirs.keys()
    assert all(ours[k] == theirs[k] for k in ours)
    for a, b in zip(g.edges(), ref.edges()):
        np.testing.assert_array_equal(a, b)


def split_files(folder):
    """{relative path: text} of every file of a split set but the manifest."""
    folder = Path(folder)
    return {str(p.relative_to(folder)): p.read_text()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "manifest.json"}
