import json

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr

from paretodiff import methods, tasks
from paretodiff.methods import OfflineData
from paretodiff.methods.surrogate import (
    PRESETS,
    MultiHead,
    MultiHeadMLP,
    MultipleModels,
    SurrogateConfig,
    initial_population,
    per_output_mse,
    split_rows,
    train_network,
)
from paretodiff.pareto import select_best

TINY = {"hidden": (32, 32), "epochs": 30, "batch_size": 32, "lr": 1e-3, "lr_decay": 0.98, "patience": 0, "n_gen": 5}
METHODS = [MultipleModels, MultiHead]


def zdt1_data(n: int = 600, seed: int = 0) -> OfflineData:
    task = tasks.get("zdt1")
    X = task.lower + np.random.default_rng(seed).random((n, task.n_var)) * (task.upper - task.lower)
    return OfflineData.in_box(X, task.evaluate(X), task.lower, task.upper, "zdt1")


@pytest.fixture(scope="module")
def data() -> OfflineData:
    return zdt1_data()


@pytest.fixture(scope="module", params=METHODS, ids=lambda c: c.name)
def fitted(request, data):
    method = request.param(**TINY)
    method.fit(data, seed=0)
    return method


def test_propose_exactly_n_inside_the_box(fitted, data):
    X = fitted.propose(24, seed=0).X
    assert X.shape == (24, data.n_var)
    assert np.all(X >= data.lower) and np.all(X <= data.upper)
    assert len(np.unique(X, axis=0)) > 1
    facts = fitted.facts()
    assert facts["final_population"] == 24 and facts["search_seconds"] > 0


def test_pads_to_n_when_the_population_is_smaller(fitted, data):
    method = type(fitted)(**{**TINY, "pop_size": 8})
    method.fit(data, seed=0)
    X = method.propose(20, seed=0).X
    assert X.shape == (20, data.n_var) and len(np.unique(X, axis=0)) <= 8


def test_same_seeds_same_designs_and_other_seeds_differ(data):
    quick = {**TINY, "epochs": 5}
    for cls in METHODS:
        a, b, c = cls(**quick), cls(**quick), cls(**quick)
        a.fit(data, seed=1)
        b.fit(data, seed=1)
        c.fit(data, seed=2)
        np.testing.assert_array_equal(a.propose(16, seed=3).X, b.propose(16, seed=3).X)
        assert a.facts()["best_val_mse"] == b.facts()["best_val_mse"]
        assert a.facts()["best_val_mse"] != c.facts()["best_val_mse"]  # other split, init and batches
        assert not np.array_equal(a.propose(16, seed=3).X, a.propose(16, seed=4).X)  # other search seed


def test_fit_and_propose_leave_the_global_rngs_alone(data):
    torch.manual_seed(123)
    np.random.seed(123)
    expected_torch, expected_np = torch.rand(3), np.random.rand(3)
    torch.manual_seed(123)
    np.random.seed(123)
    method = MultipleModels(**TINY)
    method.fit(data, seed=0)
    method.propose(8, seed=0)
    torch.testing.assert_close(torch.rand(3), expected_torch)
    np.testing.assert_array_equal(np.random.rand(3), expected_np)


def test_the_surrogate_learns(fitted, data):
    # validation MSE far below the variance of the normalized objectives
    Yn = (data.Y - data.Y.min(0)) / (data.Y.max(0) - data.Y.min(0))
    val_mse = np.ravel(fitted.facts()["best_val_mse"])
    assert val_mse.shape == (data.n_obj,)
    assert np.all(val_mse < 0.1 * Yn.var(axis=0))
    # and it ranks unseen designs well
    fresh = zdt1_data(400, seed=9)
    pred = fitted.predict((fresh.X - fresh.lower) / (fresh.upper - fresh.lower))
    assert pred.shape == (400, data.n_obj) and pred.dtype == np.float64
    for j in range(data.n_obj):
        assert spearmanr(pred[:, j], fresh.Y[:, j]).statistic > 0.9


def test_best_validation_weights_are_restored():
    # pure-noise labels: the network overfits, so the validation loss is best early on
    gen = torch.Generator().manual_seed(0)
    U, Y = torch.rand(60, 3, generator=gen), torch.rand(60, 2, generator=gen)
    config = SurrogateConfig.preset("cpu", hidden=(128, 128), epochs=150, batch_size=16, lr=1e-2, lr_decay=1.0,
                                    patience=0, val_fraction=0.25)
    split = split_rows(len(U), config.val_fraction, gen)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        net = MultiHeadMLP(3, 2, config.hidden, config.negative_slope)
    report = train_network(net, U, Y, split, config, gen)
    assert report.epochs == 150 and report.best_epoch < 100
    mse = per_output_mse(net, U[split[1]], Y[split[1]], 1000).tolist()
    np.testing.assert_allclose(mse, report.best_val_mse, rtol=1e-6)
    assert not net.training and not any(p.requires_grad for p in net.parameters())


def test_early_stopping_stops(data):
    method = MultipleModels(**{**TINY, "epochs": 200, "patience": 2, "lr": 5e-2})
    method.fit(data, seed=0)
    facts = method.facts()
    for epochs, best in zip(facts["epochs"], facts["best_epoch"]):
        assert epochs == best + 2 or epochs == 200
    assert max(facts["epochs"]) < 200


