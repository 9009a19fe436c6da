"""From a pool to the proposals: new designs only, chosen by pessimistic predictions."""

import numpy as np
import pytest

from paretodiff import selection


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


def test_pessimism_passes_over_a_promise_the_ensemble_disagrees_on():
    mean = np.array([[0.1, 0.1], [0.3, 0.3], [0.5, 0.5]])
    std = np.array([[0.5, 0.5], [0.01, 0.01], [0.01, 0.01]])  # the best mean, but very uncertain
    assert selection.select(mean, std, 1, kappa=0.0).tolist() == [0]
    assert selection.select(mean, std, 1, kappa=1.0).tolist() == [1]


def test_an_unknown_strategy_is_refused():
    with pytest.raises(ValueError, match="unknown selection strategy"):
        selection.select(np.zeros((2, 2)), np.zeros((2, 2)), 1, strategy="oracle")
