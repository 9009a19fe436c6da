"""The library's entry point: a table of measured designs in, the proposed designs out.

>>> import paretodiff
>>> result = paretodiff.optimize(frame, minimize=["cost"], maximize=["strength"], n=64, seed=0)
>>> result.designs          # a DataFrame: your design columns, then the method's scores
>>> result.method           # the fitted method (pgd: ``result.method.save("model/")``)

Like pymoo's ``minimize(problem, algorithm, termination)``, one function joins the nouns:
the data (a DataFrame, or :class:`~paretodiff.methods.base.OfflineData` with its
:class:`~paretodiff.space.DesignSpace`), a method (a registered name with settings, see
:mod:`paretodiff.methods`, or a method object) and how many designs to propose.  Names,
senses, bounds and integer columns are handled here once, for every method; the command
line's ``paretodiff optimize`` is a thin shell over this function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from paretodiff import methods, settings
from paretodiff.errors import InputError
from paretodiff.methods.base import Method, OfflineData, Proposals
from paretodiff.space import DesignSpace
from paretodiff.tables import TrainingTable, search_bounds, training_frame


@dataclass
class Result:
    """What :func:`optimize` returns.

    Attributes:
        designs: the proposals as a table: the design columns under the space's names, then the
            method's scores (for pgd ``utility``, ``guidance_scale``, ``searched`` and each
            objective's ``<name>_pred`` and ``<name>_std``), each renamed with a
            suffix (``utility_1``) if a design column already has its name.
        proposals: the method's :class:`~paretodiff.methods.base.Proposals`, the designs finished
            by the space (integer columns rounded, constant columns kept).
        method: the fitted method.
        data: the data it was fitted on.
        renamed: score name -> the column it was written as, where they differ.
        dropped: line numbers of the rows left out (``drop_invalid``; a DataFrame's row ``i``
            is line ``i + 2``, as in a CSV file with a header).
    """

    designs: pd.DataFrame
    proposals: Proposals
    method: Method
    data: OfflineData
    renamed: dict[str, str] = field(default_factory=dict)
    dropped: list[int] = field(default_factory=list)


def optimize(
    data: OfflineData | pd.DataFrame,
    *,
    method: str | Method = "pgd",
    n: int = 256,
    seed: int = 0,
    minimize: Sequence[str] = (),
    maximize: Sequence[str] = (),
    inputs: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    bounds: Mapping[str, tuple[float, float]] | None = None,
    drop_invalid: bool = False,
    strategy: str | None = None,
    target: str | Sequence[str] = (),
    constraints: str | Sequence[str] = (),
    categorical: Sequence[str] = (),
    discrete: Sequence[str] | Mapping[str, Sequence[float]] = (),
    sums: str | Sequence[str] = (),
    linear: str | Sequence[str] = (),
    feasible: str | None = None,
) -> Result:
    """Fit ``method`` on the measured designs and propose exactly ``n`` new ones.

    Args:
        data: an :class:`OfflineData`, or a DataFrame with one row per measured design (then
            ``minimize``/``maximize`` name its objective columns and ``inputs`` its design
            columns, by default every other column but those in ``ignore``).
        method: a registered method spec (``"pgd"``, ``"multiple-models"``,
            ``"pgd:sampling.steps=25"``, ...) or a method object.
        n: designs to propose.
        seed: seeds fitting and proposing: the same seed gives the same designs.
        ignore: for a DataFrame, columns that are neither inputs nor objectives (measured
            values such as a stress, an identifier, a date).
        bounds: for a DataFrame, where to search, ``{column: (lower, upper)}`` for some design
            columns (the others keep the data's range); bounds inside the data's range narrow
            the search, every row is still learned from.
        drop_invalid: for a DataFrame, leave out rows with missing or non-finite values
            instead of refusing them.
        strategy: for a pgd method given by name, how the ``n`` are chosen
            (:data:`paretodiff.selection.STRATEGIES`); default :data:`ENGINEER_STRATEGY`
            (``batch``, as the command line's ``optimize``) unless the spec sets
            ``selection.strategy``.  The benchmark's cells use the config's ``pessimistic``.
        target: for a pgd method, thresholds on objectives in your units, ``"cost<=100,mass<2"``
            or ``["cost<=100", "mass<2"]``: the designs predicted to meet them all are chosen
            first (score ``in_target``).
        constraints: for a DataFrame, measured columns that must meet a limit, ``"stress<=250"``
            or ``["stress<=250", "margin>=0.1"]`` (neither inputs nor objectives): pgd learns them
            with the objectives, proposes designs predicted to meet them first and scores each
            with ``p_feasible``; d-best proposes measured designs that meet them first.
        categorical: for a DataFrame, numeric design columns that are codes without an order
            (text design columns are categorical without being named): proposals use only
            the labels the data holds.
        discrete: for a DataFrame, numeric design columns that take only the values they hold
            (a dose of 6, 12, 24 or 48): proposals use only those levels; or
            ``{column: levels}`` to give the levels (``{"dose": [6, 12, 24, 48]}``).
        sums: for a DataFrame, input columns that must sum to a total exactly, ``"a,b,c=1"``
            or a list of such terms (fractions of a mixture): every proposal meets them
            (projected onto them inside the bounds, rounded with the remainder kept in the sum).
        linear: for a DataFrame, linear inequalities over continuous input columns,
            ``"a + 2*b <= 3"`` or a list of them (:func:`paretodiff.linear.parse`): every
            proposal meets them (moved to the nearest point inside them and the bounds).
        feasible: for a DataFrame, a column of 1 (the design worked) and 0 (it failed; its
            objectives may be empty): the failed designs are not learned as poor ones but form
            a negation set that pgd steers away from and screens its proposals by
            (``p_feasible``); the other methods learn from the designs that worked.

    Raises:
        InputError: bad data, names, bounds or settings (one line naming the column).
    """
    dropped: list[int] = []
    if isinstance(data, pd.DataFrame):
        data, dropped = offline_data(data, list(minimize), list(maximize), list(inputs) if inputs else None,
                                     bounds, drop_invalid, ignore=list(ignore), constraints=split_terms(constraints),
                                     categorical=list(categorical), discrete=discrete,
                                     sums=[sums] if isinstance(sums, str) else list(sums),
                                     linear=[linear] if isinstance(linear, str) else list(linear), feasible=feasible)
    elif minimize or maximize or inputs or ignore or bounds or constraints or categorical or discrete or sums \
            or linear or feasible:
        raise InputError("minimize, maximize, inputs, ignore, bounds, constraints, categorical, discrete, sums, "
                         "linear and feasible are for a DataFrame; OfflineData has its space")
    settings.check_seed(seed)
    if isinstance(method, str):
        method = with_strategy(method, strategy)
    elif strategy is not None:
        raise InputError("strategy is a setting of a pgd method given by name; set it on the method object instead")
    model = methods.make(method) if isinstance(method, str) else method
    if target:
        set_target(model, target, data.space.objectives)
    model.fit(data, seed)
    proposals = model.propose(n, seed)
    proposals = Proposals(data.space.finish(proposals.X), proposals.scores)
    check_input_rules(proposals.X, data.space)
    frame, renamed = proposals_frame(proposals, data.space)
    return Result(frame, proposals, model, data, renamed, dropped)


def check_input_rules(X: np.ndarray, space: DesignSpace) -> None:
    """Raise :class:`ModelError` if a design ``X (n, D)`` misses a total of ``space.sums`` or
    breaks a rule of ``space.linear`` (the output's check of the rules every proposal must meet)."""
    from paretodiff.errors import ModelError
    from paretodiff.space import SUM_TOLERANCE

    if space.sums:
        error = space.sum_errors(X)
        limit = SUM_TOLERANCE * max(1.0, *(abs(t) for _, t in space.sums))
        if (error > limit).any():
            raise ModelError(f"{int((error > limit).sum())} proposal(s) miss a required sum by up to {error.max():.3g}; "
                             "nothing was written")
    if space.linear:
        excess = space.linear_excess(X)
        if (excess > 0).any():
            raise ModelError(f"{int((excess > 0).sum())} proposal(s) break a linear rule by up to {excess.max():.3g}; "
                             "nothing was written")


def parse_linear(terms: Sequence[str]) -> list:
    """:func:`paretodiff.linear.parse` of each term, its errors as one-line :class:`InputError` naming ``--linear``."""
    from paretodiff import linear

    try:
        return [linear.parse(t) for t in terms]
    except ValueError as exc:
        raise InputError(f"--linear: {exc}") from None


def parse_sums(terms: Sequence[str]) -> list[tuple[tuple[str, ...], float]]:
    """``["a,b,c=1"]`` -> ``[(("a", "b", "c"), 1.0)]``; errors as one-line :class:`InputError` naming ``--sum``."""
    out = []
    for term in terms:
        names, sep, total = str(term).rpartition("=")
        columns = tuple(n.strip() for n in names.split(",") if n.strip())
        try:
            value = float(total)
        except ValueError:
            value = float("nan")
        if not sep or len(columns) < 2 or not np.isfinite(value):
            raise InputError(f"--sum: {term!r}: write the columns and their total, as \"a,b,c=1\"")
        out.append((columns, value))
    return out


def split_terms(terms: str | Sequence[str]) -> list[str]:
    """``"a<=1,b>=2"`` or ``["a<=1", "b>=2"]`` -> ``["a<=1", "b>=2"]``."""
    return [t.strip() for t in terms.split(",") if t.strip()] if isinstance(terms, str) else list(terms)


def set_target(model: Method, target: str | Sequence[str], objectives: Sequence[str]) -> None:
    """Put the thresholds ``target`` into a pgd model's selection settings, checked against the objectives."""
    import dataclasses

    from paretodiff.methods.pgd import ParetoDiff
    from paretodiff.methods.pgd_config import from_dict, with_overrides
    from paretodiff.selection import parse_target

    terms = split_terms(target)
    if not isinstance(model, ParetoDiff):
        raise InputError(f"--target: thresholds are used by the pgd methods (with an objective model), "
                         f"not by {type(model).__name__}")
    if not model.config.objectives.members:
        raise InputError("--target: this pgd preset has no objective model to predict the objectives")
    try:
        parse_target(terms, objectives)
    except ValueError as exc:
        raise InputError(f"--target: {exc}") from None
    model.config = from_dict(with_overrides(dataclasses.asdict(model.config), {"selection.target": terms}))


ENGINEER_STRATEGY = "batch"  # optimize, in Python and on the command line: a batch for the next lab round


def with_strategy(spec: str, strategy: str | None = None) -> str:
    """``spec`` with ``selection.strategy`` set: to ``strategy``, or to :data:`ENGINEER_STRATEGY`
    for a pgd method whose settings choose none; other methods are returned as they are
    (a ``strategy`` for them is an error, as is a spec that cannot be read)."""
    try:
        name, given = methods.parse_spec(spec)
        pgd = methods.spec(name).target.endswith(":ParetoDiff")
    except KeyError:
        return spec  # an unknown method: methods.make says so, with the registered names
    except ValueError as exc:
        raise InputError(f"--method: {str(exc).splitlines()[0]}") from None
    if strategy is None:
        if not pgd or "selection.strategy" in given:
            return spec
        strategy = ENGINEER_STRATEGY
    elif not pgd:
        raise InputError(f"--strategy is a setting of the pgd methods, not of {spec!r}")
    return f"{spec}{',' if ':' in spec else ':'}selection.strategy={strategy}"


def offline_data(frame: pd.DataFrame, minimize: list[str], maximize: list[str], inputs: list[str] | None,
                 bounds: Mapping[str, tuple[float, float]] | None = None, drop_invalid: bool = False,
                 source: str = "the table", ignore: list[str] | None = None,
                 constraints: list[str] | None = None, categorical: list[str] | None = None,
                 discrete: Sequence[str] | Mapping[str, Sequence[float]] | None = None,
                 sums: list[str] | None = None,
                 feasible: str | None = None, linear: list[str] | None = None) -> tuple[OfflineData, list[int]]:
    """A user's table as :class:`OfflineData`, checked; also the line numbers of dropped rows.
    ``constraints``: terms such as ``"stress<=250"`` (:func:`paretodiff.constraints.parse`);
    ``categorical``, ``discrete``: column kinds (:func:`paretodiff.tables.training_frame`;
    ``discrete`` may map columns to their levels);
    ``sums``: terms such as ``"a,b,c=1"`` (:func:`parse_sums`); ``linear``: terms such as
    ``"a + 2*b <= 3"`` (:func:`parse_linear`); ``feasible``: the column of 1 (worked) and 0 (failed)."""
    rules = parse_constraints(constraints or [])
    levels = {k: v for k, v in discrete.items() if v is not None} if isinstance(discrete, Mapping) else {}
    table = training_frame(frame, minimize, maximize, inputs, drop_invalid, source, ignore, [r.name for r in rules],
                           categorical, list(discrete or []), feasible)
    space = design_space(table, bounds, rules, parse_sums(sums or []), parse_linear(linear or []), levels)
    return OfflineData(table.X, table.Y, space, str(source), table.G, table.failed), table.dropped


def design_space(table: TrainingTable, bounds: Mapping[str, tuple[float, float]] | None = None,
                 rules: Sequence = (), sums: Sequence[tuple[tuple[str, ...], float]] = (),
                 linear: Sequence = (), levels: Mapping[str, Sequence[float]] | None = None) -> DesignSpace:
    """The space of a checked table: its columns' names, kinds and senses, the data's range
    widened or narrowed by ``bounds`` ``{column: (lower, upper)}`` for some inputs, the
    constraints ``rules``, the exact ``sums`` (:func:`parse_sums`), the ``linear`` rules
    (:func:`parse_linear`); ``levels`` ``{column: values}`` makes numeric input columns
    discrete with those levels (the data's range widened to hold them).

    Raises:
        InputError: bounds for an unknown or categorical column, or not finite lower < upper;
            a sum or a linear rule that names an unknown or non-continuous column or cannot be
            met, naming ``--sum`` or ``--linear``.
    """
    input_cols = table.inputs
    for name, (lo, hi) in (bounds or {}).items():
        if name not in input_cols:
            raise InputError(f"bounds: {name!r} is not a design column ({', '.join(input_cols)})")
        if name in table.categories:
            raise InputError(f"bounds: {name!r} is categorical; its labels have no range to narrow")
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise InputError(f"bounds: {name!r} needs finite lower < upper, got ({lo}, {hi})")
    named = {name: (float(lo), float(hi)) for name, (lo, hi) in (bounds or {}).items()}
    levels = {name: tuple(float(v) for v in values) for name, values in (levels or {}).items()}
    for name, values in levels.items():
        if name not in input_cols or name in table.categories:
            raise InputError(f"levels: {name!r} is not a numeric design column "
                             f"({', '.join(c for c in input_cols if c not in table.categories)})")
        if len(values) < 2 or not np.all(np.isfinite(values)):
            raise InputError(f"levels: {name!r} needs 2 or more finite levels, got {list(values)}")
        if name not in named:
            named[name] = (min(values), max(values))
    lower, upper = search_bounds(table.X, input_cols, named)
    discrete = {input_cols.index(c): None for c in table.discrete} | {input_cols.index(c): v for c, v in levels.items()}

    def space(with_sums=(), with_linear=()) -> DesignSpace:
        return DesignSpace.from_data(table.X, table.Y, senses=table.senses, bounds=(lower, upper), inputs=input_cols,
                                     objectives=table.objectives, constraints=tuple(rules),
                                     categories={input_cols.index(c): v for c, v in table.categories.items()},
                                     discrete=discrete, sums=with_sums,
                                     linear=with_linear)

    if not sums and not linear:
        return space()
    space()  # what is wrong without the input rules is said first
    try:
        result = space(sums)
    except InputError as exc:
        raise InputError(f"--sum: {exc}") from None
    if not linear:
        return result
    try:
        return space(sums, linear)
    except InputError as exc:
        raise InputError(f"--linear: {exc}") from None


def parse_constraints(terms: Sequence[str]) -> tuple:
    """:func:`paretodiff.constraints.parse`, its errors as one-line :class:`InputError` naming ``--constraint``."""
    from paretodiff import constraints

    try:
        return constraints.parse(terms)
    except ValueError as exc:
        raise InputError(f"--constraint: {exc}") from None


def proposals_frame(proposals: Proposals, space: DesignSpace) -> tuple[pd.DataFrame, dict[str, str]]:
    """The proposals as a table: the design columns, then the scores under names that no design
    column has (``utility``, or ``utility_1`` if a design column is called ``utility``), each
    score with no more digits than it warrants (:func:`rounded_scores`)."""
    frame = pd.DataFrame(dict(zip(space.inputs, space.values(proposals.X))), columns=list(space.inputs))
    renamed = {}
    predicted = space.objectives + tuple(c.name for c in space.constraints)
    for name, values in rounded_scores(proposals.scores, predicted).items():
        column = _free_name(name, frame.columns)
        if column != name:
            renamed[name] = column
        frame[column] = values
    return frame, renamed


SIGNIFICANT = {"utility": 4, "expected_hvi": 3}


def rounded_scores(scores: Mapping[str, np.ndarray], objectives: Sequence[str]) -> dict[str, np.ndarray]:
    """The scores rounded to what they can tell: each ``<objective>_std`` to 2 significant digits,
    each ``<objective>_pred`` to the place of its own uncertainty's second digit (a prediction of
    12.3456 ± 0.21 is 12.35), ``p_undominated`` to 3 decimals (it is a share of 256 draws), the
    utility and the expected improvement to a few significant digits; the rest as they are."""
    out = dict(scores)
    for name in objectives:
        std = np.asarray(scores.get(f"{name}_std", []), dtype=float)
        if f"{name}_pred" in scores and len(std):
            places = np.where(std > 0, 1 - np.floor(np.log10(np.where(std > 0, std, 1.0))), 6).astype(int)
            pred = np.asarray(scores[f"{name}_pred"], dtype=float)
            out[f"{name}_pred"] = np.array([round(float(v), int(k)) for v, k in zip(pred, places)])
            out[f"{name}_std"] = _significant(std, 2)
    for name in ("p_undominated", "p_feasible"):
        if name in scores:
            out[name] = np.round(np.asarray(scores[name], dtype=float), 3)
    for name, digits in SIGNIFICANT.items():
        if name in scores:
            out[name] = _significant(np.asarray(scores[name], dtype=float), digits)
    return out


def _significant(values: np.ndarray, digits: int) -> np.ndarray:
    return np.array([float(f"{v:.{digits}g}") for v in values])


def _free_name(name: str, taken) -> str:
    taken = set(map(str, taken))
    candidates = (name if k == 0 else f"{name}_{k}" for k in range(len(taken) + 1))
    return next(c for c in candidates if c not in taken)
