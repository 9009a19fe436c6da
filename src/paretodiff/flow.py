"""Flow matching on the straight path (rectified flow), with preference guidance on the velocity.

The path joins a design ``x0`` to standard noise ``eps`` in a straight line::

    x_tau = (1 - tau) x0 + tau eps,     tau = t / T,   t in {1, ..., T-1} for training

and a network ``v(x, t)`` learns the velocity ``d x_tau / d tau = eps - x0`` (Lipman et al.
2023; Liu et al. 2023).  Time is kept on the diffusion's integer scale ``t`` so that the
same networks, time embeddings, time grids and the time-aware utility serve both
generative models.  Sampling integrates ``dx/dtau = v`` from ``tau = (T-1)/T`` to 0.

**Guidance on the velocity.**  On this path ``x = (1 - tau) x0 + tau eps``, so the score is
``∇ log p_tau(x) = -E[eps | x] / tau`` and the velocity is ``v = (E[eps | x] - x) / (1 - tau)``.
Adding ``s g`` to the score (``g = ∇ log p(x ≻ x_ref | t)``), exactly as the diffusion
samplers do with ``eps~ = eps - s sigma_t g``, gives the guided velocity::

    v~ = v - s * tau / (1 - tau) * g

The weight ``tau / (1 - tau)`` grows without bound as ``tau -> 1``, so an Euler step that
freezes it at the step's start would push far too hard in the first, noisiest step of a
few-step grid.  The samplers therefore hold ``g`` fixed over a step (Euler) or average its
two ends (Heun) and integrate the weight exactly::

    ∫_{tau'}^{tau} u / (1 - u) du = C(tau) - C(tau'),   C(u) = -u - log(1 - u)

so for a constant ``g`` the total guidance displacement is ``s C(tau_max) g`` at any number
of steps (``C((T-1)/T) = 5.91`` for T = 1000).  Without guidance the Euler step is exactly
a DDIM step in the path's own variables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from paretodiff.diffusion import Guide, fixed_loss, timesteps


@dataclass(frozen=True)
class FlowPath:
    """The straight path on the integer time scale ``t in [0, T]`` (``tau = t / T``)."""

    n_steps: int

    def tau(self, t: torch.Tensor | int) -> torch.Tensor:
        """``t / T`` as floats, shape of ``t``."""
        return torch.as_tensor(t, dtype=torch.float32) / self.n_steps

    def add_noise(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """``x_tau = (1 - tau) x0 + tau noise`` for ``x0 (B, D)``, ``t (B,)``, ``noise (B, D)``."""
        tau = self.tau(t)[:, None]
        return (1.0 - tau) * x0 + tau * noise

    def sample_times(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` training times drawn uniformly from ``{1, ..., T-1}``, as for the diffusion."""
        return torch.randint(1, self.n_steps, (n,), generator=generator)

    def target(self, x0: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """What the network predicts: the velocity ``eps - x0``."""
        return noise - x0


def flow_matching_loss(model: nn.Module, path: FlowPath, x0: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Squared error of the velocity, summed over dimensions, averaged over the batch ``x0 (B, D)``."""
    t = path.sample_times(len(x0), generator)
    noise = torch.randn(x0.shape, generator=generator)
    return fixed_loss(model, path, x0, t, noise)


def guidance_weight(tau: float, tau_next: float) -> float:
    """``∫_{tau_next}^{tau} u / (1 - u) du``: the exact weight of ``s g`` over one step (``tau > tau_next``)."""

    def c(u: float) -> float:
        return -u - math.log1p(-u)

    return c(tau) - c(tau_next)


def _velocity(model: nn.Module, x: torch.Tensor, t: int) -> torch.Tensor:
    """``v(x, t)`` ``(B, D)``; the network runs without autograd."""
    with torch.inference_mode():
        return model(x, torch.full((len(x),), t, dtype=torch.long))


def _guidance(guide: Guide | None, x: torch.Tensor, t: int, scale: torch.Tensor) -> torch.Tensor | float:
    """``s g(x, t)`` ``(B, D)``, or 0 without guidance."""
    return scale * guide(x, t) if guide is not None else 0.0


def euler_sample(
    model: nn.Module,
    path: FlowPath,
    x: torch.Tensor,
    n_sample_steps: int,
    guide: Guide | None = None,
    scale: torch.Tensor | float = 0.0,
    progress: Callable[[], None] | None = None,
    grid: str = "uniform",
) -> torch.Tensor:
    """Euler steps from ``x (B, D)`` at ``tau = (T-1)/T`` to ``tau = 0`` over ``n_sample_steps``
    grid points of :func:`paretodiff.diffusion.timesteps`::

        x <- x + (tau' - tau) v(x, t)  +  [C(tau) - C(tau')] s g(x, t)

    ``scale`` is a float or a ``(B,)`` tensor.  Clamped to ``[-1, 1]`` at the end.
    """
    scale = torch.as_tensor(scale, dtype=x.dtype).reshape(-1, 1)
    ts = timesteps(path.n_steps, n_sample_steps, grid) + [0]
    for t, t_next in zip(ts[:-1], ts[1:]):
        tau, tau_next = t / path.n_steps, t_next / path.n_steps
        push = _guidance(guide, x, t, scale)
        x = x + (tau_next - tau) * _velocity(model, x, t) + guidance_weight(tau, tau_next) * push
        if progress is not None:
            progress()
    return x.clamp(-1.0, 1.0)


def heun_sample(
    model: nn.Module,
    path: FlowPath,
    x: torch.Tensor,
    n_sample_steps: int,
    guide: Guide | None = None,
    scale: torch.Tensor | float = 0.0,
    progress: Callable[[], None] | None = None,
    grid: str = "uniform",
) -> torch.Tensor:
    """Heun's method on the same grid as :func:`euler_sample`: an Euler predictor, then the
    step redone with the average of the velocities (and of the guidance gradients) at both
    ends.  The last step, to ``tau = 0`` where the network was never trained, stays Euler.
    ``2K - 1`` network calls for ``K`` steps.
    """
    scale = torch.as_tensor(scale, dtype=x.dtype).reshape(-1, 1)
    ts = timesteps(path.n_steps, n_sample_steps, grid) + [0]
    for t, t_next in zip(ts[:-1], ts[1:]):
        tau, tau_next = t / path.n_steps, t_next / path.n_steps
        dt, weight = tau_next - tau, guidance_weight(tau, tau_next)
        v, push = _velocity(model, x, t), _guidance(guide, x, t, scale)
        x_euler = x + dt * v + weight * push
        if t_next > 0:
            v = 0.5 * (v + _velocity(model, x_euler, t_next))
            push = 0.5 * (push + _guidance(guide, x_euler, t_next, scale))
            x_euler = x + dt * v + weight * push
        x = x_euler
        if progress is not None:
            progress()
    return x.clamp(-1.0, 1.0)
