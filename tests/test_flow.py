import math

import numpy as np
import pytest
import torch

from paretodiff import flow, guidance
from paretodiff.flow import FlowPath


def test_the_straight_path_and_its_velocity_target():
    path = FlowPath(10)
    x0, noise, t = torch.tensor([[0.5, -1.0]]), torch.tensor([[2.0, 0.0]]), torch.tensor([3])
    torch.testing.assert_close(path.add_noise(x0, t, noise), 0.7 * x0 + 0.3 * noise)
    torch.testing.assert_close(path.target(x0, noise), noise - x0)
    times = path.sample_times(1000, torch.Generator().manual_seed(0))
    assert times.min() >= 1 and times.max() <= 9 and times.dtype == torch.long


class PointMassVelocity(torch.nn.Module):
    """The exact velocity towards a point mass at x0: x = (1 - tau) x0 + tau eps gives v = (x - x0) / tau."""

    def __init__(self, x0, n_steps):
        super().__init__()
        self.x0, self.n_steps = x0, n_steps

    def forward(self, x, t):
        return (x - self.x0) / (t.double() / self.n_steps)[:, None]


def test_flow_matching_loss_is_zero_for_the_exact_velocity():
    path, x0 = FlowPath(100), torch.tensor([0.3, -0.7], dtype=torch.float64)
    loss = flow.flow_matching_loss(PointMassVelocity(x0, 100), path, x0.expand(16, 2), torch.Generator().manual_seed(0))
    assert float(loss) < 1e-12


