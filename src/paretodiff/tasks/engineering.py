"""The 15 real-world engineering ("RE") problems of Tanabe & Ishibuchi (2020), as Off-MOO-Bench uses them.

Every function maps raw designs ``X`` of shape ``(N, n_var)`` (in ``[lower, upper]``, not the
unit cube) to float64 objectives ``(N, n_obj)``, all minimized.  The formulas follow Tanabe's
``reproblem.py`` and the benchmark's ``off_moo_bench/problem/synthetic_func.py``; where the two
differ the benchmark wins, and the difference is noted at the function and in ``Task.notes``.

In every constrained problem the last objective is the total constraint violation
``sum_i max(0, -g_i)`` (a NaN ``g_i`` counts as 0, as in the reference ``np.where(g < 0, -g, 0)``).
Integer and discrete variables are rounded / snapped inside the functions, so any point of the
box is a valid input.  ``np.round`` rounds halves to even, as ``torch.round`` and Tanabe's code do.
"""

from __future__ import annotations

import numpy as np

from paretodiff.tasks.base import Collection, Task

__all__ = ["TASKS"] + [f"re{k}" for k in (21, 22, 23, 24, 25, 31, 32, 33, 34, 35, 36, 37, 41, 42, 61)]

# RE22: admissible reinforcement areas x1.  Kept with the typo "3,10" of reproblem.py and the
# benchmark (the values 3 and 10 instead of 3.10), so 77 entries; order kept too, since the
# snap takes the first of equally near entries.
_RE22_X1 = np.array([
    0.20, 0.31, 0.40, 0.44, 0.60, 0.62, 0.79, 0.80, 0.88, 0.93, 1.0, 1.20, 1.24, 1.32, 1.40, 1.55,
    1.58, 1.60, 1.76, 1.80, 1.86, 2.0, 2.17, 2.20, 2.37, 2.40, 2.48, 2.60, 2.64, 2.79, 2.80, 3.0,
    3.08, 3, 10, 3.16, 3.41, 3.52, 3.60, 3.72, 3.95, 3.96, 4.0, 4.03, 4.20, 4.34, 4.40, 4.65, 4.74,
    4.80, 4.84, 5.0, 5.28, 5.40, 5.53, 5.72, 6.0, 6.16, 6.32, 6.60, 7.11, 7.20, 7.80, 7.90, 8.0,
    8.40, 8.69, 9.0, 9.48, 10.27, 11.0, 11.06, 11.85, 12.0, 13.0, 14.0, 15.0,
])

# RE25: admissible wire diameters x3 (42 values).
_RE25_X3 = np.array([
    0.009, 0.0095, 0.0104, 0.0118, 0.0128, 0.0132, 0.014, 0.015, 0.0162, 0.0173, 0.018, 0.02,
    0.023, 0.025, 0.028, 0.032, 0.035, 0.041, 0.047, 0.054, 0.063, 0.072, 0.08, 0.092, 0.105,
    0.12, 0.135, 0.148, 0.162, 0.177, 0.192, 0.207, 0.225, 0.244, 0.263, 0.283, 0.307, 0.331,
    0.362, 0.394, 0.4375, 0.5,
])


def _violation(*g: np.ndarray) -> np.ndarray:
    """Total violation ``sum_i max(0, -g_i)`` of constraints ``g_i >= 0``, each of shape ``(N,)``."""
    G = np.stack(g, axis=1)
    return np.where(G < 0, -G, 0.0).sum(axis=1)


