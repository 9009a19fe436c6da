"""The task abstraction: a box-bounded, vectorized multi-objective function to minimize.

A :class:`Task` is what the benchmark calls a problem: designs ``X`` of shape
``(N, n_var)`` in the *raw* domain ``[lower, upper]`` map to objective values ``Y``
of shape ``(N, n_obj)``, every objective minimized.  Tasks also carry the facts the
Off-MOO-Bench protocol needs: the hard-coded nadir point used for the hypervolume
reference, the settings of the "amateur" NSGA-II that collected the offline data, and
the true Pareto front where it is known analytically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Literal

import numpy as np

ObjectiveFn = Callable[[np.ndarray], np.ndarray]
FrontFn = Callable[[int], np.ndarray]


@dataclass(frozen=True)
class Collection:
    """How the benchmark's offline data for a task were collected (reference §2.1).

    Attributes:
        n_gen: generations per NSGA-II run; every generation's population is recorded.
        p_reverse: probability that a generation's survival is reversed (worst survive).
        algorithm: ``"nsga2"`` (amateur NSGA-II, population 100) or ``"nsga3"``
            (RE34: ordinary NSGA-III with 5151 uniform reference directions).
    """

    n_gen: int = 30
    p_reverse: float = 0.45
    algorithm: Literal["nsga2", "nsga3"] = "nsga2"


@dataclass(frozen=True, eq=False)
class Task:
    """A task: a vectorized function to minimize on a box, and what the benchmark knows of it.

    A task needs only its objectives and box; the rest has defaults.

    Attributes:
        name: short lower-case name, e.g. ``"zdt1"``.
        n_var, n_obj: design and objective dimensions.
        lower, upper: float arrays of shape ``(n_var,)``, the raw design box (scalars broadcast).
        function: raw ``X (N, n_var)`` -> ``Y (N, n_obj)``, vectorized numpy.
        group: ``"synthetic"``, ``"re"`` or ``"custom"`` (keyword, like the rest).
        nadir: float array ``(n_obj,)``, the benchmark's hard-coded nadir point, which sets the
            hypervolume reference; ``None``: the worst objective values of the task's dataset.
        front: ``n -> (about n, n_obj)`` points of the true Pareto front, or ``None``.
        collection: settings of the data-collection run.
        notes: where the task deviates from its canonical definition, if anywhere.
    """

    name: str
    n_var: int
    n_obj: int
    lower: np.ndarray
    upper: np.ndarray
    function: ObjectiveFn
    group: str = field(default="custom", kw_only=True)
    nadir: np.ndarray | None = field(default=None, kw_only=True)
    front: FrontFn | None = field(default=None, kw_only=True)
    collection: Collection = field(default_factory=Collection, kw_only=True)
    notes: str = field(default="", kw_only=True)

    def __post_init__(self) -> None:
        lower = np.broadcast_to(np.asarray(self.lower, dtype=float), (self.n_var,)).copy()
        upper = np.broadcast_to(np.asarray(self.upper, dtype=float), (self.n_var,)).copy()
        nadir = None if self.nadir is None else np.asarray(self.nadir, dtype=float).reshape(self.n_obj)
        for arr in (lower, upper, nadir):
            if arr is not None:
                arr.setflags(write=False)
        object.__setattr__(self, "lower", lower)
        object.__setattr__(self, "upper", upper)
        object.__setattr__(self, "nadir", nadir)
        if np.any(lower >= upper):
            raise ValueError(f"task {self.name}: every lower bound must be below its upper bound")

    @property
    def has_front(self) -> bool:
        """Whether the true Pareto front is known analytically."""
        return self.front is not None

    def evaluate(self, X: np.ndarray) -> np.ndarray:
        """Objective values of raw designs.

        Args:
            X: designs, shape ``(N, n_var)`` (a single design of shape ``(n_var,)`` is
               accepted too), in the raw domain.

        Returns:
            ``Y`` of shape ``(N, n_obj)``, float64, all objectives minimized.
        """
        X = np.asarray(X, dtype=float)
        if X.ndim == 1:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.n_var:
            raise ValueError(f"task {self.name} expects designs with {self.n_var} columns, got shape {X.shape}")
        Y = np.asarray(self.function(X), dtype=float)
        if Y.shape != (X.shape[0], self.n_obj):
            raise AssertionError(f"task {self.name} returned shape {Y.shape}, expected {(X.shape[0], self.n_obj)}")
        return Y

    def pareto_front(self, n: int = 1000) -> np.ndarray:
        """About ``n`` points of the true Pareto front, shape ``(n', n_obj)``.

        Raises:
            ValueError: if the task's front is not known.
        """
        if self.front is None:
            raise ValueError(f"task {self.name} has no known Pareto front")
        return np.asarray(self.front(n), dtype=float)

    def to_unit(self, X: np.ndarray) -> np.ndarray:
        """Map raw designs to the unit cube: ``(X - lower) / (upper - lower)``."""
        return (np.asarray(X, dtype=float) - self.lower) / (self.upper - self.lower)

    def from_unit(self, U: np.ndarray) -> np.ndarray:
        """Map unit-cube designs to the raw domain: ``lower + U * (upper - lower)``."""
        return self.lower + np.asarray(U, dtype=float) * (self.upper - self.lower)

    def __repr__(self) -> str:
        return f"Task({self.name!r}, n_var={self.n_var}, n_obj={self.n_obj})"
