"""Training pieces shared by every network: the path's regression loss, EMA weights, batches,
and the one early-stopping loop (generator, preference model, objective model and surrogates all
use it; it trains at one torch thread)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable, Iterator

import torch
from torch import nn

from paretodiff.generative.paths import Path
from paretodiff.runtime import threads_at_most


def denoising_loss(model: nn.Module, path: Path, x0: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """The path's regression loss on a batch ``x0 (B, D)``: squared error summed over dimensions,
    averaged over the batch, at times drawn by ``path.sample_times`` (ε-prediction for the
    diffusion, the velocity for the flow: flow matching)."""
    t = path.sample_times(len(x0), generator)
    noise = torch.randn(x0.shape, generator=generator)
    return fixed_loss(model, path, x0, t, noise)


def fixed_loss(model: nn.Module, path: Path, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """The loss of :func:`denoising_loss` at given times ``t (B,)`` and noise ``(B, D)``
    (a validation loss at fixed draws)."""
    pred = model(path.add_noise(x0, t, noise), t)
    return ((pred - path.target(x0, noise)) ** 2).sum(dim=1).mean()


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


@dataclass
class Stopped:
    """How an :func:`early_stopping` run ended.

    Attributes:
        rounds: rounds run (steps or epochs).
        best_loss: the best validation loss (``inf`` if none was finite, or no validation ran).
        best_round: the round of the best loss (0 if none).
        history: ``(round, loss)`` of every validation.
    """

    rounds: int = 0
    best_loss: float = float("inf")
    best_round: int = 0
    history: list[tuple[int, float]] = field(default_factory=list)


def early_stopping(
    train_round: Callable[[int], None],
    validate: Callable[[], float] | None,
    model: nn.Module,
    *,
    rounds: int,
    every: int = 1,
    patience: int = 0,
    progress: Callable[[], None] | None = None,
    threads: int | None = 1,
) -> Stopped:
    """Run ``train_round(r)`` for ``r = 1 .. rounds``; keep the weights of the best validation.

    ``validate()`` runs after every ``every``-th round and after the last; training stops
    after ``patience`` validations in a row without a strictly better loss (0: never stops
    early).  At the end the best validated weights of ``model`` are restored; without
    ``validate``, or if no loss was ever finite, the last weights stay.

    Args:
        train_round: one round (an optimizer step, or an epoch); its argument is the round.
        validate: the validation loss of ``model`` now (``None``: no validation).
        model: whose ``state_dict`` is kept at the best validation and restored.
        threads: at most this many torch threads while training (``None``: the caller's
            setting).  One by default: mini-batches of a few hundred rows through networks
            this small are too little work to split, and a second thread made training up
            to twice as slow on 2 cores (``docs/method.md``, "One thread for training").  It also makes the
            trained weights the same whatever the caller's thread count.
    """
    with threads_at_most(threads):
        return _early_stopping(train_round, validate, model, rounds, every, patience, progress)


def _early_stopping(train_round, validate, model, rounds, every, patience, progress) -> Stopped:
    """:func:`early_stopping`'s loop, at the thread count it set."""
    stopped, best_state, since_best = Stopped(), None, 0
    for r in range(1, rounds + 1):
        train_round(r)
        stopped.rounds = r
        if progress is not None:
            progress()
        if validate is None or not (r % every == 0 or r == rounds):
            continue
        loss = validate()
        stopped.history.append((r, loss))
        if loss < stopped.best_loss:
            stopped.best_loss, stopped.best_round, best_state, since_best = loss, r, copy.deepcopy(model.state_dict()), 0
        else:
            since_best += 1
            if patience and since_best >= patience:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    return stopped
