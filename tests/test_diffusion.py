import math

import pytest
import torch

from paretodiff import diffusion
from paretodiff.diffusion import NoiseSchedule


def test_linear_schedule_matches_the_authors():
    s = NoiseSchedule.linear(1000, 1e-4, 0.02)
    assert s.n_steps == 1000
    assert math.isclose(float(s.betas[0]), 1e-4, rel_tol=1e-6) and math.isclose(float(s.betas[-1]), 0.02, rel_tol=1e-6)
    abar = torch.cumprod(1 - torch.linspace(1e-4, 0.02, 1000, dtype=torch.float64), 0)
    torch.testing.assert_close(s.alpha_bars.double(), abar, rtol=1e-5, atol=1e-7)


class ConstantEps(torch.nn.Module):
    def __init__(self, value):
        super().__init__()
        self.value = value

    def forward(self, x, t):
        return torch.full_like(x, self.value)


def test_one_guided_ddpm_step_by_hand():
    s = NoiseSchedule.linear(3, 0.1, 0.3)  # T = 3: a single step at t = 2, then t = 1 (no noise)
    x = torch.tensor([[0.2, -0.4]])
    eps, g, scale = 0.5, torch.tensor([[1.0, -1.0]]), 2.0
    gen = torch.Generator().manual_seed(0)
    out = diffusion.ddpm_sample(ConstantEps(eps), s, x.clone(), gen, guide=lambda x, t: g, scale=scale, clamp_every=0)
    b, a, abar = s.betas, s.alphas, s.alpha_bars
    z = torch.randn((1, 2), generator=torch.Generator().manual_seed(0))
    x2 = (x - b[2] / (1 - abar[2]).sqrt() * eps) / a[2].sqrt() + b[2].sqrt() * z + scale * b[2] * g
    x1 = (x2 - b[1] / (1 - abar[1]).sqrt() * eps) / a[1].sqrt() + scale * b[1] * g
    torch.testing.assert_close(out, x1.clamp(-1, 1))


def test_clamping_every_k_steps():
    s = NoiseSchedule.linear(10, 1e-4, 0.02)
    x = torch.full((4, 2), 5.0)
    kept = diffusion.ddpm_sample(ConstantEps(0.0), s, x, torch.Generator().manual_seed(1), clamp_every=0)
    assert kept.abs().max() <= 1.0  # the final clamp always applies


class ExactEps(torch.nn.Module):
    """The exact ε of a point mass at ``x0``: eps = (x_t - sqrt(abar) x0) / sqrt(1 - abar)."""

    def __init__(self, schedule, x0):
        super().__init__()
        self.abar, self.x0 = schedule.alpha_bars, x0

    def forward(self, x, t):
        abar = self.abar[t][:, None]
        return (x - abar.sqrt() * self.x0) / (1 - abar).sqrt()


def test_ddim_recovers_a_point_mass_in_few_steps():
    s = NoiseSchedule.linear(1000)
    x0 = torch.tensor([0.3, -0.7])
    x = torch.randn((8, 2), generator=torch.Generator().manual_seed(0))
    out = diffusion.ddim_sample(ExactEps(s, x0), s, x, n_sample_steps=10)
    torch.testing.assert_close(out, x0.expand(8, 2), atol=2e-3, rtol=0)


def test_ddpm_recovers_a_point_mass():
    s = NoiseSchedule.linear(200)
    x0 = torch.tensor([0.3, -0.7])
    x = torch.randn((64, 2), generator=torch.Generator().manual_seed(0))
    out = diffusion.ddpm_sample(ExactEps(s, x0), s, x, torch.Generator().manual_seed(1))
    assert (out.mean(0) - x0).abs().max() < 0.05


def test_ddim_grid():
    assert diffusion.ddim_timesteps(1000, 4) == [999, 666, 334, 1]
    assert len(diffusion.ddim_timesteps(1000, 999)) == 999


def test_denoising_loss_is_zero_for_the_exact_model():
    s = NoiseSchedule.linear(100)
    x0 = torch.tensor([0.3, -0.7])
    loss = diffusion.denoising_loss(ExactEps(s, x0), s, x0.expand(16, 2), torch.Generator().manual_seed(0))
    assert float(loss) < 1e-8


def test_ema_copies_during_warmup_then_averages():
    model = torch.nn.Linear(1, 1, bias=False)
    ema = diffusion.EMA(model, decay=0.5, warmup=1)
    with torch.no_grad():
        model.weight.fill_(2.0)
    ema.update(model)
    assert float(ema.model.weight) == 2.0
    with torch.no_grad():
        model.weight.fill_(4.0)
    ema.update(model)
    assert float(ema.model.weight) == 3.0


