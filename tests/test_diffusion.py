import math

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
