import hashlib
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
    with pytest.raises(ValueError, match="already exists; pass --overwrite"):
        fitted.save(tmp_path / "m")
    fitted.save(tmp_path / "m", overwrite=True)  # replacing a model folder, when asked, is allowed
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # no temporary folder left


def test_load_refuses_what_it_does_not_understand(fitted, tmp_path):
    from paretodiff.pgd import _doc_digest

    fitted.save(tmp_path / "m")
    doc = json.loads((tmp_path / "m" / "config.json").read_text())
    for bad, match in ((dict(doc, format_version=FORMAT_VERSION + 1), "unsupported model format version"),
                       (dict(doc, format="pickle"), "not a paretodiff model"),
                       (dict(doc, config=dict(doc["config"], surprise=1)), "unknown config field"),
                       (dict(doc, meta=dict(doc["meta"], seed=1)), "do not match their SHA-256")):
        (tmp_path / "m" / "config.json").write_text(json.dumps(bad))
        with pytest.raises(ValueError, match=match):
            ParetoDiff.load(tmp_path / "m")
    junk = b"not safetensors"
    (tmp_path / "m" / "weights.safetensors").write_bytes(junk)
    (tmp_path / "m" / "config.json").write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="does not match the SHA-256"):
        ParetoDiff.load(tmp_path / "m")
    signed = dict(doc, weights_sha256=hashlib.sha256(junk).hexdigest())
    signed["sha256"] = _doc_digest(signed)
    (tmp_path / "m" / "config.json").write_text(json.dumps(signed))
    with pytest.raises(ValueError, match="unreadable weights"):
        ParetoDiff.load(tmp_path / "m")
    with pytest.raises(ValueError, match="not a folder"):
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
        ParetoDiff(PGDConfig(generative="diffusion", sampler="euler"))


@pytest.mark.parametrize("preset", ["faithful", "default"])
@pytest.mark.parametrize("label_mode", ["crowding", "subcrowding", "dominance"])
def test_every_preset_and_labelling_runs(preset, label_mode):
    X, Y = toy_data(200)
    cfg = PGDConfig.preset(preset, **{**TINY, "width": 16, "authors_width": 16}, label_mode=label_mode)
    p = ParetoDiff(cfg).fit(X, Y, seed=0).propose(3, seed=0)
    assert np.isfinite(p.X).all() and np.isfinite(p.utility).all()


@pytest.fixture(scope="module")
def fitted_diffusion():
    X, Y = toy_data()
    return ParetoDiff(PGDConfig.preset("default", **TINY, generative="diffusion", sampler="ddim")).fit(X, Y, seed=3)


def test_ddim_sampler_runs(fitted_diffusion):
    import dataclasses

    model = ParetoDiff.__new__(ParetoDiff)
    model.__dict__.update(fitted_diffusion.__dict__)
    model.config = dataclasses.replace(fitted_diffusion.config, sampler="ddim", sample_steps=10)
    assert model.propose(4, seed=0).X.shape == (4, 3)


# ---------------------------------------------------------------------------------------
# Samplers, the flow variant, early stopping, legacy files, threads
# ---------------------------------------------------------------------------------------


def with_config(model, **changes):
    import dataclasses

    other = ParetoDiff.__new__(ParetoDiff)
    other.__dict__.update(model.__dict__)
    other.config = dataclasses.replace(model.config, **changes).validate()
    return other


@pytest.mark.parametrize("sampler, steps, grid", [
    ("ddpm", 50, "uniform"), ("ddim", 7, "quadratic"), ("heun", 5, "uniform"), ("heun", 12, "quadratic")])
