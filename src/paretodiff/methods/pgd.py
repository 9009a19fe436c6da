"""Preference-guided diffusion (arXiv 2503.17299) as one method: fit, propose, save, load.

>>> model = ParetoDiff(preset="default").fit(OfflineData(X, Y, space), seed=0)
>>> proposals = model.propose(256, seed=0)      # proposals.X, .scores["utility"], .scores["guidance_scale"]
>>> model.save("model/"); again = ParetoDiff.load("model/")

Pipeline: designs are scaled to ``[-1, 1]`` within the space's box (by default the data's
range); an unconditional generative model learns them along a probability path, the DDPM's
or the flow's straight line (:mod:`paretodiff.generative`); a time-aware utility learns the
diversity-aware preference on pairs noised along the same path (:mod:`paretodiff.preference`);
sampling adds ``s · ∇ log p(x ≻ x_ref | t)`` to the score at every step (see
``docs/method.md``).  The settings are a :class:`~paretodiff.methods.pgd_config.PGDConfig`;
model files are :mod:`~paretodiff.methods.pgd_files`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from paretodiff import constraints, networks, preference, search, selection, settings
from paretodiff.errors import ModelError
from paretodiff.generative import paths, samplers, training
from paretodiff.generative.registry import SAMPLERS
from paretodiff.methods.base import OfflineData, Proposals, check_n
from paretodiff.methods.pgd_config import PGDConfig, as_trained, from_dict, from_preset, with_overrides
from paretodiff.metrics import Normalizer
from paretodiff.negation import NegationSet
from paretodiff.objective_model import ObjectiveModel
from paretodiff.pareto import Ranking, nondominated_mask, rank_designs
from paretodiff.runtime import seeded
from paretodiff.space import DesignSpace

N_REFERENCE = 256  # the initial x_ref is the training design ranked N_REFERENCE-th
MAX_POOL_ROUNDS = 4  # pools drawn at most while fewer than n of the samples are new designs


@dataclass
class FitReport:
    """Timings and training facts of :meth:`ParetoDiff.fit`."""

    seconds: float = 0.0
    generator_seconds: float = 0.0
    preference_seconds: float = 0.0
    generator_final_loss: float = float("nan")
    generator_best_val_loss: float = float("nan")
    generator_steps: int = 0
    preference_best_val_loss: float = float("nan")
    preference_steps: int = 0
    objectives_seconds: float = 0.0
    objectives_steps: int = 0
    objectives_val_rmse: list[float] | None = None
    objectives_std_scale: list[float] | None = None


@dataclass
class State:
    """What :meth:`ParetoDiff.fit` learns besides the weights (saved with them).

    Attributes:
        y_min, y_max: the objectives' range (minimized), for normalization ``(m,)``.
        x_ref: the initial reference design in ``[-1, 1]^D`` ``(D,)``.
        seed: the fit's seed.
        constraint_unit: per constraint, the unit its margins are learned in ``(c,)``
            (:func:`paretodiff.constraints.scale`); empty without constraints.
    """

    y_min: list[float]
    y_max: list[float]
    x_ref: list[float]
    seed: int
    constraint_unit: list[float] = dataclasses.field(default_factory=list)


@dataclass
class Pool:
    """What one proposal chooses from (:meth:`ParetoDiff.pool`).

    Attributes:
        X: every design sampled, then every design the search found ``(P, D)``, user's units.
        utility, scale: each one's preference-model utility and guidance scale (0: found) ``(P,)``.
        sampled: how many of the rows of ``X`` were sampled (the rest were found).
        rounds: rounds of samples drawn.
        candidates: the rows of ``X`` that are new designs (:func:`paretodiff.selection.new_designs`).
        mean, std, p_feasible: the objective model's predictions for the candidates
            (:meth:`ParetoDiff._predict`).
    """

    X: np.ndarray
    utility: np.ndarray
    scale: np.ndarray
    sampled: int
    rounds: int
    candidates: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    p_feasible: np.ndarray


def networks_for(config: PGDConfig, dim: int) -> tuple[nn.Module, nn.Module]:
    """The generator's network and the utility of ``config`` for ``dim`` design columns."""
    net, n_steps = config.networks, config.generator.n_steps
    tie = config.preference.label_mode == "dominance"
    if config.generator.arch == "faithful":
        denoiser = networks.AuthorsDenoiser(dim, net.authors_width)
    else:
        denoiser = networks.Denoiser(dim, net.width, net.depth, net.time_width, n_steps)
    if config.preference.arch == "faithful":
        utility = networks.AuthorsUtility(dim, net.authors_width, tie)
    else:
        utility = networks.Utility(dim, net.width, net.depth, net.time_width, n_steps, tie)
    return denoiser, utility


