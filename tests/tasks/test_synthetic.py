"""Tests for the Off-MOO-Bench continuous synthetic tasks (paretodiff.tasks.synthetic)."""

from __future__ import annotations

import numpy as np
import pytest
from moocore import is_nondominated
from pymoo.problems import get_problem
from pymoo.problems.multi.omnitest import OmniTest

from paretodiff.tasks import synthetic as syn
from paretodiff.tasks.base import Collection

TASKS = {t.name: t for t in syn.TASKS}
WITH_FRONT = [t.name for t in syn.TASKS if t.has_front]


def _random_x(task, n=200, seed=0):
    return task.from_unit(np.random.default_rng(seed).random((n, task.n_var)))


def _igd(F, ref):
    """Mean distance from each reference point to its nearest point of F."""
    return np.sqrt(((ref[:, None, :] - F[None, :, :]) ** 2).sum(-1)).min(1).mean()


# ------------------------------------------------------------------ task metadata


def test_task_list():
    names = ["dtlz1", "dtlz2", "dtlz3", "dtlz4", "dtlz5", "dtlz6", "dtlz7", "zdt1", "zdt2", "zdt3",
             "zdt4", "zdt6", "omnitest", "vlmop1", "vlmop2", "vlmop3"]
    assert [t.name for t in syn.TASKS] == names
    assert all(t.group == "synthetic" for t in syn.TASKS)
    dims = {"dtlz1": (7, 3), "dtlz7": (10, 3), "zdt1": (30, 2), "zdt4": (10, 2), "zdt6": (10, 2),
            "omnitest": (2, 2), "vlmop1": (1, 2), "vlmop2": (6, 2), "vlmop3": (2, 3)}
    for name, (n_var, n_obj) in dims.items():
        assert (TASKS[name].n_var, TASKS[name].n_obj) == (n_var, n_obj)
    assert not TASKS["vlmop3"].has_front
    assert len(WITH_FRONT) == 15


def test_bounds_and_nadir():
    zdt4 = TASKS["zdt4"]
    np.testing.assert_array_equal(zdt4.lower, [0.0] + [-5.0] * 9)
    np.testing.assert_array_equal(zdt4.upper, [1.0] + [5.0] * 9)
    np.testing.assert_array_equal(TASKS["vlmop3"].lower, [-3, -3])
    np.testing.assert_array_equal(TASKS["omnitest"].upper, [6, 6])
    np.testing.assert_array_equal(TASKS["zdt1"].nadir, [0.99999809, 7.8250663])
    np.testing.assert_array_equal(TASKS["dtlz7"].nadir, [0.9999954, 0.99999772, 30.79227037])
    np.testing.assert_array_equal(TASKS["vlmop3"].nadir, [10, 60, 1])


def test_collection_settings():
    assert TASKS["zdt2"].collection == Collection(n_gen=40)
    assert TASKS["zdt4"].collection == Collection(n_gen=600, p_reverse=0.25)
    assert TASKS["zdt6"].collection == Collection(n_gen=600, p_reverse=0.20)
    for name in ("zdt1", "zdt3", "dtlz1", "vlmop3", "omnitest"):
        assert TASKS[name].collection == Collection()
    assert "issue #14" in TASKS["dtlz2"].notes


# ------------------------------------------------------------------ objective values


@pytest.mark.parametrize(
    "name", ["zdt1", "zdt2", "zdt3", "zdt4", "zdt6", "dtlz1", "dtlz2", "dtlz3", "dtlz4", "dtlz5", "dtlz6",
             "dtlz7", "omnitest"]
)
def test_matches_pymoo(name):
    task = TASKS[name]
    if name == "omnitest":
        problem = OmniTest(n_var=2)
    elif name.startswith("dtlz"):
        problem = get_problem(name, n_var=task.n_var, n_obj=3)
    else:
        problem = get_problem(name, n_var=task.n_var)
    np.testing.assert_array_equal(problem.xl, task.lower)
    np.testing.assert_array_equal(problem.xu, task.upper)
    X = _random_x(task)
    X[0] = task.lower  # corners too
    X[1] = task.upper
    np.testing.assert_allclose(task.evaluate(X), problem.evaluate(X), rtol=1e-10, atol=1e-12)


