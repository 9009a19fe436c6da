"""The samplers: one signature for all, and a registry that names them.

Every sampler is ``sample_<name>(model, path, x, ts, *, guide=None, callback=None,
generator=None, **options)`` (as in k-diffusion): ``model(x, t)`` is the trained network
(noise or velocity, by the path), ``x (B, D)`` the starting noise, ``ts`` the decreasing
time grid ending at 0 (:func:`grid`), ``guide`` the preference guidance (:class:`Guide`),
``callback`` a function called after every step with ``{"i", "t", "x"}``, ``generator`` the
random stream of a stochastic sampler; sampler-specific options follow as keywords.  Each
returns the designs ``(B, D)`` clamped to ``[-1, 1]``.

Guidance is a :class:`Guide`, not a wrapped model: the flow samplers integrate the
guidance weight of a step exactly (:meth:`paretodiff.generative.paths.FlowPath.guidance_weight`),
which needs the network's output and the guidance gradient apart.

The registry that names them is :mod:`paretodiff.generative.registry` (no torch import):
adding a sampler is one function (here or in a file of its own) and one registry line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from paretodiff.generative.grids import full_chain, timesteps
from paretodiff.generative.paths import DiffusionPath, FlowPath, Path
from paretodiff.generative.registry import SAMPLERS, SamplerSpec, for_path, register  # noqa: F401  (re-exported)

Callback = Callable[[dict], None]


@dataclass
class Guide:
    """Guidance of a batch: the gradient ``g(x, t) (B, D)`` of ``log p(x ≻ x_ref | t)`` and one
    guidance scale per chain, ``scale (B, 1)``."""

    gradient: Callable[[torch.Tensor, int], torch.Tensor]
    scale: torch.Tensor

    def __call__(self, x: torch.Tensor, t: int) -> torch.Tensor:
        return self.gradient(x, t)


def run_network(model: nn.Module, x: torch.Tensor, t: int) -> torch.Tensor:
    """``model(x, t)`` for a batch ``x (B, D)`` at one integer time, without autograd (for samplers)."""
    with torch.inference_mode():
        return model(x, torch.full((len(x),), t, dtype=torch.long))


def step_done(callback: Callback | None, i: int, t: int, x: torch.Tensor) -> None:
    """Tell the ``callback`` (if any) that step ``i`` from time ``t`` is done (for samplers)."""
    if callback is not None:
        callback({"i": i, "t": t, "x": x})


# -- the diffusion ---------------------------------------------------------------------------


def sample_ddpm(model: nn.Module, path: DiffusionPath, x: torch.Tensor, ts: list[int], *, guide: Guide | None = None,
                callback: Callback | None = None, generator: torch.Generator | None = None,
                clamp_every: int = 1) -> torch.Tensor:
    """Ancestral DDPM over the full chain ``ts = T-1, ..., 1, 0``, with classifier guidance::

        x <- (x - beta_t / sqrt(1 - abar_t) * eps(x, t)) / sqrt(alpha_t)
             + sqrt(beta_t) z  +  s * beta_t * g(x, t)

    (``z = 0`` at the last step; the guidance term is the mean shift ``s Σ ∇ log p`` with
    ``Σ = beta_t``).  ``x`` is clamped to ``[-1, 1]`` whenever ``t % clamp_every == 0``
    (0: never) and at the end.
    """
    if list(ts) != full_chain(path.n_steps) + [0]:
        raise ValueError("the ancestral sampler takes every step: ts must be T-1, ..., 1, 0")
    betas, alphas, abars = path.betas, path.alphas, path.alpha_bars
    for i, t in enumerate(ts[:-1]):
        eps = run_network(model, x, t)
        shift = guide.scale * path.guidance_weight(t, t - 1) * guide(x, t) if guide is not None else 0.0
        noise = torch.randn(x.shape, generator=generator) if t > 1 else torch.zeros_like(x)
        x = (x - betas[t] / (1.0 - abars[t]).sqrt() * eps) / alphas[t].sqrt() + betas[t].sqrt() * noise + shift
        if clamp_every and t % clamp_every == 0:
            x = x.clamp(-1.0, 1.0)
        step_done(callback, i, t, x)
    return x.clamp(-1.0, 1.0)


def guided_eps(model: nn.Module, path: DiffusionPath, x: torch.Tensor, t: int, guide: Guide | None) -> torch.Tensor:
    """``eps~ = eps(x, t) - s sqrt(1 - abar_t) g(x, t)``, ``(B, D)``; the network runs without autograd."""
    eps = run_network(model, x, t)
    if guide is None:
        return eps
    return eps - guide.scale * (1.0 - path.alpha_bars[t]).sqrt() * guide(x, t)


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


def _abar(path: DiffusionPath, t: int) -> torch.Tensor:
    """``abar_t``, and 1 (clean) at the grid's end ``t = 0``."""
    return path.alpha_bars[t] if t > 0 else torch.tensor(1.0)