def _snap(v: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Each entry of ``v`` replaced by the nearest entry of ``values`` (first one on ties)."""
    return values[np.abs(v[:, None] - values[None, :]).argmin(axis=1)]


def _out(*f: np.ndarray) -> np.ndarray:
    return np.stack(f, axis=1).astype(np.float64, copy=False)


def re21(x: np.ndarray) -> np.ndarray:
    """Four-bar truss design. ``x (N, 4)`` bar cross-sections -> ``(N, 2)``: structural volume, joint displacement.

    Unconstrained.
    """
    x1, x2, x3, x4 = x.T
    F, E, L = 10.0, 2.0e5, 200.0
    s2 = np.sqrt(2.0)
    f1 = L * (2.0 * x1 + s2 * x2 + np.sqrt(x3) + x4)
    f2 = (F * L / E) * (2.0 / x1 + 2.0 * s2 / x2 - 2.0 * s2 / x3 + 2.0 / x4)
    return _out(f1, f2)


def re22(x: np.ndarray) -> np.ndarray:
    """Reinforced concrete beam design. ``x (N, 3)``: steel area, width, depth -> ``(N, 2)``: cost, violation.

    x1 is snapped to the nearest value of the 77-entry admissible list, which (as in Tanabe's
    reproblem.py and the benchmark) contains the typo "3,10": the values 3 and 10 instead of 3.10.
    So x1 near 3.1 snaps to 3.08, and x1 in (9.74, 10.135) snaps to 10.
    """
    x1 = _snap(x[:, 0], _RE22_X1)
    x2, x3 = x[:, 1], x[:, 2]
    f1 = 29.4 * x1 + 0.6 * x2 * x3
    g1 = x1 * x3 - 7.735 * (x1 * x1 / x2) - 180.0
    g2 = 4.0 - x3 / x2
    return _out(f1, _violation(g1, g2))


def re23(x: np.ndarray) -> np.ndarray:
    """Pressure vessel design. ``x (N, 4)``: shell and head thickness, radius, length -> ``(N, 2)``: cost, violation.

    The thicknesses are ``0.0625 * round(x)`` (integer multiples of 1/16 in., with the integer
    read from x), as in reproblem.py and the benchmark, not x rounded to the nearest multiple of 0.0625.
    """
    x1 = 0.0625 * np.round(x[:, 0])
    x2 = 0.0625 * np.round(x[:, 1])
    x3, x4 = x[:, 2], x[:, 3]
    f1 = 0.6224 * x1 * x3 * x4 + 1.7781 * x2 * x3 * x3 + 3.1661 * x1 * x1 * x4 + 19.84 * x1 * x1 * x3
    g1 = x1 - 0.0193 * x3
    g2 = x2 - 0.00954 * x3
    g3 = np.pi * x3 * x3 * x4 + (4.0 / 3.0) * np.pi * x3**3 - 1296000.0
    return _out(f1, _violation(g1, g2, g3))


def re24(x: np.ndarray) -> np.ndarray:
    """Hatch cover design. ``x (N, 2)``: flange thickness, beam height -> ``(N, 2)``: weight, violation.

    Benchmark deviation kept: the critical buckling stress is ``sigma_k = E * x1 * x2 / 100``;
    reproblem.py (and jMetal, jmetalpy) use ``E * x1**2 / 100``.
    """
    x1, x2 = x.T
    E = 700000.0
    f1 = x1 + 120.0 * x2
    sigma_k = E * x1 * x2 / 100.0  # canonical: E * x1 * x1 / 100
    sigma_b = 4500.0 / (x1 * x2)
    tau = 1800.0 / x2
    delta = 56.2 * 10000.0 / (E * x1 * x2 * x2)
    g1 = 1.0 - sigma_b / 700.0
    g2 = 1.0 - tau / 450.0
    g3 = 1.0 - delta / 1.5
    g4 = 1.0 - sigma_b / sigma_k
    return _out(f1, _violation(g1, g2, g3, g4))


def re25(x: np.ndarray) -> np.ndarray:
    """Coil compression spring design. ``x (N, 3)``: coils, coil and wire diameters -> ``(N, 2)``: volume, violation.

    x1 (number of coils) is rounded; x3 (wire diameter) is snapped to the 42-value admissible list.
    """
    x1 = np.round(x[:, 0])
    x2 = x[:, 1]
    x3 = _snap(x[:, 2], _RE25_X3)
    f1 = np.pi * np.pi * x2 * x3 * x3 * (x1 + 2.0) / 4.0
    Fmax, S, G, lmax, Fp, sigma_pm, sigma_w = 1000.0, 189000.0, 11.5e6, 14.0, 300.0, 6.0, 1.25
    Cf = (4.0 * (x2 / x3) - 1.0) / (4.0 * (x2 / x3) - 4.0) + 0.615 * x3 / x2
    K = G * x3 * x3 * x3 * x3 / (8.0 * x1 * x2 * x2 * x2)
    lf = Fmax / K + 1.05 * (x1 + 2.0) * x3
    sigma_p = Fp / K
    g1 = S - 8.0 * Cf * Fmax * x2 / (np.pi * x3 * x3 * x3)
    g2 = lmax - lf
    g3 = x2 / x3 - 3.0
    g4 = sigma_pm - sigma_p
    # Identically 0 in exact arithmetic; the reference's evaluation order is kept, so the
    # rounding noise it leaves in the violation is reproduced.
    g5 = -sigma_p - (Fmax - Fp) / K - 1.05 * (x1 + 2.0) * x3 + lf
    g6 = sigma_w - (Fmax - Fp) / K
    return _out(f1, _violation(g1, g2, g3, g4, g5, g6))


def re31(x: np.ndarray) -> np.ndarray:
    """Two-bar truss design. ``x (N, 3)``: bar areas, height -> ``(N, 3)``: volume, stress, violation."""
    x1, x2, x3 = x.T
    a = np.sqrt(16.0 + x3 * x3)
    b = np.sqrt(1.0 + x3 * x3)
    f1 = x1 * a + x2 * b
    f2 = 20.0 * a / (x1 * x3)
    g1 = 0.1 - f1
    g2 = 100000.0 - f2
    g3 = 100000.0 - 80.0 * b / (x3 * x2)
    return _out(f1, f2, _violation(g1, g2, g3))


def re32(x: np.ndarray) -> np.ndarray:
    """Welded beam design. ``x (N, 4)``: weld h, weld l, bar t, bar b -> ``(N, 3)``: cost, end deflection, violation."""
    x1, x2, x3, x4 = x.T
    P, L, E, G, tau_max, sigma_max = 6000.0, 14.0, 30e6, 12e6, 13600.0, 30000.0
    f1 = 1.10471 * x1 * x1 * x2 + 0.04811 * x3 * x4 * (14.0 + x2)
    f2 = 4.0 * P * L**3 / (E * x4 * x3**3)
    M = P * (L + x2 / 2.0)
    R = np.sqrt(x2 * x2 / 4.0 + ((x1 + x3) / 2.0) ** 2)
    J = 2.0 * np.sqrt(2.0) * x1 * x2 * (x2 * x2 / 12.0 + ((x1 + x3) / 2.0) ** 2)
    tau2 = M * R / J
    tau1 = P / (np.sqrt(2.0) * x1 * x2)
    tau = np.sqrt(tau1 * tau1 + 2.0 * tau1 * tau2 * x2 / (2.0 * R) + tau2 * tau2)
    sigma = 6.0 * P * L / (x4 * x3 * x3)
    PC = 4.013 * E * np.sqrt(x3 * x3 * x4**6 / 36.0) / (L * L) * (1.0 - x3 / (2.0 * L) * np.sqrt(E / (4.0 * G)))
    return _out(f1, f2, _violation(tau_max - tau, sigma_max - sigma, x4 - x1, PC - P))


def re33(x: np.ndarray) -> np.ndarray:
    """Disc brake design. ``x (N, 4)``: radii, engaging force, faces -> ``(N, 3)``: mass, stopping time, violation."""
    x1, x2, x3, x4 = x.T
    d2 = x2 * x2 - x1 * x1
    d3 = x2**3 - x1**3
    f1 = 4.9e-5 * d2 * (x4 - 1.0)
    f2 = 9.82e6 * d2 / (x3 * x4 * d3)
    g1 = (x2 - x1) - 20.0
    g2 = 0.4 - x3 / (3.14 * d2)
    g3 = 1.0 - 2.22e-3 * x3 * d3 / d2**2
    g4 = 2.66e-2 * x3 * x4 * d3 / d2 - 900.0
    return _out(f1, f2, _violation(g1, g2, g3, g4))


def re34(x: np.ndarray) -> np.ndarray:
    """Vehicle crashworthiness design. ``x (N, 5)`` panel thicknesses -> ``(N, 3)``: mass, acceleration, intrusion.

    Unconstrained response-surface model.
    """
    x1, x2, x3, x4, x5 = x.T
    f1 = 1640.2823 + 2.3573285 * x1 + 2.3220035 * x2 + 4.5688768 * x3 + 7.7213633 * x4 + 4.4559504 * x5
    f2 = (6.5856 + 1.15 * x1 - 1.0427 * x2 + 0.9738 * x3 + 0.8364 * x4 - 0.3695 * x1 * x4 + 0.0861 * x1 * x5
          + 0.3628 * x2 * x4 - 0.1106 * x1 * x1 - 0.3437 * x3 * x3 + 0.1764 * x4 * x4)
    f3 = (-0.0551 + 0.0181 * x1 + 0.1024 * x2 + 0.0421 * x3 - 0.0073 * x1 * x2 + 0.024 * x2 * x3
          - 0.0118 * x2 * x4 - 0.0204 * x3 * x4 - 0.008 * x3 * x5 - 0.0241 * x2 * x2 + 0.0109 * x4 * x4)
    return _out(f1, f2, f3)


def re35(x: np.ndarray) -> np.ndarray:
    """Speed reducer design. ``x (N, 7)`` gear/shaft dimensions -> ``(N, 3)``: weight, shaft stress, violation.

    x3 (number of teeth) is rounded.
    """
    x1, x2, x3, x4, x5, x6, x7 = x.T
    x3 = np.round(x3)
    f1 = (0.7854 * x1 * x2 * x2 * (10.0 * x3 * x3 / 3.0 + 14.933 * x3 - 43.0934)
          - 1.508 * x1 * (x6 * x6 + x7 * x7) + 7.477 * (x6**3 + x7**3) + 0.7854 * (x4 * x6 * x6 + x5 * x7 * x7))
    f2 = np.sqrt((745.0 * x4 / (x2 * x3)) ** 2 + 1.69e7) / (0.1 * x6**3)
    g = (
        1.0 / 27.0 - 1.0 / (x1 * x2 * x2 * x3),
        1.0 / 397.5 - 1.0 / (x1 * x2 * x2 * x3 * x3),
        1.0 / 1.93 - x4**3 / (x2 * x3 * x6**4),
        1.0 / 1.93 - x5**3 / (x2 * x3 * x7**4),
        40.0 - x2 * x3,
        12.0 - x1 / x2,
        x1 / x2 - 5.0,
        -1.9 + x4 - 1.5 * x6,
        -1.9 + x5 - 1.1 * x7,
        1300.0 - f2,
        1100.0 - np.sqrt((745.0 * x5 / (x2 * x3)) ** 2 + 1.575e8) / (0.1 * x7**3),
    )
    return _out(f1, f2, _violation(*g))


def re36(x: np.ndarray) -> np.ndarray:
    """Gear train design. ``x (N, 4)`` tooth numbers -> ``(N, 3)``: ratio error, largest gear, violation.

    All four variables are rounded to integers.
    """
    x1, x2, x3, x4 = np.round(x).T
    f1 = np.abs(6.931 - (x3 / x1) * (x4 / x2))
    f2 = np.max(np.round(x), axis=1)
    return _out(f1, f2, _violation(0.5 - f1 / 6.931))


def re37(x: np.ndarray) -> np.ndarray:
    """Rocket injector design. ``x (N, 4)`` in [0, 1] -> ``(N, 3)``: TF_max, X_cc, TT_max. Unconstrained."""
    a, ha, oa, t = x.T
    f1 = (0.692 + 0.477 * a - 0.687 * ha - 0.080 * oa - 0.0650 * t - 0.167 * a * a - 0.0129 * ha * a
          + 0.0796 * ha * ha - 0.0634 * oa * a - 0.0257 * oa * ha + 0.0877 * oa * oa - 0.0521 * t * a
          + 0.00156 * t * ha + 0.00198 * t * oa + 0.0184 * t * t)
    f2 = (0.153 - 0.322 * a + 0.396 * ha + 0.424 * oa + 0.0226 * t + 0.175 * a * a + 0.0185 * ha * a
          - 0.0701 * ha * ha - 0.251 * oa * a + 0.179 * oa * ha + 0.0150 * oa * oa + 0.0134 * t * a
          + 0.0296 * t * ha + 0.0752 * t * oa + 0.0192 * t * t)
    f3 = (0.370 - 0.205 * a + 0.0307 * ha + 0.108 * oa + 1.019 * t - 0.135 * a * a + 0.0141 * ha * a
          + 0.0998 * ha * ha + 0.208 * oa * a - 0.0301 * oa * ha - 0.226 * oa * oa + 0.353 * t * a
          - 0.0497 * t * oa - 0.423 * t * t + 0.202 * ha * a * a - 0.281 * oa * a * a - 0.342 * ha * ha * a
          - 0.245 * ha * ha * oa + 0.281 * oa * oa * ha - 0.184 * t * t * a - 0.281 * ha * a * oa)
    return _out(f1, f2, f3)


def re41(x: np.ndarray) -> np.ndarray:
    """Car side-impact design. ``x (N, 7)`` -> ``(N, 4)``: weight, pubic force, mean V-pillar velocity, violation."""
    x1, x2, x3, x4, x5, x6, x7 = x.T
    f1 = 1.98 + 4.9 * x1 + 6.67 * x2 + 6.98 * x3 + 4.01 * x4 + 1.78 * x5 + 0.00001 * x6 + 2.73 * x7
    f2 = 4.72 - 0.5 * x4 - 0.19 * x2 * x3
    v_mbp = 10.58 - 0.674 * x1 * x2 - 0.67275 * x2
    v_fd = 16.45 - 0.489 * x3 * x7 - 0.843 * x5 * x6
    f3 = 0.5 * (v_mbp + v_fd)
    g = (
        1.0 - (1.16 - 0.3717 * x2 * x4 - 0.0092928 * x3),
        0.32 - (0.261 - 0.0159 * x1 * x2 - 0.06486 * x1 - 0.019 * x2 * x7 + 0.0144 * x3 * x5 + 0.0154464 * x6),
        0.32 - (0.214 + 0.00817 * x5 - 0.045195 * x1 - 0.0135168 * x1 + 0.03099 * x2 * x6 - 0.018 * x2 * x7
                + 0.007176 * x3 + 0.023232 * x3 - 0.00364 * x5 * x6 - 0.018 * x2 * x2),
        0.32 - (0.74 - 0.61 * x2 - 0.031296 * x3 - 0.031872 * x7 + 0.227 * x2 * x2),
        32.0 - (28.98 + 3.818 * x3 - 4.2 * x1 * x2 + 1.27296 * x6 - 2.68065 * x7),
        32.0 - (33.86 + 2.95 * x3 - 5.057 * x1 * x2 - 3.795 * x2 - 3.4431 * x7 + 1.45728),
        32.0 - (46.36 - 9.9 * x2 - 4.4505 * x1),
        4.0 - f2,
        9.9 - v_mbp,
        15.7 - v_fd,
    )
    return _out(f1, f2, f3, _violation(*g))


def re42(x: np.ndarray) -> np.ndarray:
    """Conceptual marine (bulk carrier) design. ``x (N, 6)``: L, B, D, T, V_k, C_B -> ``(N, 4)``.

    Objectives: transportation cost, light-ship weight, minus annual cargo, violation.  The
    dead-weight constraint is ``500000 - DWT >= 0`` (Tanabe's 2021-05-29 fix, used by the
    benchmark); an older reproblem.py revision has ``50000 - DWT``.
    """
    L, B, D, T, Vk, CB = x.T
    displacement = 1.025 * L * B * T * CB
    Fn = 0.5144 * Vk / np.sqrt(9.8065 * L)
    a = 4977.06 * CB * CB - 8105.61 * CB + 4456.51
    b = -10847.2 * CB * CB + 12817.0 * CB - 6960.32
    power = displacement ** (2.0 / 3.0) * Vk**3 / (a + b * Fn)
    outfit_weight = L**0.8 * B**0.6 * D**0.3 * CB**0.1
    steel_weight = 0.034 * L**1.7 * B**0.7 * D**0.4 * CB**0.5
    light_ship_weight = steel_weight + outfit_weight + 0.17 * power**0.9
    capital_costs = 0.2 * 1.3 * (2000.0 * steel_weight**0.85 + 3500.0 * outfit_weight + 2400.0 * power**0.8)
    dwt = displacement - light_ship_weight
    running_costs = 40000.0 * dwt**0.3
    sea_days = 5000.0 / 24.0 * Vk
    daily_consumption = 0.19 * power * 24.0 / 1000.0 + 0.2
    fuel_cost = 1.05 * daily_consumption * sea_days * 100.0
    port_cost = 6.3 * dwt**0.8
    cargo_dwt = dwt - daily_consumption * (sea_days + 5.0) - 2.0 * dwt**0.5
    port_days = 2.0 * (cargo_dwt / 8000.0 + 0.5)
    rtpa = 350.0 / (sea_days + port_days)
    annual_costs = capital_costs + running_costs + (fuel_cost + port_cost) * rtpa
    annual_cargo = cargo_dwt * rtpa
    KB = 0.53 * T
    BMT = (0.085 * CB - 0.002) * B * B / (T * CB)
    KG = 1.0 + 0.52 * D
    g = (
        L / B - 6.0,
        15.0 - L / D,
        19.0 - L / T,
        0.45 * dwt**0.31 - T,
        0.7 * D + 0.7 - T,
        500000.0 - dwt,  # Tanabe's 2021 fix (was 50000.0)
        dwt - 3000.0,
        0.32 - Fn,
        KB + BMT - KG - 0.07 * B,
    )
    return _out(annual_costs / annual_cargo, light_ship_weight, -annual_cargo, _violation(*g))


def re61(x: np.ndarray) -> np.ndarray:
    """Water resource planning. ``x (N, 3)`` -> ``(N, 6)``: five costs/losses and the violation."""
    x1, x2, x3 = x.T
    p = x1 * x2
    f1 = 106780.37 * (x2 + x3) + 61704.67
    f2 = 3000.0 * x1
    f3 = 305700.0 * 2289.0 * x2 / (0.06 * 2289.0) ** 0.65
    f4 = 250.0 * 2289.0 * np.exp(-39.75 * x2 + 9.9 * x3 + 2.74)
    f5 = 25.0 * (1.39 / p + 4940.0 * x3 - 80.0)
    g = (
        1.0 - (0.00139 / p + 4.94 * x3 - 0.08),
        1.0 - (0.000306 / p + 1.082 * x3 - 0.0986),
        50000.0 - (12.307 / p + 49408.24 * x3 + 4051.02),
        16000.0 - (2.098 / p + 8046.33 * x3 - 696.71),
        10000.0 - (2.138 / p + 7883.39 * x3 - 705.04),
        2000.0 - (0.417 * p + 1721.26 * x3 - 136.54),
        550.0 - (0.164 / p + 631.13 * x3 - 54.48),
    )
    return _out(f1, f2, f3, f4, f5, _violation(*g))


def _task(fn, n_var, n_obj, lower, upper, nadir, notes="", collection=None) -> Task:
    return Task(
        name=fn.__name__, group="re", n_var=n_var, n_obj=n_obj, lower=lower, upper=upper, nadir=nadir,
        function=fn, front=None, collection=collection or Collection(), notes=notes,
    )


TASKS: list[Task] = [
    _task(re21, 4, 2, [1.0, np.sqrt(2.0), np.sqrt(2.0), 1.0], 3.0, [2971.23988, 0.0485512338]),
    _task(re22, 3, 2, [0.2, 0.0, 0.0], [15.0, 20.0, 40.0], [829.079443, 2.40721725e6],
          notes="x1 snapped to a 77-value list that keeps reproblem.py's typo '3,10' (3 and 10, no 3.10)"),
    _task(re23, 4, 2, [1.0, 1.0, 10.0, 10.0], [100.0, 100.0, 200.0, 240.0], [713710.875, 1288669.78054],
          notes="x1, x2 = 0.0625 * round(x)"),
    _task(re24, 2, 2, [0.5, 0.5], [4.0, 50.0], [5997.8316325, 43.67584229],
          notes="benchmark version: sigma_k = E*x1*x2/100 (canonical E*x1**2/100)"),
    _task(re25, 3, 2, [1.0, 0.6, 0.09], [70.0, 3.0, 0.5], [124.795202, 1.00387350e7],
          notes="x1 rounded; x3 snapped to a 42-value list"),
    _task(re31, 3, 3, [1e-5, 1e-5, 1.0], [100.0, 100.0, 3.0], [808.852742, 6.89337582e6, 6.79345e6]),
    _task(re32, 4, 3, [0.125, 0.1, 0.1, 0.125], [5.0, 10.0, 10.0, 5.0], [290.661885, 16552.4628, 3.88265024e8]),
    _task(re33, 4, 3, [55.0, 75.0, 1000.0, 11.0], [80.0, 110.0, 3000.0, 20.0],
          [8.01164324, 8.83604223, 2343.29711914]),
    _task(re34, 5, 3, 1.0, 3.0, [1702.51811, 11.6807224, 0.263918844],
          collection=Collection(n_gen=100, p_reverse=0.3, algorithm="nsga3")),
    _task(re35, 7, 3, [2.6, 0.7, 17.0, 7.3, 7.3, 2.9, 5.0], [3.6, 0.8, 28.0, 8.3, 8.3, 3.9, 5.5],
          [7050.78959905, 1696.66697789, 397.83456421], notes="x3 rounded"),
    _task(re36, 4, 3, 12.0, 60.0, [10.21185714, 60.0, 0.97335988], notes="all four variables rounded"),
    _task(re37, 4, 3, 0.0, 1.0, [0.98949120096, 0.956587924661, 0.987530948586]),
    _task(re41, 7, 4, [0.5, 0.45, 0.5, 0.5, 0.875, 0.4, 0.4], [1.5, 1.35, 1.5, 1.5, 2.625, 1.2, 1.2],
          [42.64892315, 4.42692892, 13.07735381, 13.44858932]),
    _task(re42, 6, 4, [150.0, 20.0, 13.0, 10.0, 14.0, 0.63], [274.32, 32.31, 25.0, 11.71, 18.0, 0.75],
          [-263.907595, 19904.897, 28546.785, 14.9821739],
          notes="dead-weight constraint 500000 - DWT (Tanabe's 2021 fix; older reproblem.py: 50000)"),
    _task(re61, 3, 6, [0.01, 0.01, 0.01], [0.45, 0.10, 0.10],
          [83060.0282, 1349.99999, 2.85346906e6, 1.60270676e7, 357719.742, 99660.3359]),
]
