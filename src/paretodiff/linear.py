"""Linear inequalities over design inputs, known before any experiment, that every proposal meets.

>>> rule = parse("cement + 2*water - 0.5*sand <= 0.8")
>>> rule.names, rule.coefs, rule.bound
(('cement', 'water', 'sand'), (1.0, 2.0, -0.5), 0.8)
>>> parse("a + b >= 0.2").coefs, parse("a + b >= 0.2").bound     # kept as <=: -a - b <= -0.2
((-1.0, -1.0), -0.2)

A rule is ``sum_j coefs[j] * x[names[j]] <= bound`` in the columns' units (a ``>=`` rule is
stored negated).  :func:`project` moves the designs that break it to the nearest point of the
search box that meets it (the Euclidean projection onto the half-space inside the box, found by
bisection on one multiplier per row); :class:`paretodiff.space.DesignSpace` applies it to
every design it decodes or finishes, so every method's proposals meet the rules, and the
output is checked again (:func:`paretodiff.api.check_input_rules`).
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

import numpy as np

TOLERANCE = 1e-9  # relative to max(1, |bound|, sum |coef| * |x|): a design this close meets a rule
_TERM = re.compile(r"^\s*(?:(?P<coef>[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*\*\s*)?(?P<name>\S(?:.*\S)?)\s*$")


class Linear(NamedTuple):
    """``sum(coefs[j] * x[names[j]]) <= bound``; ``text`` is the rule as the user wrote it."""

    names: tuple[str, ...]
    coefs: tuple[float, ...]
    bound: float
    text: str

    def __str__(self) -> str:
        return self.text


def parse(term: str) -> Linear:
    """``"a + 2*b - 0.5*c <= 3"`` (or ``>=``) -> a :class:`Linear` rule.

    Each term of the left side is a column name, optionally after a number and ``*``; terms are
    joined by ``+`` and ``-``; the right side is a finite number.

    Raises:
        ValueError: a term that is not of that form, a column named twice, or all coefficients 0.
    """
    text = str(term).strip()
    left, op, right = _split(text)
    try:
        bound = float(right)
    except ValueError:
        bound = math.nan
    if not op or not math.isfinite(bound):
        raise ValueError(f"{text!r} is not a linear rule like \"a + 2*b <= 3\" (<= or >= and a finite number)")
    names, coefs = [], []
    for sign, part in _terms(left):
        match = _TERM.match(part)
        if not match:
            raise ValueError(f"{text!r}: {part.strip()!r} is not a column or a number * column")
        coef = sign * float(match["coef"] or 1.0)
        name = match["name"]
        if name in names:
            raise ValueError(f"{text!r}: column {name!r} appears twice")
        names.append(name)
        coefs.append(coef)
    if not names or not any(coefs):
        raise ValueError(f"{text!r}: no column with a coefficient other than 0")
    flip = -1.0 if op == ">=" else 1.0
    return Linear(tuple(names), tuple(flip * c for c in coefs), flip * bound, text)


def _split(text: str) -> tuple[str, str, str]:
    for op in ("<=", ">="):
        if text.count(op) == 1:
            left, right = text.split(op)
            return left, op, right
    return text, "", ""


def _terms(left: str) -> list[tuple[float, str]]:
    """``"a + 2*b - c"`` -> ``[(1, "a"), (1, "2*b"), (-1, "c")]`` (the sign of a number's
    exponent, ``1e-3*a``, is not a separator).

    Raises:
        ValueError: an empty term (two signs in a row, a sign at the end, nothing at all).
    """
    pieces = re.split(r"(?<![0-9][eE])([+-])", left)
    first, rest = pieces[0], pieces[1:]
    out, sign = [], 1.0
    if first.strip():
        out.append((1.0, first))
    elif rest:  # a leading sign
        sign = -1.0 if rest[0] == "-" else 1.0
        rest = rest[1:]
        if not rest:
            raise ValueError(f"{left.strip()!r}: a term is missing")
        out.append((sign, rest[0]))
        rest = rest[1:]
    for op, part in zip(rest[::2], rest[1::2]):
        out.append((-1.0 if op == "-" else 1.0, part))
    if not out or any(not part.strip() for _, part in out):
        raise ValueError(f"{left.strip()!r}: a term is missing (two signs in a row, or a sign at an end)")
    return out


def slack(X: np.ndarray, J: list[int], coefs: np.ndarray, bound: float) -> np.ndarray:
    """``bound - coefs . X[:, J]`` ``(N,)``: how far inside the rule each design lies (< 0: broken)."""
    return bound - np.asarray(X, dtype=float)[:, J] @ coefs


def tolerance(X: np.ndarray, J: list[int], coefs: np.ndarray, bound: float) -> np.ndarray:
    """The slack a design may miss by ``(N,)`` and still meet the rule (float rounding)."""
    return TOLERANCE * np.maximum(max(1.0, abs(bound)), np.abs(np.asarray(X, dtype=float)[:, J]) @ np.abs(coefs))


def project(Y: np.ndarray, coefs: np.ndarray, bound: float, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Rows of ``Y (N, k)`` with ``coefs . y > bound`` moved to the nearest ``y`` in ``[lo, hi]``
    with ``coefs . y <= bound``: ``clip(y - lam * coefs, lo, hi)``, ``lam >= 0`` per row by
    bisection (``coefs . y`` falls as ``lam`` grows); the other rows unchanged.  The box must
    hold a point meeting the rule."""
    Y = np.array(Y, dtype=float)
    broken = Y @ coefs > bound
    if not broken.any():
        return Y
    Z = Y[broken]
    a = np.zeros(len(Z))
    span = np.max(np.abs(hi - lo)) + np.max(np.abs(Z - np.clip(Z, lo, hi)))
    b = np.full(len(Z), (span + 1.0) / np.min(np.abs(coefs[coefs != 0])))  # every coordinate at its end of the box
    for _ in range(100):
        lam = (a + b) / 2
        above = np.clip(Z - lam[:, None] * coefs, lo, hi) @ coefs > bound
        a, b = np.where(above, lam, a), np.where(above, b, lam)
    Y[broken] = np.clip(Z - b[:, None] * coefs, lo, hi)  # the upper end: meets the rule
    return Y


def lowest(coefs: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    """The smallest ``coefs . y`` over the box ``[lo, hi]``."""
    return float(np.where(coefs > 0, lo, hi) @ coefs)
