"""The samplers: each step checked by hand, then one conformance suite over the whole registry.

The conformance suite runs every registered sampler on every path it supports, with the exact
network of a known distribution: it must reach a point mass, keep the guidance push when the
steps are halved, and give the many-step distribution of a Gaussian mixture in few steps
(each with a tolerance per sampler, in :data:`CASES`).  A sampler added to the registry
without a row there fails :func:`test_every_registered_sampler_is_in_the_conformance_table`.
"""

import math

import pytest
import torch

from paretodiff.generative import samplers
from paretodiff.generative.grids import timesteps
from paretodiff.generative.paths import DiffusionPath, FlowPath
from paretodiff.generative.samplers import SAMPLERS, Guide


def guide_of(g, scale, x):
    """A :class:`Guide` with the gradient ``g`` (a tensor or a function of ``x, t``) and one scale."""
    gradient = g if callable(g) else (lambda x_, t: g.expand_as(x_))
    return Guide(gradient, torch.full((len(x), 1), float(scale), dtype=x.dtype))


def sample(name, model, path, x, steps, g=None, scale=0.0, grid="uniform", **options):
    """Run a registered sampler by name over its grid of ``steps`` points."""
    spec = SAMPLERS[name]
    ts = samplers.grid(spec, path.n_steps, steps, grid)
    guide = guide_of(g, scale, x) if g is not None else None
    return spec.function(model, path, x, ts, guide=guide, generator=torch.Generator().manual_seed(1), **options)


# -- the diffusion, by hand ---------------------------------------------------------------------


class ConstantEps(torch.nn.Module):
    def __init__(self, value):
        super().__init__()
        self.value = value

    def forward(self, x, t):
        return torch.full_like(x, self.value)


def test_one_guided_ddpm_step_by_hand():
    s = DiffusionPath.linear(3, 0.1, 0.3)  # T = 3: a single step at t = 2, then t = 1 (no noise)
    x = torch.tensor([[0.2, -0.4]])
    eps, g, scale = 0.5, torch.tensor([[1.0, -1.0]]), 2.0
    out = sample("ddpm", ConstantEps(eps), s, x.clone(), 3, g, scale, clamp_every=0)
    b, a, abar = s.betas, s.alphas, s.alpha_bars
    z = torch.randn((1, 2), generator=torch.Generator().manual_seed(1))
    x2 = (x - b[2] / (1 - abar[2]).sqrt() * eps) / a[2].sqrt() + b[2].sqrt() * z + scale * b[2] * g
    x1 = (x2 - b[1] / (1 - abar[1]).sqrt() * eps) / a[1].sqrt() + scale * b[1] * g
    torch.testing.assert_close(out, x1.clamp(-1, 1))


def test_the_ancestral_sampler_takes_only_the_full_chain_and_clamps_at_the_end():
    s = DiffusionPath.linear(10, 1e-4, 0.02)
    x = torch.full((4, 2), 5.0)
    kept = sample("ddpm", ConstantEps(0.0), s, x, 3, clamp_every=0)
    assert kept.abs().max() <= 1.0  # the final clamp always applies
    with pytest.raises(ValueError, match="every step"):
        samplers.sample_ddpm(ConstantEps(0.0), s, x, [9, 5, 0])


class LinearEps(torch.nn.Module):
    """eps(x, t) = a x + b: a tiny model whose outputs are known by hand."""

    def __init__(self, a, b):
        super().__init__()
        self.a, self.b = a, b

    def forward(self, x, t):
        return self.a * x + self.b


def test_one_guided_ddim_step_by_hand():
    s = DiffusionPath.linear(5, 0.1, 0.3)
    x = torch.tensor([[0.2, -0.4]])
    g, scale = torch.tensor([[1.0, -0.5]]), 2.0
    out = sample("ddim", LinearEps(0.5, 0.1), s, x, 2, g, scale, clip=False)
    ab = s.alpha_bars
    assert timesteps(5, 2) == [4, 1]
    eps4 = 0.5 * x + 0.1 - scale * (1 - ab[4]).sqrt() * g
    x1 = ab[1].sqrt() * (x - (1 - ab[4]).sqrt() * eps4) / ab[4].sqrt() + (1 - ab[1]).sqrt() * eps4
    eps1 = 0.5 * x1 + 0.1 - scale * (1 - ab[1]).sqrt() * g
    x0 = (x1 - (1 - ab[1]).sqrt() * eps1) / ab[1].sqrt()
    torch.testing.assert_close(out, x0.clamp(-1, 1))


def test_one_guided_heun_step_on_the_diffusion_by_hand():
    s = DiffusionPath.linear(5, 0.1, 0.3)
    x = torch.tensor([[0.2, -0.4]])
    g, scale = torch.tensor([[1.0, -0.5]]), 2.0
    model = LinearEps(0.5, 0.1)
    out = sample("heun", model, s, x, 2, g, scale, clip=False)
    ab = s.alpha_bars
    sig = lambda t: ((1 - ab[t]) / ab[t]).sqrt()  # noqa: E731  sigma of x / sqrt(abar)
    eps = lambda x, t: 0.5 * x + 0.1 - scale * (1 - ab[t]).sqrt() * g  # noqa: E731
    # Heun in (x / sqrt(abar), sigma): predictor, then the trapezoid
    xbar = x / ab[4].sqrt()
    d1 = eps(x, 4)
    xbar_pred = xbar + (sig(1) - sig(4)) * d1
    d2 = eps(xbar_pred * ab[1].sqrt(), 1)
    x1 = (xbar + (sig(1) - sig(4)) * (d1 + d2) / 2) * ab[1].sqrt()
    x0 = (x1 - (1 - ab[1]).sqrt() * eps(x1, 1)) / ab[1].sqrt()  # the last step stays Euler (DDIM)
    torch.testing.assert_close(out, x0.clamp(-1, 1))
    # two network calls per step but the last
    calls = []
    counting = lambda x, t: calls.append(int(t[0])) or model(x, t)  # noqa: E731
    sample("heun", counting, s, x, 4)
    assert calls == [4, 3, 3, 2, 2, 1, 1]


# -- the flow, by hand ----------------------------------------------------------------------------


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
    out = sample("euler", model, path, x, 2, g, s)
    # grid 9 -> 1 -> 0, i.e. tau 0.9 -> 0.1 -> 0
    x1 = x + (0.1 - 0.9) * (0.5 * x + 0.9) + (C(0.9) - C(0.1)) * s * g
    x0 = x1 + (0.0 - 0.1) * (0.5 * x1 + 0.1) + (C(0.1) - C(0.0)) * s * g
    torch.testing.assert_close(out, x0.clamp(-1, 1))


def test_one_guided_heun_step_on_the_flow_by_hand():
    path, model = FlowPath(10), LinearVelocity(0.5, 1.0, 10)
    x, s = torch.tensor([[0.2, -0.4]]), 0.3

    def guide(x, t):  # a gradient that depends on x and t, so the two ends differ
        return x * t / 10

    out = sample("heun", model, path, x, 2, guide, s)
    dt, w = 0.1 - 0.9, C(0.9) - C(0.1)
    v1, g1 = 0.5 * x + 0.9, guide(x, 9)
    pred = x + dt * v1 + w * s * g1
    v2, g2 = 0.5 * pred + 0.1, guide(pred, 1)
    x1 = x + dt * (v1 + v2) / 2 + w * s * (g1 + g2) / 2
    x0 = x1 + (0.0 - 0.1) * (0.5 * x1 + 0.1) + (C(0.1) - C(0.0)) * s * guide(x1, 1)  # last step: Euler
    torch.testing.assert_close(out, x0.clamp(-1, 1))


# -- exact networks of known distributions ---------------------------------------------------------


def point_mass(path, x0):
    """The exact network of a point mass at ``x0`` (float64) on ``path``."""

    class Exact(torch.nn.Module):
        def forward(self, x, t):
            if path.kind == "flow":
                return (x - x0) / (t.double() / path.n_steps)[:, None]
            abar = path.alpha_bars.double()[t][:, None]
            return (x - abar.sqrt() * x0) / (1 - abar).sqrt()

    return Exact()


def standard_normal(path):
    """The exact network of data ~ N(0, I) on ``path`` (the unguided sampler stands still)."""

    class Exact(torch.nn.Module):
        def forward(self, x, t):
            if path.kind == "flow":
                tau = (t.double() / path.n_steps)[:, None]
                return (2 * tau - 1) / ((1 - tau) ** 2 + tau**2) * x
            return (1 - path.alpha_bars.double()[t])[:, None].sqrt() * x

    return Exact()


def gaussian_mixture():
    """Three isotropic 2-D modes: means (3, 2), standard deviations (3,), weights (3,)."""
    means = torch.tensor([[-0.5, -0.4], [0.5, 0.5], [0.4, -0.5]], dtype=torch.float64)
    return means, torch.tensor([0.08, 0.12, 0.1], dtype=torch.float64), torch.tensor([0.5, 0.3, 0.2], dtype=torch.float64)


def mixture_posterior_eps(x, a, b):
    """E[eps | x] for x = a x0 + b eps, x0 from :func:`gaussian_mixture` (closed form)."""
    means, stds, weights = gaussian_mixture()
    var = a**2 * stds**2 + b**2  # (K,)
    diff = x[:, None, :] - a * means[None]  # (B, K, 2)
    logp = weights.log() - (diff**2).sum(-1) / (2 * var) - var.log()
    resp = torch.softmax(logp, dim=1)
    return b * (resp[..., None] * diff / var[None, :, None]).sum(1)


def mixture(path):
    """The exact network of the mixture on ``path``: E[eps | x], or the velocity E[eps - x0 | x]."""

    class Exact(torch.nn.Module):
        def forward(self, x, t):
            if path.kind == "flow":
                tau = float(t[0]) / path.n_steps
                eps = mixture_posterior_eps(x, 1 - tau, tau)
                return eps - (x - tau * eps) / (1 - tau)
            abar = path.alpha_bars.double()[t[0]]
            return mixture_posterior_eps(x, abar.sqrt(), (1 - abar).sqrt())

    return Exact()


def mixture_statistics(x):
    """Mode weights (3,), per-mode means (3, 2) and spreads (3,) of samples by nearest mode."""
    means, _, _ = gaussian_mixture()
    mode = torch.cdist(x, means).argmin(1)
    weights = torch.stack([(mode == k).double().mean() for k in range(3)])
    centers = torch.stack([x[mode == k].mean(0) if (mode == k).sum() > 1 else torch.full((2,), 9.0) for k in range(3)])
    spreads = torch.stack([x[mode == k].std(0).mean() if (mode == k).sum() > 1 else torch.tensor(9.0) for k in range(3)])
    return weights, centers, spreads


def assert_same_mixture(x, reference, weight_tol=0.01, mean_tol=0.025, spread_rtol=0.05):
    w, m, sd = mixture_statistics(x)
    w_ref, m_ref, sd_ref = mixture_statistics(reference)
    assert (w - w_ref).abs().max() < weight_tol, (w, w_ref)
    assert (m - m_ref).abs().max() < mean_tol, (m, m_ref)
    assert ((sd / sd_ref) - 1).abs().max() < spread_rtol, (sd, sd_ref)


PATHS = {"diffusion": DiffusionPath.linear(1000), "flow": FlowPath(1000)}
G_MIX = torch.tensor([0.5, 0.5], dtype=torch.float64)

# (sampler, path) -> what the conformance tests expect of it:
#   point: steps and absolute tolerance to reach a point mass (None: stochastic, the batch mean within 0.05)
#   push: (steps, tolerance) pairs for the guidance-push check, () for a full-chain sampler
#   mixture: (steps, grid, scale, weight, mean, spread tolerances) cases on the Gaussian mixture
CASES = {
    ("ddpm", "diffusion"): dict(point=None, push=(), mixture=()),
    ("ddim", "diffusion"): dict(point=(10, 2e-3), push=((50, 0.06), (20, 0.16)), mixture=(
        (25, "quadratic", 0.0, 0.01, 0.025, 0.05), (100, "uniform", 0.3, 0.02, 0.025, 0.1))),
    ("heun", "diffusion"): dict(point=(10, 2e-3), push=((50, 0.03),), mixture=(
        (25, "quadratic", 0.0, 0.01, 0.025, 0.05), (10, "quadratic", 0.0, 0.01, 0.025, 0.15))),
    ("euler", "flow"): dict(point=(4, 1e-7), push=((20, 0.03), (10, 0.05)), mixture=(
        (25, "quadratic", 0.0, 0.02, 0.025, 0.05), (25, "quadratic", 0.3, 0.02, 0.025, 0.05),
        (10, "quadratic", 0.0, 0.06, 0.06, 0.15), (10, "quadratic", 0.3, 0.06, 0.06, 0.15))),
    ("heun", "flow"): dict(point=(4, 1e-7), push=((10, 0.05),), mixture=(
        (10, "quadratic", 0.0, 0.02, 0.025, 0.08), (10, "quadratic", 0.3, 0.02, 0.025, 0.08),
        (25, "uniform", 0.0, 0.01, 0.01, 0.08), (25, "uniform", 0.3, 0.01, 0.01, 0.08))),
}
DETERMINISTIC = {"clip": False}  # the diffusion's clipping off, so the exact networks are exact


def options(name):
    return {k: v for k, v in DETERMINISTIC.items() if k in (SAMPLERS[name].options or {})}


def test_every_registered_sampler_is_in_the_conformance_table():
    registered = {(name, kind) for name, spec in SAMPLERS.items() for kind in spec.paths}
    assert registered == set(CASES)