def test_ema_with_decay_0_keeps_the_weights_bit_for_bit():
    """The default preset's setting (``ema_decay = 0``): the kept model is the trained one."""
    torch.manual_seed(0)
    model = torch.nn.Linear(7, 5)
    ema = diffusion.EMA(model, decay=0.0, warmup=0)
    for _ in range(3):
        with torch.no_grad():
            for param in model.parameters():
                param.add_(torch.randn_like(param) / 3)
        ema.update(model)
        for kept, trained in zip(ema.model.parameters(), model.parameters()):
            assert torch.equal(kept, trained)


# ---------------------------------------------------------------------------------------
# Few-step samplers: hand computations, the guidance-scale rule, a Gaussian mixture
# ---------------------------------------------------------------------------------------


class LinearEps(torch.nn.Module):
    """eps(x, t) = a x + b: a tiny model whose outputs are known by hand."""

    def __init__(self, a, b):
        super().__init__()
        self.a, self.b = a, b

    def forward(self, x, t):
        return self.a * x + self.b


def test_one_guided_ddim_step_by_hand():
    s = NoiseSchedule.linear(5, 0.1, 0.3)
    x = torch.tensor([[0.2, -0.4]])
    g, scale = torch.tensor([[1.0, -0.5]]), 2.0
    out = diffusion.ddim_sample(LinearEps(0.5, 0.1), s, x, 2, guide=lambda x, t: g, scale=scale, clip=False)
    ab = s.alpha_bars
    assert diffusion.ddim_timesteps(5, 2) == [4, 1]
    eps4 = 0.5 * x + 0.1 - scale * (1 - ab[4]).sqrt() * g
    x1 = ab[1].sqrt() * (x - (1 - ab[4]).sqrt() * eps4) / ab[4].sqrt() + (1 - ab[1]).sqrt() * eps4
    eps1 = 0.5 * x1 + 0.1 - scale * (1 - ab[1]).sqrt() * g
    x0 = (x1 - (1 - ab[1]).sqrt() * eps1) / ab[1].sqrt()
    torch.testing.assert_close(out, x0.clamp(-1, 1))


def test_one_guided_heun_step_by_hand():
    s = NoiseSchedule.linear(5, 0.1, 0.3)
    x = torch.tensor([[0.2, -0.4]])
    g, scale = torch.tensor([[1.0, -0.5]]), 2.0
    model = LinearEps(0.5, 0.1)
    out = diffusion.heun_sample(model, s, x, 2, guide=lambda x, t: g, scale=scale, clip=False)
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
    diffusion.heun_sample(counting, s, x, 4)
    assert calls == [4, 3, 3, 2, 2, 1, 1]


def test_ddpm_mean_shift_is_the_eps_form_to_first_order():
    """Putting eps~ = eps - s sqrt(1 - abar_t) g into the DDPM mean shifts it by exactly
    s beta_t g / sqrt(alpha_t); the sampler's s beta_t g is that to within 1.02 %."""
    s = NoiseSchedule.linear(1000)
    x, eps, g, scale = torch.tensor([[0.3, -0.2]]), torch.tensor([[0.5, 1.0]]), torch.tensor([[1.0, -2.0]]), 10.0
    b, a, ab = s.betas, s.alphas, s.alpha_bars
    for t in (1, 500, 999):
        mean = lambda e: (x - b[t] / (1 - ab[t]).sqrt() * e) / a[t].sqrt()  # noqa: E731
        shift = mean(eps - scale * (1 - ab[t]).sqrt() * g) - mean(eps)
        torch.testing.assert_close(shift, diffusion.ddpm_guidance_shift(s, t, g, scale), rtol=1e-5, atol=1e-7)
        torch.testing.assert_close(shift, scale * b[t] * g, rtol=0.0103, atol=0)


def test_time_grids():
    assert diffusion.timesteps(1000, 4, "uniform") == [999, 666, 334, 1]
    quad = diffusion.timesteps(1000, 5, "quadratic")
    assert quad == [999, 562, 250, 63, 1] and quad[0] - quad[1] > quad[-2] - quad[-1]
    assert diffusion.timesteps(1000, 5000) == list(range(999, 0, -1))
    assert diffusion.timesteps(1000, 1) == [999]
    with pytest.raises(ValueError, match="time grid"):
        diffusion.timesteps(1000, 10, "cosine")


class StandardNormalEps(torch.nn.Module):
    """The exact eps of data ~ N(0, I): eps = sqrt(1 - abar_t) x (the unguided ODE stands still)."""

    def __init__(self, schedule):
        super().__init__()
        self.abar = schedule.alpha_bars.double()

    def forward(self, x, t):
        return (1 - self.abar[t])[:, None].sqrt() * x


