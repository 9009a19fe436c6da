"""The design space: what each column of a design table is, and the box the designs live in.

>>> space = DesignSpace.from_data(X, Y, senses=["min", "max"], inputs=["width", "height"])
>>> U = space.to_unit(X)             # (N, D) in [0, 1]: the box scaled to the unit cube
>>> X2 = space.from_unit(U)          # back, integer columns rounded, constant columns kept
>>> space.minimized(Y)               # every objective as a minimization

A :class:`DesignSpace` holds the design columns' names, the kind of each (``continuous`` or
``integer``; a later kind, ``categorical``, has its place in :data:`KINDS`), their bounds,
and the objectives' names and senses.  Every method sees its data through one, so that
names, senses, bounds and integer columns are handled once, and it is saved with a model.
A column whose bounds are equal is constant: it scales to 0 and comes back as its value.

The box is where the data and the search live; a *search box* inside it
(:attr:`DesignSpace.search_lower`, :attr:`DesignSpace.search_upper`) narrows where designs
may be proposed without narrowing what the models learn from: a user's ``--bounds`` inside
the data's range train on every row and propose inside the bounds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from paretodiff.constraints import OPS, Constraint
from paretodiff.errors import InputError

KINDS = ("continuous", "integer")
SENSES = ("min", "max")


@dataclass(frozen=True, eq=False)
class DesignSpace:
    """Design columns, their kinds and bounds; objective names and senses.

    Attributes:
        inputs: design column names ``(D,)``.
        lower, upper: the box, float arrays ``(D,)`` (``lower <= upper``; equal: a constant column).
        kinds: ``"continuous"`` or ``"integer"`` per design column.
        objectives: objective names ``(m,)``.
        senses: ``"min"`` or ``"max"`` per objective.
        decimals: per design column, the decimal places its values are given with (the data's
            own precision, :func:`data_decimals`), to which proposals are rounded; ``None`` for
            full precision (the default for every column).
        search_lower, search_upper: the search box ``(D,)``, inside the box: where proposals
            may lie (default, ``None``: the whole box).
        constraints: measured columns that must meet a limit (:mod:`paretodiff.constraints`),
            neither inputs nor objectives; none by default.
    """

    inputs: tuple[str, ...]
    lower: np.ndarray
    upper: np.ndarray
    kinds: tuple[str, ...]
    objectives: tuple[str, ...]
    senses: tuple[str, ...]
    decimals: tuple[int | None, ...] | None = None
    search_lower: np.ndarray | None = None
    search_upper: np.ndarray | None = None
    constraints: tuple[Constraint, ...] = ()

    def __post_init__(self) -> None:
        lower, upper = (np.array(v, dtype=float).reshape(-1) for v in (self.lower, self.upper))
        search = [np.array(b if v is None else v, dtype=float).reshape(-1)
                  for v, b in ((self.search_lower, lower), (self.search_upper, upper))]
        for name, value in (("lower", lower), ("upper", upper), ("search_lower", search[0]),
                            ("search_upper", search[1])):
            value.setflags(write=False)
            object.__setattr__(self, name, value)
        for name in ("inputs", "kinds", "objectives", "senses"):
            object.__setattr__(self, name, tuple(str(v) for v in getattr(self, name)))
        rules = tuple(Constraint(str(c[0]), str(c[1]), float(c[2])) for c in self.constraints)
        object.__setattr__(self, "constraints", rules)
        names = [c.name for c in rules]
        if len(set(names)) != len(names) or set(names) & set(self.inputs + self.objectives):
            raise InputError(f"constraint columns must be distinct and neither inputs nor objectives, got {names}")
        if any(c.op not in OPS or not math.isfinite(c.limit) for c in rules):
            raise InputError(f"constraints must be name <= or >= a finite limit, got {[str(c) for c in rules]}")
        D, m = len(self.inputs), len(self.objectives)
        decimals = (None,) * D if self.decimals is None else tuple(self.decimals)
        if len(decimals) != D or not all(d is None or (isinstance(d, (int, np.integer)) and not isinstance(d, bool)
                                                        and 0 <= d <= MAX_DECIMALS) for d in decimals):
            raise InputError(f"decimals must be None or a whole number from 0 to {MAX_DECIMALS} for each of the "
                             f"{D} design columns")
        object.__setattr__(self, "decimals", tuple(None if d is None else int(d) for d in decimals))
        if D < 1 or len(set(self.inputs)) != D:
            raise InputError(f"the design columns must be at least 1 distinct name, got {list(self.inputs)}")
        if m < 2 or len(set(self.objectives)) != m:
            raise InputError(f"at least 2 distinct objective names are needed, got {list(self.objectives)}")
        if lower.shape != (D,) or upper.shape != (D,):
            raise InputError(f"bounds must give {D} lower and upper values")
        if self.search_lower.shape != (D,) or self.search_upper.shape != (D,):
            raise InputError(f"the search bounds must give {D} lower and upper values")
        if len(self.kinds) != D or any(k not in KINDS for k in self.kinds):
            raise InputError(f"kinds must be one of {', '.join(KINDS)} for each of the {D} design columns")
        if len(self.senses) != m or any(s not in SENSES for s in self.senses):
            raise InputError(f"senses must be 'min' or 'max' for each of the {m} objectives")
        for j, name in enumerate(self.inputs):
            _check_range(f"input column {name!r}", lower[j], upper[j], "bounds")
            lo, hi = self.search_lower[j], self.search_upper[j]
            _check_range(f"input column {name!r}", lo, hi, "search bounds")
            if lo == hi and lower[j] < upper[j]:
                raise InputError(f"input column {name!r}: the search bounds [{lo:g}, {hi:g}] are one point; "
                                 "give a range")
            if lo < lower[j] or hi > upper[j]:
                raise InputError(f"input column {name!r}: the search bounds [{lo:g}, {hi:g}] leave the box "
                                 f"[{lower[j]:g}, {upper[j]:g}]")
            if self.kinds[j] == "integer" and np.ceil(lo) > np.floor(hi):
                raise InputError(f"input column {name!r}: no whole number lies inside its bounds [{lo:g}, {hi:g}]")

    # -- construction --------------------------------------------------------------------

    @classmethod
    def from_data(cls, X: np.ndarray, Y: np.ndarray, *, senses: Sequence[str] | None = None,
                  bounds: tuple[Sequence[float], Sequence[float]] | None = None,
                  integer_columns: Sequence[int] | None = None, inputs: Sequence[str] | None = None,
                  objectives: Sequence[str] | None = None,
                  constraints: Sequence[Constraint] = ()) -> "DesignSpace":
        """The space of a table: bounds default to the data's range, integer columns to those
        holding only whole numbers, names to ``x0..`` and ``f0..``, senses to ``"min"``; each
        continuous column keeps the decimal places its values are given with
        (:func:`data_decimals`).

        ``bounds`` are where designs are searched for: the box is the smallest that holds them
        and the data (every row is learned from), and where ``bounds`` lie inside the data's
        range they become the search box (:attr:`search_lower`, :attr:`search_upper`).

        Raises:
            InputError: shapes, names, senses, bounds, or an objective whose range cannot be
                scaled, naming the column.
        """
        X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
        if X.ndim != 2 or Y.ndim != 2 or len(X) != len(Y) or X.shape[1] < 1:
            raise InputError(f"X and Y must be 2-D with the same number of rows, got {X.shape} and {Y.shape}")
        if not (np.isfinite(X).all() and np.isfinite(Y).all()):
            raise InputError("X and Y must be finite")
        lower, upper = (X.min(axis=0), X.max(axis=0)) if bounds is None else (np.asarray(b, dtype=float)
                                                                             for b in bounds)
        if np.shape(lower) != (X.shape[1],) or np.shape(upper) != (X.shape[1],):
            raise InputError(f"bounds must give {X.shape[1]} lower and upper values")
        box = np.minimum(lower, X.min(axis=0)), np.maximum(upper, X.max(axis=0))
        narrowed = bool(np.any(box[0] < lower) or np.any(box[1] > upper))
        if integer_columns is None:
            integer_columns = [j for j in range(X.shape[1]) if np.all(X[:, j] == np.round(X[:, j]))]
        decimals = [None if j in integer_columns else data_decimals(X[:, j]) for j in range(X.shape[1])]
        columns = [int(j) for j in integer_columns]
        if len(set(columns)) != len(columns) or any(not 0 <= j < X.shape[1] for j in columns):
            raise InputError(f"integer_columns must be distinct column indices below {X.shape[1]}, got {columns}")
        space = cls(
            inputs=tuple(inputs) if inputs is not None else tuple(f"x{j}" for j in range(X.shape[1])),
            lower=box[0], upper=box[1], search_lower=lower if narrowed else None,
            search_upper=upper if narrowed else None,
            kinds=tuple("integer" if j in columns else "continuous" for j in range(X.shape[1])),
            objectives=tuple(objectives) if objectives is not None else tuple(f"f{j}" for j in range(Y.shape[1])),
            senses=tuple(senses) if senses is not None else ("min",) * Y.shape[1], decimals=tuple(decimals),
            constraints=tuple(constraints))
        space.check_objectives(Y)
        return space

    @classmethod
    def box(cls, lower: Sequence[float], upper: Sequence[float], n_obj: int) -> "DesignSpace":
        """A box of continuous columns ``x0..`` with ``n_obj`` minimized objectives ``f0..`` (a benchmark task)."""
        D = len(np.asarray(lower).reshape(-1))
        return cls(tuple(f"x{j}" for j in range(D)), lower, upper, ("continuous",) * D,
                   tuple(f"f{j}" for j in range(n_obj)), ("min",) * n_obj)

    # -- facts ---------------------------------------------------------------------------

    @property
    def n_var(self) -> int:
        return len(self.inputs)

    @property
    def n_obj(self) -> int:
        return len(self.objectives)

    @property
    def n_constr(self) -> int:
        return len(self.constraints)

    @property
    def integer_columns(self) -> list[int]:
        return [j for j, kind in enumerate(self.kinds) if kind == "integer"]

    @property
    def constant(self) -> np.ndarray:
        """Mask ``(D,)`` of the constant columns (equal bounds)."""
        return self.upper <= self.lower

    @property
    def narrowed(self) -> bool:
        """Whether the search box is smaller than the box."""
        return bool(np.any(self.search_lower > self.lower) or np.any(self.search_upper < self.upper))

    def search_unit(self) -> tuple[np.ndarray, np.ndarray]:
        """The search box on the unit cube of the box: lower and upper corners ``(D,)`` in ``[0, 1]``
        (a constant column keeps ``[0, 1]``: it maps back to its value wherever it is)."""
        lower = np.where(self.constant, 0.0, np.clip(self.to_unit(self.search_lower), 0.0, 1.0))
        return lower, np.where(self.constant, 1.0, np.clip(self.to_unit(self.search_upper), 0.0, 1.0))

    def in_search(self, X: np.ndarray) -> np.ndarray:
        """Mask ``(N,)`` of the designs ``X (N, D)`` inside the search box."""
        X = np.asarray(X, dtype=float)
        return np.all((X >= self.search_lower) & (X <= self.search_upper), axis=1)

    @property
    def span(self) -> np.ndarray:
        """The box's widths ``(D,)``; a constant column gets width 1."""
        return np.where(self.upper > self.lower, self.upper - self.lower, 1.0)

    # -- maps ----------------------------------------------------------------------------

    def minimized(self, Y: np.ndarray) -> np.ndarray:
        """Objectives ``(N, m)`` as minimizations: the maximized columns negated."""
        return np.where(np.array(self.senses) == "max", -np.asarray(Y, dtype=float), np.asarray(Y, dtype=float))

    def to_unit(self, X: np.ndarray) -> np.ndarray:
        """Designs ``(N, D)`` -> the unit cube of the box: ``(X - lower) / span``."""
        return (np.asarray(X, dtype=float) - self.lower) / self.span

    def from_unit(self, U: np.ndarray) -> np.ndarray:
        """Unit-cube points ``(N, D)`` -> designs: ``lower + U span``, constant columns at their
        value, integer columns rounded to whole numbers inside the search box, columns with
        :attr:`decimals` rounded to them (not clipped otherwise)."""
        X = self.lower + np.asarray(U, dtype=float) * self.span
        X[:, self.constant] = self.lower[self.constant]
        return self._round(X)

    def finish(self, X: np.ndarray) -> np.ndarray:
        """Designs a method proposed ``(N, D)``, finished: clipped to the search box, integer
        columns rounded to whole numbers inside it, columns with :attr:`decimals` rounded to
        them, constant columns at their value (a copy; methods keep their designs in the
        search box, and this step changes nothing else, so it may run twice)."""
        X = np.clip(np.array(X, dtype=float), self.search_lower, self.search_upper)
        X[:, self.constant] = self.lower[self.constant]
        return self._round(X)

    def _round(self, X: np.ndarray) -> np.ndarray:
        lower, upper = self.search_lower, self.search_upper
        for j in self.integer_columns:
            X[:, j] = np.clip(np.round(X[:, j]), np.ceil(lower[j]), np.floor(upper[j]))
        for j, places in enumerate(self.decimals):
            if places is not None and self.kinds[j] == "continuous" and not self.constant[j]:
                X[:, j] = np.clip(np.round(X[:, j], places), lower[j], upper[j])
        return X

    def check_objectives(self, Y: np.ndarray) -> None:
        """Raise :class:`InputError` naming an objective whose values cannot be scaled."""
        Y_min = self.minimized(Y)
        if Y_min.ndim != 2 or Y_min.shape[1] != self.n_obj:
            raise InputError(f"Y must have {self.n_obj} columns, got shape {Y_min.shape}")
        for j, name in enumerate(self.objectives):
            _check_range(f"objective column {name!r}", Y_min[:, j].min(), Y_min[:, j].max(), "values")

    # -- files ---------------------------------------------------------------------------

    def to_dict(self) -> dict:
        """JSON-ready (saved in a model file; the search box only where it is narrowed)."""
        search = ({"search_lower": self.search_lower.tolist(), "search_upper": self.search_upper.tolist()}
                  if self.narrowed else {})
        rules = {"constraints": [[c.name, c.op, c.limit] for c in self.constraints]} if self.constraints else {}
        return {"inputs": list(self.inputs), "lower": self.lower.tolist(), "upper": self.upper.tolist(),
                "kinds": list(self.kinds), "objectives": list(self.objectives), "senses": list(self.senses),
                "decimals": list(self.decimals), **search, **rules}

    @classmethod
    def from_dict(cls, values) -> "DesignSpace":
        """The space of :meth:`to_dict`, every entry checked by type and shape.

        Raises:
            ValueError: naming the entry.
        """
        if not isinstance(values, dict):
            raise ValueError("space must be an object")
        entries = {"inputs": str, "lower": float, "upper": float, "kinds": str, "objectives": str, "senses": str}
        optional = {"decimals", "search_lower", "search_upper", "constraints"}
        missing, unknown = [k for k in entries if k not in values], sorted(set(values) - set(entries) - optional)
        if missing or unknown:
            raise ValueError(f"space lacks {', '.join(missing)}" if missing else f"unknown space entries {', '.join(unknown)}")
        for key, kind in entries.items():
            items = values[key]
            good = isinstance(items, list) and all(
                isinstance(v, str) if kind is str else (isinstance(v, (int, float)) and not isinstance(v, bool)
                                                       and math.isfinite(v)) for v in items)
            if not good:
                raise ValueError(f"space.{key} must be a list of {'strings' if kind is str else 'finite numbers'}")
        decimals = values.get("decimals")  # absent in files written before paretodiff kept the data's precision
        if decimals is not None and not (isinstance(decimals, list) and all(
                d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in decimals)):
            raise ValueError("space.decimals must be a list of whole numbers or nulls")
        search = [values.get(k) for k in ("search_lower", "search_upper")]
        if (search[0] is None) != (search[1] is None) or not all(
                v is None or (isinstance(v, list) and all(isinstance(b, (int, float)) and not isinstance(b, bool)
                                                          and math.isfinite(b) for b in v)) for v in search):
            raise ValueError("space.search_lower and space.search_upper must both be lists of finite numbers")
        rules = values.get("constraints", [])
        if not (isinstance(rules, list) and all(
                isinstance(r, list) and len(r) == 3 and isinstance(r[0], str) and r[1] in OPS
                and isinstance(r[2], (int, float)) and not isinstance(r[2], bool) and math.isfinite(r[2])
                for r in rules)):
            raise ValueError("space.constraints must be a list of [column, '<=' or '>=', finite limit]")
        try:
            return cls(**{k: values[k] for k in entries}, decimals=decimals, search_lower=search[0],
                       search_upper=search[1], constraints=tuple(Constraint(*r) for r in rules))
        except InputError as exc:
            raise ValueError(f"space: {exc}") from None


