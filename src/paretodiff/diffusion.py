"""The noise schedule, the denoising objective, and the samplers (DDPM and DDIM).

Designs live in ``[-1, 1]^D``.  Timesteps are integers ``t`` in ``[0, T)``; with the linear
schedule ``beta_t = linspace(beta_start, beta_end, T)[t]``, ``alpha_t = 1 - beta_t`` and
``abar_t = prod_{k <= t} alpha_k``, the forward process is
``x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps``.

A sampler is a short loop; guidance enters through ``guide(x, t) -> (B, D)``, the gradient
of a log-probability with respect to ``x`` (see :mod:`paretodiff.guidance`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable, Iterator

import torch
from torch import nn

Guide = Callable[[torch.Tensor, int], torch.Tensor]


@dataclass(frozen=True)
class NoiseSchedule:
    """A discrete variance schedule; every tensor has shape ``(T,)``."""

    betas: torch.Tensor

    @classmethod
    def linear(cls, n_steps: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02) -> "NoiseSchedule":
        return cls(torch.linspace(beta_start, beta_end, n_steps, dtype=torch.float64).float())

    @property
    def n_steps(self) -> int:
        return len(self.betas)

    @property
    def alphas(self) -> torch.Tensor:
        return 1.0 - self.betas

    @property
    def alpha_bars(self) -> torch.Tensor:
        return torch.cumprod(self.alphas.double(), dim=0).float()

    def add_noise(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """``x_t`` for clean ``x0 (B, D)``, timesteps ``t (B,)`` and standard noise ``(B, D)``."""
        abar = self.alpha_bars[t][:, None]
        return abar.sqrt() * x0 + (1.0 - abar).sqrt() * noise


def denoising_loss(model: nn.Module, schedule: NoiseSchedule, x0: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """ε-prediction loss: squared error summed over dimensions, averaged over the batch.

    Timesteps are drawn uniformly from ``{1, ..., T-1}`` (``t = 0`` is never used).
    """
    t = torch.randint(1, schedule.n_steps, (len(x0),), generator=generator)
    noise = torch.randn(x0.shape, generator=generator)
    pred = model(schedule.add_noise(x0, t, noise), t)
    return ((pred - noise) ** 2).sum(dim=1).mean()


class EMA:
    """Exponential moving average of a model's weights (copied outright during warm-up)."""

    def __init__(self, model: nn.Module, decay: float, warmup: int) -> None:
        self.model = copy.deepcopy(model).eval().requires_grad_(False)
        self.decay, self.warmup, self.steps = decay, warmup, 0

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        self.steps += 1
        decay = 0.0 if self.steps <= self.warmup else self.decay
        for avg, new in zip(self.model.parameters(), model.parameters()):
            avg.lerp_(new, 1.0 - decay)
        for avg, new in zip(self.model.buffers(), model.buffers()):
            avg.copy_(new)


def batches(n: int, batch_size: int, generator: torch.Generator) -> Iterator[torch.Tensor]:
    """Endless shuffled mini-batches of row indices, a fresh permutation every epoch."""
    while True:
        perm = torch.randperm(n, generator=generator)
        for start in range(0, n - batch_size + 1 if n >= batch_size else 1, batch_size):
            yield perm[start : start + batch_size]


# ---------------------------------------------------------------------------------------
# Samplers
# ---------------------------------------------------------------------------------------


def ddpm_sample(
    model: nn.Module,
    schedule: NoiseSchedule,
    x: torch.Tensor,
    generator: torch.Generator,
    guide: Guide | None = None,
    scale: torch.Tensor | float = 0.0,
    clamp_every: int = 1,
    progress: Callable[[], None] | None = None,
) -> torch.Tensor:
    """Ancestral DDPM from ``x = x_T (B, D)`` down to ``x_0``, with classifier guidance.

    For ``t = T-1, ..., 1``::

        x <- (x - beta_t / sqrt(1 - abar_t) * eps(x, t)) / sqrt(alpha_t)
             + sqrt(beta_t) z  +  s * beta_t * guide(x, t)

    (``z = 0`` at the last step; the guidance term is the mean shift ``s Σ ∇ log p`` with
    ``Σ = beta_t``).  ``scale`` is a float or a ``(B,)`` tensor (one scale per chain).
    ``x`` is clamped to ``[-1, 1]`` whenever ``t % clamp_every == 0`` and at the end.
    """
    betas, alphas, abars = schedule.betas, schedule.alphas, schedule.alpha_bars
    scale = torch.as_tensor(scale, dtype=x.dtype).reshape(-1, 1)
    for t in range(schedule.n_steps - 1, 0, -1):
        tt = torch.full((len(x),), t, dtype=torch.long)
        with torch.no_grad():
            eps = model(x, tt)
        shift = scale * betas[t] * guide(x, t) if guide is not None else 0.0
        noise = torch.randn(x.shape, generator=generator) if t > 1 else torch.zeros_like(x)
        x = (x - betas[t] / (1.0 - abars[t]).sqrt() * eps) / alphas[t].sqrt() + betas[t].sqrt() * noise + shift
        if clamp_every and t % clamp_every == 0:
            x = x.clamp(-1.0, 1.0)
        if progress is not None:
            progress()
    return x.clamp(-1.0, 1.0)


def ddim_timesteps(n_steps: int, n_sample_steps: int) -> list[int]:
    """Evenly spaced decreasing timesteps from ``T-1`` to 1 (``n_sample_steps`` of them)."""
    grid = torch.linspace(n_steps - 1, 1, n_sample_steps).round().long().unique_consecutive()
    return grid.tolist()


def ddim_sample(
    model: nn.Module,
    schedule: NoiseSchedule,
    x: torch.Tensor,
    n_sample_steps: int,
    guide: Guide | None = None,
    scale: torch.Tensor | float = 0.0,
    progress: Callable[[], None] | None = None,
) -> torch.Tensor:
    """Deterministic DDIM (eta = 0) over an even grid of ``n_sample_steps`` timesteps.

    Guidance is applied to the noise prediction in the classifier-guidance way
    (Dhariwal & Nichol 2021): ``eps~ = eps - s sqrt(1 - abar_t) guide(x, t)``; then::

        x0^ = (x - sqrt(1 - abar_t) eps~) / sqrt(abar_t)
        x   <- sqrt(abar_prev) x0^ + sqrt(1 - abar_prev) eps~

    with ``abar_prev = 1`` after the last grid point.
    """
    abars = schedule.alpha_bars
    scale = torch.as_tensor(scale, dtype=x.dtype).reshape(-1, 1)
    grid = ddim_timesteps(schedule.n_steps, n_sample_steps)
    for i, t in enumerate(grid):
        tt = torch.full((len(x),), t, dtype=torch.long)
        with torch.no_grad():
            eps = model(x, tt)
        if guide is not None:
            eps = eps - scale * (1.0 - abars[t]).sqrt() * guide(x, t)
        abar_prev = abars[grid[i + 1]] if i + 1 < len(grid) else torch.tensor(1.0)
        x0 = ((x - (1.0 - abars[t]).sqrt() * eps) / abars[t].sqrt()).clamp(-1.0, 1.0)
        x = abar_prev.sqrt() * x0 + (1.0 - abar_prev).sqrt() * eps
        if progress is not None:
            progress()
    return x.clamp(-1.0, 1.0)