@pytest.mark.parametrize("name, kind", sorted(CASES))
def test_each_sampler_has_the_one_signature_and_calls_back_once_per_step(name, kind):
    path = {"diffusion": DiffusionPath.linear(20), "flow": FlowPath(20)}[kind]
    x = torch.randn((3, 2), generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    seen = []
    ts = samplers.grid(SAMPLERS[name], path.n_steps, 5)
    out = SAMPLERS[name].function(standard_normal(path), path, x, ts, guide=guide_of(G_MIX, 0.1, x),
                                  callback=lambda info: seen.append(info["t"]),
                                  generator=torch.Generator().manual_seed(0))
    assert out.shape == x.shape and out.abs().max() <= 1.0
    assert seen == ts[:-1] and ts[-1] == 0


@pytest.mark.parametrize("name, kind", sorted(CASES))
def test_each_sampler_reaches_a_point_mass(name, kind):
    path = PATHS[kind] if name != "ddpm" else DiffusionPath.linear(200)
    x0 = torch.tensor([0.3, -0.7], dtype=torch.float64)
    x = torch.randn((64, 2), generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    expect = CASES[(name, kind)]["point"]
    out = sample(name, point_mass(path, x0), path, x, expect[0] if expect else path.n_steps, **options(name))
    if expect is None:
        assert (out.mean(0) - x0).abs().max() < 0.05
    else:
        torch.testing.assert_close(out, x0.expand(64, 2), atol=expect[1], rtol=0)


@pytest.mark.parametrize("name, kind, steps, tolerance",
                         [(n, k, s, tol) for (n, k), case in sorted(CASES.items()) for s, tol in case["push"]])
def test_halving_the_steps_does_not_change_the_guidance_push(name, kind, steps, tolerance):
    """The guidance scale is a weight on the score, so its push is a property of the ODE, not
    of the step count: with a constant guidance gradient g, the displacement it causes at K
    and K/2 steps agrees within the tolerance, and both are near the 999-step value.  (A rule
    that added s g once per step would halve the push when the steps halve.)"""
    path = PATHS[kind]
    model = standard_normal(path)
    x = 0.1 * torch.randn((16, 2), generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    g = torch.tensor([0.3, -0.2], dtype=torch.float64)
    scale = 0.2 if kind == "diffusion" else 0.1

    def push(net, k):
        guided = sample(name, net, path, x.clone(), k, g, scale, **options(name))
        return float(((guided - sample(name, net, path, x.clone(), k, **options(name))) / g).mean())

    full, k, half = (push(model, n) for n in (999, steps, steps // 2))
    assert full > 0.5  # a real push, not a vanishing one
    assert abs(half / k - 1) < tolerance and abs(k / full - 1) < tolerance
    if kind == "flow":  # with a velocity of zero it is s C(tau_max) g at any step count

        class Zero(torch.nn.Module):
            def forward(self, x, t):
                return torch.zeros_like(x)

        for n in (steps, steps // 2):
            assert push(Zero(), n) == pytest.approx(scale * C(0.999), rel=1e-9)


@pytest.fixture(scope="module")
def mixture_reference():
    """3000 chains from fixed noise and their 999-step samples on each path, unguided and guided (s = 0.3)."""
    x = torch.randn((3000, 2), generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    first = {"diffusion": "ddim", "flow": "euler"}
    many = {(kind, scale): sample(first[kind], mixture(path), path, x.clone(), 999, G_MIX if scale else None, scale,
                                  **options(first[kind]))
            for kind, path in PATHS.items() for scale in (0.0, 0.3)}
    return x, many


@pytest.mark.parametrize("name, kind, steps, grid, scale, weight_tol, mean_tol, spread_rtol",
                         [(n, k, *m) for (n, k), case in sorted(CASES.items()) for m in case["mixture"]])
def test_few_steps_match_many_steps_on_a_gaussian_mixture(mixture_reference, name, kind, steps, grid, scale,
                                                          weight_tol, mean_tol, spread_rtol):
    """With the exact network of a 2-D mixture (3000 chains from the same noise), guided or not,
    few steps give the 999-step distribution within the stated tolerances on the mode
    weights, the per-mode means and the per-mode spreads (relative); unguided, the 999-step
    samples are the mixture itself; guided, the guidance moves mass to the mode it favours."""
    x, many = mixture_reference
    path = PATHS[kind]
    few = sample(name, mixture(path), path, x.clone(), steps, G_MIX if scale else None, scale, grid, **options(name))
    assert_same_mixture(few, many[(kind, scale)], weight_tol=weight_tol, mean_tol=mean_tol, spread_rtol=spread_rtol)
    if scale:
        assert mixture_statistics(many[(kind, scale)])[0][1] > mixture_statistics(many[(kind, 0.0)])[0][1] + 0.3
    else:
        assert (mixture_statistics(many[(kind, scale)])[0] - gaussian_mixture()[2]).abs().max() < 0.02


@pytest.mark.parametrize("name, kind", [("ddim", "diffusion"), ("euler", "flow")])
def test_the_mixture_check_catches_a_bad_sampler(mixture_reference, name, kind):
    """Three steps are too few: the loosest check fails (the tolerances mean something)."""
    x, many = mixture_reference
    path = PATHS[kind]
    with pytest.raises(AssertionError):
        assert_same_mixture(sample(name, mixture(path), path, x.clone(), 3, grid="quadratic", **options(name)),
                            many[(kind, 0.0)], weight_tol=0.06, mean_tol=0.06, spread_rtol=0.15)
