"""The preference model: pair labels, training on noisy pairs, and the guidance gradient.

A design's *preference rank* orders the data best first: by non-dominated front, then by
crowding distance within the front, larger first (the diversity-aware preference).  The
model is a time-aware utility ``f(x, t)`` shared by both members of a pair (Bradley–Terry)::

    p(x1 ≻ x2 | t) = sigmoid(f(x1, t) - f(x2, t))

trained on pairs whose members are noised at the same ``t`` with independent noise, along
the generative model's own path (the diffusion's, or the flow's straight line).  At
sampling time, :func:`make_guide` gives ``∇_x log p(x ≻ x_ref | t)`` for a whole batch in
one autograd call (exact, because ``f`` scores each design on its own).

The reference ``x_ref`` (:data:`REFERENCES`): ``"previous"`` is the authors' rule (a
training design at the first step, then each chain's own previous iterate); ``"self"``
takes ``x_ref = x`` (held fixed), so that ``g = ∇ log sigmoid(f(x) - f(x_ref)) = ∇f(x) / 2``
exactly.  At 1000 steps the two agree (consecutive iterates barely differ, so
``sigmoid(f(x) - f(x_prev)) ≈ 1/2``), but with 10 steps the previous iterate is far away
and the weight ``1 - sigmoid(f(x) - f(x_prev))`` would change with the step count; ``self``
keeps the meaning of the guidance scale at any step count.

The optional ``dominance`` labelling has three classes: x1 dominates, x2 dominates, neither;
its third logit is ``g(x1, t) + g(x2, t)`` from a tie head on the same features.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from paretodiff.generative import training
from paretodiff.generative.paths import Path
from paretodiff.pareto import Ranking, rank_designs, select_best

LABEL_MODES = ("crowding", "subcrowding", "dominance")
REFERENCES = ("previous", "self")


def preference_subset(Y_normalized: np.ndarray, label_mode: str, subsample_ratio: float) -> np.ndarray:
    """Rows the preference model trains on: all, or (``subcrowding``) the best fraction by front.

    ``Y_normalized`` must already be normalized (the authors' code took the subset before
    normalizing; we take it after).
    """
    if label_mode != "subcrowding":
        return np.arange(len(Y_normalized))
    n = max(2, int(subsample_ratio * len(Y_normalized)))
    return np.sort(select_best(Y_normalized, n))


def draw_pairs(
    ranking: Ranking, anchors: torch.Tensor, pool: torch.Tensor, generator: torch.Generator, max_tries: int = 20
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw one partner per anchor from ``pool`` (row indices), vectorized.

    A partner is rejected (and redrawn) when it is the anchor itself, or on the anchor's
    front with zero crowding distance (a duplicate, or a singleton's twin).  Anchors left
    without a valid partner after ``max_tries`` rounds are dropped.

    Returns:
        ``(first, second)`` row indices of the kept pairs, each ``(B',)``.
    """
    front = torch.as_tensor(ranking.front)
    crowding = torch.as_tensor(ranking.crowding)
    partner = pool[torch.randint(len(pool), (len(anchors),), generator=generator)]
    for _ in range(max_tries):
        bad = (partner == anchors) | ((front[partner] == front[anchors]) & (crowding[partner] <= 0))
        if not bad.any():
            break
        partner[bad] = pool[torch.randint(len(pool), (int(bad.sum()),), generator=generator)]
    ok = (partner != anchors) & ~((front[partner] == front[anchors]) & (crowding[partner] <= 0))
    return anchors[ok], partner[ok]


def pair_labels(ranking: Ranking, Y: np.ndarray | None, first: torch.Tensor, second: torch.Tensor, mode: str) -> torch.Tensor:
    """Labels of pairs: ``1.`` if ``first`` ranks better (``0.`` otherwise); for ``dominance``,
    the class ``0`` first dominates, ``1`` second dominates, ``2`` neither."""
    if mode != "dominance":
        rank = torch.as_tensor(ranking.rank)
        return (rank[first] < rank[second]).float()
    Yt = torch.as_tensor(Y)
    a, b = Yt[first], Yt[second]
    a_dom = (a <= b).all(1) & (a < b).any(1)
    b_dom = (b <= a).all(1) & (b < a).any(1)
    return torch.where(a_dom, 0, torch.where(b_dom, 1, 2))


def pair_logits(model: nn.Module, x1: torch.Tensor, x2: torch.Tensor, t: torch.Tensor, mode: str) -> torch.Tensor:
    """``f(x1) - f(x2)`` ``(B,)``, or the three-class logits ``(B, 3)`` for ``dominance``."""
    both_t = torch.cat([t, t])
    if mode != "dominance":
        f1, f2 = model(torch.cat([x1, x2]), both_t).chunk(2)
        return f1 - f2
    h1, h2 = model.features(torch.cat([x1, x2]), both_t).chunk(2)
    f1, f2 = model.head(h1).squeeze(-1), model.head(h2).squeeze(-1)
    tie = (model.tie(h1) + model.tie(h2)).squeeze(-1)
    return torch.stack([f1, f2, tie], dim=1)


def pair_loss(logits: torch.Tensor, labels: torch.Tensor, mode: str) -> torch.Tensor:
    """Cross-entropy of pairs (binary for the ranked modes, three classes for ``dominance``)."""
    if mode != "dominance":
        return F.binary_cross_entropy_with_logits(logits, labels)
    return F.cross_entropy(logits, labels)


