"""The 16 continuous synthetic tasks of Off-MOO-Bench (reference §1.1, §2.1).

ZDT1-4, ZDT6, DTLZ1-7 (3 objectives), OmniTest, VLMOP1-3, in vectorized numpy on the
raw design box, all objectives minimized.  The definitions are the standard ones; they
agree term by term with the benchmark's ``off_moo_bench/problem/synthetic_func.py`` and
``dtlz.py`` and with pymoo 0.6 (pymoo has no VLMOP problems).

DTLZ: the benchmark's ``DTLZ.obj_func`` stacks DTLZ2-6 objectives as ``(n_obj, N)``
instead of ``(N, n_obj)`` (issue lamda-bbo/offline-moo#14, reference §3.8), which
scrambles its predictions.  That bug is *not* reproduced here: every function returns
the correct ``(N, n_obj)`` layout.

True Pareto fronts are computed locally, never downloaded: analytically for ZDT1/2/4/6
and DTLZ1-4; for ZDT3, DTLZ5-7, OmniTest and VLMOP1/2 by evaluating a Pareto-set
parameterization with the task's own function and keeping the non-dominated rows.
VLMOP3 has no front (the benchmark provides none).
"""

from __future__ import annotations

import math
from typing import Callable

import moocore
import numpy as np

from .base import Collection, Task

# ----------------------------------------------------------------------------- helpers


def _nondominated(F: np.ndarray) -> np.ndarray:
    """Rows of ``F`` not dominated by another row (duplicates kept once)."""
    return F[moocore.is_nondominated(F)]


def _pareto_params(t: np.ndarray, v: np.ndarray, k: int) -> np.ndarray:
    """About ``k`` values of ``t`` spread over the non-dominated part of the curve ``(t, v)``.

    ``t`` is a fine increasing grid and ``v`` the profile at it, both minimized, so the
    non-dominated ``t`` are those where ``v`` sets a strict running minimum.  Points are
    shared among the contiguous pieces by length; each piece keeps its two end points.
    """
    idx = np.flatnonzero(v < np.minimum.accumulate(np.r_[np.inf, v[:-1]]))
    pieces = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
    length = np.array([t[p[-1]] - t[p[0]] for p in pieces])
    counts = np.maximum(2, np.round(k * length / length.sum())).astype(int)
    return np.concatenate(
        [t[np.unique(np.linspace(p[0], p[-1], c).round().astype(int))] for p, c in zip(pieces, counts)]
    )


_FINE = np.linspace(0.0, 1.0, 20001)  # parameter grid for the disconnected fronts


def _simplex_lattice(n: int) -> np.ndarray:
    """Das-Dennis lattice on the 3-simplex with the fewest partitions giving >= n points."""
    p = 1
    while (p + 1) * (p + 2) // 2 < n:
        p += 1
    i, j = np.meshgrid(np.arange(p + 1), np.arange(p + 1), indexing="ij")
    mask = i + j <= p
    i, j = i[mask], j[mask]
    return np.column_stack([i, j, p - i - j]) / p


def _zdt(f1: np.ndarray, g: np.ndarray, h: np.ndarray) -> np.ndarray:
    """ZDT skeleton: ``(f1, g * h)``."""
    return np.column_stack([f1, g * h])


def _zdt_g(x: np.ndarray) -> np.ndarray:
    """ZDT1-3 distance function ``1 + 9 * mean(x_2..n)``."""
    return 1.0 + 9.0 * np.sum(x[:, 1:], axis=1) / (x.shape[1] - 1)


def _dtlz_g1(xm: np.ndarray) -> np.ndarray:
    """Multimodal DTLZ1/3 distance function (Rastrigin-like), ``k = xm.shape[1]``."""
    return 100.0 * (xm.shape[1] + np.sum((xm - 0.5) ** 2 - np.cos(20.0 * np.pi * (xm - 0.5)), axis=1))


def _dtlz_g2(xm: np.ndarray) -> np.ndarray:
    """Unimodal DTLZ2/4/5 distance function ``sum (x - 0.5)^2``."""
    return np.sum((xm - 0.5) ** 2, axis=1)


