"""paretodiff.optimize: a DataFrame (or OfflineData) in, the proposals out, for any method."""

import numpy as np
import pandas as pd
import pytest

import paretodiff
from paretodiff.errors import InputError
from paretodiff.methods import OfflineData

from conftest import TINY_PGD, TINY_SPECS  # noqa: E402  (shared tiny budgets)


def frame(n=60, seed=0):
    rng = np.random.default_rng(seed)
    f = pd.DataFrame({"width": rng.uniform(1, 2, n), "height": rng.uniform(0, 5, n), "layers": rng.integers(1, 5, n),
                      "utility": rng.uniform(0, 1, n)})
    f["cost"] = f.width + f.height
    f["strength"] = f.width * f.height + f.layers
    return f


def test_a_dataframe_in_a_dataframe_out():
    result = paretodiff.optimize(frame(), minimize=["cost"], maximize=["strength"], n=9, seed=0,
                                 method=paretodiff_spec())
    assert list(result.designs.columns) == ["width", "height", "layers", "utility", "batch_rank", "cost_pred",
                                            "cost_std", "strength_pred", "strength_std", "p_undominated",
                                            "expected_hvi", "utility_1", "guidance_scale", "searched"]  # as the CLI's
    assert result.renamed == {"utility": "utility_1"} and len(result.designs) == 9
    assert result.designs["layers"].eq(result.designs["layers"].round()).all()
    assert result.data.space.senses == ("min", "max") and result.data.space.kinds[2] == "integer"
    again = paretodiff.optimize(frame(), minimize=["cost"], maximize=["strength"], n=9, seed=0,
                                method=paretodiff_spec())
    pd.testing.assert_frame_equal(again.designs, result.designs)


def paretodiff_spec():
    return "pgd:" + ",".join(f"{k}={v}" for k, v in TINY_PGD.items())


def test_any_method_bounds_and_inputs():
    result = paretodiff.optimize(frame(), minimize=["cost", "strength"], inputs=["width", "height"], n=5,
                                 bounds={"width": (0.5, 3.0)}, method=TINY_SPECS["multiple-models"])
    assert list(result.designs.columns) == ["width", "height"]
    assert result.data.space.lower[0] == 0.5 and result.data.space.upper[0] == 3.0
    assert result.designs["width"].between(0.5, 3.0).all()


@pytest.mark.parametrize("method", ["d-best", "multiple-models", "pgd"])
def test_bounds_inside_the_datas_range_narrow_the_search_for_every_method(method):
    spec = {"d-best": "d-best", "multiple-models": TINY_SPECS["multiple-models"], "pgd": paretodiff_spec()}[method]
    result = paretodiff.optimize(frame(), minimize=["cost"], maximize=["strength"], n=6, seed=0, method=spec,
                                 bounds={"width": (1.2, 1.5), "layers": (2, 3)})
    assert result.designs["width"].between(1.2, 1.5).all() and result.designs["layers"].isin([2, 3]).all()
    assert result.data.space.lower[0] == frame().width.min()  # trained on every row, not only those inside
    if method == "pgd":
        assert len(result.designs.drop_duplicates(["width", "height", "layers"])) == 6
        assert len(result.method.candidates) >= 6 and result.data.space.in_search(result.method.candidates).all()


def test_the_strategy_is_batch_by_default_as_on_the_command_line_and_can_be_chosen():
    from paretodiff.api import with_strategy

    assert with_strategy("pgd") == "pgd:selection.strategy=batch"
    assert with_strategy("pgd:sampling.steps=5") == "pgd:sampling.steps=5,selection.strategy=batch"
    assert with_strategy("pgd:selection.strategy=pessimistic") == "pgd:selection.strategy=pessimistic"
    assert with_strategy("pgd", "pessimistic") == "pgd:selection.strategy=pessimistic"
    assert with_strategy("multiple-models") == "multiple-models"
    with pytest.raises(InputError, match="--strategy is a setting of the pgd methods"):
        with_strategy("d-best", "batch")
    result = paretodiff.optimize(frame(), minimize=["cost"], maximize=["strength"], n=5, seed=0,
                                 method=paretodiff_spec(), strategy="pessimistic")
    assert "batch_rank" not in result.designs and "p_undominated" in result.designs


def test_ignored_columns_stay_out_of_the_designs():
    result = paretodiff.optimize(frame(), minimize=["cost", "strength"], ignore=["utility"], n=4,
                                 method=TINY_SPECS["multiple-models"])
    assert list(result.designs.columns) == ["width", "height", "layers"]
    with pytest.raises(InputError, match="--ignore: no column 'stress'"):
        paretodiff.optimize(frame(), minimize=["cost", "strength"], ignore=["stress"], method="d-best")


