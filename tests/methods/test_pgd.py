"""Preference-guided diffusion as a method: fit, propose, scores, samplers, early stopping."""

import dataclasses

import numpy as np
import pytest
import torch

from paretodiff.methods import OfflineData
from paretodiff.methods.pgd import ParetoDiff, share
from paretodiff.methods.pgd_config import from_dict, with_overrides
from paretodiff.space import DesignSpace

TINY = {"generator.n_steps": 50, "networks.width": 32, "networks.authors_width": 32, "networks.depth": 1,
        "networks.time_width": 16, "generator.training.steps": 40, "generator.training.batch": 64,
        "preference.training.steps": 40, "preference.training.val_every": 20, "preference.training.batch": 64,
        "objectives.width": 16, "objectives.training.steps": 300, "objectives.training.val_every": 50,
        "selection.search_generations": 5}
NO_SELECTION = {**TINY, "objectives.members": 0, "selection.pool": 1, "selection.search_generations": 0,
                "sampling.guidance_scales": [10.0]}


def toy_data(n=300, seed=0, senses=None):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.uniform(0, 10, n), rng.uniform(-1, 1, n), rng.integers(1, 6, n)])
    Y = np.column_stack([X[:, 0] + X[:, 1] ** 2, 10 - X[:, 0] + X[:, 2]])
    return OfflineData(X, Y, DesignSpace.from_data(X, Y, senses=senses))


@pytest.fixture(scope="module")
def fitted():
    return ParetoDiff(**TINY).fit(toy_data(), seed=3)


def with_config(model, **changes):
    """A copy of a fitted model with other settings (dotted keys)."""
    other = ParetoDiff.__new__(ParetoDiff)
    other.__dict__.update(model.__dict__)
    other.config = from_dict(with_overrides(dataclasses.asdict(model.config), changes))
    return other


@pytest.fixture(scope="module")
def fitted_unselected():
    return ParetoDiff(**NO_SELECTION).fit(toy_data(), seed=3)


def test_propose_shapes_bounds_integers_and_scores(fitted):
    p = fitted.propose(n=20, seed=0)
    assert p.X.shape == (20, 3) and p.scores["utility"].shape == (20,)
    assert set(p.scores["guidance_scale"]) <= {0.0, 3.0, 10.0, 30.0, 100.0}  # 0: found by the search
    assert set(p.scores["searched"]) <= {0.0, 1.0}
    assert (p.scores["guidance_scale"][p.scores["searched"] == 1] == 0).all()
    assert {"f0_pred", "f0_std", "f1_pred", "f1_std"} <= set(p.scores)
    assert p.X[:, 0].min() >= fitted.space.lower[0] and p.X[:, 0].max() <= fitted.space.upper[0]
    assert fitted.space.integer_columns == [2]
    assert np.all(p.X[:, 2] == np.round(p.X[:, 2])) and set(np.unique(p.X[:, 2])) <= {1, 2, 3, 4, 5}
    assert not np.all(p.X[:, 0] == np.round(p.X[:, 0]))


def test_without_an_objective_model_the_samples_are_the_proposals(fitted_unselected):
    p = fitted_unselected.propose(n=20, seed=0)
    assert p.scores["guidance_scale"].tolist() == [10.0] * 20 and set(p.scores) == {"utility", "guidance_scale"}
    assert fitted_unselected.pool_report == {"pool": 20}


def test_several_scales_share_the_n_designs(fitted_unselected):
    p = fitted_unselected.propose(n=16, seed=0, scales=(0.0, 10.0, 20.0))
    assert p.X.shape == (16, 3) and p.scores["guidance_scale"].tolist() == [0.0] * 6 + [10.0] * 5 + [20.0] * 5
    assert share(7, 2) == [4, 3] and share(2, 3) == [1, 1, 0] and sum(share(256, 3)) == 256


def test_same_seed_same_designs(fitted):
    a, b, c = fitted.propose(8, seed=1), fitted.propose(8, seed=1), fitted.propose(8, seed=2)
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.array_equal(a.X, c.X)
    again = ParetoDiff(**TINY).fit(toy_data(), seed=3)
    np.testing.assert_array_equal(again.propose(8, seed=1).X, a.X)


def test_maximized_objectives_are_flipped():
    model = ParetoDiff(**TINY).fit(toy_data(senses=["min", "max"]), seed=0)
    Y = toy_data().Y
    assert model.space.senses == ("min", "max")
    assert model.state.y_min[1] == pytest.approx(-Y[:, 1].max())


def test_bad_input():
    data = toy_data()
    with pytest.raises(ValueError, match="at least 2"):
        DesignSpace.from_data(data.X, data.Y[:, :1])
    with pytest.raises(ValueError, match="senses"):
        DesignSpace.from_data(data.X, data.Y, senses=["min", "up"])
    with pytest.raises(ValueError, match="finite"):
        OfflineData(np.where(data.X == data.X[0, 0], np.nan, data.X), data.Y)
    model = ParetoDiff(**TINY)
    with pytest.raises(RuntimeError, match="fit or load"):
        model.propose(4)
    with pytest.raises(ValueError, match="seed"):
        model.fit(data, seed=-1)