def test_vlmop_hand_values():
    f = syn.vlmop1(np.array([[0.0], [2.0], [-1.0], [4.0]]))
    np.testing.assert_allclose(f, [[0, 4], [4, 0], [1, 9], [16, 4]])
    c = 1 / np.sqrt(6)
    f = syn.vlmop2(np.array([[0.0] * 6, [c] * 6, [-c] * 6]))
    e1, e4 = 1 - np.exp(-1), 1 - np.exp(-4)
    np.testing.assert_allclose(f, [[e1, e1], [0, e4], [e4, 0]], atol=1e-15)
    f = syn.vlmop3(np.array([[0.0, 0.0], [1.0, 1.0], [-1.0, 2.0]]))
    expected = [
        [0.0, 2 + 1 / 27 + 15, 1 - 1.1],
        [1 + np.sin(2), 25 / 8 + 1 / 27 + 15, 1 / 3 - 1.1 * np.exp(-2)],
        [2.5 + np.sin(5), 9 / 8 + 4 / 27 + 15, 1 / 6 - 1.1 * np.exp(-5)],
    ]
    np.testing.assert_allclose(f, expected, rtol=1e-14)


@pytest.mark.parametrize("task", syn.TASKS, ids=lambda t: t.name)
def test_shapes_and_finite(task):
    for n in (1, 7):
        Y = task.evaluate(_random_x(task, n))
        assert Y.shape == (n, task.n_obj) and Y.dtype == np.float64
    assert task.evaluate(task.lower).shape == (1, task.n_obj)
    assert np.isfinite(task.evaluate(_random_x(task, 500, seed=1))).all()


# ------------------------------------------------------------------ true fronts


@pytest.mark.parametrize("name", WITH_FRONT)
def test_front_nondominated(name):
    task = TASKS[name]
    F = task.pareto_front(500)
    assert F.ndim == 2 and F.shape[1] == task.n_obj and 400 <= len(F) <= 700
    assert np.isfinite(F).all()
    assert is_nondominated(F, keep_weakly=True).all()
    # no random design beats a front point by more than a tolerance
    Y = task.evaluate(_random_x(task, 2000, seed=2))
    beaten = (Y[:, None, :] < F[None, :, :] - 1e-6).all(-1)
    assert not beaten.any()


def test_front_sizes_scale():
    for name in WITH_FRONT:
        for n in (50, 2000):
            m = len(TASKS[name].pareto_front(n))
            assert 0.8 * n <= m <= 1.2 * n, (name, n, m)


@pytest.mark.parametrize("name", ["zdt1", "zdt2", "zdt3", "zdt4", "zdt6", "dtlz1", "dtlz2", "dtlz3", "dtlz4"])
def test_front_matches_pymoo(name):
    task = TASKS[name]
    kw = {"n_obj": 3} if name.startswith("dtlz") else {}
    ref = get_problem(name, n_var=task.n_var, **kw).pareto_front()
    F = task.pareto_front(len(ref))  # same density as pymoo's (100 points, or 136 = 15 partitions)
    assert _igd(F, ref) < 1e-2
    if name != "zdt3":  # same construction: equal up to rounding
        assert _igd(F, ref) < 1e-12 and len(F) == len(ref)
    np.testing.assert_allclose(F.min(0), ref.min(0), atol=1e-2)
    np.testing.assert_allclose(F.max(0), ref.max(0), atol=1e-2)


def test_omnitest_front_matches_pymoo_pareto_set():
    F = TASKS["omnitest"].pareto_front(500)
    ref = OmniTest(n_var=2).pareto_front()
    assert _igd(F, ref) < 1e-2
    np.testing.assert_allclose((F**2).sum(1), 4.0, rtol=1e-12)


