"""Paired data through the Python package (cleave.paired_splits) equals
`cleave paired` on the vendored pairs (every file of the split set, the
manifest included, and the in-memory sides); at p = 1 and in partitions no
test pair shares a similar entity with a train pair on the cold side(s);
bad columns, ids not in the FASTA and arguments of the other kind or method
raise ValueError naming the problem (file and line for the input).

Inputs: tests/data/paired_dt.csv (46 molecules x 3 of 40 targets),
paired_ppi.csv (100 pairs of the same 40 proteins), paired_targets.fasta."""
import csv

import numpy as np
import pytest

import cleave
from conftest import split_files

SP, SEEDS = [0.0, 0.5, 1.0], [1, 2]


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def neighbours(g):
    """{node: set of similar nodes, itself included} of a Graph."""
    u, v, _ = g.edges()
    out = {k: {k} for k in range(g.n_nodes)}
    for a, b in zip(u.tolist(), v.tolist()):
        out[a].add(b)
        out[b].add(a)
    return out


def same_as_cli(cli, tmp_path, splits, args):
    cli("paired", "--quiet", *args, "--out", tmp_path / "cli")
    splits.write(tmp_path / "py")
    ours, theirs = split_files(tmp_path / "py"), split_files(tmp_path / "cli")
    assert ours.keys() == theirs.keys()
    for name in ours:
        assert ours[name] == theirs[name], name
    assert (tmp_path / "py" / "manifest.json").read_text() == \
        (tmp_path / "cli" / "manifest.json").read_text()
    # The in-memory sides are the files' pair ids.
    ids = np.array(splits.graph.ids)
    n_valid = 0
    for s in splits:
        if not s.valid:
            continue
        n_valid += 1
        prefix = "sp" if splits.key == "sp" else "ov"  # partitions: ov_<target>_r<k>
        folder = tmp_path / "py" / f"{prefix}_{s.sp:.2f}_r{s.repeat}"
        assert ids[s.train].tolist() == (folder / "train.txt").read_text().split()
        assert ids[s.test].tolist() == (folder / "test.txt").read_text().split()
    assert n_valid > 0


@pytest.fixture(scope="module")
def dt(data):
    if not cleave.have_rdkit():
        pytest.skip("built without RDKit")
    pairs = rows(data / "paired_dt.csv")
    drugs = sorted({r["smiles"] for r in pairs})
    gd = cleave.Graph.from_smiles(drugs, threshold=0.4)
    gt = cleave.Graph.from_fasta(data / "paired_targets.fasta")
    return pairs, {s: k for k, s in enumerate(drugs)}, neighbours(gd), \
        {t: k for k, t in enumerate(gt.ids)}, neighbours(gt)


def assert_no_leak_dt(dt, cold, s):
    pairs, drug_of, nd, target_of, nt = dt
    train = [pairs[i] for i in s.train.tolist()]
    for i in s.test.tolist():
        p = pairs[i]
        for q in train:
            if cold in ("drug", "both"):
                assert drug_of[q["smiles"]] not in nd[drug_of[p["smiles"]]], (p, q)
            if cold in ("target", "both"):
                assert target_of[q["target"]] not in nt[target_of[p["target"]]], (p, q)


@pytest.mark.parametrize("cold", ["drug", "target", "both"])
def test_drug_target_sweep_equals_cli(cli, data, dt, tmp_path, cold):
    csv_path, fasta = data / "paired_dt.csv", data / "paired_targets.fasta"
    splits = cleave.paired_splits(csv_path, cold=cold, sp=SP, seeds=SEEDS, fasta=fasta)
    assert len(splits) == len(SP) * len(SEEDS) and splits.key == "sp"
    assert len(splits.graph.ids) == len(dt[0])
    same_as_cli(cli, tmp_path, splits,
                ["--input", csv_path, "--target-fasta", fasta, "--cold", cold,
                 "--sp", "0,0.5,1", "--seeds", "1,2"])
    at_one = [s for s in splits if s.valid and s.sp == 1.0]
    assert at_one
    for s in at_one:
        assert_no_leak_dt(dt, cold, s)
    # The check finds the leaks of p = 0 (where overlap_frac > 0).
    leaky = [s for s in splits if s.valid and s.sp == 0.0 and s.overlap_frac > 0]
    assert leaky
    with pytest.raises(AssertionError):
        assert_no_leak_dt(dt, cold, leaky[0])