def _dtlz_map(a: np.ndarray, b: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """DTLZ position map: ``f_i = scale * prod_{j < M-1-i} a_j * (b_{M-1-i} if i > 0)``.

    ``a, b`` have shape ``(N, M-1)``; linear for DTLZ1 (``a = x, b = 1 - x``), spherical
    otherwise (``a = cos(theta pi/2), b = sin(theta pi/2)``).
    """
    ones = np.ones((a.shape[0], 1))
    cum = np.cumprod(np.hstack([ones, a]), axis=1)  # cum[:, k] = prod_{j<k} a_j
    return scale[:, None] * cum[:, ::-1] * np.hstack([ones, b[:, ::-1]])


def _dtlz_sphere(theta: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Spherical DTLZ map of angles ``theta`` in units of pi/2."""
    t = theta * (np.pi / 2.0)
    return _dtlz_map(np.cos(t), np.sin(t), 1.0 + g)


_M = 3  # DTLZ objectives


# ------------------------------------------------------------------------ ZDT family


def zdt1(x: np.ndarray) -> np.ndarray:
    """ZDT1: ``f1 = x1``, ``f2 = g (1 - sqrt(f1/g))``, ``g = 1 + 9 mean(x2..n)``; convex front."""
    g = _zdt_g(x)
    return _zdt(x[:, 0], g, 1.0 - np.sqrt(x[:, 0] / g))


def zdt2(x: np.ndarray) -> np.ndarray:
    """ZDT2: as ZDT1 with ``h = 1 - (f1/g)^2``; concave front."""
    g = _zdt_g(x)
    return _zdt(x[:, 0], g, 1.0 - (x[:, 0] / g) ** 2)


def zdt3(x: np.ndarray) -> np.ndarray:
    """ZDT3: ``h = 1 - sqrt(f1/g) - (f1/g) sin(10 pi f1)``; five disconnected front pieces."""
    g, f1 = _zdt_g(x), x[:, 0]
    return _zdt(f1, g, 1.0 - np.sqrt(f1 / g) - (f1 / g) * np.sin(10.0 * np.pi * f1))


def zdt4(x: np.ndarray) -> np.ndarray:
    """ZDT4: ZDT1's ``h`` with Rastrigin ``g = 1 + 10(n-1) + sum(x_i^2 - 10 cos(4 pi x_i))``."""
    xr = x[:, 1:]
    g = 1.0 + 10.0 * xr.shape[1] + np.sum(xr * xr - 10.0 * np.cos(4.0 * np.pi * xr), axis=1)
    return _zdt(x[:, 0], g, 1.0 - np.sqrt(x[:, 0] / g))


def zdt6(x: np.ndarray) -> np.ndarray:
    """ZDT6: ``f1 = 1 - exp(-4 x1) sin^6(6 pi x1)``, ``g = 1 + 9 mean(x2..n)^0.25``, ``h = 1 - (f1/g)^2``."""
    f1 = 1.0 - np.exp(-4.0 * x[:, 0]) * np.sin(6.0 * np.pi * x[:, 0]) ** 6
    g = 1.0 + 9.0 * (np.sum(x[:, 1:], axis=1) / (x.shape[1] - 1.0)) ** 0.25
    return _zdt(f1, g, 1.0 - (f1 / g) ** 2)


def zdt1_front(n: int) -> np.ndarray:
    """ZDT1 (and ZDT4) front: ``f2 = 1 - sqrt(f1)``, ``f1`` in [0, 1]; ``n`` points."""
    f1 = np.linspace(0.0, 1.0, n)
    return np.column_stack([f1, 1.0 - np.sqrt(f1)])


zdt4_front = zdt1_front


def zdt2_front(n: int) -> np.ndarray:
    """ZDT2 front: ``f2 = 1 - f1^2``, ``f1`` in [0, 1]; ``n`` points."""
    f1 = np.linspace(0.0, 1.0, n)
    return np.column_stack([f1, 1.0 - f1**2])


def zdt3_front(n: int) -> np.ndarray:
    """ZDT3 front: non-dominated part of ``f2 = 1 - sqrt(f1) - f1 sin(10 pi f1)`` (5 pieces).

    The Pareto set ``x1`` in [0, 1], ``x2..n = 0`` is evaluated on a fine grid; about
    ``n`` of its non-dominated points are kept, spread over the pieces.
    """

    def ps(t: np.ndarray) -> np.ndarray:
        x = np.zeros((len(t), 30))
        x[:, 0] = t
        return x

    return _nondominated(zdt3(ps(_pareto_params(_FINE, zdt3(ps(_FINE))[:, 1], n))))


def zdt6_front(n: int) -> np.ndarray:
    """ZDT6 front: ``f2 = 1 - f1^2``, ``f1`` in [0.2807753191, 1]; ``n`` points."""
    f1 = np.linspace(0.2807753191, 1.0, n)
    return np.column_stack([f1, 1.0 - f1**2])


# ----------------------------------------------------------------------- DTLZ family


def dtlz1(x: np.ndarray) -> np.ndarray:
    """DTLZ1 (3 objectives, k = n_var - 2): linear front ``sum f = 0.5``, multimodal ``g``."""
    xp = x[:, : _M - 1]
    return _dtlz_map(xp, 1.0 - xp, 0.5 * (1.0 + _dtlz_g1(x[:, _M - 1 :])))


def dtlz2(x: np.ndarray) -> np.ndarray:
    """DTLZ2: spherical front ``sum f^2 = 1``, ``g = sum (x_M - 0.5)^2``."""
    return _dtlz_sphere(x[:, : _M - 1], _dtlz_g2(x[:, _M - 1 :]))


def dtlz3(x: np.ndarray) -> np.ndarray:
    """DTLZ3: spherical front with DTLZ1's multimodal ``g``."""
    return _dtlz_sphere(x[:, : _M - 1], _dtlz_g1(x[:, _M - 1 :]))


def dtlz4(x: np.ndarray) -> np.ndarray:
    """DTLZ4: DTLZ2 with biased angles ``theta = x^alpha``, ``alpha = 100``."""
    return _dtlz_sphere(x[:, : _M - 1] ** 100, _dtlz_g2(x[:, _M - 1 :]))


def _dtlz56(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """DTLZ5/6 map: ``theta_1 = x_1``, ``theta_i = (1 + 2 g x_i) / (2 (1 + g))`` for i > 1."""
    theta = (1.0 + 2.0 * g[:, None] * x[:, : _M - 1]) / (2.0 * (1.0 + g[:, None]))
    theta[:, 0] = x[:, 0]
    return _dtlz_sphere(theta, g)


def dtlz5(x: np.ndarray) -> np.ndarray:
    """DTLZ5: degenerate (curve) front, ``g = sum (x_M - 0.5)^2``."""
    return _dtlz56(x, _dtlz_g2(x[:, _M - 1 :]))


def dtlz6(x: np.ndarray) -> np.ndarray:
    """DTLZ6: DTLZ5 with ``g = sum x_M^0.1``."""
    return _dtlz56(x, np.sum(x[:, _M - 1 :] ** 0.1, axis=1))


def dtlz7(x: np.ndarray) -> np.ndarray:
    """DTLZ7: ``f_i = x_i`` (i < 3), ``g = 1 + 9/k sum x_M``, ``f_3 = (1 + g) h`` with
    ``h = 3 - sum f_i / (1 + g) (1 + sin(3 pi f_i))``; four disconnected front pieces."""
    f = x[:, : _M - 1]
    g = 1.0 + 9.0 / (x.shape[1] - _M + 1) * np.sum(x[:, _M - 1 :], axis=1)
    h = _M - np.sum(f / (1.0 + g[:, None]) * (1.0 + np.sin(3.0 * np.pi * f)), axis=1)
    return np.column_stack([f, (1.0 + g) * h])


def dtlz1_front(n: int) -> np.ndarray:
    """DTLZ1 front: simplex lattice scaled to ``sum f = 0.5`` (at least ``n`` points)."""
    return 0.5 * _simplex_lattice(n)


def dtlz2_front(n: int) -> np.ndarray:
    """DTLZ2/3/4 front: unit-sphere octant (simplex lattice projected radially)."""
    w = _simplex_lattice(n)
    return w / np.linalg.norm(w, axis=1, keepdims=True)


dtlz3_front = dtlz4_front = dtlz2_front


def _dtlz56_front(fn: Callable[[np.ndarray], np.ndarray], xm: float, n: int) -> np.ndarray:
    x = np.full((n, 10), xm)
    x[:, 0] = np.linspace(0.0, 1.0, n)
    x[:, 1] = 0.0  # irrelevant once g = 0: theta_2 = 1/2
    return _nondominated(fn(x))


def dtlz5_front(n: int) -> np.ndarray:
    """DTLZ5 front, a curve: ``(cos t / sqrt 2, cos t / sqrt 2, sin t)``, t in [0, pi/2].

    Evaluated from the Pareto set ``x_1 = t / (pi/2)``, ``x_M = 0.5`` (``g = 0``).
    """
    return _dtlz56_front(dtlz5, 0.5, n)


def dtlz6_front(n: int) -> np.ndarray:
    """DTLZ6 front: the same curve as DTLZ5, from the Pareto set ``x_M = 0`` (``g = 0``)."""
    return _dtlz56_front(dtlz6, 0.0, n)


def dtlz7_front(n: int) -> np.ndarray:
    """DTLZ7 front (four disconnected pieces, ``f_3 = 6 - sum f_i (1 + sin 3 pi f_i)``).

    Pareto set: ``x_M = 0`` (``g = 1``).  ``f_3`` is separable in ``x_1, x_2``, so the
    front is the product of the non-dominated part of the 1-D profile ``(x_1, f_3)``
    with itself: that profile is evaluated on a fine grid, about ``sqrt(n)`` of its
    non-dominated values are taken per coordinate, and the product grid is evaluated.
    """

    def ps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        x = np.zeros((len(a), 10))
        x[:, 0], x[:, 1] = a, b
        return x

    s = _pareto_params(_FINE, dtlz7(ps(_FINE, 0.0 * _FINE))[:, 2], max(2, round(math.sqrt(n))))
    a, b = np.meshgrid(s, s, indexing="ij")
    return _nondominated(dtlz7(ps(a.ravel(), b.ravel())))


# ------------------------------------------------------------------ OmniTest, VLMOP


def omnitest(x: np.ndarray) -> np.ndarray:
    """OmniTest (Deb): ``f1 = sum sin(pi x_i)``, ``f2 = sum cos(pi x_i)``, ``x`` in [0, 6]^D."""
    return np.column_stack([np.sum(np.sin(np.pi * x), axis=1), np.sum(np.cos(np.pi * x), axis=1)])


def omnitest_front(n: int) -> np.ndarray:
    """OmniTest front (D = 2): ``f = -2 (sin(pi s), cos(pi s))``, s in [0, 1/2], the arc
    ``f1^2 + f2^2 = 4`` in the negative quadrant.

    All 3^D Pareto-set pieces ``x_i in [2m+1, 2m+1.5]`` (equal offsets in every
    coordinate) map onto this same front, so one piece, ``x_i = 1 + s``, is evaluated.
    """
    x = np.repeat(1.0 + np.linspace(0.0, 0.5, n)[:, None], 2, axis=1)
    return _nondominated(omnitest(x))


def vlmop1(x: np.ndarray) -> np.ndarray:
    """VLMOP1: ``f1 = x^2``, ``f2 = (x - 2)^2``, ``x`` in [-2, 4]."""
    return np.column_stack([x[:, 0] ** 2, (x[:, 0] - 2.0) ** 2])


def vlmop2(x: np.ndarray) -> np.ndarray:
    """VLMOP2: ``f1,2 = 1 - exp(-sum (x_i -/+ 1/sqrt(n))^2)``, ``x`` in [-2, 2]^6."""
    c = 1.0 / np.sqrt(x.shape[1])
    return np.column_stack(
        [1.0 - np.exp(-np.sum((x - c) ** 2, axis=1)), 1.0 - np.exp(-np.sum((x + c) ** 2, axis=1))]
    )


def vlmop3(x: np.ndarray) -> np.ndarray:
    """VLMOP3 (Viennet-3) on [-3, 3]^2, with ``r = x^2 + y^2``:
    ``f1 = r/2 + sin r``, ``f2 = (3x - 2y + 4)^2 / 8 + (x - y + 1)^2 / 27 + 15``,
    ``f3 = 1 / (r + 1) - 1.1 exp(-r)``."""
    a, b = x[:, 0], x[:, 1]
    r = a * a + b * b
    return np.column_stack(
        [
            0.5 * r + np.sin(r),
            (3.0 * a - 2.0 * b + 4.0) ** 2 / 8.0 + (a - b + 1.0) ** 2 / 27.0 + 15.0,
            1.0 / (r + 1.0) - 1.1 * np.exp(-r),
        ]
    )


def vlmop1_front(n: int) -> np.ndarray:
    """VLMOP1 front: Pareto set ``x`` in [0, 2], evaluated."""
    return _nondominated(vlmop1(np.linspace(0.0, 2.0, n)[:, None]))


def vlmop2_front(n: int) -> np.ndarray:
    """VLMOP2 front: Pareto set ``x_i = t`` for all i, t in [-1/sqrt 6, 1/sqrt 6], evaluated."""
    c = 1.0 / np.sqrt(6.0)
    return _nondominated(vlmop2(np.repeat(np.linspace(-c, c, n)[:, None], 6, axis=1)))


# ----------------------------------------------------------------------------- tasks

_DTLZ_BUG = (
    "Correct (N, 3) objective layout; the benchmark's DTLZ.obj_func stacks DTLZ2-6 "
    "objectives as (3, N) (offline-moo issue #14), which is not reproduced."
)


def _task(name, n_var, n_obj, lower, upper, nadir, function, front=None, collection=None, notes=""):
    return Task(
        name=name,
        group="synthetic",
        n_var=n_var,
        n_obj=n_obj,
        lower=lower,
        upper=upper,
        nadir=nadir,
        function=function,
        front=front,
        collection=collection or Collection(),
        notes=notes,
    )


_ZDT4_LOWER = np.r_[0.0, np.full(9, -5.0)]
_ZDT4_UPPER = np.r_[1.0, np.full(9, 5.0)]

TASKS: list[Task] = [
    _task("dtlz1", 7, 3, 0.0, 1.0, (507.46516068, 502.09050332, 516.68985527), dtlz1, dtlz1_front),
    _task("dtlz2", 10, 3, 0.0, 1.0, (2.51925352, 2.53011955, 2.66682285), dtlz2, dtlz2_front, notes=_DTLZ_BUG),
    _task("dtlz3", 10, 3, 0.0, 1.0, (1548.83497615, 1459.58638514, 1518.61926977), dtlz3, dtlz3_front,
          notes=_DTLZ_BUG),
    _task("dtlz4", 10, 3, 0.0, 1.0, (2.75747516, 2.57674881, 2.52558196), dtlz4, dtlz4_front, notes=_DTLZ_BUG),
    _task("dtlz5", 10, 3, 0.0, 1.0, (2.40756462, 2.36937324, 2.45008585), dtlz5, dtlz5_front, notes=_DTLZ_BUG),
    _task("dtlz6", 10, 3, 0.0, 1.0, (8.90471718, 8.89404128, 8.88893072), dtlz6, dtlz6_front, notes=_DTLZ_BUG),
    _task("dtlz7", 10, 3, 0.0, 1.0, (0.9999954, 0.99999772, 30.79227037), dtlz7, dtlz7_front),
    _task("zdt1", 30, 2, 0.0, 1.0, (0.99999809, 7.8250663), zdt1, zdt1_front),
    _task("zdt2", 30, 2, 0.0, 1.0, (0.99999706, 9.74316166), zdt2, zdt2_front, Collection(n_gen=40)),
    _task("zdt3", 30, 2, 0.0, 1.0, (0.99999954, 9.83643758), zdt3, zdt3_front),
    _task("zdt4", 10, 2, _ZDT4_LOWER, _ZDT4_UPPER, (0.99980978, 273.25533168), zdt4, zdt4_front,
          Collection(n_gen=600, p_reverse=0.25)),
    _task("zdt6", 10, 2, 0.0, 1.0, (1.0, 9.34365208), zdt6, zdt6_front, Collection(n_gen=600, p_reverse=0.20)),
    _task("omnitest", 2, 2, 0.0, 6.0, (2.0, 2.0), omnitest, omnitest_front),
    _task("vlmop1", 1, 2, -2.0, 4.0, (4.0, 4.0), vlmop1, vlmop1_front),
    _task("vlmop2", 6, 2, -2.0, 2.0, (1.0, 1.0), vlmop2, vlmop2_front),
    _task("vlmop3", 2, 3, -3.0, 3.0, (10.0, 60.0, 1.0), vlmop3, None,
          notes="True Pareto front not provided by the benchmark."),
]
