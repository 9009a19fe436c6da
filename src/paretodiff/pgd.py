"""Preference-guided diffusion (arXiv 2503.17299) as one estimator: config, fit, propose, save.

>>> model = ParetoDiff(PGDConfig.preset("default")).fit(X, Y, senses=["min", "max"])
>>> proposals = model.propose(n=256, seed=0)          # proposals.X in the user's units
>>> model.save("model/"); again = ParetoDiff.load("model/")

Pipeline: designs are scaled to ``[-1, 1]`` within the bounds (by default the data's
range); an unconditional generative model learns them: a DDPM (:mod:`paretodiff.diffusion`)
or a straight-path flow (:mod:`paretodiff.flow`); a time-aware utility learns the
diversity-aware preference on pairs noised along the same path (:mod:`paretodiff.guidance`);
sampling adds ``s · ∇ log p(x ≻ x_ref | t)`` to the score at every step (as a DDPM mean
shift, in the noise prediction, or in the velocity; see ``docs/method.md``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from safetensors.torch import load as safetensors_load
from safetensors.torch import save_file
from torch import nn
from tqdm.auto import tqdm

from paretodiff import files, guidance, models, settings
from paretodiff.generative import paths, samplers, training
from paretodiff.generative.grids import TIME_GRIDS
from paretodiff.errors import InputError, ModelError
from paretodiff.metrics import Normalizer
from paretodiff.pareto import Ranking, rank_designs

FORMAT_VERSION = 2  # 2: config.json carries SHA-256 digests of the weights and of itself
N_REFERENCE = 256  # the initial x_ref is the training design ranked N_REFERENCE-th


@dataclass
class PGDConfig:
    """Every hyper-parameter of preference-guided diffusion. Use :meth:`preset` to start.

    Generative model: ``generative`` ``"diffusion"`` (a DDPM with ``n_steps`` T and a linear
    ``beta_start..beta_end`` schedule) or ``"flow"`` (flow matching on the straight path,
    on the same integer time scale ``t in [0, T)``).  Networks:
    ``denoiser_arch`` and ``utility_arch`` are each ``"faithful"`` (the authors', hidden
    width ``authors_width``) or ``"default"`` (ours: ``width`` × ``depth`` residual blocks
    with a ``time_width`` Fourier time embedding).  Training: AdamW for
    ``diffusion_steps`` steps; the kept weights are an exponential moving average with decay
    ``ema_decay`` after ``ema_warmup`` steps of plain copies (``ema_decay = 0``: no averaging,
    the default's choice at its 200-step budget); ``diffusion_data`` is ``"all"`` or
    ``"head"`` (the first ``1 - pref_val_fraction`` of rows, as the authors did).  With
    ``diffusion_val_every > 0``, ``diffusion_val_rows`` random rows are held out and the EMA
    model's loss on them (at fixed noise draws) is checked every ``diffusion_val_every``
    steps; training stops after ``diffusion_patience`` checks without improvement and the
    best EMA weights are kept (0: the full budget, no hold-out, as the authors did).

    Preference: ``label_mode`` ``crowding`` | ``subcrowding`` | ``dominance``; Adam at
    ``pref_lr`` for at most ``pref_max_steps``, validating every ``pref_val_every`` steps
    on a ``pref_val_fraction`` hold-out (shuffled if ``shuffle_split``), stopping after
    ``pref_patience`` checks without improvement, best weights restored.

    Sampling (:data:`SAMPLERS`): for the diffusion ``ddpm`` (all ``n_steps - 1`` ancestral
    steps; ``sample_steps`` must then be ``n_steps - 1`` or ``n_steps``), ``ddim`` or
    ``heun`` (``sample_steps`` deterministic steps, first or second order); for the flow
    ``euler`` or ``heun``.  The deterministic samplers use a ``time_grid`` (``uniform`` or
    ``quadratic`` in t); ``clip_denoised`` clips the diffusion's predicted clean design to
    the box at every ``ddim``/``heun`` step.  ``guide_reference`` is ``previous`` (the
    authors' x_ref rule) or ``self`` (x_ref = x: ``g = ∇f / 2`` at any step count).  One
    batch holds ``n`` chains per value of ``guidance_scales``; ``clamp_every`` clamps to
    the box every k ``ddpm`` steps (0: at the end).
    """

    preset: str = "default"
    generative: str = "flow"
    n_steps: int = 1000
    beta_start: float = 1e-4
    beta_end: float = 0.02
    denoiser_arch: str = "faithful"
    utility_arch: str = "default"
    authors_width: int = 128
    width: int = 128
    depth: int = 2
    time_width: int = 64
    diffusion_lr: float = 5e-4
    diffusion_weight_decay: float = 0.01
    diffusion_batch: int = 256
    diffusion_steps: int = 200
    grad_clip: float = 1.0
    ema_decay: float = 0.0
    ema_warmup: int = 0
    diffusion_data: str = "all"
    diffusion_val_every: int = 50
    diffusion_val_rows: int = 2048
    diffusion_patience: int = 4
    label_mode: str = "crowding"
    subsample_ratio: float = 0.3
    pref_lr: float = 1e-3
    pref_batch: int = 256
    pref_max_steps: int = 200
    pref_val_fraction: float = 0.1
    pref_val_every: int = 50
    pref_val_batches: int = 4
    pref_patience: int = 4
    shuffle_split: bool = True
    sampler: str = "euler"
    sample_steps: int = 10
    time_grid: str = "uniform"
    clip_denoised: bool = False
    guide_reference: str = "self"
    guidance_scales: tuple[float, ...] = (10.0,)
    clamp_every: int = 100

    def validate(self) -> "PGDConfig":
        """Check every field's type and range; raise ``ValueError`` naming the field otherwise.

        Values are normalized in place (ints given for float fields become floats, lists
        for ``guidance_scales`` a tuple of floats).
        """
        for name, value in settings.coerce(PGDConfig, dataclasses.asdict(self), "config value").items():
            setattr(self, name, value)
        checks = {
            "generative": (self.generative in SAMPLERS, f"one of {', '.join(SAMPLERS)}"),
            "denoiser_arch": (self.denoiser_arch in ("faithful", "default"), "faithful or default"),
            "utility_arch": (self.utility_arch in ("faithful", "default"), "faithful or default"),
            "label_mode": (self.label_mode in guidance.LABEL_MODES, f"one of {', '.join(guidance.LABEL_MODES)}"),
            "sampler": (self.sampler in SAMPLERS.get(self.generative, ()),
                        f"for generative={self.generative!r} one of {', '.join(SAMPLERS.get(self.generative, ()))}"),
            "time_grid": (self.time_grid in TIME_GRIDS, f"one of {', '.join(TIME_GRIDS)}"),
            "guide_reference": (self.guide_reference in guidance.REFERENCES, f"one of {', '.join(guidance.REFERENCES)}"),
            "diffusion_data": (self.diffusion_data in ("all", "head"), "all or head"),
            "guidance_scales": (len(self.guidance_scales) >= 1, "at least one finite value"),
            "n_steps": (self.n_steps >= 2, "at least 2"),
            "beta_start": (0.0 < self.beta_start <= self.beta_end, "above 0 and at most beta_end"),
            "beta_end": (self.beta_end < 1.0, "below 1"),
            "sample_steps": ((self.sample_steps >= self.n_steps - 1) if self.sampler == "ddpm"
                             else self.sample_steps >= 1,
                             f"ddpm takes all n_steps - 1 = {self.n_steps - 1} steps" if self.sampler == "ddpm"
                             else "at least 1"),
            "time_width": (self.time_width >= 2 and self.time_width % 2 == 0, "an even number, at least 2"),
            "diffusion_weight_decay": (self.diffusion_weight_decay >= 0.0, "0 or more"),
            "diffusion_val_every": (self.diffusion_val_every >= 0, "0 (off) or more"),
            "ema_decay": (0.0 <= self.ema_decay < 1.0, "in [0, 1)"),
            "ema_warmup": (self.ema_warmup >= 0, "0 or more"),
            "subsample_ratio": (0.0 < self.subsample_ratio <= 1.0, "in (0, 1]"),
            "pref_val_fraction": (0.0 < self.pref_val_fraction < 1.0, "in (0, 1)"),
            "clamp_every": (self.clamp_every >= 0, "0 (at the end) or more"),
        }
        checks |= {name: (getattr(self, name) >= 0, "0 or more") for name in ("diffusion_lr", "pref_lr")}
        checks["grad_clip"] = (self.grad_clip > 0, "above 0")
        checks |= {name: (getattr(self, name) >= 1, "at least 1") for name in (
            "authors_width", "width", "depth", "diffusion_batch", "diffusion_steps", "diffusion_val_rows",
            "diffusion_patience", "pref_batch", "pref_max_steps", "pref_val_every", "pref_val_batches",
            "pref_patience")}
        for name, (ok, expected) in checks.items():
            if not ok:
                raise ValueError(f"invalid config value {name}={getattr(self, name)!r} (expected {expected})")
        return self


def _from_preset(cls, name: str, **overrides) -> PGDConfig:
    """``"default"`` (ours) or ``"faithful"`` (the authors' design choices), then overrides.

    A sampler chosen without ``generative`` picks the generative model it belongs to
    (``ddpm``/``ddim``: the diffusion, ``euler``: the flow); a generative model chosen without
    a sampler gets its first deterministic one (:data:`FIRST_SAMPLER`).  ``sampler="ddpm"``
    without ``sample_steps`` takes the full chain (``sample_steps = n_steps``), the only step
    count the ancestral sampler accepts.
    """
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
    settings.coerce(cls, overrides, "config value")  # unknown names and wrong types: ValueError
    values = {**PRESETS[name], **overrides}
    owners = [g for g, samplers in SAMPLERS.items() if overrides.get("sampler") in samplers]
    if "generative" not in overrides and len(owners) == 1:  # e.g. sampler=ddim alone: the diffusion
        values["generative"] = owners[0]
    generative = values.get("generative", cls().generative)
    if "sampler" not in overrides and values.get("sampler", cls().sampler) not in SAMPLERS.get(generative, ()):
        values["sampler"] = FIRST_SAMPLER.get(generative, cls().sampler)  # e.g. generative=diffusion alone: ddim
    if overrides.get("sampler") == "ddpm" and "sample_steps" not in overrides:
        values["sample_steps"] = values.get("n_steps", cls().n_steps)
    return dataclasses.replace(cls(), preset=name, **values)


# Attached after the class is made: inside the class body the method would replace the
# default of the field of the same name (``PGDConfig().preset`` must be ``"default"``).
PGDConfig.preset = classmethod(_from_preset)


# the samplers of each generative model, from the registry (the first deterministic one is
# what choosing only the generative model gives)
SAMPLERS: dict[str, tuple[str, ...]] = {kind: samplers.for_path(kind) for kind in paths.PATHS}
FIRST_SAMPLER: dict[str, str] = {kind: next(n for n in names if not samplers.SAMPLERS[n].full_chain)
                                 for kind, names in SAMPLERS.items()}

# Values of the fields added with the fast variants that reproduce the first, authors'-style
# sampler (the diffusion, the authors' x_ref rule, ...); part of the faithful preset.
LEGACY: dict[str, object] = {
    "generative": "diffusion", "diffusion_val_every": 0, "diffusion_val_rows": 2048, "diffusion_patience": 4,
    "time_grid": "uniform", "clip_denoised": True, "guide_reference": "previous",
}

PRESETS: dict[str, dict] = {
    "default": {},
    "faithful": {
        **LEGACY, "denoiser_arch": "faithful", "utility_arch": "faithful", "authors_width": 512,
        "width": 256, "depth": 3, "time_width": 128,
        "diffusion_lr": 5e-4, "diffusion_batch": 256, "diffusion_steps": 3000, "ema_decay": 0.99, "ema_warmup": 2000,
        "diffusion_data": "head", "pref_lr": 1e-5, "pref_batch": 256, "pref_max_steps": 3000, "pref_val_every": 250,
        "pref_val_batches": 4, "pref_patience": 4, "shuffle_split": False, "sampler": "ddpm", "sample_steps": 1000,
        "guidance_scales": (10.0, 20.0), "clamp_every": 100,
    },
}


@dataclass
class Proposals:
    """Proposed designs.

    Attributes:
        X: designs ``(n · k, D)`` in the user's units (integer columns rounded), for ``k``
           guidance scales, grouped by scale.
        utility: the preference model's utility ``f(x, t=1)`` of each design (higher is
           better), ``(n · k,)``.
        scale: the guidance scale that produced each design, ``(n · k,)``.
    """

    X: np.ndarray
    utility: np.ndarray
    scale: np.ndarray


@dataclass
class FitReport:
    """Timings and training facts of :meth:`ParetoDiff.fit`."""

    seconds: float = 0.0
    diffusion_seconds: float = 0.0
    preference_seconds: float = 0.0
    diffusion_final_loss: float = float("nan")
    diffusion_best_val_loss: float = float("nan")
    diffusion_steps: int = 0
    preference_best_val_loss: float = float("nan")
    preference_steps: int = 0


def _nn_pair(config: PGDConfig, dim: int) -> tuple[nn.Module, nn.Module]:
    tie = config.label_mode == "dominance"
    if config.denoiser_arch == "faithful":
        denoiser = models.AuthorsDenoiser(dim, config.authors_width)
    else:
        denoiser = models.Denoiser(dim, config.width, config.depth, config.time_width, config.n_steps)
    if config.utility_arch == "faithful":
        utility = models.AuthorsUtility(dim, config.authors_width, tie)
    else:
        utility = models.Utility(dim, config.width, config.depth, config.time_width, config.n_steps, tie)
    return denoiser, utility


def _checked_data(X, Y, senses, bounds, input_names, objective_names):
    """The arguments of :meth:`ParetoDiff.fit` as arrays and lists, checked.

    Raises:
        InputError: shapes, non-finite values, senses, names, bounds, and columns that cannot
            be scaled (a range so wide that its width overflows), each naming the column.
    """
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    if X.ndim != 2 or Y.ndim != 2 or len(X) != len(Y) or X.shape[1] < 1:
        raise InputError(f"X and Y must be 2-D with the same number of rows, got {X.shape} and {Y.shape}")
    if Y.shape[1] < 2:
        raise InputError("at least 2 objectives are needed")
    if len(X) < 2:
        raise InputError(f"at least 2 designs are needed, got {len(X)}")
    if not (np.isfinite(X).all() and np.isfinite(Y).all()):
        raise InputError("X and Y must be finite")
    senses = list(senses or ["min"] * Y.shape[1])
    if len(senses) != Y.shape[1] or any(s not in ("min", "max") for s in senses):
        raise InputError(f"senses must be 'min' or 'max' for each of the {Y.shape[1]} objectives")
    input_names = _names(input_names, "x", X.shape[1], "input_names")
    objective_names = _names(objective_names, "f", Y.shape[1], "objective_names")
    lower, upper = (X.min(axis=0), X.max(axis=0)) if bounds is None else bounds
    lower, upper = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    if lower.shape != (X.shape[1],) or upper.shape != (X.shape[1],):
        raise InputError(f"bounds must give {X.shape[1]} lower and upper values")
    for j, name in enumerate(input_names):
        _check_range(f"input column {name!r}", lower[j], upper[j], "bounds")
    Y_min = np.where(np.array(senses) == "max", -Y, Y)
    for j, name in enumerate(objective_names):
        _check_range(f"objective column {name!r}", Y_min[:, j].min(), Y_min[:, j].max(), "values")
    return X, Y, senses, lower, upper, input_names, objective_names


def _check_range(what: str, lo: float, hi: float, kind: str) -> None:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise InputError(f"{what}: the {kind} must be finite, got [{lo:g}, {hi:g}]")
    if lo > hi:
        raise InputError(f"{what}: the lower bound {lo:g} is above the upper bound {hi:g}")
    with np.errstate(over="ignore"):
        if not np.isfinite(hi - lo):
            raise InputError(f"{what}: the {kind} span [{lo:g}, {hi:g}], too wide to scale "
                             "(its width overflows a float); rescale the column")


def _names(names, prefix: str, count: int, what: str) -> list[str]:
    names = [f"{prefix}{j}" for j in range(count)] if names is None else [str(n) for n in names]
    if len(names) != count or len(set(names)) != count:
        raise InputError(f"{what} must be {count} distinct names, got {names!r}")
    return names


def _checked_integer_columns(X: np.ndarray, columns) -> list[int]:
    """The integer columns (default: those holding only whole numbers), checked."""
    if columns is None:
        return [j for j in range(X.shape[1]) if np.all(X[:, j] == np.round(X[:, j]))]
    columns = [int(j) for j in columns]
    if len(set(columns)) != len(columns) or any(not 0 <= j < X.shape[1] for j in columns):
        raise InputError(f"integer_columns must be distinct column indices below {X.shape[1]}, got {columns}")
    return columns


def _check_weights(net: nn.Module, what: str) -> None:
    """Raise :class:`ModelError` if a weight of ``net`` is not finite (``what`` starts the message)."""
    for name, tensor in net.state_dict().items():
        if tensor.is_floating_point() and not torch.isfinite(tensor).all():
            raise ModelError(f"{what}: non-finite weights in {name}")


class ParetoDiff:
    """Preference-guided diffusion for offline multi-objective optimization."""

    def __init__(self, config: PGDConfig | None = None, *, quiet: bool = True) -> None:
        self.config = (config or PGDConfig()).validate()
        self.quiet = quiet
        self.denoiser: nn.Module | None = None
        self.utility: nn.Module | None = None
        self.fit_report = FitReport()
        self.meta: dict = {}

    # -- scaling ---------------------------------------------------------------------

    def _box(self) -> tuple[np.ndarray, np.ndarray]:
        """The box's lower corner and widths ``(D,)``; a constant column (zero width) gets width 1."""
        lo, hi = np.asarray(self.meta["lower"]), np.asarray(self.meta["upper"])
        return lo, np.where(hi > lo, hi - lo, 1.0)

    def _to_unit(self, X: np.ndarray) -> torch.Tensor:
        lo, span = self._box()
        return torch.as_tensor(2.0 * (X - lo) / span - 1.0, dtype=torch.float32)

    def _from_unit(self, U: torch.Tensor) -> np.ndarray:
        lo, span = self._box()
        hi = np.asarray(self.meta["upper"])
        X = lo + (U.double().numpy() + 1.0) / 2.0 * span
        X[:, hi <= lo] = lo[hi <= lo]  # a constant column stays constant
        for j in self.meta["integer_columns"]:
            X[:, j] = np.clip(np.round(X[:, j]), np.ceil(lo[j]), np.floor(hi[j]))
        return X

    # -- fit ---------------------------------------------------------------------------

    def fit(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        *,
        senses: Sequence[str] | None = None,
        bounds: tuple[Sequence[float], Sequence[float]] | None = None,
        integer_columns: Sequence[int] | None = None,
        input_names: Sequence[str] | None = None,
        objective_names: Sequence[str] | None = None,
        seed: int = 0,
    ) -> "ParetoDiff":
        """Learn the designs' distribution and the preference between them.

        Args:
            X: designs ``(N, D)`` in the user's units.
            Y: measured objectives ``(N, m)``, ``m >= 2``.
            senses: ``"min"`` or ``"max"`` per objective (default: all ``"min"``).
            bounds: ``(lower, upper)`` arrays of length D; default the data's range.
            integer_columns: columns rounded to whole numbers on output; default: the
                columns whose values are all whole numbers.
            input_names, objective_names: column names kept with the model (default
                ``x0..``, ``f0..``).
            seed: seeds the split, the weights, the batches and the noise.
        """
        X, Y, senses, lower, upper, input_names, objective_names = _checked_data(
            X, Y, senses, bounds, input_names, objective_names)
        integer_columns = _checked_integer_columns(X, integer_columns)
        seed = settings.check_seed(seed)
        Y_min = np.where(np.array(senses) == "max", -Y, Y)
        normalizer = Normalizer.fit(Y_min)
        self.meta = {
            "lower": lower.tolist(), "upper": upper.tolist(), "senses": senses,
            "integer_columns": [int(j) for j in integer_columns], "n_var": int(X.shape[1]), "n_obj": int(Y.shape[1]),
            "y_min": normalizer.y_min.tolist(), "y_max": normalizer.y_max.tolist(), "seed": int(seed),
            "input_names": input_names, "objective_names": objective_names,
        }
        Yn = normalizer(Y_min)
        start = time.perf_counter()
        with _seeded(seed):
            generator = torch.Generator().manual_seed(seed)
            U = self._to_unit(X).clamp(-1.0, 1.0)
            self.denoiser, self.utility = _nn_pair(self.config, X.shape[1])
            t0 = time.perf_counter()
            gen = self._train_denoiser(U, generator)
            t1 = time.perf_counter()
            pref = self._train_preference(U, Yn, generator)
            t2 = time.perf_counter()
        _check_weights(self.denoiser, "the generative model's training diverged")
        _check_weights(self.utility, "the preference model's training diverged")
        ranking = pref.ranking if len(pref.ranking.rank) == len(Yn) else rank_designs(Yn)
        self.meta["x_ref"] = U[_reference_row(ranking)].tolist()
        self.fit_report = FitReport(
            seconds=time.perf_counter() - start, diffusion_seconds=t1 - t0, preference_seconds=t2 - t1,
            diffusion_final_loss=gen["final_loss"], diffusion_best_val_loss=gen["best_val_loss"],
            diffusion_steps=gen["steps"], preference_best_val_loss=pref.best_val_loss, preference_steps=pref.steps,
        )
        return self

    def _train_denoiser(self, U: torch.Tensor, generator: torch.Generator) -> dict:
        """Train the generative network (ε or velocity) with AdamW and EMA, for at most
        ``diffusion_steps`` steps, stopping early on a validation plateau if enabled."""
        c = self.config
        data = U if c.diffusion_data == "all" else U[: max(1, int((1 - c.pref_val_fraction) * len(U)))]
        path = self.path
        validation = None
        if c.diffusion_val_every:
            n_val = min(c.diffusion_val_rows, max(1, len(data) // 10))
            order = torch.randperm(len(data), generator=generator)
            val_x, data = data[order[:n_val]], data[order[n_val:]]
            validation = (val_x, path.sample_times(n_val, generator), torch.randn(val_x.shape, generator=generator))
        model = self.denoiser.train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=c.diffusion_lr, weight_decay=c.diffusion_weight_decay)
        ema = training.EMA(model, c.ema_decay, c.ema_warmup)
        batches = training.batches(len(data), min(c.diffusion_batch, len(data)), generator)
        losses = torch.zeros(c.diffusion_steps)

        def train_step(step: int) -> None:
            loss = training.denoising_loss(model, path, data[next(batches)], generator)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), c.grad_clip)
            optimizer.step()
            ema.update(model)
            losses[step - 1] = loss.detach()

        def validate() -> float:
            with torch.inference_mode():
                return float(training.fixed_loss(ema.model, path, *validation))

        with tqdm(total=c.diffusion_steps, desc="train generator", unit="step", disable=self.quiet, leave=False) as bar:
            stopped = training.early_stopping(
                train_step, validate if validation is not None else None, ema.model, rounds=c.diffusion_steps,
                every=c.diffusion_val_every or 1, patience=c.diffusion_patience, progress=bar.update)
        self.denoiser = ema.model
        step = stopped.rounds
        final = float(losses[max(0, step - 100) : step].mean()) if step else float("nan")
        best = stopped.best_loss if stopped.best_round else float("nan")
        return {"final_loss": final, "best_val_loss": best, "steps": step}

    def _train_preference(self, U: torch.Tensor, Yn: np.ndarray, generator: torch.Generator):
        c = self.config
        with tqdm(total=c.pref_max_steps, desc="train preference", unit="step", disable=self.quiet, leave=False) as bar:
            result = guidance.train_preference(
                self.utility.train(), self.path, U, Yn, mode=c.label_mode, subsample_ratio=c.subsample_ratio,
                lr=c.pref_lr, batch_size=c.pref_batch, max_steps=c.pref_max_steps, val_fraction=c.pref_val_fraction,
                val_every=c.pref_val_every, val_batches=c.pref_val_batches, patience=c.pref_patience,
                shuffle_split=c.shuffle_split, generator=generator, progress=bar.update,
            )
        self.utility = result.model.requires_grad_(False)
        return result

    @property
    def path(self) -> paths.DiffusionPath | paths.FlowPath:
        """How designs are noised: the diffusion's schedule or the flow's straight path."""
        c = self.config
        if c.generative == "diffusion":
            return paths.DiffusionPath.linear(c.n_steps, c.beta_start, c.beta_end)
        return paths.FlowPath(c.n_steps)

    # -- propose -------------------------------------------------------------------------

    def propose(self, n: int = 256, seed: int = 0, scales: Sequence[float] | None = None) -> Proposals:
        """Sample ``n`` designs for each guidance scale, all chains in one batch.

        Args:
            n: designs per guidance scale.
            seed: the same seed gives the same designs.
            scales: guidance scales (default: the config's ``guidance_scales``); 0 = unguided.
        """
        if self.denoiser is None or self.utility is None:
            raise RuntimeError("fit or load the model before proposing designs")
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be a whole number, at least 1, got {n!r}")
        seed = settings.check_seed(seed)
        c = self.config.validate()
        scales = tuple(float(s) for s in (scales if scales is not None else c.guidance_scales))
        if not scales or not all(map(math.isfinite, scales)):
            raise ValueError(f"guidance scales must be finite numbers, got {scales}")
        scale = torch.tensor(scales, dtype=torch.float32).repeat_interleave(n)
        generator = torch.Generator().manual_seed(seed)
        x = torch.randn((len(scale), self.meta["n_var"]), generator=generator)
        x_ref = torch.tensor(self.meta["x_ref"], dtype=torch.float32).expand_as(x)
        guide = None
        if any(scales):
            guide = samplers.Guide(guidance.make_guide(self.utility, x_ref, c.label_mode, c.guide_reference),
                                   scale.reshape(-1, 1))
        with tqdm(total=self.n_sample_steps, desc="sample", unit="step", disable=self.quiet, leave=False) as bar:
            with torch.inference_mode() if guide is None else contextlib.nullcontext():
                U = self._sample(x, generator, guide, bar.update)
            with torch.inference_mode():
                utility = self.utility(U, torch.ones(len(U), dtype=torch.long)).double().numpy()
        X = self._from_unit(U)
        if not (np.isfinite(X).all() and np.isfinite(utility).all()):
            raise ModelError(f"the model proposed {int((~np.isfinite(X).all(axis=1)).sum())} design(s) with "
                             "non-finite values; nothing can be proposed from it")
        return Proposals(X, utility, scale.double().numpy())

    @property
    def n_sample_steps(self) -> int:
        """Steps the configured sampler takes (network calls: twice as many, less one, for Heun)."""
        return len(self._grid()) - 1

    def _grid(self) -> list[int]:
        c = self.config
        return samplers.grid(samplers.SAMPLERS[c.sampler], c.n_steps, c.sample_steps, c.time_grid)

    def _sample(self, x: torch.Tensor, generator: torch.Generator, guide, progress) -> torch.Tensor:
        c = self.config
        spec = samplers.SAMPLERS[c.sampler]
        options = {keyword: getattr(c, field) for keyword, field in (spec.options or {}).items()}
        return spec.function(self.denoiser, self.path, x, self._grid(), guide=guide, callback=lambda _: progress(),
                             generator=generator, **options)

    # -- save / load ---------------------------------------------------------------------

    def save(self, directory: str | os.PathLike, *, overwrite: bool = False) -> None:
        """Write ``config.json`` and ``weights.safetensors`` to the folder ``directory``, atomically.

        ``config.json`` carries the SHA-256 of the weights file and of its own contents, which
        :meth:`load` verifies.

        Args:
            directory: a new folder, or (with ``overwrite``) a folder holding a paretodiff model.
            overwrite: replace an existing model folder.

        Raises:
            InputError: ``directory`` exists and is not a model folder, or exists without
                ``overwrite``.
        """
        if self.denoiser is None:
            raise RuntimeError("nothing to save: fit the model first")
        directory = Path(directory)
        files.check_outputs([model_output("directory", directory)], overwrite=overwrite)
        with files.atomic_folder(directory, overwrite=overwrite, old_files=MODEL_FILES) as tmp:
            tensors = {f"denoiser.{k}": v.contiguous() for k, v in self.denoiser.state_dict().items()}
            tensors |= {f"utility.{k}": v.contiguous() for k, v in self.utility.state_dict().items()}
            save_file(tensors, tmp / WEIGHTS_FILE)
            doc = {"format": MODEL_FORMAT, "format_version": FORMAT_VERSION,
                   "config": dataclasses.asdict(self.config), "meta": self.meta,
                   "weights_sha256": _sha256((tmp / WEIGHTS_FILE).read_bytes())}
            doc["sha256"] = _doc_digest(doc)
            (tmp / CONFIG_FILE).write_text(json.dumps(doc, indent=2, allow_nan=False))

    @classmethod
    def load(cls, directory: str | os.PathLike, *, quiet: bool = True) -> "ParetoDiff":
        """Read a model saved by :meth:`save`, verified.

        Raises:
            InputError: one line naming the folder and the first problem: not a model, an
                unknown format or version, a config field of the wrong type or shape, a
                digest that does not match (a changed or damaged file), unreadable or
                non-finite weights.
        """
        directory = Path(directory)
        doc = _read_model_doc(directory)
        try:
            config, meta = _checked_model_doc(doc)
        except ValueError as exc:
            raise InputError(f"{directory}/{CONFIG_FILE}: {exc}") from None
        if _doc_digest(doc) != doc["sha256"]:
            raise InputError(f"{directory}/{CONFIG_FILE}: its contents do not match their SHA-256 "
                             "(the file was changed or damaged)")
        model = cls(config, quiet=quiet)
        model.meta = meta
        model.denoiser, model.utility = _nn_pair(config, meta["n_var"])
        tensors = _read_weights(directory / WEIGHTS_FILE, doc["weights_sha256"])
        try:
            for prefix, net in (("denoiser.", model.denoiser), ("utility.", model.utility)):
                net.load_state_dict({k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}, strict=True)
        except RuntimeError as exc:
            raise InputError(f"{directory}/{WEIGHTS_FILE}: weights that do not fit the config "
                             f"({str(exc).splitlines()[0][:200]})") from None
        try:
            _check_weights(model.denoiser, "the generator")
            _check_weights(model.utility, "the preference model")
        except ModelError as exc:
            raise InputError(f"{directory}/{WEIGHTS_FILE}: {exc}; the model cannot propose designs") from None
        model.denoiser.eval().requires_grad_(False)
        model.utility.eval().requires_grad_(False)
        return model


# -- model files ---------------------------------------------------------------------------

MODEL_FORMAT = "paretodiff-pgd"
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.safetensors"
MODEL_FILES = (CONFIG_FILE, WEIGHTS_FILE)


def model_folder_problem(path: Path) -> str | None:
    """``None`` if ``path`` is a folder holding a paretodiff model and nothing else, else why not.

    Only such a folder may be replaced by a new model (with ``--overwrite``).
    """
    if not path.is_dir():
        return "is not a folder"
    names = sorted(p.name for p in path.iterdir())
    if not names:
        return "exists and is empty, not a paretodiff model; choose a new folder name"
    extra = [n for n in names if n not in MODEL_FILES]
    if extra:
        return (f"exists and is not a paretodiff model folder (it holds {', '.join(extra[:3])}"
                + (" ..." if len(extra) > 3 else "") + "); choose a new folder name")
    try:
        doc = json.loads((path / CONFIG_FILE).read_text())
        if not (isinstance(doc, dict) and doc.get("format") == MODEL_FORMAT):
            raise ValueError
    except (OSError, ValueError, UnicodeDecodeError):
        return "exists and is not a paretodiff model folder; choose a new folder name"
    return None


def model_output(option: str, path: Path) -> files.Output:
    """The output description of a model folder (for :func:`paretodiff.files.check_outputs`)."""
    return files.Output(option, Path(path), folder=True, reuse=model_folder_problem)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _doc_digest(doc: dict) -> str:
    """SHA-256 of the model document without its ``sha256`` entry (canonical JSON)."""
    body = {k: v for k, v in doc.items() if k != "sha256"}
    return _sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False).encode())


