"""cleave: similarity graphs and SPECTRA splits for molecular datasets.

The graph and split engines are cleave's C++ library (module ``cleave._core``);
this package adds the pandas view of a split set and a scikit-learn style
splitter. Bad arguments raise ValueError, unreadable files OSError, each with
the library's message; library warnings (skipped records, a CUDA fallback)
are issued as :class:`CleaveWarning`. Graph builds and sweeps release the GIL
and stop on Ctrl-C with KeyboardInterrupt.

Example::

    import cleave
    g = cleave.Graph.from_smiles(["CCO", "CCN", "c1ccccc1"], threshold=0.4)
    splits = cleave.spectra_splits(g)
    splits.to_frame()

Paired data (drug-target or protein-protein pairs in a CSV) is split cold on
one or both sides by :func:`paired_splits`, e.g.
``cleave.paired_splits("pairs.csv", cold="both", fasta="targets.fasta")``.

Queries are searched against a target set by :func:`search` (e.g.
``cleave.search("q.csv", "t.csv", threshold=0.4).to_frame()``), and an
existing train/test split is audited by :func:`audit`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Optional, Sequence, Tuple

from ._core import (
    DEFAULT_SEEDS,
    DEFAULT_SP,
    CleaveWarning,
    Graph,
    SearchHits,
    Split,
    SplitSet,
    __version__,
    audit,
    auspc,
    cuda_available,
    have_rdkit,
    num_threads,
    paired_splits,
    partition,
    search,
    set_num_threads,
    spectra_splits,
)

__all__ = [
    "DEFAULT_SEEDS",
    "DEFAULT_SP",
    "CleaveWarning",
    "Graph",
    "SearchHits",
    "Split",
    "SplitSet",
    "SpectraSplit",
    "__version__",
    "audit",
    "auspc",
    "cuda_available",
    "have_rdkit",
    "num_threads",
    "paired_splits",
    "partition",
    "search",
    "set_num_threads",
    "spectra_splits",
]

if TYPE_CHECKING:
    import numpy as np


class SpectraSplit:
    """SPECTRA splits as a scikit-learn style cross-validator.

    ``split(X)`` builds the overlap graph of X and yields ``(train, test)``
    index arrays (int64, positions in X) for every valid split of the sweep,
    p-major then seed, as :func:`spectra_splits` makes them. X may be:

    - a sequence of SMILES strings (``input="smiles"``; Morgan fingerprints of
      ``radius`` and ``nbits``),
    - a sequence of protein or DNA strings (``input="sequences"``),
    - a 2-D array of 0/1 fingerprint bits (``input="fingerprints"``),
    - a 2-D float array of embeddings (``input="embeddings"``),
    - a :class:`Graph` whose node k is row k.

    ``input="auto"`` tells strings apart by trying SMILES first only when
    asked: strings are SMILES unless ``input="sequences"``; integer or bool
    arrays are fingerprints, float arrays embeddings. ``threshold=None`` takes
    ``cleave graph``'s default for the input kind (0.4 fingerprints, 0.9
    embeddings, 0.3 proteins / 0.9 DNA). Unparseable SMILES raise ValueError
    (positions in X must stay valid).
    """

    def __init__(
        self,
        threshold: Optional[float] = None,
        sp: Optional[Sequence[float]] = None,
        seeds: Sequence[int] = DEFAULT_SEEDS,
        test_fraction: float = 0.2,
        weighted: bool = False,
        compat_spectrae: bool = False,
        input: str = "auto",
        radius: int = 2,
        nbits: int = 2048,
        measure: str = "tanimoto",
        backend: str = "auto",
    ) -> None:
        if input not in ("auto", "smiles", "sequences", "fingerprints", "embeddings"):
            raise ValueError(
                f"input must be auto, smiles, sequences, fingerprints or embeddings, got {input!r}"
            )
        self.threshold = threshold
        self.sp = sp
        self.seeds = tuple(seeds)
        self.test_fraction = test_fraction
        self.weighted = weighted
        self.compat_spectrae = compat_spectrae
        self.input = input
        self.radius = radius
        self.nbits = nbits
        self.measure = measure
        self.backend = backend
        self.splits_: Optional[SplitSet] = None

    def graph(self, X: Any) -> Graph:
        """The overlap graph split() uses for X (node k = row k of X)."""
        import numpy as np  # imported here: nanobind's stubgen imports the package without numpy

        if isinstance(X, Graph):
            return X
        kind = self.input
        if kind == "auto":
            if isinstance(X, np.ndarray) and X.ndim == 2:
                kind = "embeddings" if X.dtype.kind == "f" else "fingerprints"
            else:
                kind = "smiles"
        ids = None
        if kind == "smiles":
            smiles = [str(s) for s in X]
            kw = {} if self.threshold is None else {"threshold": self.threshold}
            return Graph.from_smiles(
                smiles, radius=self.radius, nbits=self.nbits, measure=self.measure,
                strict=True, backend=self.backend, **kw)
        if kind == "sequences":
            return Graph.from_sequences([str(s) for s in X], ids=ids, threshold=self.threshold,
                                        backend=self.backend)
        kw = {} if self.threshold is None else {"threshold": self.threshold}
        if kind == "fingerprints":
            return Graph.from_fingerprints(np.asarray(X), measure=self.measure,
                                           backend=self.backend, **kw)
        return Graph.from_embeddings(np.asarray(X), backend=self.backend, **kw)

    def _splits(self, X: Any) -> SplitSet:
        self.splits_ = spectra_splits(
            self.graph(X), sp=self.sp, seeds=self.seeds, test_fraction=self.test_fraction,
            weighted=self.weighted, compat_spectrae=self.compat_spectrae, backend=self.backend)
        return self.splits_

    def split(self, X: Any, y: Any = None, groups: Any = None
              ) -> Iterator[Tuple[np.ndarray, np.ndarray]]:
        """Yields (train, test) int64 index arrays into X, one pair per valid split.

        The whole split set stays in ``self.splits_`` (with sp, seed and the
        measured overlap of each split). y and groups are ignored.
        """
        for s in self._splits(X):
            if s.valid:
                yield s.train, s.test

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """Number of splits split(X) yields (the valid ones); without X, the
        number of (p, seed) pairs of the sweep, an upper bound."""
        if X is None:
            n_sp = len(DEFAULT_SP) if self.sp is None else len(self.sp)
            return n_sp * len(self.seeds)
        return sum(1 for s in self._splits(X) if s.valid)

    def __repr__(self) -> str:
        return (f"SpectraSplit(threshold={self.threshold!r}, sp={self.sp!r}, "
                f"seeds={self.seeds!r}, test_fraction={self.test_fraction!r}, "
                f"weighted={self.weighted!r}, compat_spectrae={self.compat_spectrae!r}, "
                f"input={self.input!r})")
