"""Measured constraints: columns of the table that must stay within a limit.

>>> rules = parse(["max_stress_MPa<=250", "margin>=0.1"])
>>> M = margins(G, rules)               # (N, c): > 0 where a design breaks the rule, in the column's units
>>> feasible(G, rules)                  # (N,): every margin <= 0

A constraint is neither a design input nor an objective: it is measured with each design
(a stress, a safety margin) and must meet its limit.  Methods learn it from the data:
pgd's objective model predicts every constraint's *margin* beside the objectives, each
proposal carries the predicted probability that it meets them all
(:func:`probability_feasible`), the preference model ranks every measured design that meets
them above every one that does not (:func:`penalized`, Deb's constrained domination), and the
selection prefers designs predicted feasible.
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple, Sequence

import numpy as np
import torch

OPS = ("<=", ">=")
_RULE = re.compile(r"^\s*(?P<name>[^<>=]+?)\s*(?P<op><=|>=)\s*(?P<value>[^<>=]+?)\s*$")


class Constraint(NamedTuple):
    """``name op limit``: the column ``name`` must be ``<=`` (or ``>=``) ``limit`` (its units)."""

    name: str
    op: str
    limit: float

    def __str__(self) -> str:
        return f"{self.name}{self.op}{self.limit:g}"


def parse(terms: Sequence[str]) -> tuple[Constraint, ...]:
    """``["stress<=250", "margin>=0.1"]`` -> constraints.

    Raises:
        ValueError: a term that is not ``name<=number`` or ``name>=number`` with a finite
            number, or a column named twice.
    """
    out: list[Constraint] = []
    for term in terms:
        match = _RULE.match(str(term))
        try:
            value = float(match["value"]) if match else math.nan
        except ValueError:
            value = math.nan
        if not match or not math.isfinite(value):
            raise ValueError(f"{term!r} is not a constraint like stress<=250 or margin>=0.1 (<= or >= and a "
                             "finite number)")
        if any(c.name == match["name"] for c in out):
            raise ValueError(f"column {match['name']!r} is constrained twice")
        out.append(Constraint(match["name"], match["op"], value))
    return tuple(out)


def margins(G: np.ndarray, rules: Sequence[Constraint]) -> np.ndarray:
    """How far each design is from breaking each rule, ``(N, c)`` in the columns' units:
    ``G - limit`` for ``<=``, ``limit - G`` for ``>=``; positive where the rule is broken."""
    G = np.asarray(G, dtype=float)
    G = G.reshape(len(G), len(rules))
    limit = np.array([r.limit for r in rules], dtype=float)
    sign = np.array([1.0 if r.op == "<=" else -1.0 for r in rules])
    return (G - limit) * sign


def values(M: np.ndarray, rules: Sequence[Constraint]) -> np.ndarray:
    """The columns' values ``(N, c)`` of margins ``M (N, c)`` (the inverse of :func:`margins`)."""
    limit = np.array([r.limit for r in rules], dtype=float)
    sign = np.array([1.0 if r.op == "<=" else -1.0 for r in rules])
    return np.asarray(M, dtype=float) * sign + limit


def feasible(G: np.ndarray, rules: Sequence[Constraint]) -> np.ndarray:
    """Mask ``(N,)`` of the designs that meet every rule (all if there are none)."""
    return np.all(margins(G, rules) <= 0, axis=1)


def scale(M: np.ndarray) -> np.ndarray:
    """A unit per constraint ``(c,)`` for its margins ``M (N, c)``: their standard deviation
    (1 where it is 0).  Margins are divided by it, never shifted, so that 0 stays the limit."""
    std = np.asarray(M, dtype=float).std(axis=0) if len(M) else np.ones(np.shape(M)[1])
    return np.where(std > 0, std, 1.0)


def total_violation(Mn: np.ndarray) -> np.ndarray:
    """The summed violation ``(N,)`` of margins ``Mn (N, c)`` in their units (:func:`scale`): 0 where feasible."""
    return np.maximum(np.asarray(Mn, dtype=float), 0.0).sum(axis=1)


def penalized(Yn: np.ndarray, violation: np.ndarray) -> np.ndarray:
    """Objectives for ranking ``(N, m)`` under constraints (Deb's constrained domination):
    designs that break no rule keep their normalized objectives ``Yn`` (in ``[0, 1]``); one
    that breaks some gets ``2 + violation`` on every objective, so every feasible design
    dominates it and among the infeasible the smaller total ``violation (N,)`` ranks better.
    ``Yn`` itself is returned when nothing is violated."""
    violation = np.asarray(violation, dtype=float)
    if not (violation > 0).any():
        return Yn
    out = np.array(Yn, dtype=float)
    bad = violation > 0
    out[bad] = 2.0 + violation[bad, None]
    return out


def probability_feasible(mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """The predicted probability ``(N,)`` that a design meets every rule, from predicted margins'
    mean and spread ``(N, c)`` (normal, independent across rules): ``prod Phi(-mean / std)``;
    ``1`` where there are no rules."""
    mean, std = np.asarray(mean, dtype=float), np.maximum(np.asarray(std, dtype=float), 1e-9)
    if mean.shape[1] == 0:
        return np.ones(len(mean))
    z = torch.as_tensor(-mean / std, dtype=torch.float64)
    return torch.special.ndtr(z).prod(dim=1).numpy()
