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


# -- discrete and categorical columns -------------------------------------------------------

def mixed_space(encoding="onehot"):
    X = np.array([[0.1, 0, 6], [0.5, 2, 12], [0.9, 1, 48], [0.3, 2, 24]], dtype=float)
    Y = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 3.0], [0.5, 4.0]])
    space = DesignSpace.from_data(X, Y, categories={1: ("alu", "steel", "ti")}, discrete=[2], encoding=encoding)
    return space, X


def test_a_categorical_column_is_one_hot_on_the_unit_cube_and_comes_back_as_its_label():
    space, X = mixed_space()
    assert space.kinds == ("continuous", "categorical", "discrete")
    assert space.widths == (1, 3, 1) and space.n_unit == 5
    U = space.to_unit(X)
    np.testing.assert_array_equal(U[:, 1:4], [[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 1]])
    np.testing.assert_array_equal(space.from_unit(U), X)
    relaxed = U.copy()
    relaxed[:, 1:4] = [[0.4, 0.3, 0.2], [0.1, 0.2, 0.25], [-1, 2, 0], [0.5, 0.5, 0.9]]  # decoded by the largest
    assert space.from_unit(relaxed)[:, 1].tolist() == [0, 2, 1, 2]
    assert space.values(X)[1].tolist() == ["alu", "ti", "steel", "ti"]
    assert space.values(X)[2].dtype == np.int64  # whole levels are written as whole numbers
    lower, upper = space.search_unit()
    assert lower.shape == upper.shape == (5,) and upper[1:4].tolist() == [1, 1, 1]
    np.testing.assert_array_equal(space.snap_unit(relaxed), space.to_unit(space.from_unit(relaxed)))


def test_the_ordinal_encoding_gives_a_categorical_column_one_coordinate():
    space, X = mixed_space("ordinal")
    assert space.n_unit == 3
    np.testing.assert_array_equal(space.to_unit(X)[:, 1], [0, 1, 0.5, 1])
    assert space.from_unit(np.array([[0.5, 0.3, 0.5]]))[0, 1] == 1  # 0.3 * 2 rounds to index 1


def test_discrete_columns_take_the_nearest_level_inside_the_search_box():
    X = np.array([[0.0, 6], [1.0, 12], [0.5, 24], [0.2, 48]])
    space = DesignSpace.from_data(X, np.array([[1.0, 2], [2, 1], [3, 3], [0, 4]]), discrete=[1],
                                  bounds=([0, 10], [1, 30]))
    assert space.levels[1] == (6.0, 12.0, 24.0, 48.0)
    assert space.finish(np.array([[0.5, 17.0], [0.5, 40.0], [0.5, 7.0]]))[:, 1].tolist() == [12, 24, 12]


def test_mixed_spaces_are_saved_and_bad_levels_are_refused():
    space, _ = mixed_space()
    again = DesignSpace.from_dict(space.to_dict())
    assert again.to_dict() == space.to_dict() and again.levels == space.levels
    values = space.to_dict()
    with pytest.raises(ValueError, match="levels"):
        DesignSpace.from_dict({**values, "levels": [None, "alu", None]})
    with pytest.raises(ValueError, match="cannot be narrowed"):
        DesignSpace.from_dict({**values, "upper": [0.9, 1.0, 48.0]})
    with pytest.raises(ValueError, match="leave the box"):
        DesignSpace.from_dict({**values, "levels": [None, ["alu", "steel", "ti"], [6, 12, 24, 96]]})
    with pytest.raises(ValueError, match="encoding"):
        DesignSpace.from_dict({**values, "encoding": "hashing"})
    with pytest.raises(ValueError, match="needs its levels"):
        DesignSpace.from_dict({**values, "levels": [None, None, None]})


# -- exact sums over inputs -----------------------------------------------------------------

def mixture_space():
    rng = np.random.default_rng(0)
    W = rng.dirichlet([2, 2, 2], 40).round(2)
    W[:, 2] = (1 - W[:, 0] - W[:, 1]).round(2)
    X = np.column_stack([W, rng.uniform(10, 30, 40).round(1)])
    space = DesignSpace.from_data(X, rng.random((40, 2)), inputs=["water", "cement", "sand", "temp"],
                                  sums=[(("water", "cement", "sand"), 1.0)])
    return space, X


def test_every_decoded_design_meets_its_sum_inside_the_bounds_at_the_data_precision():
    space, X = mixture_space()
    U = np.random.default_rng(1).uniform(-0.3, 1.3, (500, 4))
    designs = space.from_unit(U)
    assert space.sum_errors(designs).max() < 1e-12
    assert np.all(designs[:, :3] >= space.lower[:3]) and np.all(designs[:, :3] <= space.upper[:3])
    np.testing.assert_allclose(designs[:, :3] * 100, np.round(designs[:, :3] * 100), atol=1e-9)  # two places kept
    np.testing.assert_array_equal(space.finish(X), X)  # designs that meet it already are not moved
    assert DesignSpace.from_dict(space.to_dict()).sums == space.sums


def test_sums_that_cannot_hold_are_refused_naming_them():
    space, X = mixture_space()
    values = space.to_dict()
    with pytest.raises(ValueError, match="water,cement,sand=5: the total 5 cannot be reached"):
        DesignSpace.from_dict({**values, "sums": [[["water", "cement", "sand"], 5]]})
    with pytest.raises(ValueError, match="'cement' is in two sums"):
        DesignSpace.from_dict({**values, "sums": [[["water", "cement"], 0.5], [["cement", "sand"], 0.5]]})
    with pytest.raises(ValueError, match="'glue' is not an input"):
        DesignSpace.from_dict({**values, "sums": [[["water", "glue"], 0.5]]})
    integer = DesignSpace.from_data(np.column_stack([X[:, :3], np.arange(40)]), np.ones((40, 2)) * [[1, 2]] +
                                    np.arange(40)[:, None])
    with pytest.raises(ValueError, match="'x3' is integer"):
        DesignSpace.from_dict({**integer.to_dict(), "sums": [[["x0", "x3"], 3]]})
