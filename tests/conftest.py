"""Shared test set-up: datasets are cached in a temporary folder, never the user's cache;
torch uses one thread (the test networks are tiny, and threads only contend)."""

import pytest
import torch

from paretodiff import data
from paretodiff.methods import pgd_config


@pytest.fixture(autouse=True, scope="session")
def _private_cache_and_one_thread(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("PARETODIFF_CACHE", str(tmp_path_factory.mktemp("paretodiff-cache")))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
    mp.undo()


TINY_PGD = {"generator.n_steps": 40, "networks.width": 16, "networks.authors_width": 16, "networks.depth": 1,
            "networks.time_width": 8, "generator.training.steps": 20, "generator.training.batch": 32,
            "preference.training.steps": 20, "preference.training.val_every": 10, "preference.training.batch": 32}


@pytest.fixture
def small_datasets(monkeypatch, tmp_path):
    """Datasets of 1,000 points, in a cache of the test's own."""
    monkeypatch.setenv("PARETODIFF_CACHE", str(tmp_path / "cache"))
    real_generate = data.generate
    monkeypatch.setattr(data, "generate", lambda task, seed=0, **kw: real_generate(task, seed, size=1_000))


@pytest.fixture
def tiny_cli_budgets(monkeypatch, small_datasets):
    """For command-line tests: both presets train tiny networks briefly, on small datasets."""
    monkeypatch.setitem(pgd_config.PRESETS, "default", dict(TINY_PGD))
    monkeypatch.setitem(pgd_config.PRESETS, "faithful", {**pgd_config.PRESETS["faithful"], **TINY_PGD})


# Method specs that fit and propose in seconds, one per registered method (the conformance
# suite checks that every registered method has one).
TINY_PGD_SPEC = ("pgd:generator.n_steps=40,networks.width=16,networks.authors_width=16,networks.depth=1,"
                 "networks.time_width=8,generator.training.steps=10,preference.training.steps=10,"
                 "preference.training.val_every=5,preference.training.batch=32,generator.training.batch=32")
TINY_SPECS = {
    "d-best": "d-best",
    "multiple-models": "multiple-models:hidden=16:16,epochs=2,batch_size=64,n_gen=3",
    "multi-head": "multi-head:hidden=16:16,epochs=2,batch_size=64,n_gen=3",
    "paretoflow": "paretoflow:fm_epochs=1,fm_validation_size=50,fm_sampling_steps=10,fm_hidden_size=32,"
                  "proxy_epochs=1,T=20",
    "paretoflow-fixed": "paretoflow-fixed:fm_epochs=1,fm_validation_size=50,fm_sampling_steps=10,fm_hidden_size=32,"
                        "proxy_epochs=1,T=20",
    "pgd": TINY_PGD_SPEC,
    "pgd-faithful": TINY_PGD_SPEC.replace("pgd:", "pgd-faithful:"),
}
