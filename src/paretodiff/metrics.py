"""Quality indicators and the Off-MOO-Bench evaluation protocol.

Conventions (reference ``offmoo_bench.md`` §3): objectives are min-max normalized with the
minimum and maximum over the training set *and* the hidden test set; the hypervolume
reference point is ``2.2 x`` the normalized nadir point; the hypervolume of a proposed set
is that of its non-dominated part.  The "75th / 50th percentile" hypervolumes are those of
the set left after removing its best 25% / 50% (non-dominated sorting, then crowding).
"""

from __future__ import annotations

from dataclasses import dataclass

import moocore
import numpy as np

from paretodiff.pareto import select_best

REFERENCE_FACTOR = 2.2
PERCENTILES = (1.0, 0.75, 0.5)


@dataclass(frozen=True)
class Normalizer:
    """Per-objective min-max scaling ``(Y - y_min) / (y_max - y_min)``.

    Attributes:
        y_min, y_max: arrays ``(m,)``; an objective with zero range is scaled by 1.
    """

    y_min: np.ndarray
    y_max: np.ndarray

    @classmethod
    def fit(cls, *arrays: np.ndarray) -> "Normalizer":
        """Minimum and maximum over the rows of all ``arrays`` (each ``(N_i, m)``)."""
        Y = np.concatenate([np.asarray(a, dtype=float) for a in arrays])
        return cls(Y.min(axis=0), Y.max(axis=0))

    @property
    def scale(self) -> np.ndarray:
        span = self.y_max - self.y_min
        return np.where(span > 0, span, 1.0)

    def __call__(self, Y: np.ndarray) -> np.ndarray:
        return (np.asarray(Y, dtype=float) - self.y_min) / self.scale


def reference_point(nadir: np.ndarray, normalizer: Normalizer) -> np.ndarray:
    """The benchmark's hypervolume reference: ``2.2 * normalize(nadir)``, shape ``(m,)``."""
    return REFERENCE_FACTOR * normalizer(np.asarray(nadir, dtype=float))


def hypervolume(Y: np.ndarray, ref: np.ndarray) -> float:
    """Hypervolume (minimization) of the rows of ``Y`` ``(N, m)`` against ``ref`` ``(m,)``.

    Dominated rows and rows that do not dominate ``ref`` add nothing; an empty set or
    non-finite rows are not allowed (filter them first).
    """
    Y = np.asarray(Y, dtype=float)
    if len(Y) == 0:
        return 0.0
    if not np.all(np.isfinite(Y)):
        raise ValueError("hypervolume needs finite objective values")
    return float(moocore.hypervolume(Y, ref=np.asarray(ref, dtype=float)))


def percentile_hypervolume(
    Y: np.ndarray, ref: np.ndarray, q: float, *, benchmark_index_bug: bool = False
) -> float:
    """Hypervolume after removing the ``int(n * (1 - q))`` best rows (benchmark §3.4).

    ``q = 1`` is the plain hypervolume.  With ``benchmark_index_bug`` the removed rows are
    chosen with the benchmark's index bug (see :func:`paretodiff.pareto.select_best`).
    """
    Y = np.asarray(Y, dtype=float)
    n_remove = int(len(Y) * (1.0 - q))
    keep = np.ones(len(Y), dtype=bool)
    keep[select_best(Y, n_remove, benchmark_index_bug=benchmark_index_bug)] = False
    return hypervolume(Y[keep], ref)


def igd(Y: np.ndarray, front: np.ndarray) -> float:
    """Inverted generational distance of ``Y`` to the reference ``front`` (same space)."""
    return float(moocore.igd(np.asarray(Y, dtype=float), ref=np.asarray(front, dtype=float)))


def igd_plus(Y: np.ndarray, front: np.ndarray) -> float:
    """IGD+ (dominance-compliant IGD) of ``Y`` to the reference ``front``."""
    return float(moocore.igd_plus(np.asarray(Y, dtype=float), ref=np.asarray(front, dtype=float)))


def spacing(Y: np.ndarray) -> float:
    """Schott's spacing: standard deviation of each point's L1 distance to its nearest other.

    0 means perfectly even spacing; ``nan`` for fewer than two points.
    """
    Y = np.asarray(Y, dtype=float)
    if len(Y) < 2:
        return float("nan")
    dist = np.abs(Y[:, None, :] - Y[None, :, :]).sum(axis=-1)
    np.fill_diagonal(dist, np.inf)
    return float(np.std(dist.min(axis=1), ddof=1))


def spread(Y: np.ndarray, extremes: np.ndarray | None = None) -> float:
    """Deb's spread Delta, with the points ordered by the first objective.

    ``Delta = (d_f + d_l + sum |d_i - mean d|) / (d_f + d_l + (n - 1) mean d)`` where ``d_i``
    are distances between consecutive points, and ``d_f, d_l`` the distances from the two
    end points to the true front's ``extremes`` (rows: smallest-first and largest-first
    objective ends), or 0 when no front is known.  0 is ideal; ``nan`` for < 2 points.
    """
    Y = np.asarray(Y, dtype=float)
    if len(Y) < 2:
        return float("nan")
    P = Y[np.argsort(Y[:, 0], kind="stable")]
    gaps = np.linalg.norm(np.diff(P, axis=0), axis=1)
    mean_gap = gaps.mean()
    d_f = d_l = 0.0
    if extremes is not None:
        d_f = float(np.linalg.norm(P[0] - extremes[0]))
        d_l = float(np.linalg.norm(P[-1] - extremes[1]))
    denom = d_f + d_l + len(gaps) * mean_gap
    return float((d_f + d_l + np.abs(gaps - mean_gap).sum()) / denom) if denom > 0 else 0.0


def front_extremes(front: np.ndarray) -> np.ndarray:
    """The two ends of a front along the first objective, shape ``(2, m)``."""
    front = np.asarray(front, dtype=float)
    return front[[np.argmin(front[:, 0]), np.argmax(front[:, 0])]]
