import json

import numpy as np
import pytest
import torch

from paretodiff.pgd import FORMAT_VERSION, ParetoDiff, PGDConfig

TINY = dict(n_steps=50, width=32, authors_width=32, depth=1, time_width=16, diffusion_steps=40, pref_max_steps=40,
            pref_val_every=20, pref_batch=64, diffusion_batch=64)


def toy_data(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.uniform(0, 10, n), rng.uniform(-1, 1, n), rng.integers(1, 6, n)])
    Y = np.column_stack([X[:, 0] + X[:, 1] ** 2, 10 - X[:, 0] + X[:, 2]])
    return X, Y


@pytest.fixture(scope="module")
def fitted():
    X, Y = toy_data()
    return ParetoDiff(PGDConfig.preset("default", **TINY)).fit(X, Y, seed=3)


def test_propose_shapes_bounds_integers(fitted):
    p = fitted.propose(n=20, seed=0)
    assert p.X.shape == (20, 3) and p.utility.shape == (20,) and p.scale.tolist() == [10.0] * 20
    assert p.X[:, 0].min() >= fitted.meta["lower"][0] and p.X[:, 0].max() <= fitted.meta["upper"][0]
    assert fitted.meta["integer_columns"] == [2]
    assert np.all(p.X[:, 2] == np.round(p.X[:, 2])) and set(np.unique(p.X[:, 2])) <= {1, 2, 3, 4, 5}
    assert not np.all(p.X[:, 0] == np.round(p.X[:, 0]))


def test_several_scales_in_one_batch(fitted):
    p = fitted.propose(n=5, seed=0, scales=(0.0, 10.0, 20.0))
    assert p.X.shape == (15, 3) and p.scale.tolist() == [0.0] * 5 + [10.0] * 5 + [20.0] * 5


def test_same_seed_same_designs(fitted):
    a, b, c = fitted.propose(8, seed=1), fitted.propose(8, seed=1), fitted.propose(8, seed=2)
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.array_equal(a.X, c.X)
    X, Y = toy_data()
    again = ParetoDiff(PGDConfig.preset("default", **TINY)).fit(X, Y, seed=3)
    np.testing.assert_array_equal(again.propose(8, seed=1).X, a.X)


def test_save_load_round_trip(fitted, tmp_path):
    fitted.save(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["config.json", "weights.safetensors"]
    loaded = ParetoDiff.load(tmp_path / "m")
    assert loaded.config == fitted.config and loaded.meta == fitted.meta
    np.testing.assert_array_equal(loaded.propose(6, seed=4).X, fitted.propose(6, seed=4).X)
    fitted.save(tmp_path / "m")  # overwriting a model folder is allowed
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # no temporary folder left


def test_load_refuses_what_it_does_not_understand(fitted, tmp_path):
    fitted.save(tmp_path / "m")
    doc = json.loads((tmp_path / "m" / "config.json").read_text())
    for bad, match in ((dict(doc, format_version=FORMAT_VERSION + 1), "unsupported model format"),
                       (dict(doc, format="pickle"), "unsupported model format"),
                       (dict(doc, config=dict(doc["config"], surprise=1)), "unknown config fields")):
        (tmp_path / "m" / "config.json").write_text(json.dumps(bad))
        with pytest.raises(ValueError, match=match):
            ParetoDiff.load(tmp_path / "m")
    (tmp_path / "m" / "config.json").write_text(json.dumps(doc))
    (tmp_path / "m" / "weights.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(ValueError, match="unreadable weights"):
        ParetoDiff.load(tmp_path / "m")
    with pytest.raises(ValueError, match="not a paretodiff model"):
        ParetoDiff.load(tmp_path / "nothing")


def test_maximized_objectives_are_flipped():
    X, Y = toy_data()
    model = ParetoDiff(PGDConfig.preset("default", **TINY)).fit(X, Y, senses=["min", "max"], seed=0)
    assert model.meta["senses"] == ["min", "max"]
    assert model.meta["y_min"][1] == pytest.approx(-Y[:, 1].max())


def test_bad_fit_input():
    X, Y = toy_data()
    model = ParetoDiff(PGDConfig.preset("default", **TINY))
    with pytest.raises(ValueError, match="at least 2 objectives"):
        model.fit(X, Y[:, :1])
    with pytest.raises(ValueError, match="senses"):
        model.fit(X, Y, senses=["min", "up"])
    with pytest.raises(ValueError, match="finite"):
        model.fit(np.where(X == X[0, 0], np.nan, X), Y)
    with pytest.raises(RuntimeError, match="fit or load"):
        model.propose(4)


def test_presets_and_config_validation():
    faithful = PGDConfig.preset("faithful")
    assert faithful.denoiser_arch == faithful.utility_arch == "faithful" and faithful.guidance_scales == (10.0, 20.0) and faithful.clamp_every == 100
    assert faithful.pref_lr == 1e-5 and faithful.n_steps == 1000 and not faithful.shuffle_split
    with pytest.raises(ValueError, match="unknown preset"):
        PGDConfig.preset("fast")
    with pytest.raises(ValueError, match="sampler"):
        ParetoDiff(PGDConfig(sampler="euler"))


@pytest.mark.parametrize("preset", ["faithful", "default"])
@pytest.mark.parametrize("label_mode", ["crowding", "subcrowding", "dominance"])
def test_every_preset_and_labelling_runs(preset, label_mode):
    X, Y = toy_data(200)
    cfg = PGDConfig.preset(preset, **{**TINY, "width": 16, "authors_width": 16}, label_mode=label_mode)
    p = ParetoDiff(cfg).fit(X, Y, seed=0).propose(3, seed=0)
    assert np.isfinite(p.X).all() and np.isfinite(p.utility).all()


def test_ddim_sampler_runs(fitted):
    import dataclasses

    model = ParetoDiff.__new__(ParetoDiff)
    model.__dict__.update(fitted.__dict__)
    model.config = dataclasses.replace(fitted.config, sampler="ddim", sample_steps=10)
    assert model.propose(4, seed=0).X.shape == (4, 3)
