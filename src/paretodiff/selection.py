"""From a pool of candidate designs to the ``n`` proposed: new designs only, chosen on predictions.

A generator's samples are a pool, larger than the number of designs asked for.  Two steps
turn it into the proposals:

1. :func:`new_designs` keeps each distinct design once and drops every design that was
   measured already (a measured design is not a proposal);
2. :func:`select` chooses ``n`` of what is left by the objective model's predictions
   (:mod:`paretodiff.objective_model`), never by the objective functions.

The ``pessimistic`` strategy ranks the candidates on ``mean + kappa * std`` of the
predictions (objectives minimized): a candidate counts for what it is predicted to reach at
worst within ``kappa`` standard deviations, so a design far from the data, where the
ensemble disagrees, has to promise more to be chosen.  The ``n`` are whole non-dominated
fronts of these pessimistic values, the last front cut by crowding distance (NSGA-II's
survival, :func:`paretodiff.pareto.select_best`), so the chosen designs are both good and
spread out along the predicted front.
"""

from __future__ import annotations

import numpy as np

from paretodiff.pareto import select_best

STRATEGIES = ("pessimistic",)


def design_digests(X: np.ndarray) -> np.ndarray:
    """A 64-bit digest of each row of ``X (N, D)`` ``(N,)``: equal designs, equal digests (-0.0 = 0.0).

    The rows' bytes are mixed column by column with the SplitMix64 finalizer (vectorized over
    the rows); a model keeps the digests of the measured designs rather than the designs.
    """
    bits = np.ascontiguousarray(np.asarray(X, dtype=np.float64) + 0.0).view(np.uint64).reshape(len(X), -1)
    digest = np.full(len(bits), 0x9E3779B97F4A7C15, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in bits.T:
            digest = _mix(digest ^ column)
    return digest.view(np.int64)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finalizer on ``uint64`` values (wrapping arithmetic)."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def new_designs(X: np.ndarray, measured: np.ndarray) -> np.ndarray:
    """Indices of the rows of ``X (P, D)`` that are new: the first copy of each distinct row, none
    equal to a measured design (``measured``: their :func:`design_digests`); in the order of ``X``."""
    X = np.asarray(X, dtype=float)
    if len(X) == 0:
        return np.zeros(0, dtype=int)
    _, first = np.unique(X + 0.0, axis=0, return_index=True)
    first = np.sort(first)
    return first[~np.isin(design_digests(X[first]), measured)].astype(int)


def pessimistic(mean: np.ndarray, std: np.ndarray, kappa: float) -> np.ndarray:
    """``mean + kappa * std`` ``(P, m)``: the predicted objectives (minimized) at their worst plausible."""
    return np.asarray(mean, dtype=float) + kappa * np.asarray(std, dtype=float)


def select(mean: np.ndarray, std: np.ndarray, n: int, strategy: str = "pessimistic", kappa: float = 1.0) -> np.ndarray:
    """Indices of the ``n`` candidates to propose, by their predicted objectives.

    Args:
        mean, std: the objective model's predictions ``(P, m)``, every objective minimized.
        n: how many to choose; all ``P`` if there are fewer.
        strategy: ``pessimistic`` (the module's docstring).
        kappa: standard deviations of pessimism (0: the mean alone).

    Returns:
        int array of at most ``n`` distinct row indices, the first front first.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown selection strategy {strategy!r}; choose one of: {', '.join(STRATEGIES)}")
    F = pessimistic(mean, std, kappa)
    return select_best(F, min(n, len(F)))
