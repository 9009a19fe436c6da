"""D(best): the best training designs, Off-MOO-Bench's anchor row (no model, no search)."""

from __future__ import annotations

import numpy as np

from paretodiff.baselines.base import Method, OfflineData
from paretodiff.pareto import select_best


class DBest(Method):
    """Propose the ``n`` best training designs: whole non-dominated fronts, then crowding.

    Args:
        benchmark_index_bug: select with Off-MOO-Bench's index bug (see
            :func:`paretodiff.pareto.select_best`); the corrected selection by default.
    """

    name = "d-best"

    def __init__(self, benchmark_index_bug: bool = False) -> None:
        self.benchmark_index_bug = bool(benchmark_index_bug)
        self._data: OfflineData | None = None

    def fit(self, data: OfflineData, seed: int) -> None:
        self._data = data

    def propose(self, n: int, seed: int) -> np.ndarray:
        if self._data is None:
            raise RuntimeError("fit before proposing")
        rows = select_best(self._data.Y, min(n, len(self._data.Y)), benchmark_index_bug=self.benchmark_index_bug)
        return self._data.X[rows].copy()

    def settings(self) -> dict:
        return {"benchmark_index_bug": self.benchmark_index_bug}
