"""Neural networks of preference-guided diffusion: time embeddings, the denoiser, the utility.

Two families, chosen by ``arch``:

* ``"faithful"``: the authors' networks (reference ``pgd_method.md`` §3–4): a sinusoidal
  code of length D with *increasing* frequencies added straight to the input, ReLU before
  LayerNorm, widths tied to D in the preference network, a LayerNorm on the denoiser output.
* ``"default"``: a standard Fourier time embedding projected to a fixed width and injected
  in every block, pre-LayerNorm residual MLP blocks of a width independent of D, and a
  plain linear output.

Shapes: designs ``x (B, D)`` in ``[-1, 1]``, integer timesteps ``t (B,)`` in ``[0, T)``.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def authors_time_code(t: torch.Tensor, dim: int) -> torch.Tensor:
    """The authors' sinusoidal code of length ``dim``: frequencies ``10000^(k/h)``, increasing.

    ``h = dim // 2``; the code is ``[sin(t w), cos(t w)]``, padded with a zero if ``dim`` is odd.
    Returns ``(B, dim)``.
    """
    half = dim // 2
    freqs = 10000.0 ** (torch.arange(half, dtype=torch.float32, device=t.device) / max(half, 1))
    angles = t.float()[:, None] * freqs[None, :]
    code = torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)
    if dim % 2:
        code = torch.cat([code, code.new_zeros(len(t), 1)], dim=1)
    return code


def fourier_time_code(t: torch.Tensor, n_steps: int, dim: int) -> torch.Tensor:
    """Standard sinusoidal embedding of ``t / n_steps`` with frequencies ``1 .. 10^4`` (inverse).

    Returns ``(B, dim)`` (``dim`` even).
    """
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    angles = (t.float()[:, None] * (1000.0 / n_steps)) * freqs[None, :]
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)


class TimeEmbedding(nn.Module):
    """Fourier code of the timestep, then a small MLP: ``t (B,) -> (B, width)``."""

    def __init__(self, n_steps: int, width: int) -> None:
        super().__init__()
        self.n_steps = n_steps
        self.width = width
        self.mlp = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width))

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        return self.mlp(fourier_time_code(t, self.n_steps, self.width))


class ResidualBlock(nn.Module):
    """Pre-LayerNorm MLP block with the time embedding added: ``h + MLP(LN(h) + W t_emb)``."""

    def __init__(self, width: int, time_width: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.time = nn.Linear(time_width, width)
        self.mlp = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width))

    def forward(self, h: torch.Tensor, temb: torch.Tensor) -> torch.Tensor:
        return h + self.mlp(self.norm(h) + self.time(temb))


class ResidualMLP(nn.Module):
    """Input projection, ``depth`` residual blocks conditioned on time, output projection."""

    def __init__(self, in_dim: int, out_dim: int, width: int, depth: int, time_width: int, n_steps: int) -> None:
        super().__init__()
        self.embed_time = TimeEmbedding(n_steps, time_width)
        self.inp = nn.Linear(in_dim, width)
        self.blocks = nn.ModuleList(ResidualBlock(width, time_width) for _ in range(depth))
        self.out = nn.Sequential(nn.LayerNorm(width), nn.SiLU(), nn.Linear(width, out_dim))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        temb = self.embed_time(t)
        h = self.inp(x)
        for block in self.blocks:
            h = block(h, temb)
        return self.out(h)


def _relu_ln(in_dim: int, out_dim: int) -> list[nn.Module]:
    """The authors' block: Linear -> ReLU -> LayerNorm."""
    return [nn.Linear(in_dim, out_dim), nn.ReLU(), nn.LayerNorm(out_dim)]


class AuthorsDenoiser(nn.Module):
    """The authors' ε-network: an MLP on ``x + code(t)`` with a LayerNorm on its output."""

    def __init__(self, dim: int, width: int = 512) -> None:
        super().__init__()
        self.dim = dim
        self.net = nn.Sequential(*_relu_ln(dim, width), *_relu_ln(width, width), nn.Linear(width, dim), nn.LayerNorm(dim))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.net(x + authors_time_code(t, self.dim))


class AuthorsUtility(nn.Module):
    """The authors' per-design scorer f(x, t) (reference §4), optionally with a tie head.

    ``forward`` returns the utility ``(B,)``; ``features`` the last hidden layer ``(B, width)``.
    """

    def __init__(self, dim: int, width: int = 512, tie_head: bool = False) -> None:
        super().__init__()
        self.dim = dim
        self.time = nn.Sequential(*_relu_ln(dim, dim))
        self.pre = nn.Sequential(*_relu_ln(dim, dim), *_relu_ln(dim, dim))
        self.body = nn.Sequential(*_relu_ln(dim, width), *_relu_ln(width, width))
        self.head = nn.Linear(width, 1)
        self.tie = nn.Linear(width, 1) if tie_head else None

    def features(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        temb = self.time(authors_time_code(t, self.dim))
        return self.body(self.pre(x + temb) + temb)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x, t)).squeeze(-1)


class Denoiser(nn.Module):
    """Our ε-network: a time-conditioned residual MLP, ``(x (B, D), t (B,)) -> ε̂ (B, D)``."""

    def __init__(self, dim: int, width: int, depth: int, time_width: int, n_steps: int) -> None:
        super().__init__()
        self.net = ResidualMLP(dim, dim, width, depth, time_width, n_steps)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.net(x, t)


class Utility(nn.Module):
    """Our time-aware utility f(x, t): ``(x (B, D), t (B,)) -> (B,)``, optionally a tie head."""

    def __init__(self, dim: int, width: int, depth: int, time_width: int, n_steps: int, tie_head: bool = False) -> None:
        super().__init__()
        self.net = ResidualMLP(dim, width, width, depth, time_width, n_steps)
        self.head = nn.Linear(width, 1)
        self.tie = nn.Linear(width, 1) if tie_head else None

    def features(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.net(x, t)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x, t)).squeeze(-1)
