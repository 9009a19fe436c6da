"""D(best): the best training designs, Off-MOO-Bench's anchor row (no model, no search)."""

from __future__ import annotations

import numpy as np

from paretodiff import constraints
from paretodiff.errors import InputError
from paretodiff.methods.base import OfflineData, Proposals, check_n, exactly_n
from paretodiff.metrics import Normalizer
from paretodiff.pareto import select_best


class DBest:
    """Propose the ``n`` best training designs: whole non-dominated fronts, then crowding (with
    constraints, those that meet them first, then by least violation).

    Args:
        benchmark_index_bug: select with Off-MOO-Bench's index bug (see
            :func:`paretodiff.pareto.select_best`); the corrected selection by default.
    """

    name = "d-best"

    def __init__(self, benchmark_index_bug: bool = False) -> None:
        self.benchmark_index_bug = bool(benchmark_index_bug)
        self._data: OfflineData | None = None

    def fit(self, data: OfflineData, seed: int) -> "DBest":
        self._data = data
        return self

    def propose(self, n: int, seed: int) -> Proposals:
        """The ``min(n, N)`` best designs inside the search box, padded by random repeats to ``n``
        if they are fewer.

        Raises:
            InputError: no measured design lies inside the search box.
        """
        if self._data is None:
            raise RuntimeError("fit before proposing")
        n = check_n(n)
        inside = np.flatnonzero(self._data.space.in_search(self._data.X))
        if len(inside) == 0:
            raise InputError("d-best proposes measured designs, and none lies inside the bounds")
        data = self._data
        Y = data.Y_min[inside]
        if data.space.n_constr:  # those that meet the constraints first (Deb's constrained domination)
            M = constraints.margins(data.G[inside], data.space.constraints)
            Y = constraints.penalized(Normalizer.fit(Y)(Y), constraints.total_violation(M / constraints.scale(M)))
        rows = inside[select_best(Y, min(n, len(Y)), benchmark_index_bug=self.benchmark_index_bug)]
        return Proposals(exactly_n(self._data.X[rows], n, np.random.default_rng(seed)))

    def settings(self) -> dict:
        return {"benchmark_index_bug": self.benchmark_index_bug}

    def facts(self) -> dict:
        return {}