def test_offline_data_in():
    rng = np.random.default_rng(1)
    X = rng.uniform(0, 1, (40, 2))
    data = OfflineData(X, np.column_stack([X.sum(1), (1 - X).sum(1)]))
    result = paretodiff.optimize(data, method="d-best", n=3)
    assert result.designs.shape == (3, 2) and list(result.designs.columns) == ["x0", "x1"]


def test_bad_input_is_an_input_error_naming_the_column():
    bad = frame()
    bad.loc[3, "height"] = np.inf
    with pytest.raises(InputError, match="non-finite values on 1 line"):
        paretodiff.optimize(bad, minimize=["cost"], maximize=["strength"], method="d-best")
    result = paretodiff.optimize(bad, minimize=["cost"], maximize=["strength"], method="d-best", drop_invalid=True)
    assert result.dropped == [5]
    with pytest.raises(InputError, match="no column 'mass'"):
        paretodiff.optimize(frame(), minimize=["cost", "mass"], method="d-best")
    with pytest.raises(InputError, match="bounds: 'width' needs finite lower < upper"):
        paretodiff.optimize(frame(), minimize=["cost", "strength"], bounds={"width": (3.0, 1.5)}, method="d-best")
    with pytest.raises(InputError, match="d-best proposes measured designs, and none lies inside the bounds"):
        paretodiff.optimize(frame(), minimize=["cost", "strength"], bounds={"width": (2.5, 3.0)}, method="d-best")
    with pytest.raises(InputError, match="for a DataFrame"):
        paretodiff.optimize(OfflineData(np.eye(3), np.eye(3)[:, :2]), minimize=["x"], method="d-best")


def test_scores_carry_no_more_digits_than_they_warrant():
    from paretodiff.api import rounded_scores

    out = rounded_scores({"cost_pred": np.array([12.3456, 7.0]), "cost_std": np.array([0.2149, 0.0]),
                          "p_undominated": np.array([0.33333333]), "utility": np.array([1.23456789]),
                          "guidance_scale": np.array([10.0])}, ["cost"])
    assert out["cost_pred"].tolist() == [12.35, 7.0] and out["cost_std"].tolist() == [0.21, 0.0]
    assert out["p_undominated"].tolist() == [0.333] and out["utility"].tolist() == [1.235]
    assert out["guidance_scale"].tolist() == [10.0]


def test_a_table_given_to_two_decimals_gets_proposals_with_two_decimals(tmp_path):
    f = frame().round({"width": 2, "height": 2})
    f["cost"] = f.width + f.height
    result = paretodiff.optimize(f, minimize=["cost"], maximize=["strength"], n=6, method=paretodiff_spec())
    assert (result.designs[["width", "height"]] == result.designs[["width", "height"]].round(2)).all().all()
    assert len(result.designs.drop_duplicates(["width", "height", "layers"])) == 6
    measured = set(map(tuple, f[["width", "height", "layers"]].to_numpy()))
    assert not any(tuple(r) in measured for r in result.designs[["width", "height", "layers"]].to_numpy())
    path = tmp_path / "p.csv"
    from paretodiff.tables import write_table

    write_table(result.designs, path)
    first = path.read_text().splitlines()[1].split(",")
    assert all(len(v.split(".")[-1]) <= 2 for v in first[:2])  # as written, not 1.2300000000000000


def mixed(n=80, seed=0):
    rng = np.random.default_rng(seed)
    f = pd.DataFrame({"width": rng.uniform(1, 2, n), "alloy": rng.choice(["alu", "steel", "ti"], n),
                      "dose": rng.choice([6, 12, 24, 48], n)})
    density = f.alloy.map({"alu": 2.7, "steel": 7.9, "ti": 4.5})
    f["mass"] = f.width * density
    f["strength"] = f.width * f.alloy.map({"alu": 1.0, "steel": 3.0, "ti": 2.5}) + f.dose / 48
    return f