@pytest.mark.parametrize("cold", ["drug", "target", "both"])
def test_drug_target_partition_equals_cli(cli, data, dt, tmp_path, cold):
    csv_path, fasta = data / "paired_dt.csv", data / "paired_targets.fasta"
    splits = cleave.paired_splits(csv_path, cold=cold, method="partition", seeds=SEEDS,
                                  fasta=fasta)
    assert len(splits) == len(SEEDS) and splits.key == "target"
    same_as_cli(cli, tmp_path, splits,
                ["--input", csv_path, "--target-fasta", fasta, "--cold", cold,
                 "--method", "partition", "--seeds", "1,2"])
    for s in splits:
        if s.valid:
            assert s.overlap_frac == 0.0
            assert_no_leak_dt(dt, cold, s)


@pytest.mark.parametrize("method", ["sweep", "partition"])
@pytest.mark.parametrize("cold", ["one", "both"])
def test_protein_pairs_equal_cli(cli, data, tmp_path, cold, method):
    csv_path, fasta = data / "paired_ppi.csv", data / "paired_targets.fasta"
    kw = {"sp": SP} if method == "sweep" else {}
    splits = cleave.paired_splits(csv_path, kind="protein-protein", cold=cold, method=method,
                                  seeds=SEEDS, fasta=fasta, **kw)
    args = ["--pairs", "protein-protein", "--input", csv_path, "--fasta", fasta, "--cold", cold,
            "--seeds", "1,2"]
    args += ["--sp", "0,0.5,1"] if method == "sweep" else ["--method", "partition"]
    same_as_cli(cli, tmp_path, splits, args)
    # Cold both: no protein of a test pair is similar to a train pair's;
    # cold one: every test pair has a protein unlike all train proteins.
    pairs = rows(csv_path)
    g = cleave.Graph.from_fasta(fasta)
    index, near = {p: k for k, p in enumerate(g.ids)}, neighbours(g)
    for s in splits:
        if not s.valid or (method == "sweep" and s.sp != 1.0):
            continue
        train = {index[pairs[i][c]] for i in s.train.tolist() for c in ("protein_a", "protein_b")}
        for i in s.test.tolist():
            seen = [bool(near[index[pairs[i][c]]] & train) for c in ("protein_a", "protein_b")]
            assert not any(seen) if cold == "both" else not all(seen), pairs[i]


def test_bad_input_names_file_and_line(data, tmp_path):
    if not cleave.have_rdkit():
        pytest.skip("built without RDKit")
    fasta = data / "paired_targets.fasta"
    with pytest.raises(ValueError, match=r"paired_dt\.csv:1: no column 'nope'"):
        cleave.paired_splits(data / "paired_dt.csv", drug_column="nope", sp=[1.0], fasta=fasta)
    bad = tmp_path / "unknown.csv"
    bad.write_text("id,smiles,target\np1,CCO,T0a\np2,CCN,T9z\n")
    with pytest.raises(ValueError, match=r"unknown\.csv:3: target 'T9z' is not in"):
        cleave.paired_splits(bad, cold="target", sp=[1.0], fasta=fasta)
    bad = tmp_path / "pp.csv"
    bad.write_text("id,protein_a,protein_b\nx1,T0a,T1a\nx2,T0b,nope\n")
    with pytest.raises(ValueError, match=r"pp\.csv:3: protein 'nope' is not in"):
        cleave.paired_splits(bad, kind="protein-protein", fasta=fasta)


def test_arguments_that_do_not_apply(data):
    csv_path, fasta = data / "paired_ppi.csv", data / "paired_targets.fasta"
    ppi = {"kind": "protein-protein", "fasta": fasta}
    with pytest.raises(ValueError, match="needs fasta"):
        cleave.paired_splits(csv_path, kind="protein-protein")
    with pytest.raises(ValueError, match="drug_threshold is for kind='drug-target'"):
        cleave.paired_splits(csv_path, drug_threshold=0.5, **ppi)
    with pytest.raises(ValueError, match="one or both"):
        cleave.paired_splits(csv_path, cold="drug", **ppi)
    with pytest.raises(ValueError, match="sp applies to method='sweep' only"):
        cleave.paired_splits(csv_path, method="partition", sp=[1.0], **ppi)
    with pytest.raises(ValueError, match="tries needs method='partition'"):
        cleave.paired_splits(csv_path, tries=3, **ppi)
    with pytest.raises(ValueError, match="method must be"):
        cleave.paired_splits(csv_path, method="bisect", **ppi)
    with pytest.raises(ValueError, match="kind must be"):
        cleave.paired_splits(csv_path, kind="rna-rna", fasta=fasta)
    with pytest.raises(ValueError, match="identity_threshold sets the target graph"):
        cleave.paired_splits(data / "paired_dt.csv", identity_threshold=0.5, fasta=fasta)
    with pytest.raises(ValueError, match="protein_a_column is for kind='protein-protein'"):
        cleave.paired_splits(data / "paired_dt.csv", protein_a_column="a", fasta=fasta)
