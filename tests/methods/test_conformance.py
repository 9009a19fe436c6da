"""One conformance suite for every registered method: the Method interface, exactly n designs
inside the box, the same seeds giving the same designs, one to three design columns, and a
benchmark cell."""

import json

import numpy as np
import pytest

from paretodiff import bench, methods
from paretodiff.methods import OfflineData, Proposals

from conftest import TINY_SPECS  # noqa: E402


def test_every_registered_method_has_a_tiny_spec():
    assert set(TINY_SPECS) == set(methods.names())


def needs(name):
    if name.startswith("paretoflow"):
        pytest.importorskip("paretoflow")


def toy(dim, n=500, seed=0):
    """``n`` designs in ``[0, 1]^dim`` and two objectives; ParetoFlow needs a row per weight vector (400)."""
    rng = np.random.default_rng(seed + dim)
    X = rng.uniform(0.0, 1.0, (n, dim))
    Y = np.column_stack([(X ** 2).sum(axis=1), ((X - 1.0) ** 2).sum(axis=1)])
    return OfflineData.in_box(X, Y, np.zeros(dim), np.ones(dim))


@pytest.mark.parametrize("dim", [1, 2, 3])
@pytest.mark.parametrize("name", sorted(TINY_SPECS))
def test_each_method_follows_the_interface_for_one_two_and_three_design_columns(name, dim):
    """D = 1 once crashed every pgd run (the authors' time code had width 0)."""
    needs(name)
    method = methods.make(TINY_SPECS[name])
    assert isinstance(method, methods.Method)
    assert method.fit(toy(dim), seed=0) is method
    proposals = method.propose(16, seed=0)
    assert isinstance(proposals, Proposals) and proposals.X.shape == (16, dim) and np.isfinite(proposals.X).all()
    assert (proposals.X >= 0.0).all() and (proposals.X <= 1.0).all()
    assert all(np.shape(v) == (16,) and np.isfinite(v).all() for v in proposals.scores.values())
    json.dumps(method.settings()), json.dumps(method.facts())


@pytest.mark.parametrize("name", sorted(TINY_SPECS))
def test_the_same_seeds_give_the_same_designs(name):
    needs(name)
    a = methods.make(TINY_SPECS[name]).fit(toy(2), seed=1).propose(8, seed=2).X
    b = methods.make(TINY_SPECS[name]).fit(toy(2), seed=1).propose(8, seed=2).X
    np.testing.assert_array_equal(a, b)


@pytest.mark.usefixtures("small_datasets")
@pytest.mark.parametrize("name", sorted(TINY_SPECS))
def test_each_method_runs_a_cell_on_a_tiny_task(name):
    needs(name)
    rec = bench.run_cell(bench.Cell("re21", TINY_SPECS[name], 0, n=32))
    assert rec["status"] == "ok", rec.get("traceback")
    X = np.array(rec["designs"])
    assert X.shape == (32, 4) and rec["n_clipped"] == 0
    assert np.isfinite(np.array(rec["objectives"], dtype=float)).all()
    assert rec["hv"]["100th"] > 0
    json.dumps(rec["settings"]), json.dumps(rec["facts"])  # serializable


def test_a_method_can_be_registered_by_one_line(monkeypatch):
    """What docs/architecture.md shows: a class with the interface, and one register call."""
    monkeypatch.setattr(methods, "_REGISTRY", dict(methods._REGISTRY))
    methods.register("the-middle", "test_conformance:Middle", "the centre of the box, n times")
    method = methods.make("the-middle")
    assert method.fit(toy(2), seed=0).propose(3, seed=0).X.tolist() == [[0.5, 0.5]] * 3


class Middle:
    """A method for the registration test: the box's centre, n times."""

    name = "the-middle"

    def fit(self, data, seed):
        self.centre = (data.space.lower + data.space.upper) / 2
        return self

    def propose(self, n, seed):
        return Proposals(np.tile(self.centre, (n, 1)))

    def settings(self):
        return {}

    def facts(self):
        return {}