@pytest.mark.parametrize("preset", ["faithful", "default"])
@pytest.mark.parametrize("label_mode", ["crowding", "subcrowding", "dominance"])
def test_every_preset_and_labelling_runs(preset, label_mode):
    model = ParetoDiff(preset=preset, **{**TINY, "networks.width": 16, "networks.authors_width": 16,
                                         "preference.label_mode": label_mode})
    p = model.fit(toy_data(200), seed=0).propose(4, seed=0)
    assert p.X.shape == (4, 3) and np.isfinite(p.X).all() and np.isfinite(p.scores["utility"]).all()
    if preset == "faithful":
        assert p.scores["guidance_scale"].tolist() == [10.0, 10.0, 20.0, 20.0]  # the two scales share n


@pytest.fixture(scope="module")
def fitted_diffusion():
    return ParetoDiff(**TINY, **{"generator.kind": "diffusion"}).fit(toy_data(), seed=3)


@pytest.mark.parametrize("sampler, steps, grid", [
    ("ddpm", 50, "uniform"), ("ddim", 7, "quadratic"), ("heun", 5, "uniform"), ("heun", 12, "quadratic")])
def test_every_diffusion_sampler_proposes_inside_the_box(fitted_diffusion, sampler, steps, grid):
    assert fitted_diffusion.config.sampling.sampler == "ddim"  # the diffusion alone picks its first sampler
    model = with_config(fitted_diffusion, **{"sampling.sampler": sampler, "sampling.steps": steps,
                                             "sampling.time_grid": grid})
    p = model.propose(12, seed=0, scales=(0.0, 10.0))
    assert p.X.shape == (12, 3) and np.isfinite(p.X).all()
    assert (p.X[:, 0] >= model.space.lower[0]).all() and (p.X[:, 0] <= model.space.upper[0]).all()
    np.testing.assert_array_equal(p.X, model.propose(12, seed=0, scales=(0.0, 10.0)).X)
    assert model.n_sample_steps == (49 if sampler == "ddpm" else len(set(
        __import__("paretodiff.generative.grids", fromlist=["timesteps"]).timesteps(50, steps, grid))))


@pytest.fixture(scope="module")
def fitted_flow():
    return ParetoDiff(**TINY).fit(toy_data(), seed=3)


def test_the_flow_samplers(fitted_flow):
    from paretodiff.generative.paths import FlowPath

    assert isinstance(fitted_flow.path, FlowPath) and fitted_flow.fit_report.generator_steps == 40
    for sampler, steps in (("euler", 10), ("euler", 3), ("heun", 6)):
        model = with_config(fitted_flow, **{"sampling.sampler": sampler, "sampling.steps": steps})
        p = model.propose(16, seed=1, scales=(0.0, 10.0))
        assert p.X.shape == (16, 3) and np.isfinite(p.X).all() and np.isfinite(p.scores["utility"]).all()
        assert set(np.unique(p.X[:, 2])) <= {1, 2, 3, 4, 5}
        np.testing.assert_array_equal(p.X, model.propose(16, seed=1, scales=(0.0, 10.0)).X)
        assert not np.array_equal(p.X, model.propose(16, seed=2, scales=(0.0, 10.0)).X)


def test_the_fit_is_deterministic_under_a_seed(fitted_flow):
    again = ParetoDiff(fitted_flow.config).fit(toy_data(), seed=3)
    np.testing.assert_array_equal(again.propose(8, seed=1).X, fitted_flow.propose(8, seed=1).X)
    other = ParetoDiff(fitted_flow.config).fit(toy_data(), seed=4)
    assert not np.array_equal(other.propose(8, seed=1).X, fitted_flow.propose(8, seed=1).X)


def test_a_constant_column_stays_constant():
    data = toy_data()
    X = data.X.copy()
    X[:, 1] = 7.0
    model = ParetoDiff(**TINY).fit(OfflineData(X, data.Y), seed=0)
    assert (model.propose(64, seed=0).X[:, 1] == 7.0).all()


def test_the_generator_stops_on_a_validation_plateau():
    """With a learning rate of 0 the held-out loss never improves after the first check, so
    training stops after the patience's checks, well inside the budget."""
    model = ParetoDiff(**{**TINY, "generator.training.steps": 500, "generator.training.lr": 0.0,
                          "generator.training.val_every": 10, "generator.training.patience": 3})
    model.fit(toy_data(), seed=0)
    assert model.fit_report.generator_steps == 40 and np.isfinite(model.fit_report.generator_best_val_loss)
    full = ParetoDiff(**{**TINY, "generator.training.steps": 60, "generator.training.val_every": 0})
    full.fit(toy_data(), seed=0)
    assert full.fit_report.generator_steps == 60 and np.isnan(full.fit_report.generator_best_val_loss)