def test_initial_population_is_the_best_designs(data):
    U = (data.X - data.lower) / (data.upper - data.lower)
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(initial_population(U, data.Y, 50, rng), U[select_best(data.Y, 50)])
    padded = initial_population(U[:10], data.Y[:10], 25, rng)
    assert padded.shape == (25, data.n_var)
    np.testing.assert_array_equal(padded[:10], U[:10][select_best(data.Y[:10], 10)])
    assert np.all((padded[10:] >= 0) & (padded[10:] <= 1))


@pytest.mark.parametrize("cls", METHODS, ids=lambda c: c.name)
def test_one_generation_returns_the_initial_population(cls, data):
    method = cls(**{**TINY, "epochs": 1, "n_gen": 1})
    method.fit(data, seed=0)
    X = method.propose(30, seed=0).X
    expected = data.X[select_best(data.Y, 30)]
    distance = np.abs(X[:, None, :] - expected[None, :, :]).max(axis=2)  # (30, 30)
    assert np.all(distance.min(axis=1) < 1e-12) and np.all(distance.min(axis=0) < 1e-12)


def test_search_improves_the_predicted_objectives(data):
    method = MultipleModels(**{**TINY, "n_gen": 30})
    method.fit(data, seed=0)
    X = method.propose(30, seed=0).X
    start = data.X[select_best(data.Y, 30)]
    to_unit = lambda X: (X - data.lower) / (data.upper - data.lower)
    assert method.predict(to_unit(X)).sum(1).mean() < method.predict(to_unit(start)).sum(1).mean()


def test_presets_and_overrides():
    published = SurrogateConfig.preset("published")
    assert (published.hidden, published.epochs, published.batch_size) == ((2048, 2048), 200, 128)
    assert (published.lr, published.lr_decay, published.val_fraction, published.patience) == (1e-3, 0.98, 0.1, 0)
    assert (published.pop_size, published.n_gen, published.eliminate_duplicates) == (None, 50, True)
    cpu = MultipleModels().config
    assert cpu == SurrogateConfig.preset("cpu") and cpu.patience > 0 and cpu.hidden != published.hidden
    method = MultiHead(preset="published", epochs=7, hidden=64)
    assert method.config.epochs == 7 and method.config.hidden == (64,) and method.config.lr_decay == 0.98
    settings = method.settings()
    assert settings["preset"] == "published" and settings["hidden"] == [64]
    assert json.loads(json.dumps(settings)) == settings
    assert set(PRESETS) == {"cpu", "published"}


def test_unknown_setting_preset_or_bad_value_raise():
    with pytest.raises(ValueError, match="hiden"):
        MultipleModels(hiden=(8,))
    with pytest.raises(ValueError, match="fast"):
        MultiHead(preset="fast")
    with pytest.raises(ValueError, match="val_fraction"):
        MultipleModels(val_fraction=1.5)


def test_registry_specs():
    method = methods.make("multiple-models:preset=published,hidden=16:16,epochs=3")
    assert isinstance(method, MultipleModels) and method.config.hidden == (16, 16) and method.config.epochs == 3
    assert isinstance(methods.make("multi-head"), MultiHead)


def test_facts_are_json(fitted):
    facts = fitted.facts()
    assert json.loads(json.dumps(facts)) == facts
    assert facts["fit_seconds"] > 0 and facts["n_train"] + facts["n_val"] == 600


def test_multi_head_shares_one_trunk(data):
    widths = (32, 16)
    single, multi = MultipleModels(**{**TINY, "hidden": widths}), MultiHead(**{**TINY, "hidden": widths})
    single.fit(data, seed=0)
    multi.fit(data, seed=0)
    net = multi.networks[0]
    assert len(multi.networks) == 1 and isinstance(net, MultiHeadMLP)
    assert len(net.heads) == data.n_obj and all(h.out_features == 1 for h in net.heads)
    trunk = (30 * 32 + 32) + (32 * 16 + 16)
    heads = 16 + 1
    assert multi.facts()["n_parameters"] == trunk + data.n_obj * heads
    assert len(single.networks) == data.n_obj
    assert single.facts()["n_parameters"] == data.n_obj * (trunk + heads)
    # every head reads the same trunk features: changing the trunk changes every objective
    U = torch.rand(5, data.n_var)
    before = net(U)
    with torch.no_grad():
        net.trunk[0].bias += 1.0
    after = net(U)
    assert torch.all((after - before).abs().amax(0) > 0)


def test_propose_before_fit_raises():
    with pytest.raises(RuntimeError):
        MultipleModels(**TINY).propose(4, seed=0)


def test_a_population_larger_than_n_gives_its_n_best_by_predicted_fronts_and_crowding(data):
    method = MultipleModels(**{**TINY, "pop_size": 64}).fit(data, seed=0)
    X = method.propose(8, seed=0).X
    assert X.shape == (8, data.n_var) and len(np.unique(X, axis=0)) == 8
    predicted = method.predict(data.space.to_unit(X))
    population = method.predict(data.space.to_unit(method.propose(64, seed=0).X))
    # none of the 8 is predicted dominated by a member of the whole population
    dominated = [(np.all(population <= p, axis=1) & np.any(population < p, axis=1)).any() for p in predicted]
    assert not any(dominated)
    # crowding keeps the ends of the predicted front: each objective's best value is among the 8
    np.testing.assert_allclose(predicted.min(axis=0), population.min(axis=0))
