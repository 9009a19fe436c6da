"""Probability paths: how a clean design is noised, what the network learns, how guidance moves it.

A :class:`Path` joins data ``x0`` in ``[-1, 1]^D`` (``t = 0``) to standard noise (``t = T``)
on an integer time scale ``t in [0, T)``, so that the networks, time embeddings, time grids
and the time-aware utility serve every generative model alike.  A path is a few small
pieces (as in torchcfm): :meth:`Path.sample_times` (training times), :meth:`Path.add_noise`
(``x_t``), :meth:`Path.target` (the network's regression target) and
:meth:`Path.guidance_weight` (how far one step moves a design along the guidance gradient).

* :class:`DiffusionPath`: the DDPM's variance-preserving path with a discrete schedule,
  ``x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps``; the network predicts ``eps``.
* :class:`FlowPath`: the straight path of flow matching (rectified flow),
  ``x_tau = (1 - tau) x0 + tau eps`` with ``tau = t / T``; the network predicts the velocity
  ``eps - x0`` (Lipman et al. 2023; Liu et al. 2023).

**Guidance is a term added to the score.**  Adding ``s g`` (``g = ∇ log p(x ≻ x_ref | t)``) to
the score is, for the diffusion, the noise prediction ``eps~ = eps - s sqrt(1 - abar_t) g``
(Dhariwal & Nichol 2021): the deterministic samplers integrate the probability-flow ODE of
that guided score, so a scale means the same vector field at any number of steps, and the
ancestral step's mean shift is ``s beta_t g`` (:meth:`DiffusionPath.guidance_weight`; the
exact substitution gives ``s beta_t g / sqrt(alpha_t)``, :func:`ddpm_guidance_shift`).  For
the flow the score is ``-E[eps | x] / tau`` and the guided velocity ``v - s tau / (1 - tau) g``;
its weight grows without bound as ``tau -> 1``, so the samplers hold ``g`` over a step and
integrate the weight exactly (:meth:`FlowPath.guidance_weight`): for a constant ``g`` the
total displacement is ``s C(tau_max) g`` at any number of steps, ``C(u) = -u - log(1 - u)``
(``C((T-1)/T) = 5.91`` for T = 1000).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, Protocol

import torch


class Path(Protocol):
    """What the training loss, the samplers and the preference model need of a path."""

    kind: ClassVar[str]  # "diffusion" or "flow": the samplers a path supports are named by it
    n_steps: int

    def sample_times(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` training times ``(n,)`` drawn uniformly from ``{1, ..., T-1}``."""

    def add_noise(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """``x_t (B, D)`` for clean ``x0 (B, D)``, times ``t (B,)`` and standard noise ``(B, D)``."""

    def target(self, x0: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """What the network regresses on ``(B, D)``."""

    def guidance_weight(self, t: int, t_next: int):
        """The weight ``w`` of one step from ``t`` to ``t_next`` (``t > t_next``): the step moves a
        design by ``w s g`` for a guidance scale ``s`` and gradient ``g``."""


def _uniform_times(n_steps: int, n: int, generator: torch.Generator) -> torch.Tensor:
    """``n`` times drawn uniformly from ``{1, ..., T-1}`` (``t = 0`` is never used)."""
    return torch.randint(1, n_steps, (n,), generator=generator)


@dataclass(frozen=True)
class DiffusionPath:
    """The DDPM path of a discrete variance schedule; every tensor has shape ``(T,)``.

    With the linear schedule ``beta_t = linspace(beta_start, beta_end, T)[t]``,
    ``alpha_t = 1 - beta_t`` and ``abar_t = prod_{k <= t} alpha_k``.
    """

    betas: torch.Tensor
    kind: ClassVar[str] = "diffusion"

    @classmethod
    def linear(cls, n_steps: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02) -> "DiffusionPath":
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

    def sample_times(self, n: int, generator: torch.Generator) -> torch.Tensor:
        return _uniform_times(self.n_steps, n, generator)

    def add_noise(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        abar = self.alpha_bars[t][:, None]
        return abar.sqrt() * x0 + (1.0 - abar).sqrt() * noise

    def target(self, x0: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """The noise (ε-prediction)."""
        return noise

    def guidance_weight(self, t: int, t_next: int) -> torch.Tensor:
        """``beta_t``: the ancestral step's mean shift ``s beta_t g`` (the authors' form; one step, ``t_next = t - 1``)."""
        return self.betas[t]


def ddpm_guidance_shift(path: DiffusionPath, t: int, g: torch.Tensor, scale: torch.Tensor | float) -> torch.Tensor:
    """The DDPM mean shift that ``eps~ = eps - s sqrt(1 - abar_t) g`` produces at step ``t``.

    Substituting ``eps~`` in ``mean = (x - beta_t / sqrt(1 - abar_t) eps) / sqrt(alpha_t)``
    adds ``s beta_t g / sqrt(alpha_t)``; the ancestral sampler adds ``s beta_t g`` (the
    authors' form), which differs by the factor ``1 / sqrt(alpha_t)`` in ``[1, 1.0102]``.
    """
    return scale * path.betas[t] * g / path.alphas[t].sqrt()


@dataclass(frozen=True)
class FlowPath:
    """The straight path on the integer time scale ``t in [0, T]`` (``tau = t / T``)."""

    n_steps: int
    kind: ClassVar[str] = "flow"

    def tau(self, t: torch.Tensor | int) -> torch.Tensor:
        """``t / T`` as floats, shape of ``t``."""
        return torch.as_tensor(t, dtype=torch.float32) / self.n_steps

    def sample_times(self, n: int, generator: torch.Generator) -> torch.Tensor:
        return _uniform_times(self.n_steps, n, generator)

    def add_noise(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        tau = self.tau(t)[:, None]
        return (1.0 - tau) * x0 + tau * noise

    def target(self, x0: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """The velocity ``eps - x0``."""
        return noise - x0

    def guidance_weight(self, t: int, t_next: int) -> float:
        """``∫_{tau'}^{tau} u / (1 - u) du = C(tau) - C(tau')`` with ``tau = t / T``, ``tau' = t_next / T``."""
        return flow_guidance_weight(t / self.n_steps, t_next / self.n_steps)


def flow_guidance_weight(tau: float, tau_next: float) -> float:
    """``∫_{tau_next}^{tau} u / (1 - u) du``: the exact weight of ``s g`` over one step (``tau > tau_next``)."""

    def c(u: float) -> float:
        return -u - math.log1p(-u)

    return c(tau) - c(tau_next)


PATHS = {"diffusion": DiffusionPath, "flow": FlowPath}  # by kind (paretodiff.generative.registry.PATH_KINDS)