def _read_model_doc(directory: Path) -> dict:
    """``config.json`` as a dict of a known format and version, or :class:`InputError`."""
    where = f"{directory}"
    if not directory.is_dir():
        raise InputError(f"{where}: not a folder (give a folder written by --save-model)")
    try:
        doc = json.loads((directory / CONFIG_FILE).read_text(), parse_constant=_no_constant)
    except FileNotFoundError:
        raise InputError(f"{where}: not a paretodiff model (no {CONFIG_FILE})") from None
    except (OSError, ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InputError(f"{where}/{CONFIG_FILE}: not readable JSON ({str(exc).splitlines()[0][:120]})") from None
    if not isinstance(doc, dict) or doc.get("format") != MODEL_FORMAT:
        raise InputError(f"{where}: not a paretodiff model ({CONFIG_FILE} does not say format {MODEL_FORMAT!r})")
    version = doc.get("format_version")
    if version == 1 and type(version) is int:
        raise InputError(f"{where}: model format version 1 (paretodiff 0.1.0) carries no digest of its weights "
                         f"and cannot be verified; fit the model again to save it as version {FORMAT_VERSION}")
    if version != FORMAT_VERSION or type(version) is not int:
        raise InputError(f"{where}: unsupported model format version {version!r} "
                         f"(this paretodiff reads version {FORMAT_VERSION})")
    return doc


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _checked_model_doc(doc: dict) -> tuple[PGDConfig, dict]:
    """The config and meta of a model document, every field checked by type and shape."""
    missing = [k for k in ("config", "meta", "weights_sha256", "sha256") if k not in doc]
    if missing:
        raise ValueError(f"missing entries: {', '.join(missing)}")
    for key in ("weights_sha256", "sha256"):
        if not (isinstance(doc[key], str) and len(doc[key]) == 64):
            raise ValueError(f"{key} must be a SHA-256 hex digest")
    if not isinstance(doc["config"], dict):
        raise ValueError("config must be an object")
    fields = {f.name for f in dataclasses.fields(PGDConfig)}
    missing = sorted(fields - set(doc["config"]))
    if missing:
        raise ValueError(f"config lacks the field(s) {', '.join(missing)}")
    config = PGDConfig(**settings.coerce(PGDConfig, doc["config"], "config field")).validate()
    return config, _checked_meta(doc["meta"])


_META_TYPES = {"lower": list, "upper": list, "senses": list, "integer_columns": list, "n_var": int, "n_obj": int,
               "y_min": list, "y_max": list, "seed": int, "input_names": list, "objective_names": list, "x_ref": list}


def _checked_meta(meta) -> dict:
    """The model's ``meta`` entry, checked: types, lengths, finite numbers, ordered bounds."""
    if not isinstance(meta, dict):
        raise ValueError("meta must be an object")
    missing, unknown = [k for k in _META_TYPES if k not in meta], sorted(set(meta) - set(_META_TYPES))
    if missing or unknown:
        raise ValueError(f"meta lacks {', '.join(missing)}" if missing else f"unknown meta entries {', '.join(unknown)}")
    for key, kind in _META_TYPES.items():
        if not isinstance(meta[key], kind) or isinstance(meta[key], bool):
            raise ValueError(f"meta.{key} must be {'a list' if kind is list else 'a whole number'}")
    D, m = meta["n_var"], meta["n_obj"]
    if D < 1 or m < 2:
        raise ValueError(f"meta.n_var must be at least 1 and meta.n_obj at least 2, got {D} and {m}")
    settings.check_seed(meta["seed"], "meta.seed")
    for key, length in (("lower", D), ("upper", D), ("x_ref", D), ("y_min", m), ("y_max", m)):
        values = meta[key]
        if len(values) != length or not all(_is_number(v) and math.isfinite(v) for v in values):
            raise ValueError(f"meta.{key} must be {length} finite numbers")
    lower, upper = np.asarray(meta["lower"], dtype=float), np.asarray(meta["upper"], dtype=float)
    if (lower > upper).any():
        raise ValueError(f"meta.lower is above meta.upper in column {int(np.flatnonzero(lower > upper)[0])}")
    for key, length in (("input_names", D), ("objective_names", m), ("senses", m)):
        if len(meta[key]) != length or not all(isinstance(v, str) for v in meta[key]):
            raise ValueError(f"meta.{key} must be {length} strings")
    if any(s not in ("min", "max") for s in meta["senses"]):
        raise ValueError("meta.senses must each be 'min' or 'max'")
    columns = meta["integer_columns"]
    if not all(type(j) is int and 0 <= j < D for j in columns) or len(set(columns)) != len(columns):
        raise ValueError(f"meta.integer_columns must be distinct column indices below {D}, got {columns}")
    return meta


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _read_weights(path: Path, digest: str) -> dict[str, torch.Tensor]:
    """The tensors of a weights file whose bytes match ``digest``, or :class:`InputError`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if _sha256(data) != digest:
        raise InputError(f"{path}: does not match the SHA-256 recorded in {CONFIG_FILE} "
                         "(the file was changed or damaged)")
    try:
        return safetensors_load(data)
    except Exception as exc:  # safetensors raises several types for a bad file
        raise InputError(f"{path}: unreadable weights ({str(exc).splitlines()[0][:200]})") from None


def _reference_row(ranking: Ranking) -> int:
    """The training design ranked ``N_REFERENCE``-th (or last): the initial ``x_ref``."""
    return int(np.flatnonzero(ranking.rank == min(N_REFERENCE, len(ranking.rank)) - 1)[0])


def available_cores() -> int:
    """CPU cores this process may use: its CPU affinity, capped by a cgroup CPU quota if any."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, int(float(quota) / float(period))))
    except (OSError, ValueError):
        pass
    return max(1, cores)


def set_threads(n: int | None = None) -> int:
    """Set torch's intra-op threads to ``n`` (default: :func:`available_cores`); returns the count.

    Call it once in a command-line or benchmark entry point, not in library code.  Fewer
    threads than cores are faster when other processes share the machine.
    """
    n = available_cores() if n is None else int(n)
    if n < 1:
        raise ValueError("the number of threads must be at least 1")
    torch.set_num_threads(n)
    return n


@contextlib.contextmanager
def _seeded(seed: int):
    """Seed torch's global generator (weight initialization) without disturbing the caller's."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield
