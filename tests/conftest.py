"""Shared test set-up: datasets are cached in a temporary folder, never the user's cache;
torch uses one thread (the test networks are tiny, and threads only contend)."""

import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def _private_cache_and_one_thread(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("PARETODIFF_CACHE", str(tmp_path_factory.mktemp("paretodiff-cache")))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
    mp.undo()
