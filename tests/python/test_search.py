"""cleave.search and cleave.audit: exact results against a numpy brute force
on generated fingerprints (hits, top k, ties by id, the nearest target), the
same files as `cleave search` / `cleave audit` on real molecules and
proteins, and errors naming the bad argument or file and line."""
import gc
from pathlib import Path

import numpy as np
import pytest

import cleave
from conftest import read_fasta, read_molecules


def write_fps(path, bits, prefix):
    """An FPS file of 0/1 rows (bit k in byte k // 8, least significant first)."""
    lines = ["#FPS1", f"#num_bits={bits.shape[1]}"]
    packed = np.packbits(bits, axis=1, bitorder="little")
    for i, row in enumerate(packed):
        lines.append(f"{row.tobytes().hex()}\t{prefix}{i:03d}")
    Path(path).write_text("\n".join(lines) + "\n")


def tanimoto(q, t):
    """Every query's Tanimoto similarity to every target (float64)."""
    q = q.astype(np.int64)
    t = t.astype(np.int64)
    common = q @ t.T
    union = q.sum(1)[:, None] + t.sum(1)[None, :] - common
    return common / union


@pytest.fixture
def fps_pair(tmp_path):
    rng = np.random.default_rng(7)
    q = (rng.random((17, 128)) < 0.15).astype(np.uint8)
    t = (rng.random((90, 128)) < 0.15).astype(np.uint8)
    q[:, 0] = t[:, 0] = 1  # no empty row
    t[50] = t[4]  # ties between targets
    t[71] = t[4]
    q[2] = t[71]
    write_fps(tmp_path / "q.fps", q, "q")
    write_fps(tmp_path / "t.fps", t, "t")
    return tmp_path / "q.fps", tmp_path / "t.fps", tanimoto(q, t), t


def expected(sim, threshold, top):
    """Per query, target indices by descending similarity, ties by index."""
    out = []
    for row in sim:
        keep = [j for j in range(len(row)) if row[j] >= threshold]
        keep.sort(key=lambda j: (-row[j], j))
        out.append(keep[:top] if top else keep)
    return out


@pytest.mark.parametrize("threshold,top", [(0.3, 0), (None, 5), (0.35, 3)])
def test_search_equals_brute_force(fps_pair, threshold, top):
    q, t, sim, _ = fps_pair
    h = cleave.search(q, t, threshold=threshold, top=top, block_rows=4)
    assert h.query_ids == [f"q{i:03d}" for i in range(sim.shape[0])]
    assert h.target_ids == [f"t{j:03d}" for j in range(sim.shape[1])]
    want = expected(sim, -1.0 if threshold is None else threshold, top)
    assert len(h) == sum(map(len, want))
    for i, w in enumerate(want):
        a, b = h.offsets[i], h.offsets[i + 1]
        assert h.targets[a:b].tolist() == w
        np.testing.assert_allclose(h.similarity[a:b], sim[i, w], rtol=0, atol=1e-12)
    best = [min(range(sim.shape[1]), key=lambda j: (-row[j], j)) for row in sim]
    assert h.nearest.tolist() == best
    np.testing.assert_allclose(h.max_similarity, sim.max(1), rtol=0, atol=1e-12)
    frame = h.to_frame()
    assert list(frame.columns) == ["query_id", "target_id", "similarity"]
    assert len(frame) == len(h)


def test_search_writes_the_cli_file(cli, fps_pair, tmp_path):
    q, t, _, _ = fps_pair
    cli("search", "--query", q, "--target", t, "--threshold", 0.3, "--top", 4, "--quiet",
        "--out", tmp_path / "cli.tsv")
    cleave.search(q, t, threshold=0.3, top=4).write(tmp_path / "py.tsv")
    assert (tmp_path / "py.tsv").read_text() == (tmp_path / "cli.tsv").read_text()


@pytest.mark.skipif(not cleave.have_rdkit(), reason="SMILES need RDKit")
def test_molecules_equal_cli(cli, data, tmp_path):
    ids, smiles = read_molecules(data / "real" / "molecules" / "rdkit_cdk2.csv")
    (tmp_path / "q.csv").write_text(
        "id,smiles\n" + "".join(f"{i},{s}\n" for i, s in zip(ids[:12], smiles[:12])))
    (tmp_path / "t.csv").write_text(
        "id,smiles\n" + "".join(f"{i},{s}\n" for i, s in zip(ids[12:], smiles[12:])))
    cli("search", "--query", tmp_path / "q.csv", "--target", tmp_path / "t.csv",
        "--threshold", 0.4, "--measure", "dice", "--quiet", "--out", tmp_path / "cli.tsv")
    h = cleave.search(tmp_path / "q.csv", tmp_path / "t.csv", threshold=0.4, measure="dice")
    h.write(tmp_path / "py.tsv")
    assert (tmp_path / "py.tsv").read_text() == (tmp_path / "cli.tsv").read_text()


