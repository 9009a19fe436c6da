"""Model folders: round trip, digests, every entry checked, version 2 read, version 1 refused."""

import copy
import dataclasses
import hashlib
import json

import numpy as np
import pytest

from paretodiff.methods.pgd import ParetoDiff
from paretodiff.methods.pgd_files import FORMAT_VERSION, doc_digest

from test_pgd import NO_SELECTION, TINY, toy_data  # noqa: E402  (the same small model)


@pytest.fixture(scope="module")
def fitted():
    return ParetoDiff(**TINY).fit(toy_data(), seed=3)


@pytest.fixture(scope="module")
def fitted_unselected():
    """A model without an objective model, as every model before format version 4 was."""
    return ParetoDiff(**NO_SELECTION).fit(toy_data(), seed=3)


def test_save_load_round_trip(fitted, tmp_path):
    fitted.save(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["config.json", "weights.safetensors"]
    loaded = ParetoDiff.load(tmp_path / "m")
    assert loaded.config == fitted.config and loaded.space.to_dict() == fitted.space.to_dict()
    assert vars(loaded.state) == vars(fitted.state)
    np.testing.assert_array_equal(loaded.propose(6, seed=4).X, fitted.propose(6, seed=4).X)
    with pytest.raises(ValueError, match="already exists; pass --overwrite"):
        fitted.save(tmp_path / "m")
    fitted.save(tmp_path / "m", overwrite=True)  # replacing a model folder, when asked, is allowed
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # no temporary folder left


def test_load_refuses_what_it_does_not_understand(fitted, tmp_path):
    fitted.save(tmp_path / "m")
    doc = json.loads((tmp_path / "m" / "config.json").read_text())
    for bad, match in ((dict(doc, format_version=FORMAT_VERSION + 1), "unsupported model format version"),
                       (dict(doc, format="pickle"), "not a paretodiff model"),
                       (dict(doc, config=dict(doc["config"], surprise=1)), "unknown config field"),
                       (dict(doc, space=dict(doc["space"], lower=[0.0])), "bounds must give 3"),
                       (dict(doc, state=dict(doc["state"], seed=1)), "do not match their SHA-256")):
        (tmp_path / "m" / "config.json").write_text(json.dumps(bad))
        with pytest.raises(ValueError, match=match):
            ParetoDiff.load(tmp_path / "m")
    junk = b"not safetensors"
    (tmp_path / "m" / "weights.safetensors").write_bytes(junk)
    (tmp_path / "m" / "config.json").write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="does not match the SHA-256"):
        ParetoDiff.load(tmp_path / "m")
    signed = dict(doc, weights_sha256=hashlib.sha256(junk).hexdigest())
    signed["sha256"] = doc_digest(signed)
    (tmp_path / "m" / "config.json").write_text(json.dumps(signed))
    with pytest.raises(ValueError, match="unreadable weights"):
        ParetoDiff.load(tmp_path / "m")
    with pytest.raises(ValueError, match="not a folder"):
        ParetoDiff.load(tmp_path / "nothing")


def same_but_unused(a, b) -> bool:
    """Equal configs but for the settings of an objective model that neither has."""
    return a.objectives.members == b.objectives.members == 0 and dataclasses.replace(a, objectives=b.objectives) == b


def version_2(doc: dict) -> dict:
    """The same model as paretodiff wrote it before the nested configs (format version 2)."""
    from paretodiff.methods import pgd_config

    config = pgd_config.from_dict(doc["config"])
    space, state = doc["space"], doc["state"]
    old = {"format": doc["format"], "format_version": 2,
           "config": {flat: pgd_config._get(config, new) for flat, new in pgd_config.FLAT_NAMES.items()},
           "meta": {"lower": space["lower"], "upper": space["upper"], "senses": space["senses"],
                    "integer_columns": [j for j, k in enumerate(space["kinds"]) if k == "integer"],
                    "n_var": len(space["inputs"]), "n_obj": len(space["objectives"]), "y_min": state["y_min"],
                    "y_max": state["y_max"], "seed": state["seed"], "input_names": space["inputs"],
                    "objective_names": space["objectives"], "x_ref": state["x_ref"]},
           "weights_sha256": doc["weights_sha256"]}
    old["config"]["guidance_scales"] = list(old["config"]["guidance_scales"])
    old["sha256"] = doc_digest(old)
    return old


