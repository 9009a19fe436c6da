import numpy as np
import pytest
from pymoo.indicators.hv import HV

from paretodiff import metrics


@pytest.mark.parametrize("m", [2, 3, 4])
def test_hypervolume_matches_pymoo(m):
    Y = np.random.default_rng(m).random((60, m))
    ref = np.full(m, 1.1)
    assert metrics.hypervolume(Y, ref) == pytest.approx(HV(ref_point=ref)(Y), rel=1e-12)


def test_hypervolume_by_hand_ignores_dominated_and_out_of_reference_points():
    Y = np.array([[0.5, 0.5], [0.6, 0.6], [3.0, 0.0], [0.0, 0.75]])
    # union of [0.5,1]x[0.5,1] and [0,1]x[0.75,1] = 0.25 + 0.5 * 0.25
    assert metrics.hypervolume(Y, np.array([1.0, 1.0])) == pytest.approx(0.375)
    assert metrics.hypervolume(np.zeros((0, 2)), np.ones(2)) == 0.0
    with pytest.raises(ValueError):
        metrics.hypervolume(np.array([[np.nan, 0.0]]), np.ones(2))


def test_reference_point_is_2_2_times_normalized_nadir():
    norm = metrics.Normalizer.fit(np.array([[1.0, 10.0], [3.0, 30.0]]))
    ref = metrics.reference_point(np.array([2.0, 40.0]), norm)
    assert ref == pytest.approx([2.2 * 0.5, 2.2 * 1.5])
    # the saturation value: a single point at y_min gives prod(ref)
    assert metrics.hypervolume(norm(np.array([[1.0, 10.0]])), ref) == pytest.approx(ref.prod())


def test_normalizer_over_several_arrays_and_zero_range():
    norm = metrics.Normalizer.fit(np.array([[0.0, 5.0]]), np.array([[2.0, 5.0]]))
    assert norm(np.array([[1.0, 5.0]])).tolist() == [[0.5, 0.0]]


def test_percentile_hypervolume_removes_the_best():
    Y = np.array([[0.0, 1.0], [0.5, 0.5], [1.0, 0.0], [0.9, 0.9]])
    ref = np.array([2.0, 2.0])
    full = metrics.percentile_hypervolume(Y, ref, 1.0)
    assert full == pytest.approx(metrics.hypervolume(Y, ref))
    # q = 0.5 removes int(4 * 0.5) = 2 best: front 0 cut to its two ends -> keep (0.5,0.5),(0.9,0.9)
    assert metrics.percentile_hypervolume(Y, ref, 0.5) == pytest.approx(1.5 * 1.5)
    # q = 0.75 removes 1 (an end of the front, tie broken by row order)
    assert metrics.percentile_hypervolume(Y, ref, 0.75) < full


def test_igd_and_igd_plus():
    front = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert metrics.igd(front, front) == 0.0
    assert metrics.igd(np.array([[0.0, 2.0]]), front) == pytest.approx((1.0 + np.sqrt(5.0)) / 2)
    assert metrics.igd_plus(np.array([[0.0, 2.0]]), front) == pytest.approx((1.0 + 2.0) / 2)  # d+ = max(0, y - z) per objective


def test_spacing_and_spread_on_an_evenly_spaced_front():
    t = np.linspace(0, 1, 11)
    Y = np.stack([t, 1 - t], axis=1)
    assert metrics.spacing(Y) == pytest.approx(0.0, abs=1e-12)
    assert metrics.spread(Y, metrics.front_extremes(Y)) == pytest.approx(0.0, abs=1e-12)
    uneven = np.stack([t**3, 1 - t**3], axis=1)
    assert metrics.spacing(uneven) > 0.01
    assert metrics.spread(uneven) > 0.3
    assert np.isnan(metrics.spacing(Y[:1]))