MAX_DECIMALS = 8
_SAMPLE = 10_000


def data_decimals(x: np.ndarray) -> int | None:
    """The fewest decimal places (0 to :data:`MAX_DECIMALS`) that represent every value of ``x``
    (to a few units in the last place: what a table written with that many places reads back
    as); ``None`` if none do (values with full float precision)."""
    x = np.asarray(x, dtype=float)
    if len(x) == 0:
        return None
    sample = x[:: max(1, len(x) // _SAMPLE)]

    def exact(values: np.ndarray, places: int) -> bool:
        return bool(np.all(np.abs(np.round(values, places) - values) <= 4 * np.spacing(np.abs(values))))

    for places in range(MAX_DECIMALS + 1):
        if exact(sample, places) and exact(x, places):
            return places
    return None


def _check_range(what: str, lo: float, hi: float, kind: str) -> None:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise InputError(f"{what}: the {kind} must be finite, got [{lo:g}, {hi:g}]")
    if lo > hi:
        raise InputError(f"{what}: the lower bound {lo:g} is above the upper bound {hi:g}")
    with np.errstate(over="ignore"):
        if not np.isfinite(hi - lo):
            raise InputError(f"{what}: the {kind} span [{lo:g}, {hi:g}], too wide to scale "
                             "(its width overflows a float); rescale the column")
