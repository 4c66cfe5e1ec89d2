"""Graphs built through the Python package equal those of `cleave graph` on
the same input (nodes, ids, edges, weights, measure, threshold), and bad
arguments raise the documented exceptions with the library's message; Ctrl-C
stops a graph build."""
import gzip
import os
import signal
import threading
import time
import warnings

import numpy as np
import pytest

import cleave
from conftest import assert_same_graph, py_edges, read_fasta, read_molecules

pytestmark = pytest.mark.skipif(not cleave.have_rdkit(), reason="built without RDKit")


@pytest.mark.parametrize("threshold", [0.4, 0.25])
def test_smiles_equal_cli(cli, data, tmp_path, threshold):
    ids, smiles = read_molecules(data / "cli_mols.csv")
    args = [] if threshold == 0.4 else ["--threshold", threshold]
    cli("graph", "--quiet", "--input", data / "cli_mols.csv", "--out", tmp_path / "g.cgr", *args)
    g = cleave.Graph.from_smiles(smiles, ids=ids, threshold=threshold)
    assert g.n_nodes == len(smiles) and g.n_edges > 0
    assert_same_graph(cli, g, tmp_path / "g.cgr")


def test_smiles_options_equal_cli(cli, data, tmp_path):
    ids, smiles = read_molecules(data / "cli_mols.csv")
    cli("graph", "--quiet", "--input", data / "cli_mols.csv", "--out", tmp_path / "g.cgr",
        "--radius", 3, "--nbits", 1024, "--measure", "dice", "--threshold", 0.5)
    g = cleave.Graph.from_smiles(smiles, ids=ids, radius=3, nbits=1024, measure="dice",
                                 threshold=0.5)
    assert_same_graph(cli, g, tmp_path / "g.cgr")


def test_fingerprints_equal_smiles(cli, data, tmp_path):
    # The FPS file the CLI writes, unpacked to a bit matrix, gives the same graph.
    cli("fingerprints", "--quiet", "--input", data / "cli_mols.csv", "--out", tmp_path / "m.fps")
    ids, rows = [], []
    for line in (tmp_path / "m.fps").read_text().splitlines():
        if line.startswith("#"):
            continue
        hexfp, ident = line.split("\t")
        ids.append(ident)
        rows.append(np.unpackbits(np.frombuffer(bytes.fromhex(hexfp), np.uint8), bitorder="little"))
    bits = np.array(rows, dtype=bool)
    assert bits.shape == (46, 2048)
    g = cleave.Graph.from_fingerprints(bits, ids=ids)
    cli("graph", "--quiet", "--input", data / "cli_mols.csv", "--out", tmp_path / "g.cgr")
    assert_same_graph(cli, g, tmp_path / "g.cgr")


def test_molecule_set_from_shared_data(cli, shared, tmp_path):
    path = shared / "molecules" / "moleculenet_freesolv.csv"
    ids, smiles = read_molecules(path)
    cli("graph", "--quiet", "--input", path, "--out", tmp_path / "g.cgr")
    assert_same_graph(cli, cleave.Graph.from_smiles(smiles, ids=ids), tmp_path / "g.cgr")


def test_fasta_and_sequences_equal_cli(cli, data, tmp_path):
    path = data / "seq_proteins.fasta"
    cli("graph", "--quiet", "--input", path, "--out", tmp_path / "g.cgr")
    g = cleave.Graph.from_fasta(path)
    assert g.measure == "identity" and g.threshold == 0.3
    assert_same_graph(cli, g, tmp_path / "g.cgr")
    ids, seqs = read_fasta(path)
    assert_same_graph(cli, cleave.Graph.from_sequences(seqs, ids=ids), tmp_path / "g.cgr")
    # gzip input reads the same
    gz = tmp_path / "p.fasta.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert py_edges(cleave.Graph.from_fasta(gz)) == py_edges(g)


def test_proteins_from_shared_data(cli, shared, tmp_path):
    path = shared / "proteins" / "hmmer_globins45.fasta"
    for extra in ([], ["--threshold", 0.5, "--align", "local"]):
        cli("graph", "--quiet", "--input", path, "--out", tmp_path / "g.cgr", *extra)
        kw = dict(zip([str(x).lstrip("-") for x in extra[::2]], extra[1::2]))
        g = cleave.Graph.from_fasta(path, **kw)
        assert g.n_edges > 0
        assert_same_graph(cli, g, tmp_path / "g.cgr")


def test_dna_default_threshold(cli, data, tmp_path):
    g = cleave.Graph.from_fasta(data / "seq_dna.fasta")
    assert g.threshold == 0.9
    cli("graph", "--quiet", "--input", data / "seq_dna.fasta", "--out", tmp_path / "g.cgr")
    assert_same_graph(cli, g, tmp_path / "g.cgr")


