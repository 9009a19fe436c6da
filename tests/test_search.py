"""NSGA-II on predicted objectives: the array run (pgd's search) against pymoo's and by hand."""

import numpy as np
import pytest
from pymoo.problems import get_problem

from paretodiff import metrics, search


def zdt1(U: np.ndarray) -> np.ndarray:
    """ZDT1 on the unit cube ``(B, D) -> (B, 2)`` (its own box)."""
    return get_problem("zdt1", n_var=U.shape[1]).evaluate(U)


def test_same_seed_same_bytes_other_seed_other_designs():
    start = np.random.default_rng(0).random((40, 6))
    a, b = (search.nsga2_arrays(zdt1, start, 2, 15, seed=3) for _ in range(2))
    assert a.tobytes() == b.tobytes()
    assert not np.array_equal(a, search.nsga2_arrays(zdt1, start, 2, 15, seed=4))
    assert search.nsga2_arrays(zdt1, start, 2, 1, seed=3).shape == start.shape  # the start, ranked


def test_it_converges_as_pymoo_does_and_beats_the_start():
    """ZDT1 (10 variables) from a poor start (hypervolume 0): after 100 generations both runs are near
    the true front (hypervolume 0.8700 at the reference point 1.1), within each other's seed spread."""
    ref = np.array([1.1, 1.1])
    rng = np.random.default_rng(1)
    starts = [rng.random((100, 10)) * 0.5 + 0.5 for _ in range(4)]  # far from the front (x2..x10 high)
    ours = [metrics.hypervolume(zdt1(search.nsga2_arrays(zdt1, s, 2, 100, seed=i)), ref) for i, s in enumerate(starts)]
    theirs = [metrics.hypervolume(zdt1(search.nsga2(zdt1, s, 2, 100, True, seed=i)), ref) for i, s in enumerate(starts)]
    start_hv = max(metrics.hypervolume(zdt1(s), ref) for s in starts)
    assert start_hv < 0.3
    assert min(ours) > 0.85 and min(theirs) > 0.85
    assert abs(np.mean(ours) - np.mean(theirs)) < 3 * max(np.std(ours), np.std(theirs), 0.005)


def test_the_box_is_kept():
    start = np.random.default_rng(2).random((30, 4))
    lower, upper = np.array([0.2, 0.0, 0.5, 0.1]), np.array([0.4, 1.0, 0.6, 0.9])
    X = search.nsga2_arrays(zdt1, start, 2, 20, seed=0, lower=lower, upper=upper)
    assert ((X >= lower) & (X <= upper)).all()
    assert np.allclose(X[:, 0].min(), 0.2) or X[:, 0].min() >= 0.2  # ZDT1 pulls x1 to 0: to its lower bound


def test_constraints_are_met_where_they_can_be():
    """min (x1, 1 - x1) with x1 >= 0.6 (G = 0.6 - x1 <= 0): from a start where most designs break it,
    the final population meets it."""
    def predict(U):
        return np.column_stack([U[:, 0], 1.0 - U[:, 0]]), (0.6 - U[:, 0])[:, None]

    start = np.random.default_rng(3).random((40, 2)) * 0.7
    X = search.nsga2_arrays(predict, start, 2, 30, seed=1, n_constr=1)
    assert (X[:, 0] >= 0.6).all()


def test_survivors_feasible_fronts_then_crowding_then_violation():
    F = np.array([[0.0, 1.0], [0.5, 0.5], [1.0, 0.0],  # front 0 (the middle least crowded-out? ends inf)
                  [0.6, 0.6], [0.2, 1.2], [1.2, 0.2],  # front 1
                  [0.0, 0.0], [0.1, 0.1]])             # would dominate all, but break a constraint
    violation = np.array([0, 0, 0, 0, 0, 0, 2.0, 1.0])
    order, front, crowding = search.survivors(F, violation, 8)
    assert order[:3].tolist() == [0, 2, 1]  # front 0: its ends (infinite crowding) first
    assert set(order[3:6].tolist()) == {3, 4, 5} and order[6:].tolist() == [7, 6]  # smaller violation first
    assert front.tolist() == [0, 0, 0, 1, 1, 1, 2, 2]
    assert np.isinf(crowding[:2]).all() and np.isfinite(crowding[2])
    cut, _, _ = search.survivors(F, violation, 5)  # front 1 cut by crowding: its two ends kept
    assert cut[:3].tolist() == [0, 2, 1] and set(cut[3:].tolist()) == {4, 5}


def test_children_equal_to_held_designs_are_dropped():
    held = np.array([[0.0, 1.0], [0.5, 0.5]])
    children = np.array([[0.5, 0.5], [0.2, 0.2], [0.2, 0.2], [0.3, 0.1]])
    assert search._new_rows(children, held).tolist() == [[0.2, 0.2], [0.3, 0.1]]


@pytest.mark.parametrize("engine", search.ENGINES)
def test_both_engines_take_the_same_arguments(engine):
    run = search.nsga2_arrays if engine == "arrays" else (
        lambda predict, start, n_obj, n_gen, seed, *box, **kw: search.nsga2(predict, start, n_obj, n_gen, True, seed,
                                                                            *box, **kw))
    X = run(zdt1, np.random.default_rng(4).random((20, 3)), 2, 5, 0, 0.0, 1.0, n_constr=0)
    assert X.shape[1] == 3 and len(X) <= 20
