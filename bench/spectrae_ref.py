"""The reference side of the benchmarks: spectrae 1.0.3 driven as its users drive it.

spectrae is used through its public API only (a SpectraDataset and a Spectra
subclass, load_spectra_precalculated_spectra_properties, construct_spectra_graph,
generate_spectra_splits). Where a choice had to be made, it favours spectrae:
the precalculated file holds only the rows that become edges (spectrae skips
zero rows anyway), and cross_split_overlap is a constant, so its time is not
counted against spectrae.
"""
import contextlib
import io
import os
import pickle
import shutil
import time

os.environ.setdefault("TQDM_DISABLE", "1")

from spectrae import Spectra, SpectraDataset  # noqa: E402

SWEEP = [round(k / 20, 2) for k in range(21)]
SEEDS = [42, 44, 46]


class IndexDataset(SpectraDataset):
    """Samples are the node indices 0..n-1 (the similarities are precalculated)."""

    def __init__(self, n, name):
        self.n = n
        super().__init__(None, name)

    def parse(self, input_file):
        return list(range(self.n))

    def sample_to_index(self, idx):
        return idx

    def __len__(self):
        return self.n

    def __getitem__(self, idx):
        return self.samples[idx]


class PrecalculatedSpectra(Spectra):
    """Similarities come from the precalculated file; overlap is not measured."""

    def spectra_properties(self, sample_one, sample_two):
        raise RuntimeError("similarities are precalculated")

    def cross_split_overlap(self, train, test):
        return 0.0


def stride_order(values):
    """Orders values so that every prefix spreads over the whole range
    (0, 1, 0.5, 0.25, 0.75, ...): a time-limited run then samples all p."""
    n = len(values)
    order, seen = [], set()
    step = n - 1
    while step >= 1:
        for i in range(0, n, step):
            if i not in seen:
                seen.add(i)
                order.append(values[i])
        step //= 2
    for i in range(n):
        if i not in seen:
            order.append(values[i])
    return order


def write_pairs(path, rows):
    """rows: iterable of (i, j, value) with value != 0 (spectrae's i<TAB>j<TAB>value)."""
    with open(path, "w") as f:
        for i, j, v in rows:
            f.write(f"{i}\t{j}\t{v}\n")


@contextlib.contextmanager
def quiet():
    """spectrae prints several lines per split; the text is discarded."""
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        yield


def run_sweep(workdir, n, pairs_prefix, ps=SWEEP, seeds=SEEDS, budget_s=None, name="bench"):
    """Loads the precalculated pairs, builds spectrae's graph, runs the sweep.

    The sweep runs one p at a time (all seeds) in stride order and stops once
    budget_s is spent. Returns a dict with times, the p values done and, per
    (p, repeat), the kept sample count (train + test).
    """
    cwd = os.getcwd()
    os.makedirs(workdir, exist_ok=True)
    os.chdir(workdir)
    try:
        # generate_spectra_splits skips a (p, repeat) whose folder exists.
        shutil.rmtree(f"{name}_SPECTRA_splits", ignore_errors=True)
        shutil.rmtree(f"{name}_spectral_property_graphs", ignore_errors=True)
        spectra = PrecalculatedSpectra(IndexDataset(n, name), binary=True)
        t0 = time.perf_counter()
        with quiet():
            spectra.load_spectra_precalculated_spectra_properties(pairs_prefix)
        t_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        with quiet():
            spectra.construct_spectra_graph(force_reconstruct=True)
        t_graph = time.perf_counter() - t0

        done, per_p = [], {}
        t_sweep = cpu_sweep = 0.0
        for p in stride_order(list(ps)):
            if budget_s is not None and done and t_sweep >= budget_s:
                break
            t0, c0 = time.perf_counter(), time.process_time()
            with quiet():
                spectra.generate_spectra_splits([p], len(seeds), list(seeds), test_size=0.2)
            dt = time.perf_counter() - t0
            t_sweep += dt
            cpu_sweep += time.process_time() - c0
            per_p[p] = dt
            done.append(p)

        kept = {}
        for p in done:
            for r in range(len(seeds)):
                stats = f"{name}_SPECTRA_splits/SP_{float(p)}_{r}/stats.pkl"
                if os.path.exists(stats):
                    with open(stats, "rb") as f:
                        s = pickle.load(f)
                    kept[(p, r)] = int(s["train_size"]) + int(s["test_size"])
                else:
                    kept[(p, r)] = 0
        return {
            "load_s": t_load,
            "graph_s": t_graph,
            "sweep_s": t_sweep,
            "sweep_cpu_s": cpu_sweep,
            "per_p_s": per_p,
            "done": sorted(done),
            "complete": len(done) == len(ps),
            "n_ps": len(ps),
            "kept": kept,
            "graph_nodes": spectra.SPG.number_of_nodes(),
            "graph_edges": spectra.SPG.number_of_edges(),
        }
    finally:
        os.chdir(cwd)


def sweep_estimate(res, key="sweep_s"):
    """Full-sweep seconds (key: sweep_s wall, sweep_cpu_s CPU): measured when
    complete, else the measured mean per p (over p values spread across
    [0, 1]) times the number of p values."""
    if res["complete"]:
        return res[key], "measured"
    mean = res[key] / len(res["done"])
    return mean * res["n_ps"], f"EXTRAPOLATED from {len(res['done'])} of {res['n_ps']} p values"
