"""The two probability paths: schedule, noising, targets, guidance weights, and the loss."""

import math

import numpy as np
import pytest
import torch

from paretodiff.generative import training
from paretodiff.generative.paths import DiffusionPath, FlowPath, ddpm_guidance_shift, flow_guidance_weight


def test_linear_schedule_matches_the_authors():
    s = DiffusionPath.linear(1000, 1e-4, 0.02)
    assert s.n_steps == 1000 and s.kind == "diffusion"
    assert math.isclose(float(s.betas[0]), 1e-4, rel_tol=1e-6) and math.isclose(float(s.betas[-1]), 0.02, rel_tol=1e-6)
    abar = torch.cumprod(1 - torch.linspace(1e-4, 0.02, 1000, dtype=torch.float64), 0)
    torch.testing.assert_close(s.alpha_bars.double(), abar, rtol=1e-5, atol=1e-7)


def test_the_straight_path_and_its_velocity_target():
    path = FlowPath(10)
    x0, noise, t = torch.tensor([[0.5, -1.0]]), torch.tensor([[2.0, 0.0]]), torch.tensor([3])
    torch.testing.assert_close(path.add_noise(x0, t, noise), 0.7 * x0 + 0.3 * noise)
    torch.testing.assert_close(path.target(x0, noise), noise - x0)
    for p in (path, DiffusionPath.linear(10)):
        times = p.sample_times(1000, torch.Generator().manual_seed(0))
        assert times.min() >= 1 and times.max() <= 9 and times.dtype == torch.long


class ExactEps(torch.nn.Module):
    """The exact ε of a point mass at ``x0``: eps = (x_t - sqrt(abar) x0) / sqrt(1 - abar)."""

    def __init__(self, path, x0):
        super().__init__()
        self.abar, self.x0 = path.alpha_bars, x0

    def forward(self, x, t):
        abar = self.abar[t][:, None]
        return (x - abar.sqrt() * self.x0) / (1 - abar).sqrt()


class PointMassVelocity(torch.nn.Module):
    """The exact velocity towards a point mass at x0: x = (1 - tau) x0 + tau eps gives v = (x - x0) / tau."""

    def __init__(self, x0, n_steps):
        super().__init__()
        self.x0, self.n_steps = x0, n_steps

    def forward(self, x, t):
        return (x - self.x0) / (t.double() / self.n_steps)[:, None]


@pytest.mark.parametrize("kind", ["diffusion", "flow"])
def test_the_loss_is_zero_for_the_exact_network(kind):
    x0 = torch.tensor([0.3, -0.7], dtype=torch.float64)
    if kind == "diffusion":
        path = DiffusionPath.linear(100)
        model, x0, tol = ExactEps(path, x0.float()), x0.float(), 1e-8
    else:
        path, model, tol = FlowPath(100), PointMassVelocity(x0, 100), 1e-12
    loss = training.denoising_loss(model, path, x0.expand(16, 2), torch.Generator().manual_seed(0))
    assert float(loss) < tol


def test_ddpm_mean_shift_is_the_eps_form_to_first_order():
    """Putting eps~ = eps - s sqrt(1 - abar_t) g into the DDPM mean shifts it by exactly
    s beta_t g / sqrt(alpha_t); the sampler's s beta_t g (the path's guidance weight) is that
    to within 1.02 %."""
    s = DiffusionPath.linear(1000)
    x, eps, g, scale = torch.tensor([[0.3, -0.2]]), torch.tensor([[0.5, 1.0]]), torch.tensor([[1.0, -2.0]]), 10.0
    b, a, ab = s.betas, s.alphas, s.alpha_bars
    for t in (1, 500, 999):
        mean = lambda e: (x - b[t] / (1 - ab[t]).sqrt() * e) / a[t].sqrt()  # noqa: E731
        shift = mean(eps - scale * (1 - ab[t]).sqrt() * g) - mean(eps)
        torch.testing.assert_close(shift, ddpm_guidance_shift(s, t, g, scale), rtol=1e-5, atol=1e-7)
        torch.testing.assert_close(shift, scale * s.guidance_weight(t, t - 1) * g, rtol=0.0103, atol=0)


def test_flow_guidance_weight_is_the_integral_of_the_score_to_velocity_factor():
    tau, tau_next = 0.999, 0.5
    u = np.linspace(tau_next, tau, 2_000_001)
    numeric = np.trapezoid(u / (1 - u), u)
    assert flow_guidance_weight(tau, tau_next) == pytest.approx(numeric, rel=1e-5)
    assert FlowPath(1000).guidance_weight(999, 500) == flow_guidance_weight(0.999, 0.5)
    # the weights of any grid add up to C(tau_max): the push of a constant g does not depend on the grid
    grid = [999, 700, 300, 50, 0]
    total = sum(FlowPath(1000).guidance_weight(a, b) for a, b in zip(grid, grid[1:]))
    assert total == pytest.approx(-0.999 - math.log(0.001))
