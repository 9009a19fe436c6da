"""The nested, frozen settings of preference-guided diffusion and its two presets."""

import dataclasses

import pytest

from paretodiff.methods import pgd_config
from paretodiff.methods.pgd_config import PGDConfig, from_dict, from_flat, from_preset


def test_the_faithful_preset_keeps_the_authors_choices():
    f = from_preset("faithful")
    assert (f.generator.kind, f.sampling.sampler, f.sampling.guide_reference, f.generator.training.val_every) == (
        "diffusion", "ddpm", "previous", 0)
    assert (f.networks.authors_width, f.generator.training.steps, f.preference.training.steps,
            f.preference.training.val_every, f.generator.ema_warmup) == (512, 3000, 3000, 250, 2000)
    assert f.generator.arch == f.preference.arch == "faithful" and f.sampling.guidance_scales == (10.0, 20.0)
    assert f.preference.training.lr == 1e-5 and f.generator.n_steps == 1000 and not f.preference.shuffle_split
    assert f.sampling.clip_denoised and f.sampling.clamp_every == 100 and f.generator.data == "head"
    assert f.preset == "faithful" and from_preset("default").preset == "default"


def test_configs_are_frozen_and_checked_on_construction():
    config = from_preset("default")
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.sampling.steps = 3
    assert dataclasses.replace(config.sampling, steps=3).steps == 3
    with pytest.raises(ValueError, match="steps"):
        dataclasses.replace(config.sampling, steps=0)


@pytest.mark.parametrize("changes, field", [
    ({"generator.kind": "gan"}, "kind"),
    ({"generator.kind": "diffusion", "sampling.sampler": "euler"}, "sampler"),
    ({"generator.kind": "flow", "sampling.sampler": "ddim"}, "sampler"),
    ({"generator.kind": "flow", "sampling.sampler": "ddpm"}, "sampler"),
    ({"sampling.steps": 0}, "steps"),
    ({"sampling.steps": "abc"}, "steps"),
    ({"sampling.time_grid": "cosine"}, "time_grid"),
    ({"sampling.guide_reference": "best"}, "guide_reference"),
    ({"generator.training.steps": 0}, "steps"),
    ({"generator.training.val_every": -1}, "val_every"),
    ({"preference.training.val_every": 0}, "val_every"),
    ({"sampling.guidance_scales": (float("nan"),)}, "guidance_scales"),
    ({"generator.ema_decay": 1.0}, "ema_decay"),
    ({"generator.ema_warmup": -1}, "ema_warmup"),
    ({"networks.time_width": 7}, "time_width"),
    ({"selection.layers": 0}, "layers"),
    ({"sampling.stepz": 3}, "unknown pgd setting 'sampling.stepz'"),
    ({"sample_steps": 3}, "unknown pgd setting 'sample_steps'"),
])
def test_a_bad_setting_is_a_value_error_naming_it(changes, field):
    with pytest.raises(ValueError, match=field):
        from_preset("default", **changes)


def test_overrides_by_dotted_key_or_by_section():
    a = from_preset("default", **{"sampling.steps": 25, "generator.training.lr": 1e-3})
    b = from_preset("default", sampling={"steps": 25}, generator={"training": {"lr": 1e-3}})
    assert a == b and a.sampling.steps == 25 and a.generator.training.lr == 1e-3
    with pytest.raises(ValueError, match="unknown preset"):
        from_preset("fast")


def test_a_sampler_or_a_generative_model_alone_picks_its_partner():
    def pick(**overrides):
        c = from_preset("default", **overrides)
        return c.generator.kind, c.sampling.sampler

    assert pick() == ("flow", "euler")
    assert pick(**{"sampling.sampler": "ddim"}) == ("diffusion", "ddim")
    assert pick(**{"sampling.sampler": "ddpm"}) == ("diffusion", "ddpm")
    assert pick(**{"generator.kind": "diffusion"}) == ("diffusion", "ddim")
    assert pick(**{"sampling.sampler": "heun"}) == ("flow", "heun")  # heun belongs to both: the preset's model stays
    assert pick(**{"generator.kind": "diffusion", "sampling.sampler": "heun"}) == ("diffusion", "heun")
    assert pick(**{"generator.kind": "flow"}) == ("flow", "euler")
    assert from_preset("faithful", **{"generator.kind": "flow"}).sampling.sampler == "euler"


def test_round_trips_through_json_and_the_version_2_flat_names():
    config = from_preset("faithful", **{"sampling.steps": 7})
    assert from_dict(config.to_dict()) == config
    flat = {old: pgd_config._get(config, new) for old, new in pgd_config.FLAT_NAMES.items()}
    assert from_flat(flat) == config
    with pytest.raises(ValueError, match="lacks"):
        from_flat({k: v for k, v in flat.items() if k != "width"})
    with pytest.raises(ValueError, match="generator: training: missing config field batch"):
        from_dict({"generator": {"training": {"lr": 1.0}}})
    with pytest.raises(ValueError, match="unknown config field"):
        from_dict({"surprise": 1})
    assert from_dict({}) == PGDConfig()


def test_the_vocabularies_agree_with_the_modules_that_use_them():
    from paretodiff import preference
    from paretodiff.generative import paths, registry

    assert pgd_config.LABEL_MODES == preference.LABEL_MODES and pgd_config.REFERENCES == preference.REFERENCES
    assert set(registry.PATH_KINDS) == set(paths.PATHS) and all(paths.PATHS[k].kind == k for k in paths.PATHS)
