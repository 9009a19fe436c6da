"""The noise schedule, the denoising objective, and the samplers (DDPM, DDIM and Heun).

Designs live in ``[-1, 1]^D``.  Timesteps are integers ``t`` in ``[0, T)``; with the linear
schedule ``beta_t = linspace(beta_start, beta_end, T)[t]``, ``alpha_t = 1 - beta_t`` and
``abar_t = prod_{k <= t} alpha_k``, the forward process is
``x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps``.

A sampler is a short loop; guidance enters through ``guide(x, t) -> (B, D)``, the gradient
of a log-probability with respect to ``x`` (see :mod:`paretodiff.guidance`).

**Guidance is a term added to the score.**  With ``eps = -sqrt(1 - abar_t) ∇ log p_t``, the
guided score ``∇ log p_t + s g`` is the guided noise prediction
``eps~ = eps - s sqrt(1 - abar_t) g`` (Dhariwal & Nichol 2021).  The deterministic samplers
(:func:`ddim_sample`, :func:`heun_sample`) integrate the probability-flow ODE of that guided
score, so a guidance scale ``s`` means the same vector field at any number of steps; only
the discretization error changes with the step count.  The ancestral DDPM step's mean shift
``s beta_t g`` is the same substitution: putting ``eps~`` into the DDPM mean gives the shift
``s beta_t g / sqrt(alpha_t)``, which is ``s beta_t g`` to first order in ``beta_t``
(:func:`ddpm_guidance_shift` states it; a test checks it).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable, Iterator

import torch
from torch import nn

Guide = Callable[[torch.Tensor, int], torch.Tensor]
TIME_GRIDS = ("uniform", "quadratic")


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

    def sample_times(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` training timesteps drawn uniformly from ``{1, ..., T-1}`` (``t = 0`` is never used)."""
        return torch.randint(1, self.n_steps, (n,), generator=generator)

    def target(self, x0: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """What the network predicts: the noise (ε-prediction)."""
        return noise


def denoising_loss(model: nn.Module, schedule: NoiseSchedule, x0: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """ε-prediction loss: squared error summed over dimensions, averaged over the batch.

    Timesteps are drawn uniformly from ``{1, ..., T-1}`` (``t = 0`` is never used).  Works
    for any path with ``sample_times``, ``add_noise`` and ``target`` (a
    :class:`paretodiff.flow.FlowPath` gives the flow-matching loss).
    """
    t = schedule.sample_times(len(x0), generator)
    noise = torch.randn(x0.shape, generator=generator)
    return fixed_loss(model, schedule, x0, t, noise)


def fixed_loss(model: nn.Module, schedule: NoiseSchedule, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """The loss of :func:`denoising_loss` at given timesteps ``t (B,)`` and noise ``(B, D)``
    (a validation loss at fixed draws)."""
    pred = model(schedule.add_noise(x0, t, noise), t)
    return ((pred - schedule.target(x0, noise)) ** 2).sum(dim=1).mean()


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


def ddpm_guidance_shift(schedule: NoiseSchedule, t: int, g: torch.Tensor, scale: torch.Tensor | float) -> torch.Tensor:
    """The DDPM mean shift that ``eps~ = eps - s sqrt(1 - abar_t) g`` produces at step ``t``.

    Substituting ``eps~`` in ``mean = (x - beta_t / sqrt(1 - abar_t) eps) / sqrt(alpha_t)``
    adds ``s beta_t g / sqrt(alpha_t)``; :func:`ddpm_sample` adds ``s beta_t g`` (the
    authors' form), which differs by the factor ``1 / sqrt(alpha_t)`` in ``[1, 1.0102]``.
    """
    return scale * schedule.betas[t] * g / schedule.alphas[t].sqrt()


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
        with torch.inference_mode():
            eps = model(x, tt)
        shift = scale * betas[t] * guide(x, t) if guide is not None else 0.0
        noise = torch.randn(x.shape, generator=generator) if t > 1 else torch.zeros_like(x)
        x = (x - betas[t] / (1.0 - abars[t]).sqrt() * eps) / alphas[t].sqrt() + betas[t].sqrt() * noise + shift
        if clamp_every and t % clamp_every == 0:
            x = x.clamp(-1.0, 1.0)
        if progress is not None:
            progress()
    return x.clamp(-1.0, 1.0)


def timesteps(n_steps: int, n_sample_steps: int, grid: str = "uniform") -> list[int]:
    """Decreasing integer timesteps from ``T-1`` to 1 for a deterministic sampler.

    ``grid="uniform"`` spaces them evenly in ``t`` (DDIM's "linear" skip);
    ``"quadratic"`` places them at ``1 + (T-2) u^2`` for ``u`` evenly spaced in ``[0, 1]``
    (DDIM's "quad" skip: denser at low noise).  ``min(n_sample_steps, T-1)`` values (all of
    ``T-1, ..., 1`` from ``T-1`` steps on); a quadratic grid may merge a few neighbours near
    ``t = 1`` at several hundred steps.
    """
    if grid not in TIME_GRIDS:
        raise ValueError(f"unknown time grid {grid!r}; choose one of: {', '.join(TIME_GRIDS)}")
    if n_sample_steps >= n_steps - 1:
        return list(range(n_steps - 1, 0, -1))
    u = torch.linspace(1.0, 0.0, max(1, n_sample_steps), dtype=torch.float64)
    if grid == "quadratic":
        u = u**2
    return (1 + (n_steps - 2) * u).round().long().unique_consecutive().tolist()


def ddim_timesteps(n_steps: int, n_sample_steps: int) -> list[int]:
    """Evenly spaced decreasing timesteps from ``T-1`` to 1 (``n_sample_steps`` of them)."""
    return timesteps(n_steps, n_sample_steps, "uniform")


def guided_eps(
    model: nn.Module, schedule: NoiseSchedule, x: torch.Tensor, t: int, guide: Guide | None, scale: torch.Tensor | float
) -> torch.Tensor:
    """``eps~ = eps(x, t) - s sqrt(1 - abar_t) guide(x, t)``, ``(B, D)``; the network runs without autograd."""
    with torch.inference_mode():
        eps = model(x, torch.full((len(x),), t, dtype=torch.long))
    if guide is None:
        return eps
    return eps - scale * (1.0 - schedule.alpha_bars[t]).sqrt() * guide(x, t)


def ddim_step(x: torch.Tensor, eps: torch.Tensor, abar: torch.Tensor, abar_next: torch.Tensor, clip: bool) -> torch.Tensor:
    """One deterministic DDIM step from noise level ``abar`` to ``abar_next`` (1 = clean).

    ``x0^ = (x - sqrt(1 - abar) eps) / sqrt(abar)`` (clipped to ``[-1, 1]`` if ``clip``),
    then ``sqrt(abar_next) x0^ + sqrt(1 - abar_next) eps``.  Without clipping this is an
    Euler step of the probability-flow ODE in ``x / sqrt(abar)`` against
    ``sigma = sqrt((1 - abar) / abar)``.
    """
    x0 = (x - (1.0 - abar).sqrt() * eps) / abar.sqrt()
    if clip:
        x0 = x0.clamp(-1.0, 1.0)
    return abar_next.sqrt() * x0 + (1.0 - abar_next).sqrt() * eps


def ddim_sample(
    model: nn.Module,
    schedule: NoiseSchedule,
    x: torch.Tensor,
    n_sample_steps: int,
    guide: Guide | None = None,
    scale: torch.Tensor | float = 0.0,
    progress: Callable[[], None] | None = None,
    grid: str = "uniform",
    clip: bool = True,
) -> torch.Tensor:
    """Deterministic DDIM (eta = 0) over ``n_sample_steps`` timesteps of :func:`timesteps`.

    Guidance is applied to the noise prediction in the classifier-guidance way
    (Dhariwal & Nichol 2021): ``eps~ = eps - s sqrt(1 - abar_t) guide(x, t)``; then::

        x0^ = (x - sqrt(1 - abar_t) eps~) / sqrt(abar_t)        (clipped if ``clip``)
        x   <- sqrt(abar_prev) x0^ + sqrt(1 - abar_prev) eps~

    with ``abar_prev = 1`` after the last grid point.  One network call (and one guidance
    gradient) per step.
    """
    abars = schedule.alpha_bars
    scale = torch.as_tensor(scale, dtype=x.dtype).reshape(-1, 1)
    ts = timesteps(schedule.n_steps, n_sample_steps, grid)
    for i, t in enumerate(ts):
        eps = guided_eps(model, schedule, x, t, guide, scale)
        abar_next = abars[ts[i + 1]] if i + 1 < len(ts) else torch.tensor(1.0)
        x = ddim_step(x, eps, abars[t], abar_next, clip)
        if progress is not None:
            progress()
    return x.clamp(-1.0, 1.0)


def heun_sample(
    model: nn.Module,
    schedule: NoiseSchedule,
    x: torch.Tensor,
    n_sample_steps: int,
    guide: Guide | None = None,
    scale: torch.Tensor | float = 0.0,
    progress: Callable[[], None] | None = None,
    grid: str = "uniform",
    clip: bool = True,
) -> torch.Tensor:
    """Second-order Heun steps of the guided probability-flow ODE (Karras et al. 2022, Alg. 1).

    In the variables ``x / sqrt(abar)`` and ``sigma = sqrt((1 - abar) / abar)`` the ODE is
    ``d(x / sqrt(abar)) = eps~ d sigma``; a DDIM step is its Euler step.  Heun takes the DDIM
    step to the next grid point, evaluates ``eps~`` there, and redoes the step from ``x``
    with the average of the two (the last step, to ``sigma = 0``, stays Euler, as in the
    paper).  Same grid, guidance and clipping as :func:`ddim_sample`; ``2K - 1`` network
    calls for ``K`` steps.
    """
    abars = schedule.alpha_bars
    scale = torch.as_tensor(scale, dtype=x.dtype).reshape(-1, 1)
    ts = timesteps(schedule.n_steps, n_sample_steps, grid)
    for i, t in enumerate(ts):
        eps = guided_eps(model, schedule, x, t, guide, scale)
        if i + 1 < len(ts):
            abar_next = abars[ts[i + 1]]
            x_euler = ddim_step(x, eps, abars[t], abar_next, clip)
            eps = 0.5 * (eps + guided_eps(model, schedule, x_euler, ts[i + 1], guide, scale))
        else:
            abar_next = torch.tensor(1.0)
        x = ddim_step(x, eps, abars[t], abar_next, clip)
        if progress is not None:
            progress()
    return x.clamp(-1.0, 1.0)
