"""The one interface every offline method implements, so the benchmark runner never special-cases one.

A method sees only what an offline optimizer may see (:class:`OfflineData`: the training
designs, their measured objectives and the design box), learns from it in :meth:`Method.fit`,
and returns ``n`` designs in the raw domain from :meth:`Method.propose`.  The runner times
both calls and scores the designs with the exact objective functions; :meth:`Method.settings`
is recorded beside the results so that every cell says exactly what ran.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class OfflineData:
    """What an offline method may use.

    Attributes:
        X: training designs ``(N, D)`` in the raw domain.
        Y: their measured objectives ``(N, m)``, every objective minimized.
        lower, upper: the design box, each ``(D,)``; proposals must lie inside it.
        name: a label for logs and file names (the task's name in the benchmark).
    """

    X: np.ndarray
    Y: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    name: str = "data"

    def __post_init__(self) -> None:
        X, Y = np.asarray(self.X, dtype=float), np.asarray(self.Y, dtype=float)
        if X.ndim != 2 or Y.ndim != 2 or len(X) != len(Y):
            raise ValueError(f"X and Y must be 2-D with the same number of rows, got {X.shape} and {Y.shape}")
        lower = np.asarray(self.lower, dtype=float).reshape(X.shape[1])
        upper = np.asarray(self.upper, dtype=float).reshape(X.shape[1])
        for name, value in (("X", X), ("Y", Y), ("lower", lower), ("upper", upper)):
            object.__setattr__(self, name, value)

    @property
    def n_var(self) -> int:
        return self.X.shape[1]

    @property
    def n_obj(self) -> int:
        return self.Y.shape[1]


class Method(abc.ABC):
    """An offline multi-objective optimizer: fit on data, then propose designs.

    Subclasses set :attr:`name` and implement the three methods.  ``fit`` may be called
    once; ``propose`` any number of times after it.  Every random step is driven by the
    ``seed`` arguments: the same seeds give the same designs.
    """

    name: str = "method"

    @abc.abstractmethod
    def fit(self, data: OfflineData, seed: int) -> None:
        """Learn from the offline data (train models, rank designs, ...)."""

    @abc.abstractmethod
    def propose(self, n: int, seed: int) -> np.ndarray:
        """``n`` designs ``(n, D)`` in the raw domain, inside ``[lower, upper]``."""

    @abc.abstractmethod
    def settings(self) -> dict:
        """Every setting that determines the result (JSON-serializable), for the record."""

    def facts(self) -> dict:
        """What fitting and proposing measured (losses, epochs run, inner timings); JSON-serializable."""
        return {}


def exactly_n(X: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` rows of ``X``: all of them (trimmed to ``n``) or, if fewer, padded by random repeats.

    Off-MOO-Bench pads a short final population by random repeats of its rows.
    """
    X = np.asarray(X, dtype=float)
    if len(X) == 0:
        raise ValueError("no designs to choose from")
    if len(X) >= n:
        return X[:n]
    return np.concatenate([X, X[rng.integers(0, len(X), n - len(X))]])