def test_dms_equal_cli(cli, shared, tmp_path):
    lines = (shared / "dms" / "GB1_Wu_2016_FLIP_subset.csv").read_text().splitlines()
    path = tmp_path / "gb1_head.csv"
    path.write_text("\n".join(lines[:400]) + "\n")
    cli("graph", "--quiet", "--input", path, "--format", "dms", "--out", tmp_path / "g.cgr")
    g = cleave.Graph.from_dms(path)
    assert g.measure == "mutation" and g.n_nodes == 399
    assert_same_graph(cli, g, tmp_path / "g.cgr")


def test_embeddings_equal_cli(cli, data, tmp_path):
    path = data / "npy_f4.npy"
    cli("graph", "--quiet", "--input", path, "--threshold", 0.1, "--out", tmp_path / "g.cgr")
    assert_same_graph(cli, cleave.Graph.from_npy(path, threshold=0.1), tmp_path / "g.cgr")
    x = np.load(path)
    assert_same_graph(cli, cleave.Graph.from_embeddings(x, threshold=0.1), tmp_path / "g.cgr")
    # float64 and Fortran-ordered arrays are converted
    g = cleave.Graph.from_embeddings(np.asfortranarray(x.astype(np.float64)), threshold=0.1)
    assert_same_graph(cli, g, tmp_path / "g.cgr")
    assert cleave.Graph.from_embeddings(x).threshold == pytest.approx(0.9)
    # The GEMM precision, as --gemm-precision: the same graph as the CLI's.
    cli("graph", "--quiet", "--input", path, "--threshold", 0.1, "--gemm-precision", "bf16",
        "--out", tmp_path / "b.cgr")
    for prec in ("bf16", "tf32"):
        g = cleave.Graph.from_npy(path, threshold=0.1, gemm_precision=prec, backend="cpu")
        assert_same_graph(cli, g, tmp_path / ("b.cgr" if prec == "bf16" else "g.cgr"))
    with pytest.raises(ValueError, match="fp16"):
        cleave.Graph.from_embeddings(x, gemm_precision="fp16")


def test_from_edges_save_load(tmp_path):
    g = cleave.Graph.from_edges(5, [0, 3, 1, 3], [1, 2, 0, 3], [0.5, 0.75, 0.9, 1.0],
                                ids=list("abcde"))
    u, v, w = g.edges()
    assert u.dtype == np.int64 and w.dtype == np.float32
    assert u.tolist() == [0, 2] and v.tolist() == [1, 3]
    assert w.tolist() == [0.9, 0.75] or np.allclose(w, [0.9, 0.75])  # duplicate keeps the max
    assert g.ids == list("abcde") and g.n_edges == 2
    g.save(tmp_path / "e.cgr")
    h = cleave.Graph.load(tmp_path / "e.cgr")
    assert h.ids == g.ids
    for a, b in zip(h.edges(), g.edges()):
        np.testing.assert_array_equal(a, b)
    assert cleave.Graph.from_edges(3, np.array([0], np.int32), [2]).ids == ["0", "1", "2"]


def test_skipped_smiles_warn():
    with pytest.warns(cleave.CleaveWarning, match="skipped 1 unparseable SMILES"):
        g = cleave.Graph.from_smiles(["CCO", "not a smiles", "CCN", "CCC"])
    assert g.ids == ["0", "2", "3"]
    with pytest.raises(ValueError, match="not a smiles|SMILES 1"):
        cleave.Graph.from_smiles(["CCO", "not a smiles", "CCN"], strict=True)


