"""The objective model: a deep ensemble that learns known functions, with a spread that grows away from the data."""

import numpy as np
import pytest
import torch

from paretodiff.objective_model import Ensemble, ObjectiveModel, calibration_scale


def known(U: torch.Tensor) -> torch.Tensor:
    """Two smooth objectives of two design columns in [-1, 1], with values in about [0, 1]."""
    return torch.stack([(U[:, 0] + 1) / 2, ((U[:, 0] - 0.5) ** 2 + U[:, 1] ** 2) / 4.5], dim=1)


def fitted(U: torch.Tensor, seed: int = 0, steps: int = 600) -> ObjectiveModel:
    return ObjectiveModel(2, 2, members=5, width=64, depth=2).fit(
        U, known(U), generator=torch.Generator().manual_seed(seed), steps=steps, val_every=100, patience=3)


def test_a_known_function_is_learned_within_two_percent():
    g = torch.Generator().manual_seed(1)
    U = torch.rand(2000, 2, generator=g) * 2 - 1
    model = fitted(U)
    test = torch.rand(500, 2, generator=g) * 2 - 1
    mean, std = model.predict(test)
    rmse = ((mean - known(test)) ** 2).mean(dim=0).sqrt()
    assert mean.shape == std.shape == (500, 2)
    assert (rmse < 0.02).all(), rmse  # objectives span about 1: under 2% of their range
    assert model.facts.val_rmse is not None and max(model.facts.val_rmse) < 0.02


def test_the_spread_grows_away_from_the_data():
    g = torch.Generator().manual_seed(2)
    U = torch.rand(1000, 2, generator=g) - 1  # the data covers only [-1, 0]^2
    model = fitted(U)
    _, inside = model.predict(torch.rand(200, 2, generator=g) - 1)
    _, outside = model.predict(torch.rand(200, 2, generator=g) * 0.5 + 0.5)  # [0.5, 1]^2: no data near
    assert outside.mean() > 3 * inside.mean()


def test_same_seed_same_model():
    U = torch.rand(300, 2, generator=torch.Generator().manual_seed(3)) * 2 - 1
    a, b, c = fitted(U, 0, 100), fitted(U, 0, 100), fitted(U, 1, 100)
    probe = torch.zeros(4, 2)
    assert torch.equal(a.predict(probe)[0], b.predict(probe)[0])
    assert not torch.equal(a.predict(probe)[0], c.predict(probe)[0])


def test_the_members_are_separate_networks():
    net = Ensemble(3, 2, members=4, width=8, depth=1)
    x = torch.randn(6, 3)
    out = net(x)
    assert out.shape == (4, 6, 2)
    for k in range(4):  # member k is its own MLP: its weights alone give its output
        h = torch.nn.functional.silu(x @ net.weights[0][k] + net.biases[0][k])
        torch.testing.assert_close(out[k], h @ net.weights[1][k] + net.biases[1][k])


def test_an_ensemble_needs_two_members():
    with pytest.raises(ValueError, match="at least 2 members"):
        ObjectiveModel(2, 2, members=1)


def test_the_calibration_scale_makes_held_out_errors_one_spread_in_root_mean_square():
    std = torch.full((1000, 2), 0.1)
    errors = torch.randn(1000, 2, generator=torch.Generator().manual_seed(4)) * torch.tensor([0.3, 0.05])
    scale = calibration_scale(errors, std)
    assert scale[0] == pytest.approx(3.0, rel=0.05)
    assert scale[1] == 1.0  # an over-wide spread is kept as it is: never narrowed
    assert ((errors[:, 0] / (scale[0] * std[:, 0])) ** 2).mean() == pytest.approx(1.0, rel=1e-5)


def test_a_calibrated_model_widens_the_spread_of_an_objective_it_cannot_fit():
    g = torch.Generator().manual_seed(5)
    U = torch.rand(2000, 2, generator=g) * 2 - 1
    Y = torch.stack([(U[:, 0] + 1) / 2, (torch.sin(40 * U[:, 1]) + 1) / 2], dim=1)  # too fast to learn
    plain, calibrated = (ObjectiveModel(2, 2, members=5, width=32, depth=2).fit(
        U, Y, generator=torch.Generator().manual_seed(0), steps=300, val_every=100, calibrate=c)
        for c in (False, True))
    assert (plain.std_scale == 1).all() and plain.facts.std_scale == [1.0, 1.0]
    assert calibrated.std_scale[1] > 3 * calibrated.std_scale[0]
    mean_p, std_p = plain.predict(U[:50])
    mean_c, std_c = calibrated.predict(U[:50])
    assert torch.equal(mean_p, mean_c)  # the same networks: only the spread differs
    torch.testing.assert_close(std_c, std_p * calibrated.std_scale)
    draws = calibrated.members(U[:50])
    torch.testing.assert_close(draws.std(dim=0, unbiased=False), std_c, rtol=1e-4, atol=1e-6)