@pytest.mark.parametrize("sampler", ["euler", "heun"])
def test_a_point_mass_is_reached_exactly_in_few_steps(sampler):
    x0 = torch.tensor([0.3, -0.7], dtype=torch.float64)
    x = torch.randn((8, 2), generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    out = getattr(flow, f"{sampler}_sample")(PointMassVelocity(x0, 1000), FlowPath(1000), x, 4)
    torch.testing.assert_close(out, x0.expand(8, 2))


def test_guidance_weight_is_the_integral_of_the_score_to_velocity_factor():
    tau, tau_next = 0.999, 0.5
    u = np.linspace(tau_next, tau, 2_000_001)
    numeric = np.trapezoid(u / (1 - u), u)
    assert flow.guidance_weight(tau, tau_next) == pytest.approx(numeric, rel=1e-5)
    # the weights of any grid add up to C(tau_max): the push of a constant g does not depend on the grid
    grid = [999, 700, 300, 50, 0]
    total = sum(flow.guidance_weight(a / 1000, b / 1000) for a, b in zip(grid, grid[1:]))
    assert total == pytest.approx(-0.999 - math.log(0.001))


class LinearVelocity(torch.nn.Module):
    """v(x, t) = a x + b (t / T): outputs known by hand."""

    def __init__(self, a, b, n_steps):
        super().__init__()
        self.a, self.b, self.n_steps = a, b, n_steps

    def forward(self, x, t):
        return self.a * x + self.b * (t.float() / self.n_steps)[:, None]


def C(u):
    return -u - math.log(1 - u)


def test_one_guided_euler_step_by_hand():
    path, model = FlowPath(10), LinearVelocity(0.5, 1.0, 10)
    x, g, s = torch.tensor([[0.2, -0.4]]), torch.tensor([[1.0, -0.5]]), 0.3
    out = flow.euler_sample(model, path, x, 2, guide=lambda x, t: g, scale=s)
    # grid 9 -> 1 -> 0, i.e. tau 0.9 -> 0.1 -> 0
    x1 = x + (0.1 - 0.9) * (0.5 * x + 0.9) + (C(0.9) - C(0.1)) * s * g
    x0 = x1 + (0.0 - 0.1) * (0.5 * x1 + 0.1) + (C(0.1) - C(0.0)) * s * g
    torch.testing.assert_close(out, x0.clamp(-1, 1))


def test_one_guided_heun_step_by_hand():
    path, model = FlowPath(10), LinearVelocity(0.5, 1.0, 10)
    x, s = torch.tensor([[0.2, -0.4]]), 0.3

    def guide(x, t):  # a gradient that depends on x and t, so the two ends differ
        return x * t / 10

    out = flow.heun_sample(model, path, x, 2, guide=guide, scale=s)
    dt, w = 0.1 - 0.9, C(0.9) - C(0.1)
    v1, g1 = 0.5 * x + 0.9, guide(x, 9)
    pred = x + dt * v1 + w * s * g1
    v2, g2 = 0.5 * pred + 0.1, guide(pred, 1)
    x1 = x + dt * (v1 + v2) / 2 + w * s * (g1 + g2) / 2
    x0 = x1 + (0.0 - 0.1) * (0.5 * x1 + 0.1) + (C(0.1) - C(0.0)) * s * guide(x1, 1)  # last step: Euler
    torch.testing.assert_close(out, x0.clamp(-1, 1))


class StandardNormalVelocity(torch.nn.Module):
    """The exact velocity for data ~ N(0, I): v = (2 tau - 1) x / ((1 - tau)^2 + tau^2)."""

    def forward(self, x, t):
        tau = (t.double() / 1000)[:, None]
        return (2 * tau - 1) / ((1 - tau) ** 2 + tau**2) * x


@pytest.mark.parametrize("sampler, steps, tolerance", [("euler", 20, 0.03), ("euler", 10, 0.05), ("heun", 10, 0.05)])
def test_halving_the_steps_does_not_change_the_guidance_push(sampler, steps, tolerance):
    """With a constant guidance gradient g the displacement caused by guidance at K and K/2
    steps (and at 999) agrees within the tolerance: the guidance weight is integrated
    exactly over each step.  With a velocity of zero it is s C(tau_max) g at any step count."""
    path, sample = FlowPath(1000), getattr(flow, f"{sampler}_sample")
    x = 0.1 * torch.randn((16, 2), generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    g = torch.tensor([0.3, -0.2], dtype=torch.float64)

    def push(model, k):
        guided = sample(model, path, x.clone(), k, guide=lambda x, t: g.expand_as(x), scale=0.1)
        return float(((guided - sample(model, path, x.clone(), k)) / g).mean())

    full, k, half = (push(StandardNormalVelocity(), n) for n in (999, steps, steps // 2))
    assert full > 0.5
    assert abs(half / k - 1) < tolerance and abs(k / full - 1) < tolerance

    class Zero(torch.nn.Module):
        def forward(self, x, t):
            return torch.zeros_like(x)

    for n in (steps, steps // 2):
        assert push(Zero(), n) == pytest.approx(0.1 * C(0.999), rel=1e-9)


def mixture_velocity(x, tau):
    """The exact velocity E[eps - x0 | x] of the 2-D mixture of tests/test_diffusion.py."""
    from test_diffusion import mixture_posterior_eps

    eps = mixture_posterior_eps(x, 1 - tau, tau)
    return eps - (x - tau * eps) / (1 - tau)


class MixtureVelocity(torch.nn.Module):
    def forward(self, x, t):
        return mixture_velocity(x, float(t[0]) / 1000)


G_MIX = torch.tensor([0.5, 0.5], dtype=torch.float64)


@pytest.fixture(scope="module")
def flow_reference():
    path = FlowPath(1000)
    x = torch.randn((3000, 2), generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    guide = lambda x, t: G_MIX.expand_as(x)  # noqa: E731
    many = {s: flow.euler_sample(MixtureVelocity(), path, x.clone(), 999, guide if s else None, s) for s in (0.0, 0.3)}
    return path, x, many


@pytest.mark.parametrize("sampler, steps, grid, weight_tol, mean_tol, spread_rtol", [
    ("euler", 25, "quadratic", 0.02, 0.025, 0.05),
    ("heun", 10, "quadratic", 0.02, 0.025, 0.08),
    ("heun", 25, "uniform", 0.01, 0.01, 0.08),
    ("euler", 10, "quadratic", 0.06, 0.06, 0.15),
])
@pytest.mark.parametrize("scale", [0.0, 0.3])
def test_few_steps_match_many_steps_on_a_gaussian_mixture(
    flow_reference, sampler, steps, grid, weight_tol, mean_tol, spread_rtol, scale
):
    """With the exact velocity of the 2-D mixture (3000 chains from the same noise), guided or
    not, few steps give the 999-step distribution within the stated tolerances on the mode
    weights, the per-mode means and the per-mode spreads (relative): 25 Euler or 10 Heun
    steps on the quadratic grid are close (0.02 of the mass, 0.025 in the means, 5-8 %);
    10 Euler steps are coarser (0.06, 0.06, 15 %).  Unguided, the 999-step samples are the
    mixture itself; guided, the guidance moves mass to the mode it favours."""
    from test_diffusion import assert_same_mixture, gaussian_mixture, mixture_statistics

    path, x, many = flow_reference
    guide = (lambda x, t: G_MIX.expand_as(x)) if scale else None
    few = getattr(flow, f"{sampler}_sample")(MixtureVelocity(), path, x.clone(), steps, guide, scale, grid=grid)
    assert_same_mixture(few, many[scale], weight_tol=weight_tol, mean_tol=mean_tol, spread_rtol=spread_rtol)
    if scale:
        assert mixture_statistics(many[scale])[0][1] > mixture_statistics(many[0.0])[0][1] + 0.3
    else:
        assert (mixture_statistics(many[scale])[0] - gaussian_mixture()[2]).abs().max() < 0.02


def test_the_mixture_check_catches_a_bad_flow_sampler(flow_reference):
    """Three Euler steps fail the loosest of those checks."""
    from test_diffusion import assert_same_mixture

    path, x, many = flow_reference
    with pytest.raises(AssertionError):
        assert_same_mixture(flow.euler_sample(MixtureVelocity(), path, x.clone(), 3, grid="quadratic"), many[0.0],
                            weight_tol=0.06, mean_tol=0.06, spread_rtol=0.15)


def test_the_preference_model_trains_on_the_flows_path():
    """Pairs are noised with the flow's path at the drawn time: the utility sees (1 - tau) x0 + tau eps."""
    seen = {}

    class Recorder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(2))

        def forward(self, x, t):
            seen["x"], seen["t"] = x.detach(), t
            return x @ self.w

    from paretodiff.pareto import rank_designs

    U = torch.tensor([[0.5, 0.5], [-0.5, -0.5], [0.2, -0.2], [0.9, 0.1]])
    Y = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, 3.0]])
    path, gen = FlowPath(1000), torch.Generator().manual_seed(0)
    anchors = torch.tensor([0, 1, 2, 3])
    guidance.noisy_pair_loss(Recorder(), path, U, rank_designs(Y), Y, anchors, torch.arange(4), "crowding", gen)
    # replay the same draws
    gen = torch.Generator().manual_seed(0)
    first, second = guidance.draw_pairs(rank_designs(Y), anchors, torch.arange(4), gen)
    t = path.sample_times(len(first), gen)
    n1, n2 = torch.randn(U[first].shape, generator=gen), torch.randn(U[second].shape, generator=gen)
    tau = (t.float() / 1000)[:, None]
    expected = torch.cat([(1 - tau) * U[first] + tau * n1, (1 - tau) * U[second] + tau * n2])
    torch.testing.assert_close(seen["x"], expected)
    torch.testing.assert_close(seen["t"], torch.cat([t, t]))
