"""Linear inequalities over inputs: parsing, the projection, and the space's guarantee."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paretodiff import linear
from paretodiff.space import DesignSpace


@pytest.mark.parametrize("text, names, coefs, bound", [
    ("cement + 2*water - 0.5*sand <= 0.8", ("cement", "water", "sand"), (1.0, 2.0, -0.5), 0.8),
    ("a + b >= 0.2", ("a", "b"), (-1.0, -1.0), -0.2),  # >= kept as <= negated
    ("-a+1e-3*b<=1", ("a", "b"), (-1.0, 0.001), 1.0),  # an exponent's sign is not a term's
    ("2nd layer + x <= 3", ("2nd layer", "x"), (1.0, 1.0), 3.0),  # a number without * is part of the name
])
def test_rules_are_read_as_coefficients_and_a_bound(text, names, coefs, bound):
    rule = linear.parse(text)
    assert (rule.names, rule.coefs, rule.bound, str(rule)) == (names, coefs, bound, text)


@pytest.mark.parametrize("text, message", [
    ("a <= b", "is not a linear rule"), ("a <= 1 <= 2", "is not a linear rule"), ("a + <= 1", "a term is missing"),
    ("a - a <= 1", "'a' appears twice"), ("0*a <= 1", "no column with a coefficient other than 0"),
    ("a + b = 1", "is not a linear rule"),
])
def test_malformed_rules_are_refused_saying_why(text, message):
    with pytest.raises(ValueError, match=message):
        linear.parse(text)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 5))
def test_the_projection_meets_the_rule_inside_the_box_and_moves_only_rows_that_break_it(seed, k):
    rng = np.random.default_rng(seed)
    lo = rng.uniform(-2, 0, k)
    hi = lo + rng.uniform(0.1, 3, k)
    coefs = rng.normal(size=k)
    bound = linear.lowest(coefs, lo, hi) + rng.uniform(0, 1) * (float(np.where(coefs > 0, hi, lo) @ coefs)
                                                               - linear.lowest(coefs, lo, hi))
    Y = rng.uniform(lo - 1, hi + 1, (40, k))
    Y[:5] = np.clip(Y[:5], lo, hi)
    out = linear.project(Y, coefs, bound, lo, hi)
    broken = Y @ coefs > bound
    assert np.all(out @ coefs <= bound + 1e-9 * max(1, abs(bound)))
    assert np.all(out[broken] >= lo) and np.all(out[broken] <= hi)
    np.testing.assert_array_equal(out[~broken], Y[~broken])
    # nearest: no point of the box that meets the rule is closer than the projection (checked on random ones)
    inside = rng.uniform(lo, hi, (2000, k))
    inside = inside[inside @ coefs <= bound]
    for y, p in zip(Y[broken][:5], out[broken][:5]):
        if len(inside):
            assert np.linalg.norm(y - p) <= np.linalg.norm(inside - y, axis=1).min() + 1e-6


def rule_space():
    rng = np.random.default_rng(0)
    X = rng.random((60, 3)).round(3)
    return DesignSpace.from_data(X, rng.random((60, 2)), inputs=["cement", "water", "sand"],
                                 linear=[linear.parse("cement + 2*water <= 1"), linear.parse("sand - water >= -0.2")])


def test_every_decoded_design_meets_the_rules_also_rounded_to_the_data_precision():
    space = rule_space()
    designs = space.from_unit(np.random.default_rng(1).uniform(-0.3, 1.3, (500, 3)))
    assert np.all(designs[:, 0] + 2 * designs[:, 1] <= 1 + 1e-12)
    assert np.all(designs[:, 2] - designs[:, 1] >= -0.2 - 1e-12)
    assert space.linear_excess(designs).max() == 0
    np.testing.assert_allclose(designs * 1000, np.round(designs * 1000), atol=1e-9)  # three places kept
    assert np.all(designs >= space.lower) and np.all(designs <= space.upper)
    inside = designs[:5]
    np.testing.assert_array_equal(space.finish(inside), inside)  # designs that meet them are not moved
    assert DesignSpace.from_dict(space.to_dict()).linear == space.linear


def test_rules_that_cannot_hold_or_name_what_they_cannot_take_are_refused():
    space = rule_space()
    values = space.to_dict()
    with pytest.raises(ValueError, match=r"cement \+ water <= -1: cannot be met inside the columns' bounds"):
        DesignSpace.from_dict({**values, "linear": ["cement + water <= -1"]})
    with pytest.raises(ValueError, match="'glue' is not an input"):
        DesignSpace.from_dict({**values, "linear": ["glue + water <= 1"]})
    with pytest.raises(ValueError, match="'water' is in a sum"):
        DesignSpace.from_dict({**values, "sums": [[["water", "cement"], 0.5]], "linear": ["water + sand <= 1"]})
    with pytest.raises(ValueError, match="space.linear must be a list"):
        DesignSpace.from_dict({**values, "linear": "cement <= 1"})
