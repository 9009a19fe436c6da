"""From a pool to the proposals: new designs only, chosen by pessimistic predictions."""

import numpy as np
import pytest

from paretodiff import selection
from paretodiff.pareto import select_best


def test_new_designs_drop_repeats_and_measured_designs_in_order():
    X = np.array([[1.0, 2.0], [0.0, 0.0], [1.0, 2.0], [3.0, 3.0], [-0.0, 0.0], [5.0, 5.0]])
    measured = selection.design_digests(np.array([[3.0, 3.0], [9.0, 9.0]]))
    assert selection.new_designs(X, measured).tolist() == [0, 1, 5]  # [3, 3] was measured; -0.0 is 0.0
    assert selection.new_designs(X[:0], measured).tolist() == []


def test_digests_tell_designs_apart():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(5000, 4))
    assert len(np.unique(selection.design_digests(X))) == 5000
    assert (selection.design_digests(X) == selection.design_digests(X.copy())).all()


def test_the_predicted_front_is_chosen_and_spread():
    # nine candidates on the predicted front y1 + y2 = 1, three dominated ones
    front = np.column_stack([np.linspace(0, 1, 9), 1 - np.linspace(0, 1, 9)])
    mean = np.vstack([[[0.9, 0.9], [0.8, 1.0], [1.0, 0.8]], front])
    chosen = selection.select(mean, np.zeros_like(mean), 5)
    assert set(chosen.tolist()) <= set(range(3, 12)) and len(set(chosen.tolist())) == 5
    assert {3, 11} <= set(chosen.tolist())  # the two ends of the front (infinite crowding distance)
    assert len(selection.select(mean, np.zeros_like(mean), 50)) == 12  # fewer candidates than asked: all


def test_layers_hold_each_end_of_the_front_twice_where_one_round_spreads():
    # on the predicted front y1 + y2 = 1: both ends, a design next to each end, and the middle
    x = np.array([0.0, 0.02, 0.25, 0.5, 0.75, 0.98, 1.0])
    mean = np.column_stack([x, 1 - x])
    one_round = selection.select(mean, np.zeros_like(mean), 4)
    assert {0, 6, 3} <= set(one_round.tolist()) and not {1, 5} & set(one_round.tolist())
    two_rounds = selection.select(mean, np.zeros_like(mean), 4, layers=2)
    assert two_rounds[:2].tolist() in ([0, 6], [6, 0]) and set(two_rounds[2:].tolist()) == {1, 5}


def test_layered_shares_and_one_layer_is_one_choice():
    rng = np.random.default_rng(0)
    F = rng.random((40, 3))
    np.testing.assert_array_equal(selection.layered(F, 10, 1), select_best(F, 10))
    chosen = selection.layered(F, 10, 4)  # rounds of 3, 3, 2, 2
    assert len(chosen) == len(set(chosen.tolist())) == 10
    np.testing.assert_array_equal(chosen[:3], select_best(F, 3))
    rest = np.setdiff1d(np.arange(40), chosen[:3])
    np.testing.assert_array_equal(chosen[3:6], rest[select_best(F[rest], 3)])
    assert len(selection.layered(F, 2, 4)) == 2 and len(selection.layered(F, 40, 3)) == 40
    with pytest.raises(ValueError, match="layers must be at least 1"):
        selection.layered(F, 4, 0)


def test_pessimism_passes_over_a_promise_the_ensemble_disagrees_on():
    mean = np.array([[0.1, 0.1], [0.3, 0.3], [0.5, 0.5]])
    std = np.array([[0.5, 0.5], [0.01, 0.01], [0.01, 0.01]])  # the best mean, but very uncertain
    assert selection.select(mean, std, 1, kappa=0.0).tolist() == [0]
    assert selection.select(mean, std, 1, kappa=1.0).tolist() == [1]


def test_an_unknown_strategy_is_refused():
    with pytest.raises(ValueError, match="unknown selection strategy"):
        selection.select(np.zeros((2, 2)), np.zeros((2, 2)), 1, strategy="oracle")


MEASURED_FRONT = np.array([[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]])


def test_the_batch_takes_the_largest_improvement_then_spreads_out():
    # A improves most; B sits next to A (little left once A is in); C and D open other regions;
    # E is behind the measured front in every draw
    pool = np.array([[0.2, 0.2], [0.21, 0.21], [0.05, 0.6], [0.6, 0.05], [0.9, 0.9]])
    rng = np.random.default_rng(0)
    draws = np.stack([pool + rng.normal(0, 0.01, pool.shape) for _ in range(5)])
    order, gain = selection.greedy_hypervolume_batch(draws, MEASURED_FRONT, 3)
    assert order[0] == 0 and set(order[1:].tolist()) == {2, 3}
    assert (np.diff(gain) <= 1e-12).all() and (gain > 0).all()
    order, gain = selection.greedy_hypervolume_batch(draws, MEASURED_FRONT, 5)
    assert 4 not in order.tolist()  # improves nothing in any draw: left to the caller's fill


def test_the_batch_gain_is_the_mean_improvement_over_the_draws():
    # one candidate, two draws: one improves by a known area, the other not at all
    draws = np.array([[[0.25, 0.25]], [[2.0, 2.0]]])
    ref = np.array([1.1, 1.1])
    order, gain = selection.greedy_hypervolume_batch(draws, MEASURED_FRONT, 1, ref)
    # the point adds [0.25, 0.5) x [0.25, 1) and [0.5, 1) x [0.25, 0.5) to the measured staircase:
    # 0.1875 + 0.125 = 0.3125, in one draw of two
    assert order.tolist() == [0] and gain[0] == pytest.approx(0.3125 / 2)


def test_the_undominated_probability():
    mean = np.array([[0.2, 0.2], [0.9, 0.9], [0.5, 0.5]])
    std = np.array([[0.01, 0.01], [0.01, 0.01], [0.1, 0.1]])
    p = selection.undominated_probability(mean, std, MEASURED_FRONT, draws=2000, seed=1)
    assert p[0] == 1.0 and p[1] == 0.0 and 0.6 < p[2] < 0.9  # on a front point: dominated when both are worse
    np.testing.assert_array_equal(p, selection.undominated_probability(mean, std, MEASURED_FRONT, draws=2000, seed=1))


def test_targets_are_parsed_checked_and_applied():
    target = selection.parse_target(["cost<=100", " mass > 2.5 "], ["cost", "mass"])
    assert target == [("cost", "<=", 100.0), ("mass", ">", 2.5)]
    for bad, message in ((["cost=<100"], "not a threshold"), (["cost<=inf"], "not a threshold"),
                         (["price<3"], "'price' is not an objective")):
        with pytest.raises(ValueError, match=message):
            selection.parse_target(bad, ["cost", "mass"])
    inside = selection.inside_target({"cost": np.array([50.0, 100.0, 150.0]), "mass": np.array([3.0, 2.0, 3.0])},
                                     target)
    assert inside.tolist() == [True, False, False]