def test_files_of_format_version_2_load_and_propose_the_same_designs(fitted_unselected, tmp_path):
    fitted_unselected.save(tmp_path / "m")
    doc = json.loads((tmp_path / "m" / "config.json").read_text())
    (tmp_path / "m" / "config.json").write_text(json.dumps(version_2(doc)))
    loaded = ParetoDiff.load(tmp_path / "m")
    assert same_but_unused(loaded.config, fitted_unselected.config) and loaded.objectives is None
    np.testing.assert_array_equal(loaded.propose(6, seed=4).X, fitted_unselected.propose(6, seed=4).X)


def test_files_of_format_version_3_load_as_models_without_an_objective_model(fitted_unselected, tmp_path):
    fitted_unselected.save(tmp_path / "m")
    doc = json.loads((tmp_path / "m" / "config.json").read_text())
    config = {k: v for k, v in doc["config"].items() if k not in ("objectives", "selection")}
    old = dict(doc, format_version=3, config=config)
    old["sha256"] = doc_digest(old)
    (tmp_path / "m" / "config.json").write_text(json.dumps(old))
    loaded = ParetoDiff.load(tmp_path / "m")
    assert same_but_unused(loaded.config, fitted_unselected.config) and loaded.objectives is None
    np.testing.assert_array_equal(loaded.propose(6, seed=4).X, fitted_unselected.propose(6, seed=4).X)


def test_the_objective_model_and_the_measured_designs_are_saved(fitted, tmp_path):
    fitted.save(tmp_path / "m")
    loaded = ParetoDiff.load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.measured, fitted.measured)
    np.testing.assert_array_equal(loaded.front, fitted.front)
    a, b = loaded.propose(6, seed=4), fitted.propose(6, seed=4)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.scores["f0_pred"], b.scores["f0_pred"])


def test_files_of_format_version_1_are_refused_naming_the_version(fitted, tmp_path):
    """Version-1 files carry no digest of their weights, so they cannot be verified."""
    fitted.save(tmp_path / "m")
    doc = json.loads((tmp_path / "m" / "config.json").read_text())
    (tmp_path / "m" / "config.json").write_text(json.dumps(dict(doc, format_version=1)))
    with pytest.raises(ValueError, match="format version 1 .* fit the model again"):
        ParetoDiff.load(tmp_path / "m")


def test_files_of_format_version_4_load_without_the_front(fitted, tmp_path):
    """Before the front was saved: the same designs, no p_undominated, and the batch strategy says why not."""
    from safetensors.torch import load_file, save_file

    from paretodiff.errors import ModelError
    from paretodiff.methods.pgd_files import _sha256

    fitted.save(tmp_path / "m")
    weights = tmp_path / "m" / "weights.safetensors"
    save_file({k: v for k, v in load_file(weights).items() if k != "front"}, weights)
    doc = json.loads((tmp_path / "m" / "config.json").read_text())
    old = dict(doc, format_version=4, weights_sha256=_sha256(weights.read_bytes()))
    old["sha256"] = doc_digest(old)
    (tmp_path / "m" / "config.json").write_text(json.dumps(old))
    loaded = ParetoDiff.load(tmp_path / "m")
    assert loaded.front is None and loaded.config.selection.layers == 1  # older files: one round of choice
    a, b = loaded.propose(6, seed=4), _with(fitted, layers=1, search_engine="pymoo").propose(6, seed=4)
    np.testing.assert_array_equal(a.X, b.X)
    assert "p_undominated" not in a.scores and "p_undominated" in b.scores
    loaded.config = dataclasses.replace(loaded.config, selection=dataclasses.replace(loaded.config.selection,
                                                                                     strategy="batch"))
    with pytest.raises(ModelError, match="predates the batch strategy"):
        loaded.propose(6, seed=4)