def test_set_threads():
    from paretodiff.runtime import available_cores, set_threads

    before = torch.get_num_threads()
    try:
        assert available_cores() >= 1
        assert set_threads(1) == 1 and torch.get_num_threads() == 1
        assert set_threads() == available_cores() == torch.get_num_threads()
        with pytest.raises(ValueError):
            set_threads(0)
    finally:
        torch.set_num_threads(before)


def test_proposals_are_new_designs_even_from_a_small_table():
    """On small tables many samples are the same box corner; the pool keeps each design once and
    none that was measured, so all n proposals are distinct new designs."""
    data = toy_data(n=30, seed=5)
    corner = np.array([[10.0, 1.0, 5.0]])  # a measured design at the box corner that samples clamp to
    data = OfflineData(np.vstack([data.X, corner]), np.vstack([data.Y, [[11.0, 5.0]]]), None)
    model = ParetoDiff(**TINY).fit(data, seed=0)
    p = model.propose(64, seed=0)
    assert len(np.unique(p.X, axis=0)) == 64
    measured = {tuple(row) for row in data.X}
    assert not any(tuple(row) in measured for row in p.X)
    report = model.pool_report
    assert report["pool"] >= 4 * 64 and report["pool_new"] >= 64 and report["proposed_new"] == 64


def test_a_space_with_fewer_new_designs_than_asked_repeats_some_and_says_so():
    X = np.array([[1.0], [2.0], [3.0]])
    space = DesignSpace(["x0"], [1.0], [6.0], ["integer"], ["f0", "f1"], ["min", "min"])
    data = OfflineData(X, np.column_stack([X[:, 0], -X[:, 0]]), space)
    model = ParetoDiff(**TINY).fit(data, seed=0)
    p = model.propose(8, seed=0)
    assert p.X.shape == (8, 1) and set(p.X[:, 0]) <= {4.0, 5.0, 6.0}  # only 4, 5, 6 are new
    assert model.pool_report["proposed_new"] <= 3


def test_predictions_are_in_the_users_units_and_senses():
    data = toy_data(n=600, senses=["min", "max"])
    model = ParetoDiff(**TINY).fit(data, seed=0)
    p = model.propose(32, seed=0)
    truth = np.column_stack([p.X[:, 0] + p.X[:, 1] ** 2, 10 - p.X[:, 0] + p.X[:, 2]])
    for j, name in enumerate(("f0", "f1")):
        error = np.abs(p.scores[f"{name}_pred"] - truth[:, j])
        assert np.median(error) < 0.15 * np.ptp(data.Y[:, j]), name  # a rough model, but in the right units
        assert (p.scores[f"{name}_std"] >= 0).all()


def test_the_batch_strategy_chooses_new_designs_in_order_with_their_gains(fitted):
    batch = with_config(fitted, **{"selection.strategy": "batch", "selection.min_batch_pool": 200})
    p = batch.propose(8, seed=0)
    assert p.X.shape == (8, 3) and len(np.unique(p.X, axis=0)) == 8
    assert list(p.scores)[:1] == ["batch_rank"] and p.scores["batch_rank"].tolist() == list(range(1, 9))
    gain = p.scores["expected_hvi"]
    assert (gain >= 0).all() and (np.diff(gain[gain > 0]) <= 1e-12).all()
    assert batch.pool_report["pool"] >= 200  # a batch of 8 is chosen from a large pool
    assert ((p.scores["p_undominated"] >= 0) & (p.scores["p_undominated"] <= 1)).all()
    np.testing.assert_array_equal(batch.propose(8, seed=0).X, p.X)


@pytest.mark.parametrize("strategy, members", [("batch", 10), ("pessimistic", 5)])
def test_the_batch_strategy_trains_at_least_batch_members_and_the_config_says_so(strategy, members):
    data = toy_data(80)
    model = ParetoDiff(**{**TINY, "objectives.training.steps": 20, "selection.strategy": strategy}).fit(data, seed=0)
    assert model.objectives.net.members == members == model.config.objectives.members
    assert ParetoDiff(**{**NO_SELECTION, "selection.strategy": strategy}).config.objectives.members == 0  # none stays none


@pytest.mark.parametrize("strategy", ["batch", "pessimistic"])
def test_designs_predicted_inside_the_target_come_first(fitted, strategy):
    free = with_config(fitted, **{"selection.strategy": strategy, "selection.min_batch_pool": 200}).propose(12, seed=0)
    threshold = float(np.median(free.scores["f0_pred"]))  # about half the free choice meets it
    aimed = with_config(fitted, **{"selection.strategy": strategy, "selection.min_batch_pool": 200,
                                   "selection.target": [f"f0<={threshold}"]}).propose(12, seed=0)
    inside = aimed.scores["in_target"]
    assert (inside == (aimed.scores["f0_pred"] <= threshold)).all()
    assert inside.sum() > (free.scores["f0_pred"] <= threshold).sum()  # the target changes the choice
    assert (np.diff(inside) <= 0).all()  # the designs inside come first
    assert len(np.unique(aimed.X, axis=0)) == 12
