"""The design space: what each column of a design table is, and the box the designs live in.

>>> space = DesignSpace.from_data(X, Y, senses=["min", "max"], inputs=["width", "height"])
>>> U = space.to_unit(X)             # (N, D) in [0, 1]: the box scaled to the unit cube
>>> X2 = space.from_unit(U)          # back, integer columns rounded, constant columns kept
>>> space.minimized(Y)               # every objective as a minimization

A :class:`DesignSpace` holds the design columns' names, the kind of each (:data:`KINDS`),
their bounds, and the objectives' names and senses.  Every method sees its data through one,
so that names, senses, bounds and column kinds are handled once, and it is saved with a model.
A column whose bounds are equal is constant: it scales to 0 and comes back as its value.

The kinds: ``continuous``; ``integer`` (whole numbers); ``discrete`` (a numeric column that
takes only its :attr:`DesignSpace.levels`, such as a dose of 6, 12, 24 or 48: proposals take
the nearest level); ``categorical`` (labels without an order, text or numeric codes: ``X``
holds the label's index ``0 .. L-1``, :meth:`DesignSpace.values` gives the labels back).  On
the unit cube a categorical column is one-hot, ``L`` coordinates, a continuous relaxation on
which the models learn and guidance acts, decoded by the largest coordinate
(:attr:`DesignSpace.encoding` ``"onehot"``); the simpler ``"ordinal"`` encoding gives it
one coordinate, ``index / (L - 1)``, rounded back.  So the unit cube has
:attr:`DesignSpace.n_unit` coordinates, at least :attr:`DesignSpace.n_var`.

The box is where the data and the search live; a *search box* inside it
(:attr:`DesignSpace.search_lower`, :attr:`DesignSpace.search_upper`) narrows where designs
may be proposed without narrowing what the models learn from: a user's ``--bounds`` inside
the data's range train on every row and propose inside the bounds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from paretodiff import linear
from paretodiff.constraints import OPS, Constraint
from paretodiff.errors import InputError
from paretodiff.linear import Linear

KINDS = ("continuous", "integer", "discrete", "categorical")
SENSES = ("min", "max")
ENCODINGS = ("onehot", "ordinal")


@dataclass(frozen=True, eq=False)
class DesignSpace:
    """Design columns, their kinds and bounds; objective names and senses.

    Attributes:
        inputs: design column names ``(D,)``.
        lower, upper: the box, float arrays ``(D,)`` (``lower <= upper``; equal: a constant column).
        kinds: one of :data:`KINDS` per design column.
        objectives: objective names ``(m,)``.
        senses: ``"min"`` or ``"max"`` per objective.
        decimals: per design column, the decimal places its values are given with (the data's
            own precision, :func:`data_decimals`), to which proposals are rounded; ``None`` for
            full precision (the default for every column).
        search_lower, search_upper: the search box ``(D,)``, inside the box: where proposals
            may lie (default, ``None``: the whole box).
        constraints: measured columns that must meet a limit (:mod:`paretodiff.constraints`),
            neither inputs nor objectives; none by default.
        levels: per design column, ``None``, or for a ``discrete`` column its values (sorted
            numbers inside the box), for a ``categorical`` one its labels (distinct strings or
            numbers; its bounds are ``[0, L - 1]``, its index, and cannot be narrowed).
        encoding: how a categorical column lies on the unit cube, one of :data:`ENCODINGS`.
        sums: known input constraints that hold exactly, ``((columns, total), ...)``: the
            continuous columns of each group sum to its total (fractions of a mixture sum to
            1); every design :meth:`from_unit` and :meth:`finish` return satisfies them.
        linear: known linear inequalities over continuous inputs (:class:`paretodiff.linear.Linear`,
            none of their columns in a sum); every design :meth:`from_unit` and
            :meth:`finish` return meets them, also once rounded to :attr:`decimals`.
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
    levels: tuple[tuple | None, ...] | None = None
    encoding: str = "onehot"
    sums: tuple[tuple[tuple[str, ...], float], ...] = ()
    linear: tuple[Linear, ...] = ()

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
        self._check_levels()
        self._check_sums()
        self._check_linear()

    def _check_linear(self) -> None:
        summed = {n for names, _ in self.sums for n in names}
        for rule in self.linear:
            if not isinstance(rule, Linear):
                raise InputError(f"linear rules must be paretodiff.linear.Linear, got {rule!r}")
            for name in rule.names:
                if name not in self.inputs:
                    raise InputError(f"{rule}: {name!r} is not an input column ({', '.join(self.inputs)})")
                kind = self.kinds[self.inputs.index(name)]
                if kind != "continuous":
                    raise InputError(f"{rule}: {name!r} is {kind}; a linear rule is over continuous columns")
                if name in summed:
                    raise InputError(f"{rule}: {name!r} is in a sum; a column is in a sum or in linear rules, "
                                     "not both")
            J, coefs = self._linear_terms(rule)
            lo, hi = self.search_lower[J], self.search_upper[J]
            least = linear.lowest(coefs, lo, hi)
            if least > rule.bound + linear.TOLERANCE * max(1.0, abs(rule.bound)):
                raise InputError(f"{rule}: cannot be met inside the columns' bounds (its left side is at least "
                                 f"{least:g} there)")
            if least > self._tightened(rule, J, coefs):
                raise InputError(f"{rule}: cannot be met inside the columns' bounds at the decimal places the data "
                                 "gives them")

    def _linear_terms(self, rule: Linear) -> tuple[list[int], np.ndarray]:
        """A rule's column indices and coefficients ``(k,)``."""
        return [self.inputs.index(n) for n in rule.names], np.array(rule.coefs, dtype=float)

    def _tightened(self, rule: Linear, J: list[int], coefs: np.ndarray) -> float:
        """The bound a design is projected to, so that rounding each column to its decimals
        (at most half a unit of its last place) cannot break the rule."""
        half = np.array([0.0 if self.decimals[j] is None else 0.5 * 10.0 ** -self.decimals[j] for j in J])
        return rule.bound - float(np.abs(coefs) @ half) * (1.0 + 1e-6)

    def linear_excess(self, X: np.ndarray) -> np.ndarray:
        """``(N,)``: by how much each design breaks its worst rule of :attr:`linear`, beyond the
        float tolerance (0 where every rule is met)."""
        X = np.asarray(X, dtype=float)
        excess = np.zeros(len(X))
        for rule in self.linear:
            J, coefs = self._linear_terms(rule)
            miss = -linear.slack(X, J, coefs, rule.bound) - linear.tolerance(X, J, coefs, rule.bound)
            excess = np.maximum(excess, miss)
        return excess

    def _project_linear(self, X: np.ndarray) -> np.ndarray:
        """Designs that break a rule of :attr:`linear` moved into every rule inside the search
        box (their columns clipped to it, then cyclic projections, each the nearest point of one
        rule's half-space; at most 200 rounds), to the tightened bounds so that rounding keeps
        them met."""
        terms = []
        for rule in self.linear:
            J, coefs = self._linear_terms(rule)
            terms.append((J, coefs, self._tightened(rule, J, coefs)))
        columns = sorted({j for J, _, _ in terms for j in J})  # inside the box first: rounding clips to it
        X[:, columns] = np.clip(X[:, columns], self.search_lower[columns], self.search_upper[columns])
        for _ in range(200):
            broken = False
            for J, coefs, bound in terms:
                if (X[:, J] @ coefs > bound).any():
                    broken = True
                    X[:, J] = linear.project(X[:, J], coefs, bound, self.search_lower[J], self.search_upper[J])
            if not broken:
                break
        return X

    def _check_sums(self) -> None:
        groups, used = [], set()
        for names, total in self.sums:
            names, total = tuple(str(n) for n in names), float(total)
            label = f"{','.join(names)}={total:g}"
            if len(names) < 2 or len(set(names)) != len(names):
                raise InputError(f"{label}: a sum needs at least 2 distinct columns")
            for name in names:
                if name not in self.inputs:
                    raise InputError(f"{label}: {name!r} is not an input column ({', '.join(self.inputs)})")
                if self.kinds[self.inputs.index(name)] != "continuous":
                    raise InputError(f"{label}: {name!r} is {self.kinds[self.inputs.index(name)]}; a sum is over "
                                     "continuous columns")
            if used & set(names):
                raise InputError(f"{label}: column {min(used & set(names))!r} is in two sums")
            used |= set(names)
            J = [self.inputs.index(n) for n in names]
            lo, hi = self.search_lower[J].sum(), self.search_upper[J].sum()
            if not (math.isfinite(total) and lo - 1e-9 * max(1.0, abs(total)) <= total <= hi + 1e-9 * max(1.0, abs(total))):
                raise InputError(f"{label}: the total {total:g} cannot be reached inside the columns' bounds "
                                 f"(their sum lies in [{lo:g}, {hi:g}])")
            groups.append((names, total))
        object.__setattr__(self, "sums", tuple(groups))

    def _check_levels(self) -> None:
        D = self.n_var
        levels = (None,) * D if self.levels is None else tuple(self.levels)
        if len(levels) != D:
            raise InputError(f"levels must give None or a list of levels for each of the {D} design columns")
        if self.encoding not in ENCODINGS:
            raise InputError(f"encoding must be one of {', '.join(ENCODINGS)}, got {self.encoding!r}")
        checked = []
        for j, (name, kind, values) in enumerate(zip(self.inputs, self.kinds, levels)):
            if kind not in ("discrete", "categorical"):
                if values is not None:
                    raise InputError(f"input column {name!r}: levels are for discrete and categorical columns")
                checked.append(None)
                continue
            if values is None or len(values) < 1:
                raise InputError(f"input column {name!r}: a {kind} column needs its levels")
            if kind == "discrete":
                values = tuple(float(v) for v in values)
                if not all(math.isfinite(v) for v in values) or list(values) != sorted(set(values)):
                    raise InputError(f"input column {name!r}: discrete levels must be distinct finite numbers, sorted")
                if values[0] < self.lower[j] or values[-1] > self.upper[j]:
                    raise InputError(f"input column {name!r}: its levels leave the box [{self.lower[j]:g}, "
                                     f"{self.upper[j]:g}]")
                if not any(self.search_lower[j] <= v <= self.search_upper[j] for v in values):
                    raise InputError(f"input column {name!r}: none of its levels lies inside its bounds "
                                     f"[{self.search_lower[j]:g}, {self.search_upper[j]:g}]")
            else:
                values = tuple(v if isinstance(v, str) else float(v) for v in values)
                if len(set(values)) != len(values) or not all(isinstance(v, str) or math.isfinite(v) for v in values):
                    raise InputError(f"input column {name!r}: categorical labels must be distinct (text or finite "
                                     "numbers)")
                box = (self.lower[j], self.upper[j], self.search_lower[j], self.search_upper[j])
                if box != (0.0, len(values) - 1.0) * 2:
                    raise InputError(f"input column {name!r}: a categorical column's bounds are its label indices "
                                     f"[0, {len(values) - 1}] and cannot be narrowed")
            checked.append(values)
        object.__setattr__(self, "levels", tuple(checked))

    # -- construction --------------------------------------------------------------------

    @classmethod
    def from_data(cls, X: np.ndarray, Y: np.ndarray, *, senses: Sequence[str] | None = None,
                  bounds: tuple[Sequence[float], Sequence[float]] | None = None,
                  integer_columns: Sequence[int] | None = None, inputs: Sequence[str] | None = None,
                  objectives: Sequence[str] | None = None,
                  constraints: Sequence[Constraint] = (), categories: dict[int, Sequence] | None = None,
                  discrete: Sequence[int] | Mapping[int, Sequence[float] | None] = (), encoding: str = "onehot",
                  sums: Sequence[tuple[Sequence[str], float]] = (),
                  linear: Sequence[Linear] = ()) -> "DesignSpace":
        """The space of a table: bounds default to the data's range, integer columns to those
        holding only whole numbers, names to ``x0..`` and ``f0..``, senses to ``"min"``; each
        continuous column keeps the decimal places its values are given with
        (:func:`data_decimals`).

        ``bounds`` are where designs are searched for: the box is the smallest that holds them
        and the data (every row is learned from), and where ``bounds`` lie inside the data's
        range they become the search box (:attr:`search_lower`, :attr:`search_upper`).

        ``categories`` makes columns categorical, ``{column index: labels}``, their values in
        ``X`` the labels' indices (its bounds, if given, are ignored: they are the indices');
        ``discrete`` columns take the distinct values the data holds as their levels, or for
        ``{column index: levels}`` the levels given (``None``: the data's).  The
        columns of each of ``sums`` (names and a total) share the finest decimal places any
        of them is given with; ``linear`` rules (:func:`paretodiff.linear.parse`) hold for every
        design the space returns.

        Raises:
            InputError: shapes, names, senses, bounds, or an objective whose range cannot be
                scaled, naming the column.
        """
        X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
        if X.ndim != 2 or Y.ndim != 2 or len(X) != len(Y) or X.shape[1] < 1:
            raise InputError(f"X and Y must be 2-D with the same number of rows, got {X.shape} and {Y.shape}")
        if not (np.isfinite(X).all() and np.isfinite(Y).all()):
            raise InputError("X and Y must be finite")
        D = X.shape[1]
        lower, upper = (X.min(axis=0), X.max(axis=0)) if bounds is None else (np.array(b, dtype=float)
                                                                             for b in bounds)
        if np.shape(lower) != (D,) or np.shape(upper) != (D,):
            raise InputError(f"bounds must give {D} lower and upper values")
        categories = {int(j): tuple(v) for j, v in (categories or {}).items()}
        given_levels = {int(j): v for j, v in discrete.items()} if isinstance(discrete, Mapping) else {}
        discrete = [int(j) for j in discrete]
        special = set(categories) | set(discrete)
        if len(special) != len(categories) + len(discrete) or any(not 0 <= j < D for j in special):
            raise InputError(f"categorical and discrete columns must be distinct column indices below {D}")
        for j, labels in categories.items():
            lower[j], upper[j] = 0.0, len(labels) - 1.0
        box = np.minimum(lower, X.min(axis=0)), np.maximum(upper, X.max(axis=0))
        narrowed = bool(np.any(box[0] < lower) or np.any(box[1] > upper))
        if integer_columns is None:
            integer_columns = [j for j in range(D) if j not in special and np.all(X[:, j] == np.round(X[:, j]))]
        columns = [int(j) for j in integer_columns]
        if len(set(columns)) != len(columns) or any(not 0 <= j < D for j in columns) or set(columns) & special:
            raise InputError(f"integer_columns must be distinct column indices below {D} and neither categorical nor "
                             f"discrete, got {columns}")
        decimals = [None if j in columns or j in special else data_decimals(X[:, j]) for j in range(D)]
        names = list(inputs) if inputs is not None else [f"x{j}" for j in range(D)]
        for group, _ in sums:  # a sum's columns are rounded together, to the finest places among them
            J = [names.index(n) for n in group if n in names]  # unknown names: refused by the space
            places = [decimals[j] for j in J]
            for j in J:
                decimals[j] = None if None in places else max(places)
        kinds = ["integer" if j in columns else "discrete" if j in discrete else
                 "categorical" if j in categories else "continuous" for j in range(D)]
        levels = [categories[j] if j in categories else
                  (tuple(np.unique(X[:, j])) if given_levels.get(j) is None else
                   tuple(sorted({float(v) for v in given_levels[j]}))) if j in discrete else None
                  for j in range(D)]
        space = cls(
            inputs=tuple(inputs) if inputs is not None else tuple(f"x{j}" for j in range(X.shape[1])),
            lower=box[0], upper=box[1], search_lower=lower if narrowed else None,
            search_upper=upper if narrowed else None,
            kinds=tuple(kinds),
            objectives=tuple(objectives) if objectives is not None else tuple(f"f{j}" for j in range(Y.shape[1])),
            senses=tuple(senses) if senses is not None else ("min",) * Y.shape[1], decimals=tuple(decimals),
            constraints=tuple(constraints), levels=tuple(levels) if special else None, encoding=encoding,
            sums=tuple((tuple(g), float(t)) for g, t in sums), linear=tuple(linear))
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
    def mixed(self) -> bool:
        """Whether any column is discrete or categorical."""
        return any(kind in ("discrete", "categorical") for kind in self.kinds)

    @property
    def labels(self) -> tuple[tuple | None, ...]:
        """Per design column, a categorical column's labels, else ``None``."""
        levels = self.levels or (None,) * self.n_var
        return tuple(v if k == "categorical" else None for k, v in zip(self.kinds, levels))

    @property
    def widths(self) -> tuple[int, ...]:
        """Unit-cube coordinates per design column ``(D,)``: ``L`` for a one-hot categorical
        column of ``L >= 2`` labels, else 1."""
        return tuple(len(self.levels[j]) if kind == "categorical" and self.encoding == "onehot"
                     and len(self.levels[j]) > 1 else 1 for j, kind in enumerate(self.kinds))

    @property
    def n_unit(self) -> int:
        """Coordinates of the unit cube the models work on (:attr:`n_var` without one-hot columns)."""
        return sum(self.widths)

    def _blocks(self) -> list[tuple[int, int, int]]:
        """``(column, first coordinate, width)`` per design column."""
        starts = np.concatenate([[0], np.cumsum(self.widths)[:-1]]).astype(int)
        return [(j, int(a), w) for j, (a, w) in enumerate(zip(starts, self.widths))]

    @property
    def constant(self) -> np.ndarray:
        """Mask ``(D,)`` of the constant columns (equal bounds)."""
        return self.upper <= self.lower

    @property
    def narrowed(self) -> bool:
        """Whether the search box is smaller than the box."""
        return bool(np.any(self.search_lower > self.lower) or np.any(self.search_upper < self.upper))

    def search_unit(self) -> tuple[np.ndarray, np.ndarray]:
        """The search box on the unit cube of the box: lower and upper corners ``(n_unit,)`` in
        ``[0, 1]`` (a constant column keeps ``[0, 1]``: it maps back to its value wherever it
        is; so does each coordinate of a one-hot column)."""
        lower = np.where(self.constant, 0.0, np.clip(self._scaled(self.search_lower), 0.0, 1.0))
        upper = np.where(self.constant, 1.0, np.clip(self._scaled(self.search_upper), 0.0, 1.0))
        return np.repeat(lower, self.widths), np.repeat(upper, self.widths)

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

    def _scaled(self, X: np.ndarray) -> np.ndarray:
        return (np.asarray(X, dtype=float) - self.lower) / self.span

    def to_unit(self, X: np.ndarray) -> np.ndarray:
        """Designs ``(N, D)`` -> the unit cube of the box ``(N, n_unit)``: ``(X - lower) / span``,
        a one-hot categorical column as its ``L`` indicator coordinates."""
        scaled = self._scaled(X)
        if self.n_unit == self.n_var:
            return scaled
        U = np.zeros((len(scaled), self.n_unit))
        for j, start, width in self._blocks():
            if width == 1:
                U[:, start] = scaled[:, j]
            else:
                index = np.clip(np.round(np.asarray(X, dtype=float)[:, j]), 0, width - 1).astype(int)
                U[np.arange(len(U)), start + index] = 1.0
        return U

    def from_unit(self, U: np.ndarray) -> np.ndarray:
        """Unit-cube points ``(N, n_unit)`` -> designs ``(N, D)``: ``lower + U span``, constant
        columns at their value, a one-hot column as the label of its largest coordinate,
        integer, discrete and categorical columns rounded to a whole number or the nearest
        level inside the search box, columns with :attr:`decimals` rounded to them (not
        clipped otherwise)."""
        U = np.asarray(U, dtype=float)
        columns = np.empty((len(U), self.n_var))
        for j, start, width in self._blocks():
            columns[:, j] = U[:, start] if width == 1 else np.argmax(U[:, start:start + width], axis=1)
        one = np.array(self.widths) == 1
        X = np.where(one, self.lower + columns * self.span, columns)
        X[:, self.constant] = self.lower[self.constant]
        return self._round(X)

    def snap_unit(self, U: np.ndarray) -> np.ndarray:
        """Unit-cube points ``(N, n_unit)`` moved to the designs they decode to: the point the
        models should judge where columns are discrete or categorical, must sum to a total or
        meet linear rules (unchanged otherwise)."""
        return self.to_unit(self.from_unit(U)) if self.mixed or self.sums or self.linear else np.asarray(U, dtype=float)

    def sum_errors(self, X: np.ndarray) -> np.ndarray:
        """``(N,)``: each design's largest distance from a total of :attr:`sums` (0 without sums)."""
        X = np.asarray(X, dtype=float)
        error = np.zeros(len(X))
        for names, total in self.sums:
            J = [self.inputs.index(n) for n in names]
            error = np.maximum(error, np.abs(X[:, J].sum(axis=1) - total))
        return error

    def _project_sums(self, X: np.ndarray) -> np.ndarray:
        """Each group of :attr:`sums` moved to the nearest point of the search box where it sums to
        its total: ``clip(x - lam, lower, upper)`` with ``lam`` per row found by bisection; then
        rounded to the group's decimals with the rounding's remainder put where there is room."""
        for names, total in self.sums:
            J = [self.inputs.index(n) for n in names]
            lo, hi = self.search_lower[J], self.search_upper[J]
            moved = ~((np.abs(X[:, J].sum(axis=1) - total) <= SUM_TOLERANCE * max(1.0, abs(total)))
                      & np.all((X[:, J] >= lo) & (X[:, J] <= hi), axis=1))  # the others are kept as they are
            Y = X[moved][:, J]
            a, b = (Y - hi).min(axis=1), (Y - lo).max(axis=1)  # the sum is sum(hi) at a, sum(lo) at b
            for _ in range(100):
                lam = (a + b) / 2
                above = np.clip(Y - lam[:, None], lo, hi).sum(axis=1) > total
                a, b = np.where(above, lam, a), np.where(above, b, lam)
            Y = np.clip(Y - ((a + b) / 2)[:, None], lo, hi)
            places = self.decimals[J[0]]
            if places is not None:
                Y = np.round(Y, places)
            for _ in range(len(J)):  # the remainder, column by column, where there is room
                rest = total - Y.sum(axis=1)
                room = np.where(rest[:, None] > 0, hi - Y, Y - lo)
                k = np.argmax(room, axis=1)
                rows = np.arange(len(Y))
                step = np.sign(rest) * np.minimum(np.abs(rest), room[rows, k])
                Y[rows, k] += step
                if places is not None:
                    Y[rows, k] = np.round(Y[rows, k], places)
            X[np.ix_(moved, J)] = Y
        return X

    def values(self, X: np.ndarray) -> list[np.ndarray]:
        """The design columns of ``X (N, D)`` in the user's terms: a categorical column's labels
        (text, or numbers: whole ones as integers), an integer column and a discrete column of
        whole levels as integers, the others as they are."""
        X = np.asarray(X, dtype=float)
        out = []
        for j, kind in enumerate(self.kinds):
            if kind == "integer" or (kind == "discrete" and all(v == round(v) for v in self.levels[j])):
                out.append(np.round(X[:, j]).astype(np.int64))
                continue
            if kind != "categorical":
                out.append(X[:, j])
                continue
            labels = self.levels[j]
            index = np.clip(np.round(X[:, j]), 0, len(labels) - 1).astype(int)
            if all(isinstance(v, float) for v in labels):
                values = np.asarray(labels, dtype=float)[index]
                out.append(values.astype(np.int64) if np.all(values == np.round(values)) else values)
            else:
                out.append(np.asarray(labels, dtype=object)[index])
        return out

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
        if self.sums:
            X = self._project_sums(X)
        if self.linear:
            X = self._project_linear(X)
        for j, kind in enumerate(self.kinds):
            if kind in ("integer", "categorical"):
                X[:, j] = np.clip(np.round(X[:, j]), np.ceil(lower[j]), np.floor(upper[j]))
            elif kind == "discrete":
                levels = np.asarray(self.levels[j])
                levels = levels[(levels >= lower[j]) & (levels <= upper[j])]
                X[:, j] = levels[np.argmin(np.abs(X[:, j, None] - levels[None, :]), axis=1)]
        summed = {n for names, _ in self.sums for n in names}  # rounded with their sum
        for j, places in enumerate(self.decimals):
            if places is not None and self.kinds[j] == "continuous" and not self.constant[j] \
                    and self.inputs[j] not in summed:
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
        mixed = ({"levels": [None if v is None else list(v) for v in self.levels], "encoding": self.encoding}
                 if self.mixed else {})
        return {"inputs": list(self.inputs), "lower": self.lower.tolist(), "upper": self.upper.tolist(),
                "kinds": list(self.kinds), "objectives": list(self.objectives), "senses": list(self.senses),
                "decimals": list(self.decimals), **search, **rules, **mixed,
                **({"sums": [[list(g), t] for g, t in self.sums]} if self.sums else {}),
                **({"linear": [r.text for r in self.linear]} if self.linear else {})}

    @classmethod
    def from_dict(cls, values) -> "DesignSpace":
        """The space of :meth:`to_dict`, every entry checked by type and shape.

        Raises:
            ValueError: naming the entry.
        """
        if not isinstance(values, dict):
            raise ValueError("space must be an object")
        entries = {"inputs": str, "lower": float, "upper": float, "kinds": str, "objectives": str, "senses": str}
        optional = {"decimals", "search_lower", "search_upper", "constraints", "levels", "encoding", "sums", "linear"}
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
        levels = values.get("levels")
        if levels is not None and not (isinstance(levels, list) and all(
                v is None or (isinstance(v, list) and all(isinstance(b, str) or (
                    isinstance(b, (int, float)) and not isinstance(b, bool) and math.isfinite(b)) for b in v))
                for v in levels)):
            raise ValueError("space.levels must be a list of nulls and lists of labels (text or finite numbers)")
        sums = values.get("sums", [])
        if not (isinstance(sums, list) and all(
                isinstance(g, list) and len(g) == 2 and isinstance(g[0], list) and all(isinstance(n, str) for n in g[0])
                and isinstance(g[1], (int, float)) and not isinstance(g[1], bool) for g in sums)):
            raise ValueError("space.sums must be a list of [[column, ...], total]")
        rules_text = values.get("linear", [])
        if not (isinstance(rules_text, list) and all(isinstance(t, str) for t in rules_text)):
            raise ValueError("space.linear must be a list of rules as text")
        linear_rules = tuple(linear.parse(t) for t in rules_text)
        encoding = values.get("encoding", "onehot")
        if not isinstance(encoding, str):
            raise ValueError("space.encoding must be a string")
        try:
            return cls(**{k: values[k] for k in entries}, decimals=decimals, search_lower=search[0],
                       search_upper=search[1], constraints=tuple(Constraint(*r) for r in rules),
                       levels=None if levels is None else tuple(None if v is None else tuple(v) for v in levels),
                       encoding=encoding, sums=tuple((tuple(g), t) for g, t in sums), linear=linear_rules)
        except InputError as exc:
            raise ValueError(f"space: {exc}") from None


MAX_DECIMALS = 8
SUM_TOLERANCE = 1e-9  # relative: a design whose sum is this close to its total meets it
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