def _with(model: ParetoDiff, **selection) -> ParetoDiff:
    """A shallow copy of ``model`` with other selection settings (e.g. ``layers=1``)."""
    other = copy.copy(model)
    other.config = dataclasses.replace(model.config, selection=dataclasses.replace(model.config.selection, **selection))
    return other


def test_files_of_format_version_9_search_with_pymoo_as_they_did(fitted, tmp_path):
    """Before selection.search_engine: such a file searches with pymoo's NSGA-II, as it did."""
    assert fitted.config.selection.search_engine == "arrays" and fitted.config.selection.search_generations
    fitted.save(tmp_path / "m")
    assert ParetoDiff.load(tmp_path / "m").config.selection.search_engine == "arrays"
    _rewritten(tmp_path / "m", 9)
    old = ParetoDiff.load(tmp_path / "m")
    assert old.config.selection.search_engine == "pymoo" and old.config.selection.layers == fitted.config.selection.layers
    np.testing.assert_array_equal(old.propose(6, seed=4).X, _with(fitted, search_engine="pymoo").propose(6, seed=4).X)
    assert not np.array_equal(old.propose(6, seed=4).X, fitted.propose(6, seed=4).X)


def test_files_of_format_version_8_choose_in_one_layer_as_they_did(fitted, tmp_path):
    """Before selection.layers: such a file proposes what it proposed then, the choice in one round."""
    assert fitted.config.selection.layers > 1
    fitted.save(tmp_path / "m")
    assert ParetoDiff.load(tmp_path / "m").config.selection.layers == fitted.config.selection.layers
    _rewritten(tmp_path / "m", 8)
    old = ParetoDiff.load(tmp_path / "m")
    assert old.config.selection.layers == 1
    np.testing.assert_array_equal(old.propose(6, seed=4).X,
                                  _with(fitted, layers=1, search_engine="pymoo").propose(6, seed=4).X)
    assert not np.array_equal(old.propose(6, seed=4).X, fitted.propose(6, seed=4).X)


def _rewritten(folder, version: int, drop: str | None = None, replace: dict | None = None) -> None:
    """The model folder's files as an older format (or with an edited tensor), digests renewed."""
    from safetensors.torch import load_file, save_file

    from paretodiff.methods.pgd_files import _sha256

    weights = folder / "weights.safetensors"
    tensors = {k: v for k, v in load_file(weights).items() if k != drop} | (replace or {})
    save_file(tensors, weights)
    doc = json.loads((folder / "config.json").read_text())
    old = dict(doc, format_version=version, weights_sha256=_sha256(weights.read_bytes()))
    old["sha256"] = doc_digest(old)
    (folder / "config.json").write_text(json.dumps(old))


def test_a_calibrated_spread_is_saved_and_older_files_load_uncalibrated(tmp_path):
    import torch

    from test_pgd import toy_data as data

    calibrated = ParetoDiff(**TINY, **{"objectives.calibrate": True}).fit(data(), seed=3)
    assert calibrated.config.objectives.calibrate and (calibrated.objectives.std_scale >= 1).all()
    calibrated.save(tmp_path / "m")
    loaded = ParetoDiff.load(tmp_path / "m")
    torch.testing.assert_close(loaded.objectives.std_scale, calibrated.objectives.std_scale, rtol=0, atol=0)
    a, b = loaded.propose(6, seed=4), calibrated.propose(6, seed=4)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.scores["f0_std"], b.scores["f0_std"])
    _rewritten(tmp_path / "m", 7, drop="objectives_std_scale")  # a file from before the scale
    old = ParetoDiff.load(tmp_path / "m")
    assert not old.config.objectives.calibrate and (old.objectives.std_scale == 1).all()
    calibrated.save(tmp_path / "bad")
    _rewritten(tmp_path / "bad", FORMAT_VERSION, replace={"objectives_std_scale": torch.full((2,), 0.5)})
    with pytest.raises(ValueError, match="spread factors must be finite and at least 1"):
        ParetoDiff.load(tmp_path / "bad")