@pytest.mark.parametrize("sampler, steps, tolerance", [("ddim", 50, 0.06), ("ddim", 20, 0.16), ("heun", 50, 0.03)])
def test_halving_the_steps_does_not_change_the_guidance_push(sampler, steps, tolerance):
    """The guidance scale is a weight on the score, so its push is a property of the ODE, not
    of the step count: with a constant guidance gradient g, the displacement it causes at K
    and K/2 steps agrees within the tolerance, and both are near the 999-step value.  (A rule
    that added s g once per step would halve the push when the steps halve; DDIM's Euler
    error makes it push 5 % more at 25 steps and 13 % more at 10 than at 999.)"""
    s = NoiseSchedule.linear(1000)
    model, sample = StandardNormalEps(s), getattr(diffusion, f"{sampler}_sample")
    x = 0.1 * torch.randn((16, 2), generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    g = torch.tensor([0.3, -0.2], dtype=torch.float64)

    def push(k):
        guided = sample(model, s, x.clone(), k, guide=lambda x, t: g.expand_as(x), scale=0.2, clip=False)
        return float(((guided - sample(model, s, x.clone(), k, clip=False)) / g).mean())

    full, k, half = push(999), push(steps), push(steps // 2)
    assert full > 0.9  # a real push (about 5 s per unit of g), not a vanishing one
    assert abs(half / k - 1) < tolerance
    assert abs(k / full - 1) < tolerance


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


class MixtureEps(torch.nn.Module):
    """The exact eps of the mixture under the linear schedule."""

    def __init__(self, schedule):
        super().__init__()
        self.abar = schedule.alpha_bars.double()

    def forward(self, x, t):
        abar = self.abar[t[0]]
        return mixture_posterior_eps(x, abar.sqrt(), (1 - abar).sqrt())


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


G_MIX = torch.tensor([0.5, 0.5], dtype=torch.float64)


@pytest.fixture(scope="module")
def mixture_reference():
    """3000 chains from fixed noise, and their 999-step DDIM samples, unguided and guided (s = 0.3)."""
    s = NoiseSchedule.linear(1000)
    x = torch.randn((3000, 2), generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    unguided = diffusion.ddim_sample(MixtureEps(s), s, x.clone(), 999, clip=False)
    guided = diffusion.ddim_sample(MixtureEps(s), s, x.clone(), 999, lambda x, t: G_MIX.expand_as(x), 0.3, clip=False)
    return s, x, unguided, guided


@pytest.mark.parametrize("sampler, steps, spread_rtol", [("ddim", 25, 0.05), ("heun", 25, 0.05), ("heun", 10, 0.15)])
def test_few_steps_match_many_steps_on_a_gaussian_mixture(mixture_reference, sampler, steps, spread_rtol):
    """With the exact eps of a 2-D mixture and the quadratic grid, 10-25 steps give the
    999-step distribution: mode weights within 0.01, per-mode means within 0.025, per-mode
    spreads within 5 % (15 % for 10 Heun steps); the 999-step samples are the mixture."""
    s, x, many, _ = mixture_reference
    few = getattr(diffusion, f"{sampler}_sample")(MixtureEps(s), s, x.clone(), steps, grid="quadratic", clip=False)
    assert_same_mixture(few, many, spread_rtol=spread_rtol)
    assert (mixture_statistics(many)[0] - gaussian_mixture()[2]).abs().max() < 0.02


def test_guided_ddim_converges_to_the_many_step_distribution(mixture_reference):
    """Guided (a linear utility, g constant): the guidance moves mass to the mode it favours,
    and 100 DDIM steps reproduce the 999-step weights within 0.02 (DDIM is first order in the
    guidance term: 25 uniform steps move 0.04 of the mass too many; the flow does better,
    see tests/test_flow.py)."""
    s, x, unguided, many = mixture_reference
    assert mixture_statistics(many)[0][1] > mixture_statistics(unguided)[0][1] + 0.3
    few = diffusion.ddim_sample(MixtureEps(s), s, x.clone(), 100, lambda x, t: G_MIX.expand_as(x), 0.3, clip=False)
    assert_same_mixture(few, many, weight_tol=0.02, spread_rtol=0.1)


def test_the_mixture_check_catches_a_bad_sampler(mixture_reference):
    """Three DDIM steps are too few: the same check fails (the tolerances mean something)."""
    s, x, many, _ = mixture_reference
    with pytest.raises(AssertionError):
        assert_same_mixture(diffusion.ddim_sample(MixtureEps(s), s, x.clone(), 3, grid="quadratic", clip=False), many)
