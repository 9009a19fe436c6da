"""Shared test set-up: datasets are cached in a temporary folder, never the user's cache;
torch uses one thread (the test networks are tiny, and threads only contend)."""

import pytest
import torch

from paretodiff import data, pgd


@pytest.fixture(autouse=True, scope="session")
def _private_cache_and_one_thread(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("PARETODIFF_CACHE", str(tmp_path_factory.mktemp("paretodiff-cache")))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
    mp.undo()


TINY_PGD = dict(n_steps=40, width=16, authors_width=16, depth=1, time_width=8, diffusion_steps=20, pref_max_steps=20,
                pref_val_every=10, pref_batch=32, diffusion_batch=32)


@pytest.fixture
def tiny_cli_budgets(monkeypatch, tmp_path):
    """For command-line tests: both presets train tiny networks briefly, datasets have 1,000
    points, in a cache of the test's own."""
    monkeypatch.setitem(pgd.PRESETS, "default", dict(TINY_PGD))
    monkeypatch.setitem(pgd.PRESETS, "faithful", {**pgd.PRESETS["faithful"], **TINY_PGD, "authors_width": 16})
    monkeypatch.setenv("PARETODIFF_CACHE", str(tmp_path / "cache"))
    real_generate = data.generate
    monkeypatch.setattr(data, "generate", lambda task, seed=0, **kw: real_generate(task, seed, size=1_000))