def sample_ddim(model: nn.Module, path: DiffusionPath, x: torch.Tensor, ts: list[int], *, guide: Guide | None = None,
                callback: Callback | None = None, generator: torch.Generator | None = None,
                clip: bool = True) -> torch.Tensor:
    """Deterministic DDIM (eta = 0) over the grid ``ts``, guidance on the noise prediction::

        x0^ = (x - sqrt(1 - abar_t) eps~) / sqrt(abar_t)        (clipped if ``clip``)
        x   <- sqrt(abar_t') x0^ + sqrt(1 - abar_t') eps~

    with ``abar = 1`` at the grid's end.  One network call (and one guidance gradient) per step.
    """
    for i, (t, t_next) in enumerate(zip(ts[:-1], ts[1:])):
        eps = guided_eps(model, path, x, t, guide)
        x = ddim_step(x, eps, path.alpha_bars[t], _abar(path, t_next), clip)
        step_done(callback, i, t, x)
    return x.clamp(-1.0, 1.0)


def _heun_diffusion(model, path: DiffusionPath, x, ts, guide, callback, clip: bool) -> torch.Tensor:
    """Heun steps of the guided probability-flow ODE in ``x / sqrt(abar)`` against ``sigma``."""
    for i, (t, t_next) in enumerate(zip(ts[:-1], ts[1:])):
        eps = guided_eps(model, path, x, t, guide)
        if t_next > 0:
            x_euler = ddim_step(x, eps, path.alpha_bars[t], path.alpha_bars[t_next], clip)
            eps = 0.5 * (eps + guided_eps(model, path, x_euler, t_next, guide))
        x = ddim_step(x, eps, path.alpha_bars[t], _abar(path, t_next), clip)
        step_done(callback, i, t, x)
    return x.clamp(-1.0, 1.0)


# -- the flow ----------------------------------------------------------------------------------


def guidance_push(guide: Guide | None, x: torch.Tensor, t: int) -> torch.Tensor | float:
    """``s g(x, t)`` ``(B, D)``, or 0 without guidance (for samplers)."""
    return guide.scale * guide(x, t) if guide is not None else 0.0


def sample_euler(model: nn.Module, path: FlowPath, x: torch.Tensor, ts: list[int], *, guide: Guide | None = None,
                 callback: Callback | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """Euler steps of the flow from ``x`` at ``tau = ts[0] / T`` to ``tau = 0``::

        x <- x + (tau' - tau) v(x, t)  +  [C(tau) - C(tau')] s g(x, t)

    Without guidance this is exactly a DDIM step in the path's own variables.
    """
    for i, (t, t_next) in enumerate(zip(ts[:-1], ts[1:])):
        tau, tau_next = t / path.n_steps, t_next / path.n_steps
        push = guidance_push(guide, x, t)
        x = x + (tau_next - tau) * run_network(model, x, t) + path.guidance_weight(t, t_next) * push
        step_done(callback, i, t, x)
    return x.clamp(-1.0, 1.0)


def _heun_flow(model, path: FlowPath, x, ts, guide, callback) -> torch.Tensor:
    """Heun's method on the flow: an Euler predictor, then the step redone with the average of
    the velocities (and of the guidance gradients) at both ends; the last step, to ``tau = 0``
    where the network was never trained, stays Euler."""
    for i, (t, t_next) in enumerate(zip(ts[:-1], ts[1:])):
        tau, tau_next = t / path.n_steps, t_next / path.n_steps
        dt, weight = tau_next - tau, path.guidance_weight(t, t_next)
        v, push = run_network(model, x, t), guidance_push(guide, x, t)
        x_euler = x + dt * v + weight * push
        if t_next > 0:
            v = 0.5 * (v + run_network(model, x_euler, t_next))
            push = 0.5 * (push + guidance_push(guide, x_euler, t_next))
            x_euler = x + dt * v + weight * push
        x = x_euler
        step_done(callback, i, t, x)
    return x.clamp(-1.0, 1.0)


def sample_heun(model: nn.Module, path: Path, x: torch.Tensor, ts: list[int], *, guide: Guide | None = None,
                callback: Callback | None = None, generator: torch.Generator | None = None,
                clip: bool = True) -> torch.Tensor:
    """Second-order Heun steps (Karras et al. 2022, Alg. 1) over the grid ``ts``.

    For the diffusion: the guided probability-flow ODE ``d(x / sqrt(abar)) = eps~ d sigma``
    (a DDIM step is its Euler step), ``clip`` as in :func:`sample_ddim`.  For the flow: the
    velocity field with the exact guidance weight (``clip`` is not used).  ``2K - 1``
    network calls for ``K`` steps; the last step, to the clean end, stays Euler.
    """
    if path.kind == "flow":
        return _heun_flow(model, path, x, ts, guide, callback)
    return _heun_diffusion(model, path, x, ts, guide, callback, clip)


# -- the time grid of a registered sampler ----------------------------------------------------


def grid(spec: SamplerSpec, n_steps: int, steps: int, time_grid: str = "uniform") -> list[int]:
    """The decreasing time grid a sampler runs on, ending at 0: ``steps`` points of
    :func:`~paretodiff.generative.grids.timesteps`, or the full chain."""
    return (full_chain(n_steps) if spec.full_chain else timesteps(n_steps, steps, time_grid)) + [0]