def test_front_analytic_relations():
    F = syn.zdt1_front(200)
    np.testing.assert_allclose(F[:, 1], 1 - np.sqrt(F[:, 0]))
    np.testing.assert_allclose(syn.dtlz1_front(300).sum(1), 0.5)
    for name in ("dtlz2", "dtlz3", "dtlz4"):
        np.testing.assert_allclose((TASKS[name].pareto_front(300) ** 2).sum(1), 1.0)
    F = syn.zdt3_front(500)
    np.testing.assert_allclose(F[:, 1], 1 - np.sqrt(F[:, 0]) - F[:, 0] * np.sin(10 * np.pi * F[:, 0]), atol=1e-12)
    regions = [(0, 0.0830015349), (0.182228780, 0.2577623634), (0.4093136748, 0.4538821041),
               (0.6183967944, 0.6525117038), (0.8233317983, 0.8518328654)]
    in_region = np.zeros(len(F), bool)
    for lo, hi in regions:
        in_region |= (F[:, 0] >= lo - 1e-4) & (F[:, 0] <= hi + 1e-4)
        assert ((F[:, 0] >= lo) & (F[:, 0] <= hi)).sum() > 10
    assert in_region.all()
    F = syn.zdt6_front(100)
    np.testing.assert_allclose(F[:, 1], 1 - F[:, 0] ** 2)
    # the ZDT6 front's f1 range is what ZDT6's Pareto set x1 in [0, 1], x2.. = 0 attains
    x = np.zeros((200001, 10))
    x[:, 0] = np.linspace(0.08, 0.084, 200001)
    np.testing.assert_allclose(syn.zdt6(x)[:, 0].min(), F[0, 0], atol=1e-8)
    F = syn.vlmop1_front(100)
    np.testing.assert_allclose(np.sqrt(F[:, 0]) + np.sqrt(F[:, 1]), 2.0)


@pytest.mark.parametrize("name,xm", [("dtlz5", 0.5), ("dtlz6", 0.0)])
def test_dtlz56_front_is_curve(name, xm):
    F = TASKS[name].pareto_front(400)
    np.testing.assert_allclose(F[:, 0], F[:, 1], atol=1e-15)
    np.testing.assert_allclose((F**2).sum(1), 1.0)
    t = np.linspace(0, np.pi / 2, 400)
    curve = np.column_stack([np.cos(t) / np.sqrt(2), np.cos(t) / np.sqrt(2), np.sin(t)])
    assert _igd(F, curve) < 5e-3 and _igd(curve, F) < 5e-3
    # any Pareto-optimal design (x_M at its optimum, x_1 and x_2 free) lands on the curve
    x = np.random.default_rng(3).random((300, 10))
    x[:, 2:] = xm
    Y = TASKS[name].evaluate(x)
    np.testing.assert_allclose(Y[:, 0], Y[:, 1], atol=1e-15)
    np.testing.assert_allclose((Y**2).sum(1), 1.0)


def test_dtlz7_front():
    F = syn.dtlz7_front(1000)
    np.testing.assert_allclose(F[:, 2], 6 - (F[:, :2] * (1 + np.sin(3 * np.pi * F[:, :2]))).sum(1))
    # f1, f2 lie in the two non-dominated intervals of the 1-D profile (4 pieces in all)
    ok = lambda v: (v <= 0.2514118360 + 1e-4) | ((v >= 0.6316265307 - 1e-4) & (v <= 0.8594008566 + 1e-4))
    assert ok(F[:, 0]).all() and ok(F[:, 1]).all()
    assert ((F[:, 0] > 0.5) & (F[:, 1] > 0.5)).sum() > 50 and ((F[:, 0] < 0.5) & (F[:, 1] < 0.5)).sum() > 50
    np.testing.assert_allclose(F[:, 2].min(), 2.6144, atol=2e-3)  # known DTLZ7-3D front minimum of f3
    # random points of the Pareto-optimal subspace (x_M = 0) never beat the front
    x = np.zeros((3000, 10))
    x[:, :2] = np.random.default_rng(4).random((3000, 2))
    Y = syn.dtlz7(x)
    assert not (Y[:, None, :] < F[None, :, :] - 1e-3).all(-1).any()
    # and each such point is weakly dominated by (or close to) some front point
    gap = np.maximum(F[None, :, :] - Y[:, None, :], 0).max(-1).min(1)
    assert gap.max() < 0.05


def test_vlmop2_front():
    F = syn.vlmop2_front(300)
    np.testing.assert_allclose(F[[0, -1]], [[1 - np.exp(-4), 0], [0, 1 - np.exp(-4)]], atol=1e-15)
    # closed form with t = x_i: f1 = 1 - exp(-6 (t - c)^2), f2 = 1 - exp(-6 (t + c)^2)
    a, b = np.sqrt(-np.log(1 - F[:, 0]) / 6), np.sqrt(-np.log(1 - F[:, 1]) / 6)
    np.testing.assert_allclose(a + b, 2 / np.sqrt(6), atol=1e-7)


def test_vlmop3_has_no_front():
    with pytest.raises(ValueError):
        TASKS["vlmop3"].pareto_front(10)
