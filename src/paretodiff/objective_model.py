"""The objective model: a deep ensemble that predicts every objective of a design, with its spread.

>>> model = ObjectiveModel(n_var=30, n_obj=2).fit(U, Yn, generator=torch.Generator().manual_seed(0))
>>> mean, std = model.predict(U_new)        # both (N, m), in the units of Yn

``K`` small networks (``members``), each a multilayer perceptron from the ``D`` design
columns (scaled to ``[-1, 1]``, as the generator sees them) to all ``m`` objectives, are
trained side by side on the same rows with their own initial weights and their own
mini-batches (a deep ensemble, Lakshminarayanan et al. 2017).  The prediction is the
members' mean; its uncertainty is their standard deviation, which grows where the data
does not constrain the members to agree (away from the measured designs).  All members are
one module whose weights are stacked ``(K, ...)``, so one batched matrix product trains or
evaluates all of them.

Training minimizes the mean squared error on the objectives normalized to ``[0, 1]`` over
the data (the caller normalizes; :class:`~paretodiff.metrics.Normalizer`), with Adam, early
stopping on a held-out share of the rows (the members' mean loss; the best weights are
kept), as :func:`paretodiff.generative.training.early_stopping` does for every network here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from paretodiff.generative.training import early_stopping


class Ensemble(nn.Module):
    """``members`` MLPs ``D -> width (SiLU) x depth -> m``, evaluated at once.

    ``forward(x)`` takes ``(N, D)`` (every member sees the same rows) or ``(K, N, D)`` (each
    its own) and returns ``(K, N, m)``.
    """

    def __init__(self, n_var: int, n_obj: int, members: int = 5, width: int = 128, depth: int = 2) -> None:
        super().__init__()
        sizes = [n_var, *([width] * depth), n_obj]
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            bound = 1.0 / math.sqrt(fan_in)  # torch.nn.Linear's initial range
            self.weights.append(nn.Parameter(torch.empty(members, fan_in, fan_out).uniform_(-bound, bound)))
            self.biases.append(nn.Parameter(torch.empty(members, 1, fan_out).uniform_(-bound, bound)))
        self.members = members

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x.expand(self.members, *x.shape) if x.dim() == 2 else x
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = torch.baddbmm(b, h, w)
            if i < last:
                h = nn.functional.silu(h)
        return h


@dataclass
class FitFacts:
    """What :meth:`ObjectiveModel.fit` measured.

    Attributes:
        steps: optimizer steps run.
        best_val_mse: the members' mean validation MSE at the kept weights (normalized units).
        val_rmse: per objective, the ensemble mean's root-mean-square error on the held-out
            rows (normalized units, ``(m,)`` as a list).
        std_scale: per objective, the factor the spread is multiplied by (``(m,)`` as a list;
            1 where the spread is not calibrated).
    """

    steps: int = 0
    best_val_mse: float = float("nan")
    val_rmse: list[float] | None = None
    std_scale: list[float] | None = None


class ObjectiveModel:
    """A deep ensemble predicting the ``m`` objectives of designs, with mean and spread.

    Args:
        n_var, n_obj: design columns ``D`` and objectives ``m``.
        members: networks in the ensemble ``K`` (at least 2, for a spread).
        width, depth: hidden width and number of hidden layers of each network.
    """

    def __init__(self, n_var: int, n_obj: int, members: int = 5, width: int = 128, depth: int = 2) -> None:
        if members < 2:
            raise ValueError(f"an ensemble needs at least 2 members, got {members}")
        self.net = Ensemble(n_var, n_obj, members, width, depth)
        self.std_scale = torch.ones(n_obj)
        self.facts = FitFacts()

    def fit(self, U: torch.Tensor, Yn: torch.Tensor, *, generator: torch.Generator, lr: float = 2e-3,
            batch: int = 256, steps: int = 2000, val_fraction: float = 0.1, val_every: int = 100,
            patience: int = 3, weight_decay: float = 0.0, calibrate: bool = False,
            progress=None) -> "ObjectiveModel":
        """Train every member on the rows ``U (N, D)`` -> ``Yn (N, m)``.

        Args:
            U: designs scaled to ``[-1, 1]``.
            Yn: objectives, normalized (e.g. to ``[0, 1]`` over the data).
            generator: draws the split, the initial weights and the mini-batches.
            steps, batch, lr, weight_decay: AdamW's budget; each member draws its own
                ``batch`` rows per step.
            val_fraction, val_every, patience: early stopping on held-out rows (at least one
                row is held out, and at least one kept for training).
            calibrate: scale the spread of each objective so that, on the held-out rows, the
                errors of the mean measured in spreads have a root mean square of 1 (never
                below the members' own spread: the factor is at least 1).
        """
        U, Yn = torch.as_tensor(U, dtype=torch.float32), torch.as_tensor(Yn, dtype=torch.float32)
        n = len(U)
        self._initialize(generator)
        order = torch.randperm(n, generator=generator)
        n_val = min(max(1, int(round(val_fraction * n))), n - 1) if n >= 2 else 0
        val, train = order[:n_val], order[n_val:] if n_val else order
        net = self.net.train()
        optimizer = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=weight_decay, foreach=True)
        k, b = net.members, min(batch, len(train))

        def train_step(_: int) -> None:
            rows = train[torch.randint(len(train), (k * b,), generator=generator)]  # member i: rows[i*b : (i+1)*b]
            loss = nn.functional.mse_loss(net(U.index_select(0, rows).view(k, b, -1)),
                                          Yn.index_select(0, rows).view(k, b, -1))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

        def validate() -> float:
            with torch.inference_mode():
                return float(nn.functional.mse_loss(net(U[val]), Yn[val].expand(k, -1, -1)))

        stopped = early_stopping(train_step, validate if n_val else None, net, rounds=steps, every=val_every,
                                 patience=patience, progress=progress)
        self.net.eval().requires_grad_(False)
        rmse = None
        if n_val:
            mean, std = self.predict(U[val])
            rmse = ((mean - Yn[val]) ** 2).mean(dim=0).sqrt().tolist()
            if calibrate:
                self.std_scale = calibration_scale(mean - Yn[val], std)
        self.facts = FitFacts(stopped.rounds, stopped.best_loss if stopped.best_round else float("nan"), rmse,
                              self.std_scale.tolist())
        return self

    def _initialize(self, generator: torch.Generator) -> None:
        with torch.no_grad():
            for w, b in zip(self.net.weights, self.net.biases):
                bound = 1.0 / math.sqrt(w.shape[1])
                w.uniform_(-bound, bound, generator=generator)
                b.uniform_(-bound, bound, generator=generator)

    def predict(self, U: torch.Tensor, batch: int = 16384) -> tuple[torch.Tensor, torch.Tensor]:
        """The ensemble's mean and standard deviation ``(N, m)`` each, for designs ``U (N, D)`` in ``[-1, 1]``."""
        U = torch.as_tensor(U, dtype=torch.float32)
        with torch.inference_mode():
            out = torch.cat([self.net(U[i : i + batch]) for i in range(0, len(U), batch)], dim=1) if len(U) else (
                torch.zeros(self.net.members, 0, self.net.biases[-1].shape[-1]))
        return out.mean(dim=0), out.std(dim=0, unbiased=False) * self.std_scale

    def members(self, U: torch.Tensor) -> torch.Tensor:
        """Every member's prediction ``(K, N, m)`` (joint draws of the objectives, one per member;
        their deviations from the mean scaled by :attr:`std_scale`)."""
        with torch.inference_mode():
            out = self.net(torch.as_tensor(U, dtype=torch.float32))
            if bool((self.std_scale == 1.0).all()):  # uncalibrated: the members' own draws, bit for bit
                return out
            mean = out.mean(dim=0, keepdim=True)
            return mean + (out - mean) * self.std_scale


def calibration_scale(errors: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """Per column, the factor by which an ensemble's spread is widened (variance scaling): the ``c``
    with ``mean((errors / (c * std))**2) = 1`` on held-out rows, or 1 where the spread is already
    that wide or wider; ``errors, std (N, m)`` -> ``(m,)``."""
    z2 = (errors / std.clamp_min(1e-6)) ** 2
    return z2.mean(dim=0).sqrt().clamp(min=1.0)
