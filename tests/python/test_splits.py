"""Split sets made through the Python package equal `cleave split` /
`cleave partition` on the same graph (stats.tsv and every train/test file),
the in-memory views agree with the files, and bad arguments raise."""
import os
import signal
import threading
import time

import numpy as np
import pandas as pd
import pytest

import cleave
from conftest import read_molecules, split_files


@pytest.fixture(scope="module")
def mol_graph(cli, data, tmp_path_factory):
    if not cleave.have_rdkit():
        pytest.skip("built without RDKit")
    path = tmp_path_factory.mktemp("mol") / "g.cgr"
    cli("graph", "--quiet", "--input", data / "cli_mols.csv", "--threshold", 0.3, "--out", path)
    return path


def compare_with_cli(cli, graph_path, tmp_path, cli_args=(), **kw):
    cli("split", "--quiet", "--graph", graph_path, "--out", tmp_path / "cli", *cli_args)
    g = cleave.Graph.load(graph_path)
    splits = cleave.spectra_splits(g, **kw)
    splits.write(tmp_path / "py")
    ours, theirs = split_files(tmp_path / "py"), split_files(tmp_path / "cli")
    assert ours.keys() == theirs.keys()
    for name in ours:
        assert ours[name] == theirs[name], name
    # The in-memory splits are the files' contents.
    ids = np.array(g.ids)
    for s in splits:
        if not s.valid:
            assert len(s.train) == 0 and len(s.test) == 0
            continue
        folder = tmp_path / "py" / f"sp_{s.sp:.2f}_r{s.repeat}"
        assert ids[s.train].tolist() == (folder / "train.txt").read_text().split()
        assert ids[s.test].tolist() == (folder / "test.txt").read_text().split()
        assert s.train.dtype == np.int64 and len(np.intersect1d(s.train, s.test)) == 0
        assert (len(s.train), len(s.test)) == (s.n_train, s.n_test)
    frame = splits.to_frame()
    stats = pd.read_csv(tmp_path / "cli" / "stats.tsv", sep="\t")
    assert list(frame.columns) == list(stats.columns)
    for col in stats.columns:
        np.testing.assert_array_equal(frame[col].to_numpy(dtype=float),
                                      stats[col].to_numpy(dtype=float), err_msg=col)
    return splits


def test_default_sweep_equals_cli(cli, mol_graph, tmp_path):
    splits = compare_with_cli(cli, mol_graph, tmp_path)
    assert len(splits) == 63
    s = splits[0]
    assert (s.sp, s.seed, s.repeat) == (0.0, 42, 0)
    assert (splits[-1].sp, splits[-1].seed, splits[-1].repeat) == (1.0, 46, 2)
    assert isinstance(s.valid, bool) and isinstance(s.overlap_frac, float) and s.kept > 0


def test_options_equal_cli(cli, mol_graph, tmp_path):
    for k, (args, kw) in enumerate([
        (["--weighted"], dict(weighted=True)),
        (["--compat-spectrae"], dict(compat_spectrae=True)),
        (["--sp", "0,0.3,0.65,1", "--seeds", "1,7", "--test-fraction", "0.3", "--min-kept", "3"],
         dict(sp=[0, 0.3, 0.65, 1], seeds=(1, 7), test_fraction=0.3, min_kept=3)),
    ]):
        compare_with_cli(cli, mol_graph, tmp_path / str(k), args, **kw)


def test_protein_splits_equal_cli(cli, shared, tmp_path):
    path = shared / "proteins" / "hmmer_globins45.fasta"
    cli("graph", "--quiet", "--input", path, "--threshold", 0.5, "--out", tmp_path / "g.cgr")
    g = cleave.Graph.from_fasta(path, threshold=0.5)
    compare_with_cli(cli, tmp_path / "g.cgr", tmp_path)
    # the graph built in Python splits the same way as the CLI's graph file
    a = cleave.spectra_splits(g, sp=[0.5])
    b = cleave.spectra_splits(cleave.Graph.load(tmp_path / "g.cgr"), sp=[0.5])
    assert [s.test.tolist() for s in a] == [s.test.tolist() for s in b]