def noisy_pair_loss(
    model: nn.Module,
    path: Path,
    U: torch.Tensor,
    ranking: Ranking,
    Y: np.ndarray | None,
    anchors: torch.Tensor,
    pool: torch.Tensor,
    mode: str,
    generator: torch.Generator,
) -> torch.Tensor:
    """Loss on one batch of pairs, both members noised at the same random ``t`` along ``path``
    (the diffusion's or the flow's)."""
    first, second = draw_pairs(ranking, anchors, pool, generator)
    labels = pair_labels(ranking, Y, first, second, mode)
    t = path.sample_times(len(first), generator)
    x1 = path.add_noise(U[first], t, torch.randn(U[first].shape, generator=generator))
    x2 = path.add_noise(U[second], t, torch.randn(U[second].shape, generator=generator))
    return pair_loss(pair_logits(model, x1, x2, t, mode), labels, mode)


@dataclass
class PreferenceTraining:
    """Outcome of :func:`train_preference`: the best weights and the validation history."""

    model: nn.Module
    best_val_loss: float
    steps: int
    history: list[tuple[int, float]]
    ranking: Ranking | None = None


def train_preference(
    model: nn.Module,
    path: Path,
    U: torch.Tensor,
    Y: np.ndarray,
    *,
    mode: str,
    subsample_ratio: float,
    lr: float,
    batch_size: int,
    max_steps: int,
    val_fraction: float,
    val_every: int,
    val_batches: int,
    patience: int,
    shuffle_split: bool,
    generator: torch.Generator,
    progress: Callable[[], None] | None = None,
) -> PreferenceTraining:
    """Train the utility on noisy pairs with Adam; keep the weights of the best validation loss.

    Args:
        U: designs scaled to ``[-1, 1]``, ``(N, D)``; ``Y``: normalized objectives ``(N, m)``.
        val_fraction: share of the preference rows held out (the last rows when
            ``shuffle_split`` is false, as the authors did; a seeded permutation otherwise).
        val_every: steps between validations; ``val_batches`` fresh batches per check.
        patience: validations without improvement before stopping.

    Returns the best weights (restored), their validation loss, the steps run, the
    validation history and the ranking of the preference rows.
    """
    rows = preference_subset(Y, mode, subsample_ratio)
    ranking = rank_designs(Y[rows])
    U_sub = U[torch.as_tensor(rows)]
    Y_sub = Y[rows]
    order = torch.randperm(len(rows), generator=generator) if shuffle_split else torch.arange(len(rows))
    n_val = max(2, int(val_fraction * len(rows)))
    train_pool, val_pool = order[:-n_val], order[-n_val:]
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, foreach=True)

    def train_step(step: int) -> None:
        anchors = train_pool[torch.randint(len(train_pool), (batch_size,), generator=generator)]
        loss = noisy_pair_loss(model, path, U_sub, ranking, Y_sub, anchors, train_pool, mode, generator)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    def validate() -> float:
        return _validation_loss(model, path, U_sub, ranking, Y_sub, val_pool, mode, val_batches, batch_size, generator)

    stopped = training.early_stopping(train_step, validate, model, rounds=max_steps, every=val_every,
                                      patience=patience, progress=progress)
    return PreferenceTraining(model.eval(), stopped.best_loss, stopped.rounds, stopped.history, ranking)


@torch.no_grad()
def _validation_loss(model, path, U, ranking, Y, pool, mode, n_batches, batch_size, generator) -> float:
    model.eval()
    losses = []
    for _ in range(n_batches):
        anchors = pool[torch.randint(len(pool), (min(batch_size * 4, 4096),), generator=generator)]
        losses.append(float(noisy_pair_loss(model, path, U, ranking, Y, anchors, pool, mode, generator)))
    model.train()
    return float(np.mean(losses))


def log_preference(model: nn.Module, x: torch.Tensor, x_ref: torch.Tensor, t: torch.Tensor, mode: str) -> torch.Tensor:
    """``log p(x ≻ x_ref | t)`` per row ``(B,)``: logsigmoid of the utility difference, or
    the log-probability of "x dominates" for the three-class model."""
    logits = pair_logits(model, x, x_ref, t, mode)
    if mode != "dominance":
        return F.logsigmoid(logits)
    return torch.log_softmax(logits, dim=1)[:, 0]


def make_guide(
    model: nn.Module, x_ref: torch.Tensor, mode: str, reference: str = "previous"
) -> Callable[[torch.Tensor, int], torch.Tensor]:
    """The guidance gradient ``g = ∇_x log p(x ≻ x_ref | t)`` for a batch, as the samplers want it.

    ``reference="previous"`` (the authors' rule): ``x_ref`` starts as the given reference
    designs ``(B, D)``; after every call it becomes the iterate just scored, so from the
    second step on each chain is compared with its own previous state.
    ``reference="self"``: ``x_ref = x`` held fixed (``x_ref`` is unused), which for the
    Bradley–Terry model is exactly ``g = ∇f(x, t) / 2`` (one forward and backward pass).
    One autograd call per step for the batch either way.
    """
    if reference not in REFERENCES:
        raise ValueError(f"unknown guidance reference {reference!r}; choose one of: {', '.join(REFERENCES)}")
    state = {"ref": x_ref.detach().clone()}

    def guide(x: torch.Tensor, t: int) -> torch.Tensor:
        tt = torch.full((len(x),), t, dtype=torch.long)
        with torch.enable_grad():
            xg = x.detach().requires_grad_(True)
            ref = x.detach() if reference == "self" else state["ref"]
            if mode == "dominance":
                logp = log_preference(model, xg, ref, tt, mode)
            elif reference == "self":
                logp = 0.5 * model(xg, tt)  # ∇ log sigmoid(f(x) - f(x_ref)) at x_ref = x
            else:
                with torch.no_grad():
                    f_ref = model(ref, tt)
                logp = F.logsigmoid(model(xg, tt) - f_ref)
            (grad,) = torch.autograd.grad(logp.sum(), xg)
        state["ref"] = x.detach().clone()
        return grad

    return guide