def test_every_diffusion_sampler_proposes_inside_the_box(fitted_diffusion, sampler, steps, grid):
    model = with_config(fitted_diffusion, sampler=sampler, sample_steps=steps, time_grid=grid)
    p = model.propose(6, seed=0, scales=(0.0, 10.0))
    assert p.X.shape == (12, 3) and np.isfinite(p.X).all()
    assert (p.X[:, 0] >= model.meta["lower"][0]).all() and (p.X[:, 0] <= model.meta["upper"][0]).all()
    np.testing.assert_array_equal(p.X, model.propose(6, seed=0, scales=(0.0, 10.0)).X)


@pytest.fixture(scope="module")
def fitted_flow():
    X, Y = toy_data()
    return ParetoDiff(PGDConfig.preset("default", **TINY, generative="flow", sampler="euler", sample_steps=10)).fit(
        X, Y, seed=3)


def test_the_flow_variant_fits_proposes_saves_and_loads(fitted_flow, tmp_path):
    from paretodiff.generative.paths import FlowPath

    assert isinstance(fitted_flow.path, FlowPath) and fitted_flow.fit_report.diffusion_steps == TINY["diffusion_steps"]
    for sampler, steps in (("euler", 10), ("euler", 3), ("heun", 6)):
        model = with_config(fitted_flow, sampler=sampler, sample_steps=steps)
        p = model.propose(8, seed=1, scales=(0.0, 10.0))
        assert p.X.shape == (16, 3) and np.isfinite(p.X).all() and np.isfinite(p.utility).all()
        assert set(np.unique(p.X[:, 2])) <= {1, 2, 3, 4, 5}
        np.testing.assert_array_equal(p.X, model.propose(8, seed=1, scales=(0.0, 10.0)).X)
        assert not np.array_equal(p.X, model.propose(8, seed=2, scales=(0.0, 10.0)).X)
    fitted_flow.save(tmp_path / "flow")
    loaded = ParetoDiff.load(tmp_path / "flow")
    assert loaded.config == fitted_flow.config and loaded.config.generative == "flow"
    np.testing.assert_array_equal(loaded.propose(5, seed=4).X, fitted_flow.propose(5, seed=4).X)


def test_the_flow_variant_is_deterministic_under_a_seed(fitted_flow):
    X, Y = toy_data()
    again = ParetoDiff(fitted_flow.config).fit(X, Y, seed=3)
    np.testing.assert_array_equal(again.propose(8, seed=1).X, fitted_flow.propose(8, seed=1).X)
    other = ParetoDiff(fitted_flow.config).fit(X, Y, seed=4)
    assert not np.array_equal(other.propose(8, seed=1).X, fitted_flow.propose(8, seed=1).X)


@pytest.mark.parametrize("changes, field", [
    (dict(generative="gan"), "generative"),
    (dict(generative="diffusion", sampler="euler"), "sampler"),
    (dict(generative="flow", sampler="ddim"), "sampler"),
    (dict(generative="flow", sampler="ddpm"), "sampler"),
    (dict(generative="diffusion", sampler="ddpm", sample_steps=25), "sample_steps"),
    (dict(sample_steps=0), "sample_steps"),
    (dict(time_grid="cosine"), "time_grid"),
    (dict(guide_reference="best"), "guide_reference"),
    (dict(diffusion_steps=0), "diffusion_steps"),
    (dict(diffusion_val_every=-1), "diffusion_val_every"),
    (dict(guidance_scales=(float("nan"),)), "guidance_scales"),
    (dict(ema_decay=1.0), "ema_decay"),
    (dict(ema_warmup=-1), "ema_warmup"),
])
def test_validate_names_the_bad_field(changes, field):
    with pytest.raises(ValueError, match=field):
        PGDConfig.preset("default", **changes).validate()


def test_valid_sampler_choices():
    for generative, samplers in (("diffusion", ("ddpm", "ddim", "heun")), ("flow", ("euler", "heun"))):
        for sampler in samplers:
            steps = 1000 if sampler == "ddpm" else 10
            PGDConfig.preset("default", generative=generative, sampler=sampler, sample_steps=steps).validate()
    PGDConfig.preset("default", generative="diffusion", sampler="ddpm", sample_steps=999).validate()
    assert PGDConfig.preset("default", sampler="ddpm").validate().sample_steps == 1000  # the full chain