def test_small_protein_set_equals_cli(cli, data, tmp_path):
    path = data / "seq_proteins.fasta"
    cli("graph", "--quiet", "--input", path, "--out", tmp_path / "g.cgr")
    compare_with_cli(cli, tmp_path / "g.cgr", tmp_path, ["--min-kept", "1"], min_kept=1)


def test_dms_splits_equal_cli(cli, shared, tmp_path):
    lines = (shared / "dms" / "GB1_Wu_2016_FLIP_subset.csv").read_text().splitlines()
    path = tmp_path / "gb1_head.csv"
    path.write_text("\n".join(lines[:300]) + "\n")
    cli("graph", "--quiet", "--input", path, "--out", tmp_path / "g.cgr")
    compare_with_cli(cli, tmp_path / "g.cgr", tmp_path, ["--weighted"], weighted=True)
    assert cleave.Graph.from_dms(path).n_edges == cleave.Graph.load(tmp_path / "g.cgr").n_edges


def test_partition_equals_cli(cli, mol_graph, tmp_path):
    cli("partition", "--quiet", "--graph", mol_graph, "--out", tmp_path / "cli",
        "--valid-fraction", "0.1", "--target-overlap", "0,0.5")
    parts = cleave.partition(cleave.Graph.load(mol_graph), valid_fraction=0.1,
                             target_overlap=[0, 0.5])
    parts.write(tmp_path / "py")
    ours, theirs = split_files(tmp_path / "py"), split_files(tmp_path / "cli")
    assert ours.keys() == theirs.keys() and ours == theirs
    assert parts.key == "target" and list(parts.to_frame().columns)[:2] == ["target", "repeat"]
    s = parts[0]
    assert len(s.validation) > 0 and s.overlap_frac == 0.0


def test_stratified_partition_equals_cli(cli, data, mol_graph, tmp_path):
    cli("partition", "--quiet", "--graph", mol_graph, "--out", tmp_path / "cli",
        "--labels", data / "cli_mols.csv", "--label-column", "label", "--stratify",
        "--strata", 3)
    g = cleave.Graph.load(mol_graph)
    by_id = {}
    for line in (data / "cli_mols.csv").read_text().splitlines()[1:]:
        fields = line.split(",")
        by_id[fields[0]] = float(fields[-1])
    labels = [by_id[i] for i in g.ids]
    parts = cleave.partition(g, labels=labels, stratify=True, strata=3)
    parts.write(tmp_path / "py")
    ours, theirs = split_files(tmp_path / "py"), split_files(tmp_path / "cli")
    assert "strata.tsv" in ours and ours.keys() == theirs.keys() and ours == theirs
    plain = cleave.partition(g, labels=labels)
    assert [s.kept for s in plain] == [s.kept for s in parts]
    with pytest.raises(ValueError, match="needs labels"):
        cleave.partition(g, stratify=True)
    with pytest.raises(ValueError, match="zero-overlap"):
        cleave.partition(g, labels=labels, stratify=True, target_overlap=[0, 0.5])
    with pytest.raises(ValueError, match="labels for a graph"):
        cleave.partition(g, labels=labels[:-1])


def test_auspc_equals_cli(cli, mol_graph, tmp_path):
    cli("split", "--quiet", "--graph", mol_graph, "--out", tmp_path / "splits")
    stats = pd.read_csv(tmp_path / "splits" / "stats.tsv", sep="\t")
    stats = stats[stats.valid == 1]
    rng = np.random.default_rng(5)
    scores = 1.0 - stats.sp.to_numpy() * 0.5 + rng.normal(0, 0.05, len(stats))
    pd.DataFrame({"sp": stats.sp, "repeat": stats.repeat, "score": scores}).to_csv(
        tmp_path / "scores.csv", index=False)
    cli("auspc", "--scores", tmp_path / "scores.csv", "--out", tmp_path / "report")
    report = pd.read_csv(tmp_path / "report" / "auspc.tsv", sep="\t")
    got = cleave.auspc(stats.sp.to_numpy(), scores)
    assert got == pytest.approx(float(report.auspc.iloc[0]), abs=1e-6)
    # one value per p: the trapezoid
    assert cleave.auspc([0, 0.5, 1], [1, 0.5, 0.5]) == pytest.approx(0.625)
    with pytest.raises(ValueError):
        cleave.auspc([0, 1], [1])


