"""Pareto dominance, non-dominated sorting and crowding distance (all objectives minimized).

Thin, typed wrappers over moocore (sorting, dominance) and pymoo (crowding distance),
plus the benchmark's "best N" selection: whole non-dominated fronts, the last front cut
by largest crowding distance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import moocore
from pymoo.operators.survival.rank_and_crowding.metrics import calc_crowding_distance
from pymoo.util.misc import find_duplicates


def front_index(Y: np.ndarray) -> np.ndarray:
    """Non-dominated sorting: the front of each row, 0 for the non-dominated ones.

    Args:
        Y: objective values, shape ``(N, m)``, minimized.

    Returns:
        int array ``(N,)``; duplicated rows share a front.
    """
    Y = np.asarray(Y, dtype=float)
    if len(Y) == 0:
        return np.zeros(0, dtype=int)
    return np.asarray(moocore.pareto_rank(Y), dtype=int)


def fronts(Y: np.ndarray) -> list[np.ndarray]:
    """Row indices of each non-dominated front, best first (each sorted ascending)."""
    rank = front_index(Y)
    order = np.argsort(rank, kind="stable")
    splits = np.flatnonzero(np.diff(rank[order])) + 1
    return np.split(order, splits) if len(order) else []


def nondominated_mask(Y: np.ndarray) -> np.ndarray:
    """Boolean mask ``(N,)`` of the non-dominated rows (duplicates of one kept all)."""
    Y = np.asarray(Y, dtype=float)
    if len(Y) == 0:
        return np.zeros(0, dtype=bool)
    return np.asarray(moocore.is_nondominated(Y, keep_weakly=True), dtype=bool)


def crowding_distance(F: np.ndarray) -> np.ndarray:
    """NSGA-II crowding distance of the rows of one front, shape ``(n,)``.

    Per objective, the gap between the two neighbours divided by the front's range,
    summed and divided by the number of objectives; boundary points get ``inf``, and so
    does every point of a front with at most two distinct points; the second and later
    copies of a duplicated point get 0 (as in NSGA-II and Off-MOO-Bench).
    """
    F = np.asarray(F, dtype=float)
    distance = np.zeros(len(F))
    if len(F) == 0:
        return distance
    unique = ~find_duplicates(F, epsilon=1e-32)
    distance[unique] = calc_crowding_distance(F[unique]) if unique.sum() > 2 else np.inf
    return distance


@dataclass(frozen=True)
class Ranking:
    """Preference facts of a set of designs, each an array ``(N,)``.

    Attributes:
        rank: position in the total order, 0 = best: by front, then by larger crowding
            distance within the front (ties kept in row order, so it is deterministic).
        front: non-dominated front index, 0 = best.
        crowding: crowding distance within the front (``inf`` at its ends).
    """

    rank: np.ndarray
    front: np.ndarray
    crowding: np.ndarray


def rank_designs(Y: np.ndarray) -> Ranking:
    """Rank the rows of ``Y (N, m)`` (minimized) by front, then by descending crowding distance."""
    Y = np.asarray(Y, dtype=float)
    front = front_index(Y)
    crowding = np.empty(len(Y))
    for idx in fronts(Y):
        crowding[idx] = crowding_distance(Y[idx])
    order = np.lexsort((-crowding, front))
    rank = np.empty(len(Y), dtype=np.int64)
    rank[order] = np.arange(len(Y))
    return Ranking(rank, front, crowding)


def select_best(Y: np.ndarray, n: int, *, benchmark_index_bug: bool = False) -> np.ndarray:
    """Indices of the ``n`` best rows: whole fronts, the overflowing front cut by crowding.

    This is Off-MOO-Bench's ``get_N_nondominated_indices`` (used for D(best) and the
    percentile hypervolumes).  The benchmark code has an index bug: on the front that is
    cut it returns the *positions within that front* of the rows it keeps instead of the
    rows themselves, and it takes that branch whenever a front reaches ``n`` exactly.
    ``benchmark_index_bug=True`` reproduces it, for comparing with published numbers; the
    default is the corrected selection.

    Args:
        Y: objective values ``(N, m)``, minimized.
        n: how many to select, ``0 <= n <= N``.

    Returns:
        int array ``(n,)`` of row indices (with the bug, possibly repeated rows).
    """
    Y = np.asarray(Y, dtype=float)
    if not 0 <= n <= len(Y):
        raise ValueError(f"cannot select {n} of {len(Y)} rows")
    chosen: list[np.ndarray] = []
    count = 0
    for front in fronts(Y):
        if count >= n:
            break
        if count + len(front) < n:
            chosen.append(front)
            count += len(front)
            continue
        keep = n - count
        positions = np.argsort(crowding_distance(Y[front]), kind="stable")[len(front) - keep :]
        chosen.append(positions if benchmark_index_bug else front[positions])
        count = n
    return np.concatenate(chosen).astype(int) if chosen else np.zeros(0, dtype=int)