def test_a_sampler_or_a_generative_model_alone_picks_its_partner():
    def pick(**overrides):
        c = PGDConfig.preset("default", **overrides).validate()
        return c.generative, c.sampler

    assert pick() == ("flow", "euler")
    assert pick(sampler="ddim") == ("diffusion", "ddim")
    assert pick(sampler="ddpm") == ("diffusion", "ddpm")
    assert pick(generative="diffusion") == ("diffusion", "ddim")
    assert pick(sampler="heun") == ("flow", "heun")  # heun belongs to both: the preset's model stays
    assert pick(generative="diffusion", sampler="heun") == ("diffusion", "heun")
    with pytest.raises(ValueError, match="sampler"):
        pick(generative="flow", sampler="ddim")


def test_the_config_field_preset_is_a_name_not_the_classmethod():
    assert PGDConfig().preset == "default"
    assert PGDConfig.preset("faithful").preset == "faithful"


def test_propose_refuses_a_config_changed_to_something_invalid(fitted_flow):
    import dataclasses

    model = ParetoDiff.__new__(ParetoDiff)
    model.__dict__.update(fitted_flow.__dict__)
    model.config = dataclasses.replace(fitted_flow.config, sampler="ddim")
    with pytest.raises(ValueError, match="sampler"):
        model.propose(2)


def test_the_faithful_preset_keeps_the_authors_choices():
    from paretodiff.pgd import LEGACY

    f = PGDConfig.preset("faithful")
    assert (f.generative, f.sampler, f.sample_steps, f.guide_reference, f.diffusion_val_every) == (
        "diffusion", "ddpm", 1000, "previous", 0)
    assert (f.authors_width, f.diffusion_steps, f.pref_max_steps, f.pref_val_every, f.ema_warmup) == (512, 3000, 3000, 250, 2000)
    assert all(getattr(f, k) == v for k, v in LEGACY.items())


def test_files_of_format_version_1_are_refused_naming_the_version(fitted, tmp_path):
    """Version-1 files carry no digest of their weights, so they cannot be verified."""
    fitted.save(tmp_path / "m")
    doc = json.loads((tmp_path / "m" / "config.json").read_text())
    (tmp_path / "m" / "config.json").write_text(json.dumps(dict(doc, format_version=1)))
    with pytest.raises(ValueError, match="format version 1 .* fit the model again"):
        ParetoDiff.load(tmp_path / "m")


def test_the_generator_stops_on_a_validation_plateau():
    """With a learning rate of 0 the held-out loss never improves after the first check, so
    training stops after diffusion_patience more checks, well inside the budget."""
    X, Y = toy_data()
    cfg = PGDConfig.preset("default", **{**TINY, "diffusion_steps": 500}, diffusion_lr=0.0, diffusion_val_every=10,
                           diffusion_patience=3)
    model = ParetoDiff(cfg).fit(X, Y, seed=0)
    assert model.fit_report.diffusion_steps == 40
    assert np.isfinite(model.fit_report.diffusion_best_val_loss)
    full = ParetoDiff(PGDConfig.preset("default", **{**TINY, "diffusion_steps": 60}, diffusion_val_every=0)).fit(X, Y, seed=0)
    assert full.fit_report.diffusion_steps == 60 and np.isnan(full.fit_report.diffusion_best_val_loss)


def test_set_threads():
    from paretodiff.pgd import available_cores, set_threads

    before = torch.get_num_threads()
    try:
        assert available_cores() >= 1
        assert set_threads(1) == 1 and torch.get_num_threads() == 1
        assert set_threads() == available_cores() == torch.get_num_threads()
        with pytest.raises(ValueError):
            set_threads(0)
    finally:
        torch.set_num_threads(before)
