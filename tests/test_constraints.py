"""Measured constraints: parsing, margins, the constrained ranking, the feasibility probability,
and pgd, d-best and the command line with them."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import paretodiff
from paretodiff import constraints
from paretodiff.cli import app
from paretodiff.constraints import Constraint
from paretodiff.errors import InputError
from paretodiff.pareto import nondominated_mask

from conftest import TINY_PGD, TINY_SPECS  # noqa: E402


def test_terms_are_read_and_bad_ones_named():
    assert constraints.parse(["stress<=250", " margin >= 0.1 "]) == (Constraint("stress", "<=", 250.0),
                                                                     Constraint("margin", ">=", 0.1))
    for bad in ("stress<250", "stress<=abc", "stress<=inf", "<=3"):
        with pytest.raises(ValueError, match="is not a constraint like"):
            constraints.parse([bad])
    with pytest.raises(ValueError, match="constrained twice"):
        constraints.parse(["a<=1", "a>=0"])


def test_margins_are_positive_where_broken_and_invert():
    rules = constraints.parse(["a<=1", "b>=2"])
    G = np.array([[0.5, 3.0], [1.5, 3.0], [0.5, 1.0]])
    M = constraints.margins(G, rules)
    np.testing.assert_array_equal(M, [[-0.5, -1.0], [0.5, -1.0], [-0.5, 1.0]])
    np.testing.assert_array_equal(constraints.values(M, rules), G)
    assert constraints.feasible(G, rules).tolist() == [True, False, False]


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_every_feasible_design_outranks_every_infeasible_one(seed):
    rng = np.random.default_rng(seed)
    Yn, violation = rng.random((40, 2)), np.where(rng.random(40) < 0.5, 0.0, rng.random(40))
    ranked = constraints.penalized(Yn, violation)
    good, bad = violation == 0, violation > 0
    assert np.array_equal(ranked[good], Yn[good])
    if good.any() and bad.any():  # each feasible design dominates each infeasible one
        assert (ranked[good][:, None, :] < ranked[bad][None, :, :]).all()
        assert not nondominated_mask(ranked)[bad].any()
    assert constraints.penalized(Yn, np.zeros(40)) is Yn


def test_the_feasibility_probability_is_a_product_of_normal_tails():
    p = constraints.probability_feasible(np.array([[0.0, -10.0], [1.0, -10.0], [-1.0, 5.0]]), np.ones((3, 2)))
    np.testing.assert_allclose(p, [0.5, 0.158655, 0.0], atol=1e-6)
    assert constraints.probability_feasible(np.zeros((4, 0)), np.zeros((4, 0))).tolist() == [1.0] * 4


def table(n=120, seed=0):
    """Two inputs; stress = 2 x0 must stay <= 1: half the box is infeasible, and the objectives
    pull towards it (cost falls with x0)."""
    rng = np.random.default_rng(seed)
    t = pd.DataFrame({"x0": rng.random(n), "x1": rng.random(n)})
    t["cost"] = 1 - t.x0 + 0.2 * t.x1
    t["mass"] = t.x1 + 0.5 * t.x0 ** 2
    t["stress"] = 2 * t.x0
    return t


PGD = "pgd:" + ",".join(f"{k}={v}" for k, v in {**TINY_PGD, "objectives.training.steps": 300}.items())


@pytest.mark.parametrize("strategy", ["batch", "pessimistic"])
def test_pgd_learns_the_constraint_and_proposes_designs_predicted_to_meet_it(strategy, tmp_path):
    result = paretodiff.optimize(table(), minimize=["cost", "mass"], constraints="stress<=1", n=8, seed=0,
                                 method=PGD, strategy=strategy)
    d = result.designs
    assert {"stress_pred", "stress_std", "p_feasible"} <= set(d.columns) and "stress" not in d.columns
    assert list(result.data.space.inputs) == ["x0", "x1"]
    assert (d.p_feasible >= 0.5).all() and (d.stress_pred <= 1).all()
    assert (2 * d.x0 <= 1.05).mean() >= 0.75  # the true stress: most meet it (the model is tiny)
    result.method.save(tmp_path / "m")
    again = paretodiff.methods.pgd.ParetoDiff.load(tmp_path / "m")
    assert again.space.constraints == result.data.space.constraints
    np.testing.assert_array_equal(again.propose(8, seed=3).X, result.method.propose(8, seed=3).X)


def test_without_a_constraint_the_same_table_goes_into_the_unsafe_half():
    d = paretodiff.optimize(table(), minimize=["cost", "mass"], ignore=["stress"], n=8, seed=0, method=PGD).designs
    assert (2 * d.x0 > 1).mean() >= 0.25  # so the test above can fail


def test_d_best_takes_the_feasible_measured_designs_first_and_the_surrogates_refuse():
    t = table()
    d = paretodiff.optimize(t, minimize=["cost", "mass"], constraints=["stress<=1"], n=10, method="d-best").designs
    assert (2 * d.x0 <= 1).all()
    with pytest.raises(InputError, match="multiple-models does not take constraints"):
        paretodiff.optimize(t, minimize=["cost", "mass"], constraints=["stress<=1"], method=TINY_SPECS["multiple-models"])
    with pytest.raises(InputError, match="--constraint: 'stress<1' is not a constraint"):
        paretodiff.optimize(t, minimize=["cost", "mass"], constraints=["stress<1"], method="d-best")
    with pytest.raises(InputError, match="--constraint: column 'cost' is also an objective"):
        paretodiff.optimize(t, minimize=["cost", "mass"], constraints=["cost<=1"], method="d-best")


def test_the_command_line_takes_constraints_and_says_how_many_rows_meet_them(tmp_path, tiny_cli_budgets):
    table().to_csv(tmp_path / "d.csv", index=False)
    out = tmp_path / "p.csv"
    result = CliRunner().invoke(app, ["optimize", str(tmp_path / "d.csv"), "--minimize", "cost,mass",
                                      "--constraint", "stress<=1", "-n", "5", "-o", str(out)])
    assert result.exit_code == 0, result.output
    roles = next(line for line in result.stderr.splitlines() if line.startswith("columns: "))
    rows_ok = int((2 * table().x0 <= 1).sum())
    assert roles.startswith("columns: inputs x0, x1;") and f"constraints stress<=1 (met by {rows_ok} of 120 rows)" in roles
    assert "predicted to meet the constraints (p_feasible >= 0.5)" in result.stderr.splitlines()[-1]
    assert "p_feasible" in pd.read_csv(out).columns
    bad = CliRunner().invoke(app, ["optimize", str(tmp_path / "d.csv"), "--minimize", "cost,mass",
                                   "--constraint", "load<=1", "-o", str(tmp_path / "q.csv")])
    assert bad.exit_code == 2 and "--constraint: no column 'load'" in bad.stderr and not (tmp_path / "q.csv").exists()