def test_errors(data, tmp_path):
    smiles = ["CCO", "CCN", "CCC"]
    cases = [
        (lambda: cleave.Graph.from_smiles(smiles, threshold=1.5), ValueError, "threshold"),
        (lambda: cleave.Graph.from_smiles(smiles, radius=17), ValueError, "radius"),
        (lambda: cleave.Graph.from_smiles(smiles, nbits=4), ValueError, "fingerprint size"),
        (lambda: cleave.Graph.from_smiles(smiles, measure="euclid"), ValueError, "euclid"),
        (lambda: cleave.Graph.from_smiles(smiles, measure="mutation"), ValueError, "mutation"),
        (lambda: cleave.Graph.from_smiles(smiles, backend="tpu"), ValueError, "tpu"),
        (lambda: cleave.Graph.from_smiles(smiles, ids=["a", "b"]), ValueError, "2 ids"),
        (lambda: cleave.Graph.from_smiles(smiles, ids=["a", "b", "a"]), ValueError, "duplicate"),
        (lambda: cleave.Graph.from_smiles(["CCO"]), ValueError, "at least 2"),
        (lambda: cleave.Graph.from_fasta(tmp_path / "none.fasta"), OSError, "none.fasta"),
        (lambda: cleave.Graph.from_fasta(data / "seq_bad_residue.fasta"), ValueError,
         r"seq_bad_residue\.fasta:\d+"),
        (lambda: cleave.Graph.from_fasta(data / "seq_proteins.fasta", alphabet="rna"),
         ValueError, "rna"),
        (lambda: cleave.Graph.from_fasta(data / "seq_proteins.fasta", identity="full",
                                         align="local"), ValueError, "full"),
        (lambda: cleave.Graph.from_fasta(data / "seq_proteins.fasta", search="exhaustive",
                                         sensitivity=3), ValueError, "sensitivity"),
        (lambda: cleave.Graph.from_sequences(["MKV", "MK-V"]), ValueError, "<memory>"),
        (lambda: cleave.Graph.from_npy(data / "npy_nan_row3.npy"), ValueError, "npy_nan_row3"),
        (lambda: cleave.Graph.from_npy(data / "absent.npy"), OSError, "absent"),
        (lambda: cleave.Graph.from_embeddings(np.zeros(4)), ValueError, "2-D"),
        (lambda: cleave.Graph.from_embeddings(np.array([[1.0, 0], [0, 0]])), ValueError, "row 1"),
        (lambda: cleave.Graph.from_fingerprints(np.array([[0, 2], [1, 1]])), ValueError, "0 or 1"),
        (lambda: cleave.Graph.from_edges(3, [0], [3]), ValueError, "outside"),
        (lambda: cleave.Graph.from_edges(3, [0, 1], [2]), ValueError, "same length"),
        (lambda: cleave.Graph.from_edges(3, [0], [1], [float("nan")]), ValueError, "finite"),
        (lambda: cleave.Graph.load(data / "fuzz" / "graph_file" / "bad_magic.cgr"), ValueError,
         "bad_magic"),
        (lambda: cleave.Graph.load(tmp_path / "absent.cgr"), OSError, "absent"),
        (lambda: cleave.Graph.from_dms(data / "cli_mols.csv"), ValueError, "mutant"),
    ]
    for call, exc, pattern in cases:
        with pytest.raises(exc, match=pattern):
            call()


def test_releases_gil_and_properties(data):
    g = cleave.Graph.from_fasta(data / "seq_proteins.fasta")
    assert "identity" in repr(g) and '"measure": "identity"' in g.parameters
    assert g.degrees().sum() == 2 * g.n_edges
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cleave.Graph.from_smiles(["CCO", "CCN", "CCC"])  # no skipped-SMILES warning
    assert not [w for w in caught if "unparseable" in str(w.message)]


def test_readme_tutorial_is_the_example_script():
    from conftest import ROOT
    readme = (ROOT / "README.md").read_text()
    start = readme.index("<!-- tutorial: python/examples/tutorial.py -->")
    block = readme[start:readme.index("<!-- end tutorial -->")]
    code = block.split("```python\n", 1)[1].rsplit("```", 1)[0]
    assert code == (ROOT / "python" / "examples" / "tutorial.py").read_text()


def test_ctrl_c_interrupts_a_graph_build():
    # Exhaustive alignment of 2,000 random proteins (2 million pairs) takes
    # far longer than the signal's delay: the library polls the binding's
    # cancel hook between tiles and rows of a tile, and stops within a row.
    rng = np.random.default_rng(7)
    letters = np.frombuffer(b"ACDEFGHIKLMNPQRSTVWY", np.uint8)
    seqs = [r.tobytes().decode() for r in letters[rng.integers(0, 20, (2000, 120))]]
    delay = 0.3
    t = threading.Timer(delay, lambda: os.kill(os.getpid(), signal.SIGINT))
    start = time.monotonic()
    t.start()
    with pytest.raises(KeyboardInterrupt):
        cleave.Graph.from_sequences(seqs, search="exhaustive")
    elapsed = time.monotonic() - start
    t.join()
    # A tenth of the sequences is a hundredth of the pairs.
    one = time.monotonic()
    part = cleave.Graph.from_sequences(seqs[:200], search="exhaustive")
    whole = 100 * (time.monotonic() - one)
    assert part.n_nodes == 200
    assert elapsed < delay + whole / 10, (elapsed, whole)
    # The module still works after an interrupted build.
    assert cleave.Graph.from_sequences(seqs[:20], search="exhaustive").n_nodes == 20
