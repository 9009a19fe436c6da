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
spread out along the predicted front.  With ``layers = k > 1`` they are chosen in ``k``
rounds of ``n / k``, each by the same rule among the candidates not yet chosen
(:func:`layered`): every round covers the predicted front on its own, so each region of it,
its ends above all, gets about ``k`` designs instead of one, and the batch still covers the
front when some of its designs disappoint or are taken away (the benchmark's 75th and 50th
percentile remove the best quarter and half).

The ``batch`` strategy chooses the ``n`` jointly for a round of experiments: greedily, the
candidate that most raises the *expected hypervolume improvement* of the batch over the
measured front, the expectation taken over joint draws of the objective model (its members:
each member is one plausible objective function over all candidates at once), as q-EHVI
and qNEHVI do with Gaussian-process draws (Daulton et al. 2020, 2021).  The improvement of a
batch is submodular, so a candidate close to one already chosen adds little and the batch
spreads out; the greedy choice is exact to ``1 - 1/e`` of the best batch and is evaluated
lazily (:func:`greedy_hypervolume_batch`).  Candidates that improve nothing in any draw
follow, by fronts and crowding on their pessimistic predictions.

:func:`undominated_probability` gives each design its predicted chance of not being dominated
by any measured design.
"""

from __future__ import annotations

import heapq
import math
import re
from typing import Sequence

import numpy as np

from paretodiff import metrics
from paretodiff.pareto import select_best

STRATEGIES = ("pessimistic", "batch")
STRATEGY_HELP = {
    "pessimistic": "fronts and crowding on mean + kappa * std of the predicted objectives, for the best "
                   "and most spread designs at their worst plausible, in layers that each cover the "
                   "predicted front",
    "batch": "chosen jointly by expected hypervolume improvement over the measured front on the objective "
             "model's joint draws, for the next round of experiments; ordered by batch_rank",
}
REFERENCE_MARGIN = 0.1  # the reference point: the measured front's worst value + this, normalized units


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


def select(mean: np.ndarray, std: np.ndarray, n: int, strategy: str = "pessimistic", kappa: float = 1.0,
           layers: int = 1) -> np.ndarray:
    """Indices of the ``n`` candidates to propose, by their predicted objectives.

    Args:
        mean, std: the objective model's predictions ``(P, m)``, every objective minimized.
        n: how many to choose; all ``P`` if there are fewer.
        strategy: ``pessimistic`` (the module's docstring).
        kappa: standard deviations of pessimism (0: the mean alone).
        layers: rounds of choice, each covering the predicted front (:func:`layered`; 1: one).

    Returns:
        int array of at most ``n`` distinct row indices, the first round's first front first.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown selection strategy {strategy!r}; choose one of: {', '.join(STRATEGIES)}")
    if strategy == "batch":
        raise ValueError("the batch strategy needs the model's joint draws: use greedy_hypervolume_batch")
    F = pessimistic(mean, std, kappa)
    return layered(F, min(n, len(F)), layers)


def layered(F: np.ndarray, n: int, layers: int = 1) -> np.ndarray:
    """Indices of ``n`` rows of ``F (P, m)`` (minimized) chosen in ``layers`` rounds.

    Round ``i`` takes its share of ``n`` (``n // layers``, the first ``n % layers`` rounds one
    more) by whole fronts and crowding distance (:func:`paretodiff.pareto.select_best`) among
    the rows no earlier round took.  One round is ``select_best(F, n)``; with several, each
    round is a spread-out approximation of the front on its own, so every region of the front
    (its ends included) is held by several rows rather than by one.

    Returns:
        int array ``(n,)`` of distinct row indices, the first round's first.
    """
    if layers < 1:
        raise ValueError(f"layers must be at least 1, got {layers}")
    if not 0 <= n <= len(F):
        raise ValueError(f"cannot select {n} of {len(F)} rows")
    F = np.asarray(F, dtype=float)
    left = np.arange(len(F))
    chosen = []
    for share in (n // layers + (i < n % layers) for i in range(layers)):
        picked = left[select_best(F[left], share)]
        chosen.append(picked)
        left = np.setdiff1d(left, picked, assume_unique=True)
    return np.concatenate(chosen).astype(int)


_TARGET = re.compile(r"^\s*(?P<name>[^<>=]+?)\s*(?P<op><=|>=|<|>)\s*(?P<value>[^<>=]+?)\s*$")
_COMPARE = {"<=": np.less_equal, ">=": np.greater_equal, "<": np.less, ">": np.greater}


def parse_target(terms: Sequence[str], objectives: Sequence[str] | None = None) -> list[tuple[str, str, float]]:
    """Thresholds on objectives, ``["cost<=100", "mass<2"]`` -> ``[("cost", "<=", 100.0), ...]``.

    Raises:
        ValueError: a term that is not ``name op number`` (op: ``<=``, ``>=``, ``<``, ``>``), a
            non-finite number, or (given ``objectives``) a name that is not an objective.
    """
    out = []
    for term in terms:
        match = _TARGET.match(term)
        try:
            value = float(match["value"]) if match else math.nan
        except ValueError:
            value = math.nan
        if not match or not math.isfinite(value):
            raise ValueError(f"{term!r} is not a threshold like cost<=100 (<=, >=, < or > and a finite number)")
        if objectives is not None and match["name"] not in objectives:
            raise ValueError(f"{match['name']!r} is not an objective ({', '.join(objectives)})")
        out.append((match["name"], match["op"], value))
    return out


def inside_target(predicted: dict[str, np.ndarray], target: Sequence[tuple[str, str, float]]) -> np.ndarray:
    """Which designs' predicted values (``{objective: (P,)}``, the user's units) meet every threshold ``(P,)``."""
    masks = [_COMPARE[op](np.asarray(predicted[name]), value) for name, op, value in target]
    return np.logical_and.reduce(masks) if masks else np.ones(len(next(iter(predicted.values()))), dtype=bool)


def reference_point(front: np.ndarray) -> np.ndarray:
    """The hypervolume reference point ``(m,)`` for improvements over ``front (F, m)``
    (minimized, normalized): its worst value per objective plus :data:`REFERENCE_MARGIN`."""
    return np.asarray(front, dtype=float).max(axis=0) + REFERENCE_MARGIN


def greedy_hypervolume_batch(draws: np.ndarray, front: np.ndarray, n: int,
                             ref: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The batch of ``n`` candidates with the largest expected hypervolume improvement, greedily.

    Args:
        draws: joint draws of the candidates' objectives ``(S, P, m)``, minimized and
            normalized (e.g. the objective model's members).
        front: the measured non-dominated objective values ``(F, m)``, same units.
        n: batch size; at most ``P`` are returned.
        ref: the reference point (default :func:`reference_point` of ``front``).

    Returns:
        ``(order, gain)``: at most ``n`` candidate indices in the order chosen, and each one's
        expected improvement when it joined (normalized hypervolume, non-increasing; 0 for
        those that improve nothing in any draw, which are not returned: the caller fills the
        batch from the rest).
    """
    draws, front = np.asarray(draws, dtype=float), np.asarray(front, dtype=float)
    ref = reference_point(front) if ref is None else np.asarray(ref, dtype=float)
    S, P, _ = draws.shape
    sets = [front.copy() for _ in range(S)]
    base = np.array([_hv(front, ref) for _ in range(S)])

    def gain(c: int) -> float:
        return float(np.mean([_hv(np.vstack([sets[s], draws[s, c]]), ref) - base[s] for s in range(S)]))

    # a candidate that every draw puts behind the front (or past the reference point) adds nothing
    useful = [c for c in range(P) if any(_improves(draws[s, c], sets[s], ref) for s in range(S))]
    heap = [(-gain(c), c, 0) for c in useful]
    heapq.heapify(heap)
    order: list[int] = []
    gains: list[float] = []
    while heap and len(order) < n:
        bound, c, chosen_at = heapq.heappop(heap)
        if chosen_at != len(order):  # stale: the batch grew since this gain was computed
            g = gain(c)
            if g > 0:
                heapq.heappush(heap, (-g, c, len(order)))
            continue
        if -bound <= 0:
            break
        order.append(c)
        gains.append(-bound)
        for s in range(S):
            sets[s] = np.vstack([sets[s], draws[s, c]])
            base[s] = _hv(sets[s], ref)
    return np.array(order, dtype=int), np.array(gains, dtype=float)


def hypervolume(points: np.ndarray, ref: np.ndarray) -> float:
    """Hypervolume of ``points (N, m)`` (minimized) against ``ref (m,)``; points outside the box add nothing."""
    return _hv(np.asarray(points, dtype=float), np.asarray(ref, dtype=float))


def _hv(points: np.ndarray, ref: np.ndarray) -> float:
    return metrics.hypervolume(points, ref)  # points that do not dominate ref add nothing


def _improves(y: np.ndarray, points: np.ndarray, ref: np.ndarray) -> bool:
    """Whether ``y`` is inside the reference box and weakly dominated by none of ``points``."""
    return bool((y < ref).all() and not (points <= y).all(axis=1).any())


def undominated_probability(mean: np.ndarray, std: np.ndarray, front: np.ndarray, *, draws: int = 256,
                            seed: int = 0) -> np.ndarray:
    """Each design's predicted probability ``(P,)`` of not being dominated by any measured design.

    The predictions are taken as independent normals ``N(mean, std^2)`` per objective
    (``(P, m)`` each, minimized, the units of ``front (F, m)``, the measured non-dominated
    values); the probability is the share of ``draws`` normal draws (seeded: the same seed
    gives the same numbers) that no front point weakly dominates.
    """
    mean, std, front = (np.asarray(a, dtype=float) for a in (mean, std, front))
    z = np.random.default_rng(seed).standard_normal((draws, *mean.shape))
    free = np.zeros(len(mean))
    chunk = max(1, int(2e7 // (draws * max(1, front.size))))  # designs at a time: about 20 MB of comparisons
    for lo in range(0, len(mean), chunk):
        y = mean[lo:lo + chunk] + std[lo:lo + chunk] * z[:, lo:lo + chunk]  # (draws, p, m)
        covered = np.ones((draws, len(y[0]), len(front)), dtype=bool)  # front point f weakly dominates the draw
        for j in range(front.shape[1]):  # an objective at a time: numpy's reduction over a short last axis is slow
            covered &= front[:, j] <= y[:, :, j, None]
        free[lo:lo + chunk] = 1.0 - covered.any(axis=-1).mean(axis=0)
    return free