def check_weights(net: nn.Module, what: str) -> None:
    """Raise :class:`ModelError` if a weight of ``net`` is not finite (``what`` starts the message)."""
    for name, tensor in net.state_dict().items():
        if tensor.is_floating_point() and not torch.isfinite(tensor).all():
            raise ModelError(f"{what}: non-finite weights in {name}")


def share(n: int, k: int) -> list[int]:
    """``n`` designs shared among ``k`` guidance scales: ``n // k`` each, the remainder to the first."""
    return [n // k + (i < n % k) for i in range(k)]


class ParetoDiff:
    """Preference-guided diffusion for offline multi-objective optimization.

    Args:
        config: every setting; default :func:`~paretodiff.methods.pgd_config.from_preset` of ``preset``.
        preset: ``"default"`` (ours) or ``"faithful"`` (the authors' choices), when no ``config``.
        quiet: no progress bars.
        **overrides: settings by their dotted keys (``**{"sampling.steps": 25}``), applied to
            the config.
    """

    name = "pgd"

    def __init__(self, config: PGDConfig | None = None, *, preset: str = "default", quiet: bool = True,
                 **overrides) -> None:
        if config is None:
            config = from_preset(preset, **overrides)
        elif overrides:
            config = from_dict(with_overrides(dataclasses.asdict(config), overrides))
        self.config = config
        self.quiet = quiet
        self.denoiser: nn.Module | None = None
        self.utility: nn.Module | None = None
        self.objectives: ObjectiveModel | None = None
        self.negation: NegationSet | None = None  # the failed designs steered away from (paretodiff.negation)
        self.space: DesignSpace | None = None
        self.state: State | None = None
        self.fit_report = FitReport()
        self.pool_report: dict = {}
        self.measured: np.ndarray | None = None  # digests of the measured designs (selection.design_digests)
        self.front: np.ndarray | None = None  # the measured front (F, m): normalized, minimized objectives
        self.candidates: np.ndarray | None = None  # the last proposal's pool of new designs (P, D)

    # -- scaling ---------------------------------------------------------------------------

    def _to_unit(self, X: np.ndarray) -> torch.Tensor:
        """Designs ``(N, D)`` -> ``[-1, 1]^K`` (float32), ``K = space.n_unit`` (one-hot categorical columns)."""
        return torch.as_tensor(2.0 * self.space.to_unit(X) - 1.0, dtype=torch.float32)

    def _into_search_box(self, U: torch.Tensor) -> torch.Tensor:
        """Samples ``(N, K)`` on ``[-1, 1]^K`` projected into the search box (the chains run in
        the whole box, where the generator learned every row; a no-op without narrowed bounds)."""
        if not self.space.narrowed:
            return U
        lower, upper = (torch.as_tensor(2.0 * b - 1.0, dtype=U.dtype) for b in self.space.search_unit())
        return torch.maximum(torch.minimum(U, upper), lower)

    def _from_unit(self, U: torch.Tensor) -> np.ndarray:
        """``[-1, 1]^K`` -> designs ``(N, D)`` (integer, discrete and categorical columns decoded and
        rounded, constant columns kept: :meth:`DesignSpace.from_unit`)."""
        return self.space.from_unit((U.double().numpy() + 1.0) / 2.0)

    # -- fit -------------------------------------------------------------------------------

    def fit(self, data: OfflineData, seed: int = 0) -> "ParetoDiff":
        """Learn the designs' distribution and the preference between them.

        Args:
            data: the measured designs, their objectives and the space (names, box, senses).
            seed: seeds the split, the weights, the batches and the noise.
        """
        seed = settings.check_seed(seed)
        if len(data.X) < 2:
            raise ValueError(f"at least 2 designs are needed, got {len(data.X)}")
        self.space = data.space
        self.config = as_trained(self.config)  # saved as trained
        Y_min = data.Y_min
        normalizer = Normalizer.fit(Y_min)
        Yn = normalizer(Y_min)
        margins = constraints.margins(data.G, data.space.constraints)  # (N, c): > 0 breaks a constraint
        unit = constraints.scale(margins)
        Mn = margins / unit
        Y_rank = constraints.penalized(Yn, constraints.total_violation(Mn))  # feasible designs rank first
        start = time.perf_counter()
        with seeded(seed):
            generator = torch.Generator().manual_seed(seed)
            U = self._to_unit(data.X).clamp(-1.0, 1.0)
            self.denoiser, self.utility = networks_for(self.config, data.space.n_unit)
            t0 = time.perf_counter()
            gen = self._train_generator(U, generator)
            t1 = time.perf_counter()
            pref = self._train_preference(U, Y_rank, generator)
            t2 = time.perf_counter()
            self.objectives = self._train_objectives(U, np.hstack([Yn, Mn]) if data.space.n_constr else Yn, generator)
            t3 = time.perf_counter()
            self.negation = NegationSet.fit(self._to_unit(data.failed), U, generator) if len(data.failed) else None
        check_weights(self.denoiser, "the generative model's training diverged")
        check_weights(self.utility, "the preference model's training diverged")
        if self.objectives is not None:
            check_weights(self.objectives.net, "the objective model's training diverged")
        self.measured = selection.design_digests(data.X)
        feasible = data.feasible
        measured = Yn[feasible] if feasible.any() else Yn  # the front to improve on: feasible designs'
        self.front = measured[nondominated_mask(measured)].astype(np.float64)
        ranking = pref.ranking if len(pref.ranking.rank) == len(Yn) else rank_designs(Y_rank)
        self.state = State(normalizer.y_min.tolist(), normalizer.y_max.tolist(),
                           U[_reference_row(ranking)].tolist(), seed,
                           unit.tolist() if data.space.n_constr else [])
        self.fit_report = FitReport(
            seconds=time.perf_counter() - start, generator_seconds=t1 - t0, preference_seconds=t2 - t1,
            generator_final_loss=gen["final_loss"], generator_best_val_loss=gen["best_val_loss"],
            generator_steps=gen["steps"], preference_best_val_loss=pref.best_val_loss, preference_steps=pref.steps,
            objectives_seconds=t3 - t2,
            objectives_steps=self.objectives.facts.steps if self.objectives else 0,
            objectives_val_rmse=self.objectives.facts.val_rmse if self.objectives else None,
            objectives_std_scale=self.objectives.facts.std_scale if self.objectives else None,
        )
        return self

    def _train_generator(self, U: torch.Tensor, generator: torch.Generator) -> dict:
        """Train the generative network (ε or velocity) with AdamW and EMA, for at most
        ``training.steps`` steps, stopping early on a validation plateau if enabled."""
        g, t = self.config.generator, self.config.generator.training
        data = U if g.data == "all" else U[: max(1, int((1 - self.config.preference.val_fraction) * len(U)))]
        path = self.path
        validation = None
        if t.val_every:
            n_val = min(g.val_rows, max(1, len(data) // 10))
            order = torch.randperm(len(data), generator=generator)
            val_x, data = data[order[:n_val]], data[order[n_val:]]
            validation = (val_x, path.sample_times(n_val, generator), torch.randn(val_x.shape, generator=generator))
        model = self.denoiser.train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=t.lr, weight_decay=t.weight_decay, foreach=True)
        ema = training.EMA(model, g.ema_decay, g.ema_warmup)
        batches = training.batches(len(data), min(t.batch, len(data)), generator)
        losses = torch.zeros(t.steps)

        def train_step(step: int) -> None:
            loss = training.denoising_loss(model, path, data[next(batches)], generator)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), g.grad_clip)
            optimizer.step()
            ema.update(model)
            losses[step - 1] = loss.detach()

        def validate() -> float:
            with torch.inference_mode():
                return float(training.fixed_loss(ema.model, path, *validation))

        with tqdm(total=t.steps, desc="train generator", unit="step", disable=self.quiet, leave=False) as bar:
            stopped = training.early_stopping(train_step, validate if validation is not None else None, ema.model,
                                              rounds=t.steps, every=t.val_every or 1, patience=t.patience,
                                              progress=bar.update)
        self.denoiser = ema.model
        step = stopped.rounds
        final = float(losses[max(0, step - 100) : step].mean()) if step else float("nan")
        best = stopped.best_loss if stopped.best_round else float("nan")
        return {"final_loss": final, "best_val_loss": best, "steps": step}

    def _train_preference(self, U: torch.Tensor, Yn: np.ndarray, generator: torch.Generator):
        p, t = self.config.preference, self.config.preference.training
        with tqdm(total=t.steps, desc="train preference", unit="step", disable=self.quiet, leave=False) as bar:
            result = preference.train_preference(
                self.utility.train(), self.path, U, Yn, mode=p.label_mode, subsample_ratio=p.subsample_ratio,
                lr=t.lr, batch_size=t.batch, max_steps=t.steps, val_fraction=p.val_fraction, val_every=t.val_every,
                val_batches=p.val_batches, patience=t.patience, shuffle_split=p.shuffle_split, generator=generator,
                progress=bar.update,
            )
        self.utility = result.model.requires_grad_(False)
        return result

    def _train_objectives(self, U: torch.Tensor, Yn: np.ndarray, generator: torch.Generator) -> ObjectiveModel | None:
        """The objective model on the normalized objectives, or ``None`` (``objectives.members = 0``)."""
        o, t = self.config.objectives, self.config.objectives.training
        if o.members == 0:
            return None
        model = ObjectiveModel(self.space.n_unit, len(Yn[0]), o.members, o.width, o.depth)
        with tqdm(total=t.steps, desc="train objective model", unit="step", disable=self.quiet, leave=False) as bar:
            return model.fit(U, torch.as_tensor(Yn, dtype=torch.float32), generator=generator, lr=t.lr, batch=t.batch,
                             steps=t.steps, val_fraction=o.val_fraction, val_every=t.val_every or t.steps,
                             patience=t.patience, weight_decay=t.weight_decay, calibrate=o.calibrate,
                             progress=bar.update)

    @property
    def path(self) -> paths.DiffusionPath | paths.FlowPath:
        """How designs are noised: the diffusion's schedule or the flow's straight path."""
        g = self.config.generator
        if g.kind == "diffusion":
            return paths.DiffusionPath.linear(g.n_steps, g.beta_start, g.beta_end)
        return paths.FlowPath(g.n_steps)

    # -- propose -------------------------------------------------------------------------------

    def propose(self, n: int = 256, seed: int = 0, scales: Sequence[float] | None = None) -> Proposals:
        """Exactly ``n`` designs: with an objective model, the ``n`` chosen from a larger pool of new
        designs; without one, the samples themselves.

        With the objective model (``objectives.members > 0``), ``selection.pool * n`` designs are
        sampled, shared among the guidance scales in one batch; each distinct design that was
        not measured is a candidate (more rounds of samples are drawn while there are fewer
        than ``n``), and ``n`` are chosen by their predicted objectives with the configured
        ``selection.strategy`` (:mod:`paretodiff.selection`: ``pessimistic``, or ``batch``, which
        samples at least ``selection.min_batch_pool``).  :attr:`pool_report` says how many the
        pool held.  Without it (``faithful``), ``n`` designs are sampled and returned.

        Args:
            n: designs in all.
            seed: the same seed gives the same designs.
            scales: guidance scales (default: the config's ``sampling.guidance_scales``); 0 = unguided.

        Returns the designs in the user's units with their scores.  With an objective model, in
        this order: ``batch_rank`` (``batch`` strategy: 1 = chosen first; the rows come in this
        order), for every objective the predicted value ``<name>_pred`` and its uncertainty
        ``<name>_std`` (the ensemble's spread) in the user's units and sense,
        ``p_undominated`` (the predicted probability that no measured design dominates it,
        :func:`paretodiff.selection.undominated_probability`), ``expected_hvi`` (``batch``: the
        expected hypervolume improvement it added to the batch, normalized units), then
        ``utility``, ``guidance_scale`` and ``searched`` (1 for a design found by the search on
        the objective model, whose ``guidance_scale`` is then 0).  Without one: ``utility``, the
        preference model's ``f(x, t=1)`` (higher is better), and the ``guidance_scale``.
        """
        if self.denoiser is None or self.utility is None:
            raise RuntimeError("fit or load the model before proposing designs")
        n, seed = check_n(n), settings.check_seed(seed)
        c = self.config
        scales = tuple(float(s) for s in (scales if scales is not None else c.sampling.guidance_scales))
        if not scales or not all(map(math.isfinite, scales)):
            raise ValueError(f"guidance scales must be finite numbers, got {scales}")
        generator = torch.Generator().manual_seed(seed)
        if self.objectives is None:
            X, utility, scale = self._draw(n, scales, generator)
            self.pool_report = {"pool": n}
            return Proposals(X, {"utility": utility, "guidance_scale": scale})
        return self._propose_from_pool(n, scales, generator, seed)

    def pool(self, n: int, size: int, scales: tuple[float, ...], generator: torch.Generator,
             generations: int) -> Pool:
        """The candidates :meth:`propose` chooses ``n`` from: ``size`` designs sampled over ``scales``
        (more rounds while fewer than ``n`` are new), then ``generations`` of NSGA-II on the
        pessimistic predictions (:meth:`_search`), started from the ``n`` chosen from the samples
        by fronts and crowding in one round; what it finds joins them."""
        drawn: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for _ in range(MAX_POOL_ROUNDS):
            drawn.append(self._draw(size, scales, generator))
            X = np.concatenate([d[0] for d in drawn])
            candidates = selection.new_designs(X, self.measured)
            if len(candidates) >= n:
                break
        utility, scale = (np.concatenate([d[i] for d in drawn]) for i in (1, 2))
        sampled = len(X)
        mean, std, p_feasible = self._predict(X[candidates])
        start = self._pessimistic(mean, std, p_feasible >= 0.5 if self.screened else None, n)
        if generations and len(start) >= 2:
            found = self._search(X[candidates[start]], generations, generator)
            with torch.inference_mode():
                found_utility = self.utility(self._to_unit(found), torch.ones(len(found), dtype=torch.long))
            X = np.concatenate([X, found])
            utility = np.concatenate([utility, found_utility.double().numpy()])
            scale = np.concatenate([scale, np.zeros(len(found))])  # not sampled: no guidance scale
            candidates = selection.new_designs(X, self.measured)
            mean, std, p_feasible = self._predict(X[candidates])
        return Pool(X, utility, scale, sampled, len(drawn), candidates, mean, std, p_feasible)

    def _propose_from_pool(self, n: int, scales: tuple[float, ...], generator: torch.Generator, seed: int) -> Proposals:
        c = self.config.selection
        if c.strategy == "batch" and self.front is None:
            raise ModelError("this model file predates the batch strategy (it holds no measured front); "
                             "fit the model again, or choose --strategy pessimistic")
        size = max(c.pool * n, c.min_batch_pool) if c.strategy == "batch" else c.pool * n
        pool = self.pool(n, size, scales, generator, c.search_generations)
        X, candidates, mean, std, p_feasible = pool.X, pool.candidates, pool.mean, pool.std, pool.p_feasible
        target = selection.parse_target(c.target, self.space.objectives)
        inside = None
        if target:
            predicted = self._predictions_in_user_units(mean, std)
            inside = selection.inside_target({name: predicted[f"{name}_pred"] for name, _, _ in target}, target)
        if self.screened:  # predicted feasible (and inside the target) first
            inside = (p_feasible >= 0.5) & (True if inside is None else inside)
        extra: dict[str, np.ndarray] = {}
        m = self.space.n_obj
        if c.strategy == "batch":
            picked, extra = self._inside_first(lambda rows, k: self._batch(X[candidates], mean, std, k, rows),
                                               inside, n)
        else:
            picked = self._pessimistic(mean, std, inside, n, c.layers)
        if len(picked) < n:  # too few new designs in every round (a tiny discrete space): some repeat
            picked = np.concatenate([picked, picked[torch.randint(len(picked), (n - len(picked),),
                                                                  generator=generator).numpy()]])
        chosen = candidates[picked]
        self.candidates = X[candidates]  # the new designs the n were chosen from (user's units)
        self.pool_report = {"pool": len(X), "pool_rounds": pool.rounds, "pool_new": len(candidates),
                            "proposed_new": int(len(np.unique(chosen)))}
        searched = (np.arange(len(X)) >= pool.sampled).astype(float)
        extra = {k: np.concatenate([v, np.zeros(len(picked) - len(v))]) for k, v in extra.items()}  # padded: 0
        scores = {"batch_rank": np.arange(1, len(picked) + 1, dtype=float)} if c.strategy == "batch" else {}
        scores |= self._predictions_in_user_units(mean[picked], std[picked])
        if self.screened:
            scores["p_feasible"] = p_feasible[picked]
        if self.front is not None:
            scores["p_undominated"] = selection.undominated_probability(mean[picked, :m], std[picked, :m], self.front,
                                                                        seed=seed)
        scores |= {"expected_hvi": extra["expected_hvi"]} if "expected_hvi" in extra else {}
        if target:
            scores["in_target"] = selection.inside_target(
                {name: scores[f"{name}_pred"] for name, _, _ in target}, target).astype(float)
        scores |= {"utility": pool.utility[chosen], "guidance_scale": pool.scale[chosen], "searched": searched[chosen]}
        return Proposals(X[chosen], scores)

    def predicted_gain(self, X: np.ndarray) -> np.ndarray | None:
        """The hypervolume the designs ``X (N, D)`` (user's units) would add to the measured front,
        as a share of the front's own, once per member of the objective model ``(K,)``: the
        spread of these is the model's uncertainty about the gain.  ``None`` without an
        objective model or a measured front (older model files)."""
        if self.objectives is None or self.front is None:
            return None
        ref = selection.reference_point(self.front)
        draws = self._member_draws(np.asarray(X, dtype=float), ref)
        base = selection.hypervolume(self.front, ref)
        return np.array([selection.hypervolume(np.vstack([self.front, d]), ref) / base - 1.0 for d in draws])

    @staticmethod
    def _inside_first(choose, inside: np.ndarray | None, n: int) -> tuple[np.ndarray, dict]:
        """``choose(rows, k) -> (chosen rows, scores)`` applied to the candidates predicted inside
        the target first, then, if they are fewer than ``n``, to the others."""
        if inside is None or inside.all() or not inside.any():
            return choose(slice(None) if inside is None else np.arange(len(inside)), n)
        first, scores = choose(np.flatnonzero(inside), n)
        if len(first) >= n:
            return first, scores
        rest, more = choose(np.flatnonzero(~inside), n - len(first))
        return np.concatenate([first, rest]), {k: np.concatenate([v, more[k]]) for k, v in scores.items()}

    def _batch(self, X: np.ndarray, mean: np.ndarray, std: np.ndarray, n: int,
               rows: np.ndarray | slice = slice(None)) -> tuple[np.ndarray, dict]:
        """The batch strategy: ``n`` of the candidates ``X`` (among ``rows``) chosen jointly by
        expected hypervolume improvement over the measured front on the members' joint draws
        (:func:`paretodiff.selection.greedy_hypervolume_batch`), then those that improve nothing,
        by fronts and crowding on the pessimistic predictions; with ``batch_rank`` (1 = chosen
        first, counted over the whole batch by the caller) and ``expected_hvi`` (normalized
        hypervolume it added when it joined)."""
        rows = np.arange(len(X))[rows]
        ref = selection.reference_point(self.front)
        order, gain = selection.greedy_hypervolume_batch(self._member_draws(X[rows], ref), self.front, n, ref)
        if len(order) < n:
            rest = np.setdiff1d(np.arange(len(rows)), order)
            m = self.space.n_obj
            fill = rest[selection.select(mean[rows][rest, :m], std[rows][rest, :m], n - len(order), "pessimistic",
                                         self.config.selection.kappa)]
            order, gain = np.concatenate([order, fill]), np.concatenate([gain, np.zeros(len(fill))])
        return rows[order], {"expected_hvi": gain}

    def _predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The objective model on designs ``X (P, D)`` (user's units): mean and spread ``(P, m + c)``
        (normalized minimized objectives, then the constraints' margins in their units) and
        the predicted probability of meeting every constraint ``(P,)``."""
        U = self._to_unit(X)
        mean, std = (t.double().numpy() for t in self.objectives.predict(U))
        m = self.space.n_obj
        p_feasible = constraints.probability_feasible(mean[:, m:], std[:, m:])
        if self.negation is not None:  # and of working: not like the failed designs
            p_feasible = p_feasible * (1.0 - self.negation.p_fail(U).double().numpy())
        return mean, std, p_feasible

    @property
    def screened(self) -> bool:
        """Whether proposals are screened by ``p_feasible``: with constraints or failed designs."""
        return bool(self.space.n_constr) or self.negation is not None

    def _pessimistic(self, mean: np.ndarray, std: np.ndarray, inside: np.ndarray | None, n: int,
                     layers: int = 1) -> np.ndarray:
        """``n`` rows by fronts and crowding on the pessimistic objectives, in ``layers`` rounds
        (:func:`paretodiff.selection.layered`); the rows ``inside`` (a mask ``(P,)``: predicted
        feasible, inside the target) first, where it is given."""
        m, kappa = self.space.n_obj, self.config.selection.kappa

        def choose(rows: np.ndarray, k: int) -> tuple[np.ndarray, dict]:
            return rows[selection.select(mean[rows, :m], std[rows, :m], k, "pessimistic", kappa, layers)], {}

        return choose(np.arange(len(mean)), n)[0] if inside is None else self._inside_first(choose, inside, n)[0]

    def _member_draws(self, X: np.ndarray, ref: np.ndarray) -> np.ndarray:
        """The members' joint draws of the objectives of ``X (P, D)``, ``(K, P, m)`` normalized and
        minimized; where a member predicts a constraint broken, the design is put past the
        reference point ``ref`` (it adds no hypervolume in that draw)."""
        U = self._to_unit(X)
        draws = self.objectives.members(U).double().numpy()
        m = self.space.n_obj
        if not self.screened:
            return draws
        broken = (draws[:, :, m:] > 0).any(axis=2)
        if self.negation is not None:  # like the failed designs: in every draw
            broken |= (self.negation.p_fail(U).double().numpy() >= 0.5)[None, :]
        objectives = draws[:, :, :m].copy()
        objectives[broken] = np.asarray(ref) + 1.0
        return objectives

    def _search(self, start: np.ndarray, generations: int, generator: torch.Generator) -> np.ndarray:
        """NSGA-II on the pessimistic predictions from the designs ``start`` ``(P, D)`` (with
        constraints, their pessimistic margins as its constraints): its final population, in
        the user's units."""
        c, m = self.config.selection, self.space.n_obj

        n_constr = self.space.n_constr + (self.negation is not None)

        def predict(U01: np.ndarray):  # judged at the design each point decodes to (mixed columns)
            U = torch.as_tensor(2.0 * self.space.snap_unit(U01) - 1.0, dtype=torch.float32)
            mean, std = self.objectives.predict(U)
            worst = selection.pessimistic(mean.double().numpy(), std.double().numpy(), c.kappa)
            G = worst[:, m:]
            if self.negation is not None:  # like the failed designs: broken
                G = np.column_stack([G, self.negation.p_fail(U).double().numpy() - 0.5])
            return (worst[:, :m], G) if n_constr else worst

        seed = int(torch.randint(2**31 - 1, (1,), generator=generator))
        if c.search_engine == "pymoo":
            found = search.nsga2(predict, self.space.to_unit(start), m, generations, True, seed,
                                 *self.space.search_unit(), n_constr=n_constr)
        else:
            found = search.nsga2_arrays(predict, self.space.to_unit(start), m, generations, seed,
                                        *self.space.search_unit(), n_constr=n_constr)
        return self.space.from_unit(found)

    def _predictions_in_user_units(self, mean: np.ndarray, std: np.ndarray) -> dict[str, np.ndarray]:
        """``<name>_pred`` and ``<name>_std`` per objective, then per constraint column, in the
        user's units, from the model's normalized predictions ``(n, m + c)``."""
        m = self.space.n_obj
        y_min, y_max = np.array(self.state.y_min), np.array(self.state.y_max)
        span = np.where(y_max > y_min, y_max - y_min, 1.0)
        value = self.space.minimized(mean[:, :m] * span + y_min)  # minimized(-) is its own inverse
        out = {}
        for j, name in enumerate(self.space.objectives):
            out[f"{name}_pred"], out[f"{name}_std"] = value[:, j], std[:, j] * span[j]
        if self.space.n_constr:
            unit = np.array(self.state.constraint_unit)
            columns = constraints.values(mean[:, m:] * unit, self.space.constraints)
            for j, rule in enumerate(self.space.constraints):
                out[f"{rule.name}_pred"], out[f"{rule.name}_std"] = columns[:, j], std[:, m + j] * unit[j]
        return out

    def _draw(self, n: int, scales: tuple[float, ...], generator: torch.Generator):
        """``n`` samples shared among ``scales`` (``n // k`` each, the remainder to the first), all
        chains in one batch: designs ``(n, D)`` in the user's units, utilities and scales ``(n,)``."""
        c = self.config
        counts = share(n, len(scales))
        scale = torch.tensor(scales, dtype=torch.float32).repeat_interleave(torch.tensor(counts))
        x = torch.randn((n, self.space.n_unit), generator=generator)
        x_ref = torch.tensor(self.state.x_ref, dtype=torch.float32).expand_as(x)
        guide = None
        if any(scales):
            gradient = preference.make_guide(self.utility, x_ref, c.preference.label_mode, c.sampling.guide_reference)
            if self.negation is not None:  # and away from the failed designs
                gradient = self.negation.steer(gradient)
            guide = samplers.Guide(gradient, scale.reshape(-1, 1))
        with tqdm(total=self.n_sample_steps, desc="sample", unit="step", disable=self.quiet, leave=False) as bar:
            with torch.inference_mode() if guide is None else contextlib.nullcontext():
                U = self._into_search_box(self._sample(x, generator, guide, bar.update))
            with torch.inference_mode():
                utility = self.utility(U, torch.ones(len(U), dtype=torch.long)).double().numpy()
        X = self._from_unit(U)
        if not (np.isfinite(X).all() and np.isfinite(utility).all()):
            raise ModelError(f"the model proposed {int((~np.isfinite(X).all(axis=1)).sum())} design(s) with "
                             "non-finite values; nothing can be proposed from it")
        return X, utility, scale.double().numpy()

    @property
    def n_sample_steps(self) -> int:
        """Steps the configured sampler takes (network calls: twice as many, less one, for Heun)."""
        return len(self._grid()) - 1

    def _grid(self) -> list[int]:
        c = self.config
        return samplers.grid(SAMPLERS[c.sampling.sampler], c.generator.n_steps, c.sampling.steps,
                             c.sampling.time_grid)

    def _sample(self, x: torch.Tensor, generator: torch.Generator, guide, progress) -> torch.Tensor:
        s = self.config.sampling
        spec = SAMPLERS[s.sampler]
        options = {keyword: getattr(s, name) for keyword, name in (spec.options or {}).items()}
        return spec.function(self.denoiser, self.path, x, self._grid(), guide=guide, callback=lambda _: progress(),
                             generator=generator, **options)

    # -- the method interface, files ------------------------------------------------------------

    def settings(self) -> dict:
        return self.config.to_dict()

    def facts(self) -> dict:
        return dataclasses.asdict(self.fit_report) | ({"pool": self.pool_report} if self.pool_report else {})

    def save(self, directory: str | os.PathLike, *, overwrite: bool = False) -> None:
        """Write the model to the folder ``directory`` (:func:`paretodiff.methods.pgd_files.save`)."""
        from paretodiff.methods import pgd_files

        pgd_files.save(self, directory, overwrite=overwrite)

    @classmethod
    def load(cls, directory: str | os.PathLike, *, quiet: bool = True) -> "ParetoDiff":
        """Read a model saved by :meth:`save`, verified (:func:`paretodiff.methods.pgd_files.load`)."""
        from paretodiff.methods import pgd_files

        return pgd_files.load(directory, quiet=quiet)


def _reference_row(ranking: Ranking) -> int:
    """The training design ranked ``N_REFERENCE``-th (or last): the initial ``x_ref``."""
    return int(np.flatnonzero(ranking.rank == min(N_REFERENCE, len(ranking.rank)) - 1)[0])
