"""Searching the unit cube on predicted objectives: NSGA-II, started from given designs.

Two runs of the same algorithm (pymoo's NSGA-II with its default operators):

* :func:`nsga2`, pymoo's ``minimize``: the forward baselines (:mod:`paretodiff.methods.surrogate`)
  search their surrogates with it, as Off-MOO-Bench runs them;
* :func:`nsga2_arrays`, the same operators (pymoo's crossover and mutation functions) and
  survival on whole arrays: preference-guided diffusion refines its pool with it on the
  objective model's pessimistic predictions (:mod:`paretodiff.methods.pgd`, 200 generations),
  where pymoo's per-design objects cost most of the time (``selection.search_engine``).
"""

from __future__ import annotations

import numpy as np

from pymoo.operators.survival.rank_and_crowding.metrics import calc_crowding_distance

from paretodiff.pareto import fronts, select_best

ENGINES = ("arrays", "pymoo")  # nsga2_arrays, nsga2
MATING_ROUNDS = 100  # pymoo's n_max_iterations: matings drawn at most per generation to find new children


def initial_population(U: np.ndarray, Y: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """The benchmark's "nds" start: the ``n`` best training designs, padded with random ones.

    Args:
        U: training designs on the unit cube ``(N, D)``.
        Y: their objectives ``(N, m)``, minimized.
        n: population size.
        rng: draws the uniform padding designs when ``N < n``.

    Returns:
        ``(n, D)`` unit-cube designs: ``U[select_best(Y, min(n, N))]`` then padding.
    """
    best = U[select_best(Y, min(n, len(U)))]
    return np.concatenate([best, rng.random((n - len(best), U.shape[1]))])


def _surrogate_problem(predict, n_var: int, n_obj: int, lower, upper, n_constr: int = 0):
    """A vectorized pymoo problem on the box ``[lower, upper]`` of the unit cube whose objectives
    are ``predict(U)`` (with ``n_constr`` constraints, ``predict`` returns ``(F, G)``)."""
    from pymoo.core.problem import Problem

    class SurrogateProblem(Problem):
        def __init__(self) -> None:
            super().__init__(n_var=n_var, n_obj=n_obj, n_ieq_constr=n_constr, xl=lower, xu=upper)

        def _evaluate(self, x, out, *args, **kwargs):
            if n_constr:
                out["F"], out["G"] = predict(x)
            else:
                out["F"] = predict(x)

    return SurrogateProblem()


def nsga2(predict, start: np.ndarray, n_obj: int, n_gen: int, eliminate_duplicates: bool, seed: int,
          lower: np.ndarray | float = 0.0, upper: np.ndarray | float = 1.0, n_constr: int = 0) -> np.ndarray:
    """Run pymoo's NSGA-II (default operators) on the unit cube, or a box inside it, from ``start``.

    Args:
        predict: unit-cube designs ``(B, D)`` -> predicted objectives ``(B, m)``, minimized.
        start: initial population ``(P, D)``; ``P`` is the population size (clipped to the box).
        lower, upper: the box searched, scalars or ``(D,)`` inside ``[0, 1]`` (a search box,
            :meth:`paretodiff.space.DesignSpace.search_unit`).
        n_constr: constraints ``G <= 0`` (pymoo's constrained domination); with any,
            ``predict`` returns ``(F (B, m), G (B, n_constr))``.

    Returns:
        the final population ``(<= P, D)`` in the box (fewer only if duplicates were dropped).
    """
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.optimize import minimize

    start = np.clip(start, lower, upper)
    algorithm = NSGA2(pop_size=len(start), sampling=start, eliminate_duplicates=eliminate_duplicates)
    problem = _surrogate_problem(predict, start.shape[1], n_obj, lower, upper, n_constr)
    result = minimize(problem, algorithm, ("n_gen", n_gen), seed=seed, verbose=False)
    return np.clip(result.pop.get("X"), lower, upper)


def nsga2_arrays(predict, start: np.ndarray, n_obj: int, n_gen: int, seed: int,
                 lower: np.ndarray | float = 0.0, upper: np.ndarray | float = 1.0, n_constr: int = 0) -> np.ndarray:
    """NSGA-II as :func:`nsga2` runs it, on whole arrays: the same operators and survival,
    without pymoo's per-design objects (about 30 µs a design: most of a 200-generation search).

    Each generation: ``P`` parents by binary tournaments (constraint violation, then Pareto
    dominance, then crowding distance, then a coin), pymoo's simulated binary crossover
    (η = 15, on 90% of the pairs) and polynomial mutation (η = 20, each variable with
    probability ``min(1/2, 1/D)``, on 90% of the children), children equal to a design already
    held dropped and mating repeated until ``P`` are new (as pymoo does), then survival by
    fronts and crowding distance with feasible designs first (:func:`survivors`).  ``n_gen``
    counts the starting population, as pymoo does.

    Args:
        predict: unit-cube designs ``(B, D)`` -> predicted objectives ``(B, m)``, minimized
            (with ``n_constr`` constraints, ``(F (B, m), G (B, n_constr))``, ``G <= 0`` met).
        start: initial population ``(P, D)`` (clipped to the box).
        n_obj: objectives ``m`` (for the signature of :func:`nsga2`; read from ``predict``).
        n_gen: generations, the start included (``1``: the start, ranked only).
        seed: seeds every random draw (same seed, same designs).
        lower, upper: the box searched, scalars or ``(D,)`` inside ``[0, 1]``.

    Returns:
        the final population ``(P, D)`` in the box, best first (by :func:`survivors`).
    """
    rng = np.random.default_rng(seed)
    n_var = start.shape[1]
    xl, xu = (np.broadcast_to(np.asarray(b, dtype=float), (n_var,)).copy() for b in (lower, upper))
    X = np.clip(np.asarray(start, dtype=float), xl, xu)
    size = len(X)
    F, violation = _evaluate(predict, X, n_constr)
    order, _, crowding = survivors(F, violation, size, rng)
    X, F, violation = X[order], F[order], violation[order]
    for _ in range(n_gen - 1):
        children = np.zeros((0, n_var))
        for _ in range(MATING_ROUNDS):  # as pymoo: mate again while children repeat designs held
            needed = size - len(children)
            more = _offspring(X, F, violation, crowding, needed + needed // 10 + 2, xl, xu, rng)
            fresh = _new_rows(more, np.concatenate([X, children]))[:needed]  # a tenth more: one round mostly
            children = np.concatenate([children, fresh])
            if len(children) >= size or not len(fresh):  # enough, or nothing new can be made
                break
        if not len(children):
            continue
        F_new, violation_new = _evaluate(predict, children, n_constr)
        X, F, violation = (np.concatenate(pair) for pair in ((X, children), (F, F_new), (violation, violation_new)))
        order, _, crowding = survivors(F, violation, size, rng)
        X, F, violation = X[order], F[order], violation[order]
    return X


def _offspring(X: np.ndarray, F: np.ndarray, violation: np.ndarray, crowding: np.ndarray, n: int,
               xl: np.ndarray, xu: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``n`` children ``(n, D)`` of the population ``X``: pairs of tournament winners, pymoo's
    simulated binary crossover (η = 15) on 90% of the pairs, its polynomial mutation (η = 20,
    each variable with probability ``min(1/2, 1/D)``) on 90% of the children."""
    from pymoo.operators.crossover.sbx import cross_sbx
    from pymoo.operators.mutation.pm import mut_pm

    pairs, n_var = (n + 1) // 2, X.shape[1]
    parents = X[_tournaments(F, violation, crowding, 2 * pairs, rng).reshape(pairs, 2).T]  # (2, pairs, D)
    eta, prob_var, prob_bin = (np.full((pairs, 1), v) for v in (15.0, 0.5, 0.5))
    crossed = cross_sbx(parents, xl, xu, eta, prob_var, prob_bin, random_state=rng)
    kept = rng.random(pairs) >= 0.9  # pairs copied unchanged
    crossed[:, kept] = parents[:, kept]
    children = crossed.reshape(-1, n_var)[:n]
    mutated = mut_pm(children, xl, xu, np.full(n, 20.0), np.full(n, min(0.5, 1.0 / n_var)), False,
                     random_state=rng)
    return np.where((rng.random(n) <= 0.9)[:, None], mutated, children)


def survivors(F: np.ndarray, violation: np.ndarray, n: int,
              rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """NSGA-II's survival: the ``n`` best rows, feasible ones (``violation == 0``) by fronts and
    crowding distance (pymoo's, duplicates not set apart), then the infeasible ones by smaller
    violation.

    Args:
        F: objectives ``(N, m)``, minimized.
        violation: total constraint violation ``(N,)``, 0 where every constraint is met.
        n: rows kept, ``n <= N``.
        rng: breaks ties of crowding distance at random, as pymoo does (``None``: by row order).

    Returns:
        the kept rows, best first ``(n,)``, and for each its front (0 = best; infeasible rows
        get the last front + 1) and crowding distance within its front (``(n,)`` each).
    """
    feasible = np.flatnonzero(violation <= 0.0)
    front = np.full(len(F), np.iinfo(np.int64).max)
    crowding = np.zeros(len(F))
    ranked: list[np.ndarray] = []
    count = 0
    for k, rows in enumerate(fronts(F[feasible])):
        if count >= n:
            break
        rows = feasible[rows]
        front[rows] = k
        crowding[rows] = np.inf if len(rows) <= 2 else calc_crowding_distance(F[rows])  # pymoo's "cd"
        if rng is not None:
            rows = rng.permutation(rows)
        ranked.append(rows[np.argsort(-crowding[rows], kind="stable")])
        count += len(rows)
    if count < n:
        infeasible = np.flatnonzero(violation > 0.0)
        worst = (max(front[ranked[-1]]) + 1) if ranked else 0
        front[infeasible] = worst
        ranked.append(infeasible[np.argsort(violation[infeasible], kind="stable")])
    order = np.concatenate(ranked)[:n] if ranked else np.zeros(0, dtype=int)
    return order, front[order], crowding[order]


def _tournaments(F: np.ndarray, violation: np.ndarray, crowding: np.ndarray, k: int,
                 rng: np.random.Generator) -> np.ndarray:
    """``k`` binary tournaments among the rows (each row in two of them per pass of random
    permutations, as pymoo draws them): the smaller violation wins where either breaks a
    constraint; else the one that dominates; else the larger crowding distance; else a coin.
    Returns the winners' rows ``(k,)``."""
    n = len(F)
    draws = np.concatenate([rng.permutation(n) for _ in range(-(-2 * k // n))])[: 2 * k].reshape(k, 2)
    a, b = draws[:, 0], draws[:, 1]
    coin = rng.random(k) < 0.5
    infeasible = (violation[a] > 0) | (violation[b] > 0)
    a_better = np.where(infeasible, violation[a] < violation[b], _dominates(F[a], F[b]))
    b_better = np.where(infeasible, violation[b] < violation[a], _dominates(F[b], F[a]))
    undecided = ~(a_better | b_better)
    crowd_a, crowd_b = crowding[a], crowding[b]
    a_better |= undecided & ~infeasible & (crowd_a > crowd_b)
    b_better |= undecided & ~infeasible & (crowd_b > crowd_a)
    a_wins = a_better | (~b_better & ~a_better & coin)
    return np.where(a_wins, a, b)


def _dominates(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Row-wise Pareto dominance (minimized): ``A[i]`` is nowhere worse and somewhere better than ``B[i]``."""
    return (A <= B).all(axis=1) & (A < B).any(axis=1)


def _new_rows(children: np.ndarray, held: np.ndarray) -> np.ndarray:
    """``children`` without the rows equal to a row of ``held`` or to an earlier child (``-0.0``
    equals ``0.0``), in their order."""
    def rows(A: np.ndarray) -> np.ndarray:  # each row as one opaque value, for np.unique
        A = np.ascontiguousarray(A + 0.0)
        return A.view(np.dtype((np.void, A.dtype.itemsize * A.shape[1]))).ravel()

    both = rows(np.concatenate([held, children]))
    _, first = np.unique(both, return_index=True)
    new = np.zeros(len(both), dtype=bool)
    new[first] = True  # the first copy of each distinct row: a child only if no held row equals it
    return children[new[len(held):]]


def _evaluate(predict, X: np.ndarray, n_constr: int) -> tuple[np.ndarray, np.ndarray]:
    """Objectives ``(B, m)`` and total constraint violation ``(B,)`` (0: feasible) of ``X``."""
    if not n_constr:
        return np.asarray(predict(X), dtype=float), np.zeros(len(X))
    F, G = predict(X)
    return np.asarray(F, dtype=float), np.maximum(np.asarray(G, dtype=float), 0.0).sum(axis=1)