def test_proteins_equal_cli(cli, data, tmp_path):
    ids, seqs = read_fasta(data / "real" / "proteins" / "hmmer_globins45.fasta")
    (tmp_path / "q.fasta").write_text("".join(f">{i}\n{s}\n" for i, s in zip(ids[:6], seqs[:6])))
    (tmp_path / "t.fasta").write_text("".join(f">{i}\n{s}\n" for i, s in zip(ids[6:], seqs[6:])))
    cli("search", "--query", tmp_path / "q.fasta", "--target", tmp_path / "t.fasta", "--top", 3,
        "--identity", "shorter", "--quiet", "--out", tmp_path / "cli.tsv")
    h = cleave.search(tmp_path / "q.fasta", tmp_path / "t.fasta", top=3, identity="shorter")
    h.write(tmp_path / "py.tsv")
    assert (tmp_path / "py.tsv").read_text() == (tmp_path / "cli.tsv").read_text()
    assert len(h) == 3 * 6


def test_audit_equals_cli_and_brute_force(cli, fps_pair, tmp_path):
    _, t, _, bits = fps_pair
    split = tmp_path / "split"
    split.mkdir()
    ids = [f"t{j:03d}" for j in range(90)]
    (split / "train.txt").write_text("".join(i + "\n" for i in ids[:60]))
    (split / "test.txt").write_text("".join(i + "\n" for i in ids[60:80]))
    (split / "validation.txt").write_text("".join(i + "\n" for i in ids[80:]))
    cli("audit", "--input", t, "--split", split, "--threshold", 0.5, "--quiet",
        "--out", tmp_path / "cli")
    res = cleave.audit(t, split, out=tmp_path / "py", threshold=0.5)
    for name in ("nearest.tsv", "summary.tsv", "report.html"):
        assert (tmp_path / "py" / name).read_text() == (tmp_path / "cli" / name).read_text()
    assert len(res) == 1 and res[0]["name"] == "split"
    sides = [s["side"] for s in res[0]["summary"]]
    assert sides == ["test", "validation"]
    assert res[0]["summary"][0]["samples"] == 20 and res[0]["summary"][0]["reference"] == 60
    # Brute force: each audited sample's nearest train sample.
    sim = tanimoto(bits[60:], bits[:60])
    near = res[0]["nearest"]
    assert near["id"] == ids[60:]
    assert near["side"] == ["test"] * 20 + ["validation"] * 10
    assert near["nearest_train_id"] == [ids[int(np.argmax(r))] for r in sim]
    np.testing.assert_allclose(near["max_similarity"], sim.max(1), rtol=0, atol=1e-12)
    frac = res[0]["summary"][0]["frac_ge"]
    assert frac[0.5] == pytest.approx(np.mean(sim[:20].max(1) >= 0.5))


def test_errors(data, fps_pair, tmp_path):
    q, t, _, _ = fps_pair
    with pytest.raises(ValueError, match="threshold, top"):
        cleave.search(q, t)
    with pytest.raises(ValueError, match=r"threshold must be in \[0, 1\]"):
        cleave.search(q, t, threshold=1.5)
    fasta = data / "seq_proteins.fasta"
    with pytest.raises(ValueError, match="not sequences"):
        cleave.search(fasta, fasta, threshold=0.3, measure="dice")
    with pytest.raises(ValueError, match="one kind"):
        cleave.search(q, fasta, threshold=0.3)
    with pytest.raises(OSError, match="nope.fps"):
        cleave.search(q, tmp_path / "nope.fps", threshold=0.3)
    split = tmp_path / "split"
    split.mkdir()
    (split / "train.txt").write_text("t000\n")
    (split / "test.txt").write_text("t001\nnope\n")
    with pytest.raises(ValueError, match=r"test.txt:2: id 'nope'"):
        cleave.audit(t, split)
    with pytest.raises(ValueError, match="against"):
        cleave.audit(t, split, against="test")
    assert not (tmp_path / "out").exists()


def test_backend(data, fps_pair):
    q, t, _, _ = fps_pair
    fasta = data / "seq_proteins.fasta"
    with pytest.raises(ValueError, match="cpu backend only"):
        cleave.search(fasta, fasta, threshold=0.3, backend="cuda")
    with pytest.raises(ValueError, match="backend"):
        cleave.search(q, t, threshold=0.3, backend="tpu")
    cpu = cleave.search(q, t, threshold=0.3, top=4, backend="cpu")
    if cleave.cuda_available():
        gpu = cleave.search(q, t, threshold=0.3, top=4, backend="cuda")
        assert gpu.targets.tolist() == cpu.targets.tolist()
        assert gpu.similarity.tolist() == cpu.similarity.tolist()
        assert gpu.nearest.tolist() == cpu.nearest.tolist()
    else:
        with pytest.raises(RuntimeError, match="backend cuda"):
            cleave.search(q, t, threshold=0.3, backend="cuda")


def test_arrays_are_read_only_views_that_outlive_the_hits(fps_pair):
    q, t, sim, _ = fps_pair
    h = cleave.search(q, t, threshold=0.3)
    targets, similarity, nearest = h.targets, h.similarity, h.nearest
    assert not targets.flags.writeable and not similarity.flags.writeable
    with pytest.raises(ValueError):
        targets[0] = 1
    # The same memory on every access, and the hits' own: no column copied.
    assert h.targets.ctypes.data == targets.ctypes.data
    assert np.may_share_memory(targets, similarity)
    want = similarity.copy()
    del h
    gc.collect()
    np.testing.assert_array_equal(similarity, want)
    assert len(targets) == len(want) and len(nearest) == sim.shape[0]
