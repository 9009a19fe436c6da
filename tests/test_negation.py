"""The negation set: a kernel classifier of failed designs and the guidance away from them."""

import numpy as np
import pandas as pd
import pytest
import torch

import paretodiff
from paretodiff.errors import InputError
from paretodiff.methods import OfflineData
from paretodiff.methods.pgd import ParetoDiff
from paretodiff.negation import NegationSet
from paretodiff.space import DesignSpace
from paretodiff.tables import training_frame

from conftest import TINY_PGD  # noqa: E402  (shared tiny budgets)


def two_clusters():
    generator = torch.Generator().manual_seed(0)
    failed = 0.1 * torch.randn((100, 2), generator=generator) + torch.tensor([0.5, 0.5])
    worked = 0.1 * torch.randn((200, 2), generator=generator) - torch.tensor([0.5, 0.5])
    return NegationSet.fit(failed, worked, generator)


def test_the_classifier_knows_each_cluster():
    p = two_clusters().p_fail(torch.tensor([[0.5, 0.5], [-0.5, -0.5]]))
    assert p[0] > 0.8 and p[1] < 0.2


def test_its_gradient_points_away_from_the_failed_designs():
    negation = two_clusters()
    edge = torch.tensor([[0.1, 0.1]])  # between the clusters
    step = negation.gradient(edge)[0]
    assert torch.dot(step, torch.tensor([0.5, 0.5]) - edge[0]) < 0 and step.norm() > 0
    assert negation.steer(lambda x, t: torch.zeros_like(x))(edge, 3).allclose(negation.gradient(edge))


def band_table(n=600, seed=0):
    """A ZDT1-like table where designs with x0 in [0.35, 0.65] fail (their objectives are empty)."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 2))
    g = 1 + X[:, 1]
    fail = np.abs(X[:, 0] - 0.5) < 0.15
    return pd.DataFrame({"x0": X[:, 0], "x1": X[:, 1], "f1": np.where(fail, np.nan, X[:, 0]),
                         "f2": np.where(fail, np.nan, g * (1 - np.sqrt(X[:, 0] / g))), "ok": (~fail).astype(int)})


def test_failed_rows_are_read_as_a_negation_set_with_their_objectives_empty():
    frame = band_table()
    table = training_frame(frame, ["f1", "f2"], [], None, False, feasible="ok")
    assert table.inputs == ["x0", "x1"] and len(table.failed) == int((frame.ok == 0).sum())
    assert len(table.X) == int(frame.ok.sum()) and np.isfinite(table.Y).all()
    frame.loc[4, "ok"] = 2
    with pytest.raises(InputError, match="line 6, column 'ok': not 0 or 1"):
        training_frame(frame, ["f1", "f2"], [], None, False, feasible="ok")


def test_pgd_proposes_fewer_designs_where_designs_failed_and_saves_the_set(tmp_path):
    spec = "pgd:" + ",".join(f"{k}={v}" for k, v in TINY_PGD.items())
    frame = band_table()
    without = paretodiff.optimize(frame[frame.ok == 1].drop(columns="ok"), minimize=["f1", "f2"], n=32, seed=0,
                                  method=spec).designs
    with_set = paretodiff.optimize(frame, minimize=["f1", "f2"], feasible="ok", n=32, seed=0, method=spec)

    def in_band(designs):
        return float((np.abs(designs.x0 - 0.5) < 0.15).mean())

    assert in_band(with_set.designs) < in_band(without) and "p_feasible" in with_set.designs
    with_set.method.save(tmp_path / "m")
    loaded = ParetoDiff.load(tmp_path / "m")
    assert loaded.negation is not None
    np.testing.assert_array_equal(loaded.propose(6, seed=1).X, with_set.method.propose(6, seed=1).X)


def test_failed_designs_must_fit_the_space():
    X, Y = np.random.default_rng(0).random((20, 2)), np.random.default_rng(1).random((20, 2))
    with pytest.raises(InputError, match="failed"):
        OfflineData(X, Y, DesignSpace.from_data(X, Y), failed=np.zeros((3, 3)))