def test_sklearn_style_splitter(data):
    if not cleave.have_rdkit():
        pytest.skip("built without RDKit")
    ids, smiles = read_molecules(data / "cli_mols.csv")
    cv = cleave.SpectraSplit(threshold=0.3, sp=[0.0, 0.5, 1.0], seeds=(42, 44))
    pairs = list(cv.split(smiles))
    ref = cleave.spectra_splits(cleave.Graph.from_smiles(smiles, threshold=0.3),
                                sp=[0.0, 0.5, 1.0], seeds=(42, 44))
    expect = [(s.train, s.test) for s in ref if s.valid]
    assert len(pairs) == len(expect) == cv.get_n_splits(smiles) > 0
    for (tr, te), (etr, ete) in zip(pairs, expect):
        np.testing.assert_array_equal(tr, etr)
        np.testing.assert_array_equal(te, ete)
    assert cv.get_n_splits() == 6
    # embeddings and graphs work as X too
    x = np.load(data / "npy_f4.npy")
    assert len(list(cleave.SpectraSplit(threshold=0.1, sp=[0.0]).split(x))) >= 0
    g = cleave.Graph.from_smiles(smiles, threshold=0.3)
    assert len(list(cleave.SpectraSplit(sp=[0.0, 0.5, 1.0], seeds=(42, 44)).split(g))) == len(pairs)


def test_errors(mol_graph):
    g = cleave.Graph.load(mol_graph)
    for kw, pattern in [
        (dict(sp=[1.5]), "spectral parameter"),
        (dict(sp=[0.5, 0.501]), "two decimals"),
        (dict(sp=[]), "at least one"),
        (dict(seeds=()), "at least one seed"),
        (dict(test_fraction=0.0), "test_fraction"),
        (dict(test_fraction=1.0), "test_fraction"),
        (dict(backend="tpu"), "tpu"),
    ]:
        with pytest.raises(ValueError, match=pattern):
            cleave.spectra_splits(g, **kw)
    with pytest.raises(ValueError, match="valid_fraction"):
        cleave.partition(g, valid_fraction=0.9)
    with pytest.raises(ValueError, match="tolerance"):
        cleave.partition(g, tolerance=0.6)
    with pytest.raises(IndexError):
        cleave.spectra_splits(g, sp=[0.5])[3]
    with pytest.raises(ValueError, match="input"):
        cleave.SpectraSplit(input="images")


def test_ctrl_c_interrupts_a_sweep():
    # A sweep far longer than the signal's delay: KeyboardInterrupt comes
    # between chunks of splits, well before the sweep would end.
    rng = np.random.default_rng(1)
    n = 20000
    u = rng.integers(0, n, 60000)
    v = rng.integers(0, n, 60000)
    g = cleave.Graph.from_edges(n, u, v)
    sp = np.round(np.linspace(0, 1, 101), 2)
    t = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    start = time.monotonic()
    t.start()
    with pytest.raises(KeyboardInterrupt):
        cleave.spectra_splits(g, sp=sp, seeds=range(40))
    elapsed = time.monotonic() - start
    t.join()
    one = time.monotonic()
    cleave.spectra_splits(g, sp=sp[:4], seeds=range(40))
    chunk = time.monotonic() - one
    # 101 p values would take ~25 chunks of 4; the interrupt came after ~1.
    assert elapsed < 0.3 + 5 * chunk + 1.0
