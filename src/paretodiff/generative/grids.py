"""Time grids of the samplers: decreasing integer times from ``T - 1`` towards 0."""

from __future__ import annotations

import torch

from paretodiff.generative.registry import TIME_GRIDS


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
        return full_chain(n_steps)
    u = torch.linspace(1.0, 0.0, max(1, n_sample_steps), dtype=torch.float64)
    if grid == "quadratic":
        u = u**2
    return (1 + (n_steps - 2) * u).round().long().unique_consecutive().tolist()


def full_chain(n_steps: int) -> list[int]:
    """Every step ``T-1, ..., 1``: the ancestral sampler's grid."""
    return list(range(n_steps - 1, 0, -1))
