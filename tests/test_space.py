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
