"""Shared test set-up: datasets are cached in a temporary folder, never the user's cache."""

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("PARETODIFF_CACHE", str(tmp_path_factory.mktemp("paretodiff-cache")))
    yield
    mp.undo()
