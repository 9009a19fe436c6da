"""Searching the unit cube on predicted objectives: pymoo's NSGA-II, started from given designs.

The forward baselines (:mod:`paretodiff.methods.surrogate`) search their surrogates with it, and
preference-guided diffusion refines its pool on the objective model's pessimistic predictions
(:mod:`paretodiff.methods.pgd`).
"""

from __future__ import annotations

import numpy as np

from paretodiff.pareto import select_best


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
