"""The one interface every offline method implements, so that nothing above it special-cases one.

A method sees only what an offline optimizer may see (:class:`OfflineData`: the measured
designs, their objectives and the :class:`~paretodiff.space.DesignSpace`), learns from it in
:meth:`Method.fit`, and returns exactly ``n`` designs from :meth:`Method.propose`.  The
benchmark runner times both calls and scores the designs with the exact objective functions;
:meth:`Method.settings` is recorded beside the results so that every cell says what ran.
Parameters go to the constructor, learned state is set by ``fit`` (scikit-learn's
convention); the same seeds give the same designs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from paretodiff import constraints
from paretodiff.errors import InputError
from paretodiff.space import DesignSpace


@dataclass(frozen=True, eq=False)
class OfflineData:
    """What an offline method may use.

    Attributes:
        X: measured designs ``(N, D)`` in the user's units.
        Y: their objectives ``(N, m)`` in the user's senses (``space.senses``).
        space: names, kinds, bounds and senses; default: the data's range, all minimized,
            integer columns where every value is whole (:meth:`DesignSpace.from_data`).
        name: a label for logs and file names (the task's name in the benchmark).
        G: the measured values of the space's constraint columns ``(N, c)`` in the user's
            units (:mod:`paretodiff.constraints`); ``None`` (``(N, 0)``) without constraints.
        failed: measured designs that did not work ``(K, D)`` in the user's units, a negation
            set (:mod:`paretodiff.negation`; only pgd uses it); ``None`` (``(0, D)``): none.
            ``X`` and ``Y`` are the designs that worked.
    """

    X: np.ndarray
    Y: np.ndarray
    space: DesignSpace | None = None
    name: str = "data"
    G: np.ndarray | None = None
    failed: np.ndarray | None = None

    def __post_init__(self) -> None:
        X, Y = np.asarray(self.X, dtype=float), np.asarray(self.Y, dtype=float)
        space = self.space if self.space is not None else DesignSpace.from_data(X, Y)
        G = np.zeros((len(X), 0)) if self.G is None else np.asarray(self.G, dtype=float)
        if G.shape != (len(X), space.n_constr):
            raise InputError(f"G {G.shape} does not fit {len(X)} rows and the space's {space.n_constr} constraint(s)")
        if not np.isfinite(G).all():
            raise InputError("G must be finite")
        if X.ndim != 2 or Y.ndim != 2 or len(X) != len(Y) or X.shape[1] != space.n_var or Y.shape[1] != space.n_obj:
            raise InputError(f"X {X.shape} and Y {Y.shape} do not fit a space of {space.n_var} design columns and "
                             f"{space.n_obj} objectives")
        if not (np.isfinite(X).all() and np.isfinite(Y).all()):
            raise InputError("X and Y must be finite")
        space.check_objectives(Y)
        failed = np.zeros((0, space.n_var)) if self.failed is None else np.asarray(self.failed, dtype=float)
        if failed.ndim != 2 or failed.shape[1] != space.n_var or not np.isfinite(failed).all():
            raise InputError(f"failed {failed.shape} must be finite designs of {space.n_var} columns")
        for name, value in (("X", X), ("Y", Y), ("space", space), ("G", G), ("failed", failed)):
            object.__setattr__(self, name, value)

    @classmethod
    def in_box(cls, X: np.ndarray, Y: np.ndarray, lower, upper, name: str = "data") -> "OfflineData":
        """Data of a benchmark task: a box of continuous columns ``x0..``, every objective minimized."""
        return cls(X, Y, DesignSpace.box(lower, upper, np.shape(Y)[1]), name)

    @property
    def n_var(self) -> int:
        return self.X.shape[1]

    @property
    def n_obj(self) -> int:
        return self.Y.shape[1]

    @property
    def Y_min(self) -> np.ndarray:
        """The objectives as minimizations ``(N, m)`` (maximized columns negated)."""
        return self.space.minimized(self.Y)

    @property
    def feasible(self) -> np.ndarray:
        """Mask ``(N,)`` of the measured designs that meet every constraint (all without any)."""
        return constraints.feasible(self.G, self.space.constraints)

    @property
    def lower(self) -> np.ndarray:
        return self.space.lower

    @property
    def upper(self) -> np.ndarray:
        return self.space.upper


@dataclass
class Proposals:
    """Designs a method proposes.

    Attributes:
        X: designs ``(n, D)`` in the user's units, inside the box.
        scores: named per-design values the method can say something about (pgd: the
            preference model's ``utility`` and the ``guidance_scale`` that made the design),
            each ``(n,)``.
    """

    X: np.ndarray
    scores: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.X)


@runtime_checkable
class Method(Protocol):
    """An offline multi-objective optimizer: fit on data, then propose designs.

    ``fit`` is called once and returns the method; ``propose`` any number of times after
    it, returning exactly ``n`` designs.  Every random step is driven by the ``seed``
    arguments.
    """

    name: str

    def fit(self, data: OfflineData, seed: int) -> "Method":
        """Learn from the offline data (train models, rank designs, ...); returns ``self``."""

    def propose(self, n: int, seed: int) -> Proposals:
        """Exactly ``n`` designs ``(n, D)``, inside the box."""

    def settings(self) -> dict:
        """Every setting that determines the result (JSON-serializable), for the record."""

    def facts(self) -> dict:
        """What fitting and proposing measured (losses, epochs run, inner timings); JSON-serializable."""


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


def refuse_constraints(data: OfflineData, method: str) -> None:
    """Raise :class:`InputError` if ``data`` has constraints: ``method`` does not use them."""
    if data.space.n_constr:
        raise InputError(f"{method} does not take constraints ({', '.join(map(str, data.space.constraints))}); "
                         "pgd and d-best do")


def refuse_mixed(data: OfflineData, method: str) -> None:
    """Raise :class:`InputError` if ``data`` has discrete or categorical columns: ``method`` does not take them."""
    kinds = [f"{name} ({kind})" for name, kind in zip(data.space.inputs, data.space.kinds)
             if kind in ("discrete", "categorical")]
    if kinds:
        raise InputError(f"{method} does not take discrete or categorical columns ({', '.join(kinds)}); "
                         "pgd, multiple-models, multi-head and d-best do")


def check_n(n) -> int:
    """``n`` as a whole number of at least 1, or ``ValueError``."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a whole number, at least 1, got {n!r}")
    return int(n)
