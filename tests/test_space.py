"""The design space: names, kinds, box, senses; maps to and from the unit cube."""

import numpy as np
import pytest

from paretodiff.errors import InputError
from paretodiff.space import DesignSpace


def test_from_data_defaults_and_maps():
    X = np.array([[0.0, 1.0, 7.0], [2.0, 3.0, 7.0], [1.0, 2.0, 7.0]])
    Y = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 3.0]])
    space = DesignSpace.from_data(X, Y, senses=["min", "max"])
    assert space.inputs == ("x0", "x1", "x2") and space.objectives == ("f0", "f1")
    assert space.kinds == ("integer", "integer", "integer") and space.constant.tolist() == [False, False, True]
    np.testing.assert_array_equal(space.to_unit(X)[:, :2], [[0, 0], [1, 1], [0.5, 0.5]])
    U = np.array([[0.26, 0.74, 0.9]])
    np.testing.assert_array_equal(space.from_unit(U), [[1.0, 2.0, 7.0]])  # rounded, the constant column kept
    np.testing.assert_array_equal(space.minimized(Y)[:, 1], -Y[:, 1])
    assert DesignSpace.from_dict(space.to_dict()).to_dict() == space.to_dict()


def test_bad_spaces_name_what_is_wrong():
    X, Y = np.zeros((3, 2)), np.ones((3, 2))
    with pytest.raises(InputError, match="too wide to scale"):
        DesignSpace.from_data(X, Y, bounds=([-1e308, 0], [1e308, 1]))
    with pytest.raises(InputError, match="objective column 'f1'"):
        DesignSpace.from_data(X, np.array([[0, 1.7e308], [0, -1.7e308], [0, 0]]))
    with pytest.raises(InputError, match="above the upper"):
        DesignSpace.box([1.0], [0.0], 2)
    with pytest.raises(ValueError, match="space.kinds must be a list of strings"):
        DesignSpace.from_dict({**DesignSpace.box([0.0], [1.0], 2).to_dict(), "kinds": [1]})


def test_the_datas_decimal_places_are_kept_and_proposals_rounded_to_them():
    from paretodiff.space import data_decimals

    rng = np.random.default_rng(0)
    assert data_decimals(np.array([1.25, 3.5, 0.125])) == 3 and data_decimals(np.array([0.1, 0.3, 12.7])) == 1
    assert data_decimals(rng.uniform(0, 10, 300)) is None  # full float precision
    X = np.column_stack([np.round(rng.uniform(0, 5, 50), 2), rng.uniform(size=50), rng.integers(1, 4, 50)])
    space = DesignSpace.from_data(X, np.column_stack([X.sum(1), X[:, 0] ** 2 - X[:, 1]]))
    assert space.decimals == (2, None, None) and space.kinds[2] == "integer"
    out = space.from_unit(np.array([[0.123456, 0.5, 0.5]]))
    assert out[0, 0] == round(out[0, 0], 2) and out[0, 1] != round(out[0, 1], 2)
    assert DesignSpace.from_dict(space.to_dict()).decimals == space.decimals
    old = {k: v for k, v in space.to_dict().items() if k != "decimals"}  # a file from before
    assert DesignSpace.from_dict(old).decimals == (None, None, None)


def test_bounds_inside_the_data_narrow_the_search_box_and_keep_the_training_box():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(0, 10, 40), rng.integers(1, 9, 40), rng.uniform(-1, 1, 40)])
    Y = np.column_stack([X.sum(1), -X[:, 0]])
    space = DesignSpace.from_data(X, Y, bounds=([2.0, 3.5, -2.0], [5.0, 6.0, 1.0]))
    # the box holds the data and the bounds: every row is learned from
    np.testing.assert_array_equal(space.lower, [X[:, 0].min(), X[:, 1].min(), -2.0])
    np.testing.assert_array_equal(space.upper, [X[:, 0].max(), X[:, 1].max(), 1.0])
    np.testing.assert_array_equal(space.search_lower, [2.0, 3.5, -2.0])
    assert space.narrowed and space.in_search(np.array([[3.0, 4.0, 0.0], [6.0, 4.0, 0.0]])).tolist() == [True, False]
    lo, hi = space.search_unit()
    assert (0 <= lo).all() and (lo < hi).all() and (hi <= 1).all() and lo[2] == 0.0
    out = space.finish(np.array([[9.0, 8.0, 0.5], [0.0, 1.0, -1.0]]))
    np.testing.assert_array_equal(out, [[5.0, 6.0, 0.5], [2.0, 4.0, -1.0]])  # integers: whole numbers inside
    again = DesignSpace.from_dict(space.to_dict())
    np.testing.assert_array_equal(again.search_upper, space.search_upper)
    plain = DesignSpace.from_data(X, Y)
    assert not plain.narrowed and "search_lower" not in plain.to_dict()  # files without bounds stay as they were
    with pytest.raises(InputError, match="no whole number lies inside"):
        DesignSpace.from_data(X, Y, bounds=([2.0, 3.2, -1], [5.0, 3.8, 1]))
    with pytest.raises(InputError, match="leave the box"):
        DesignSpace(space.inputs, space.lower, space.upper, space.kinds, space.objectives, space.senses,
                    search_lower=space.lower - 1)
    with pytest.raises(ValueError, match="search_lower and space.search_upper"):
        DesignSpace.from_dict({**space.to_dict(), "search_upper": None})