@pytest.mark.parametrize("spec", ["pgd", "multiple-models", "d-best"])
def test_categorical_and_discrete_columns_come_back_as_labels_and_levels_that_exist(spec):
    method = {"pgd": paretodiff_spec(), "multiple-models": TINY_SPECS["multiple-models"]}.get(spec, spec)
    data = mixed()
    result = paretodiff.optimize(data, minimize=["mass"], maximize=["strength"], discrete=["dose"], n=12, seed=1,
                                 method=method)
    designs = result.designs
    assert set(designs["alloy"]) <= {"alu", "steel", "ti"} and set(designs["dose"]) <= {6, 12, 24, 48}
    assert designs["dose"].dtype.kind == "i" and len(designs) == 12
    if spec == "pgd":  # new designs: none twice, none measured
        keys = designs[["width", "alloy", "dose"]].astype(str).agg("|".join, axis=1)
        measured = set(data[["width", "alloy", "dose"]].astype(str).agg("|".join, axis=1))
        assert keys.is_unique and not set(keys) & measured
        again = paretodiff.optimize(data, minimize=["mass"], maximize=["strength"], discrete=["dose"], n=12, seed=1,
                                    method=method)
        pd.testing.assert_frame_equal(again.designs, designs)


def test_discrete_levels_given_in_python_are_the_only_values_proposed():
    result = paretodiff.optimize(mixed(), minimize=["mass"], maximize=["strength"], n=8, seed=0,
                                 discrete={"dose": [6, 12, 18, 24]}, method=paretodiff_spec())
    assert set(result.designs["dose"]) <= {6, 12, 18, 24}
    assert result.data.space.levels[result.data.space.inputs.index("dose")] == (6.0, 12.0, 18.0, 24.0)
    with pytest.raises(InputError, match="--discrete: column 'alloy' holds text"):
        paretodiff.optimize(mixed(), minimize=["mass"], maximize=["strength"], n=4, discrete={"alloy": [1, 2]},
                            method="d-best")


def test_methods_without_mixed_columns_and_bounds_on_labels_are_refused():
    with pytest.raises(InputError, match="paretoflow does not take discrete or categorical columns"):
        paretodiff.optimize(mixed(), minimize=["mass"], maximize=["strength"], method="paretoflow", n=4)
    with pytest.raises(InputError, match="bounds: 'alloy' is categorical"):
        paretodiff.optimize(mixed(), minimize=["mass"], maximize=["strength"], bounds={"alloy": (0, 1)}, n=4,
                            method="d-best")


@pytest.mark.parametrize("spec", ["pgd", "multiple-models"])
def test_every_proposal_meets_a_required_sum(spec):
    rng = np.random.default_rng(0)
    W = rng.dirichlet([2, 2, 2], 80).round(3)
    W[:, 2] = (1 - W[:, 0] - W[:, 1]).round(3)
    f = pd.DataFrame({"water": W[:, 0], "cement": W[:, 1], "sand": W[:, 2], "temp": rng.uniform(10, 30, 80)})
    f["cost"] = 3 * f.cement + f.sand + f.temp / 30
    f["weakness"] = 1 / (0.2 + f.cement) + (f.water - 0.3).abs()
    method = {"pgd": paretodiff_spec(), "multiple-models": TINY_SPECS["multiple-models"]}[spec]
    designs = paretodiff.optimize(f, minimize=["cost", "weakness"], sums="water,cement,sand=1", n=16, seed=0,
                                  method=method).designs
    np.testing.assert_allclose(designs[["water", "cement", "sand"]].sum(axis=1), 1.0, atol=1e-12)
    assert (designs[["water", "cement", "sand"]] >= 0).all().all()
    with pytest.raises(InputError, match="--sum: water,temp=1: the total 1 cannot be reached"):
        paretodiff.optimize(f, minimize=["cost", "weakness"], sums=["water,temp=1"], n=4, method="d-best")


@pytest.mark.parametrize("spec", ["pgd", "multiple-models"])
def test_every_proposal_meets_the_linear_rules(spec):
    rng = np.random.default_rng(0)
    f = pd.DataFrame(rng.random((90, 3)).round(3), columns=["cement", "water", "sand"])
    f = f[f.cement + 2 * f.water <= 1.4]
    f["cost"] = 3 * f.cement + f.water + (f.sand - 0.5) ** 2
    f["weakness"] = 1 - f.cement - 0.5 * f.water + f.sand ** 2  # best where the first rule binds
    method = {"pgd": paretodiff_spec(), "multiple-models": TINY_SPECS["multiple-models"]}[spec]
    designs = paretodiff.optimize(f, minimize=["cost", "weakness"], linear=["cement + 2*water <= 1",
                                                                           "sand - water >= -0.2"],
                                  n=16, seed=0, method=method).designs
    assert (designs.cement + 2 * designs.water <= 1 + 1e-12).all()
    assert (designs.sand - designs.water >= -0.2 - 1e-12).all()
    with pytest.raises(InputError, match="--linear: cement - sand >= 2: cannot be met"):
        paretodiff.optimize(f, minimize=["cost", "weakness"], linear="cement - sand >= 2", n=4, method="d-best")
