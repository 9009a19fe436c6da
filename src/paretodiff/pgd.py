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
import copy
import dataclasses
import json
import math
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn
from tqdm.auto import tqdm

from paretodiff import diffusion, flow, guidance, models
from paretodiff.metrics import Normalizer
from paretodiff.pareto import Ranking, rank_designs

FORMAT_VERSION = 1
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
        """Check choices; raise ``ValueError`` naming the field otherwise."""
        checks = {
            "generative": (self.generative in SAMPLERS, f"one of {', '.join(SAMPLERS)}"),
            "denoiser_arch": (self.denoiser_arch in ("faithful", "default"), "faithful or default"),
            "utility_arch": (self.utility_arch in ("faithful", "default"), "faithful or default"),
            "label_mode": (self.label_mode in guidance.LABEL_MODES, f"one of {', '.join(guidance.LABEL_MODES)}"),
            "sampler": (self.sampler in SAMPLERS.get(self.generative, ()),
                        f"for generative={self.generative!r} one of {', '.join(SAMPLERS.get(self.generative, ()))}"),
            "time_grid": (self.time_grid in diffusion.TIME_GRIDS, f"one of {', '.join(diffusion.TIME_GRIDS)}"),
            "guide_reference": (self.guide_reference in guidance.REFERENCES, f"one of {', '.join(guidance.REFERENCES)}"),
            "diffusion_data": (self.diffusion_data in ("all", "head"), "all or head"),
            "guidance_scales": (len(self.guidance_scales) >= 1 and all(map(math.isfinite, self.guidance_scales)),
                                "at least one finite value"),
            "n_steps": (self.n_steps >= 2, "at least 2"),
            "sample_steps": ((self.sample_steps >= self.n_steps - 1) if self.sampler == "ddpm"
                             else self.sample_steps >= 1,
                             f"ddpm takes all n_steps - 1 = {self.n_steps - 1} steps" if self.sampler == "ddpm"
                             else "at least 1"),
            "diffusion_steps": (self.diffusion_steps >= 1, "at least 1"),
            "pref_max_steps": (self.pref_max_steps >= 1, "at least 1"),
            "diffusion_val_every": (self.diffusion_val_every >= 0, "0 (off) or more"),
            "diffusion_val_rows": (self.diffusion_val_rows >= 1, "at least 1"),
            "diffusion_patience": (self.diffusion_patience >= 1, "at least 1"),
            "ema_decay": (0.0 <= self.ema_decay < 1.0, "in [0, 1)"),
            "ema_warmup": (self.ema_warmup >= 0, "0 or more"),
        }
        for name, (ok, expected) in checks.items():
            if not ok:
                raise ValueError(f"invalid config value {name}={getattr(self, name)!r} (expected {expected})")
        self.guidance_scales = tuple(float(s) for s in self.guidance_scales)
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


SAMPLERS: dict[str, tuple[str, ...]] = {"diffusion": ("ddpm", "ddim", "heun"), "flow": ("euler", "heun")}
FIRST_SAMPLER: dict[str, str] = {"diffusion": "ddim", "flow": "euler"}  # when only the generative model is chosen

# Values of fields added after format version 1 that reproduce what a version-1 model did;
# loading a file without them fills these in.
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

    def _to_unit(self, X: np.ndarray) -> torch.Tensor:
        lo, hi = np.asarray(self.meta["lower"]), np.asarray(self.meta["upper"])
        return torch.as_tensor(2.0 * (X - lo) / (hi - lo) - 1.0, dtype=torch.float32)

    def _from_unit(self, U: torch.Tensor) -> np.ndarray:
        lo, hi = np.asarray(self.meta["lower"]), np.asarray(self.meta["upper"])
        X = lo + (U.double().numpy() + 1.0) / 2.0 * (hi - lo)
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
        X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
        if X.ndim != 2 or Y.ndim != 2 or len(X) != len(Y):
            raise ValueError(f"X and Y must be 2-D with the same number of rows, got {X.shape} and {Y.shape}")
        if Y.shape[1] < 2:
            raise ValueError("at least 2 objectives are needed")
        if not (np.isfinite(X).all() and np.isfinite(Y).all()):
            raise ValueError("X and Y must be finite")
        senses = list(senses or ["min"] * Y.shape[1])
        if len(senses) != Y.shape[1] or any(s not in ("min", "max") for s in senses):
            raise ValueError(f"senses must be 'min' or 'max' for each of the {Y.shape[1]} objectives")
        lower, upper = (X.min(axis=0), X.max(axis=0)) if bounds is None else map(np.asarray, bounds)
        lower, upper = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
        if lower.shape != (X.shape[1],) or upper.shape != (X.shape[1],):
            raise ValueError(f"bounds must give {X.shape[1]} lower and upper values")
        upper = np.where(upper > lower, upper, lower + 1.0)  # a constant column keeps a unit box
        if integer_columns is None:
            integer_columns = [j for j in range(X.shape[1]) if np.all(X[:, j] == np.round(X[:, j]))]
        Y_min = np.where(np.array(senses) == "max", -Y, Y)
        normalizer = Normalizer.fit(Y_min)
        self.meta = {
            "lower": lower.tolist(), "upper": upper.tolist(), "senses": senses,
            "integer_columns": [int(j) for j in integer_columns], "n_var": int(X.shape[1]), "n_obj": int(Y.shape[1]),
            "y_min": normalizer.y_min.tolist(), "y_max": normalizer.y_max.tolist(), "seed": int(seed),
            "input_names": list(input_names or (f"x{j}" for j in range(X.shape[1]))),
            "objective_names": list(objective_names or (f"f{j}" for j in range(Y.shape[1]))),
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
        ema = diffusion.EMA(model, c.ema_decay, c.ema_warmup)
        batches = diffusion.batches(len(data), min(c.diffusion_batch, len(data)), generator)
        losses = torch.zeros(c.diffusion_steps)
        best, best_state, since_best, step = float("inf"), None, 0, 0
        for step in tqdm(range(1, c.diffusion_steps + 1), desc="train generator", unit="step", disable=self.quiet,
                         leave=False):
            loss = diffusion.denoising_loss(model, path, data[next(batches)], generator)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), c.grad_clip)
            optimizer.step()
            ema.update(model)
            losses[step - 1] = loss.detach()
            if validation is not None and (step % c.diffusion_val_every == 0 or step == c.diffusion_steps):
                with torch.inference_mode():
                    val = float(diffusion.fixed_loss(ema.model, path, *validation))
                if val < best:
                    best, best_state, since_best = val, copy.deepcopy(ema.model.state_dict()), 0
                else:
                    since_best += 1
                    if since_best >= c.diffusion_patience:
                        break
        if best_state is not None:
            ema.model.load_state_dict(best_state)
        self.denoiser = ema.model
        final = float(losses[max(0, step - 100) : step].mean()) if step else float("nan")
        return {"final_loss": final, "best_val_loss": best if best_state is not None else float("nan"), "steps": step}

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
    def schedule(self) -> diffusion.NoiseSchedule:
        c = self.config
        return diffusion.NoiseSchedule.linear(c.n_steps, c.beta_start, c.beta_end)

    @property
    def path(self) -> diffusion.NoiseSchedule | flow.FlowPath:
        """How designs are noised: the diffusion's schedule or the flow's straight path."""
        return self.schedule if self.config.generative == "diffusion" else flow.FlowPath(self.config.n_steps)

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
        if n < 1:
            raise ValueError("n must be at least 1")
        c = self.config.validate()
        scales = tuple(float(s) for s in (scales if scales is not None else c.guidance_scales))
        scale = torch.tensor(scales, dtype=torch.float32).repeat_interleave(n)
        generator = torch.Generator().manual_seed(seed)
        x = torch.randn((len(scale), self.meta["n_var"]), generator=generator)
        x_ref = torch.tensor(self.meta["x_ref"], dtype=torch.float32).expand_as(x)
        guide = guidance.make_guide(self.utility, x_ref, c.label_mode, c.guide_reference) if any(scales) else None
        with tqdm(total=self.n_sample_steps, desc="sample", unit="step", disable=self.quiet, leave=False) as bar:
            with torch.inference_mode() if guide is None else contextlib.nullcontext():
                U = self._sample(x, generator, guide, scale, bar.update)
            with torch.inference_mode():
                utility = self.utility(U, torch.ones(len(U), dtype=torch.long)).double().numpy()
        return Proposals(self._from_unit(U), utility, scale.double().numpy())

    @property
    def n_sample_steps(self) -> int:
        """Steps the configured sampler takes (network calls: twice as many, less one, for Heun)."""
        c = self.config
        return c.n_steps - 1 if c.sampler == "ddpm" else len(diffusion.timesteps(c.n_steps, c.sample_steps, c.time_grid))

    def _sample(self, x: torch.Tensor, generator: torch.Generator, guide, scale: torch.Tensor, progress) -> torch.Tensor:
        c = self.config
        if c.generative == "flow":
            sample = flow.euler_sample if c.sampler == "euler" else flow.heun_sample
            return sample(self.denoiser, self.path, x, c.sample_steps, guide, scale, progress, c.time_grid)
        if c.sampler == "ddpm":
            return diffusion.ddpm_sample(self.denoiser, self.schedule, x, generator, guide, scale, c.clamp_every, progress)
        sample = diffusion.ddim_sample if c.sampler == "ddim" else diffusion.heun_sample
        return sample(self.denoiser, self.schedule, x, c.sample_steps, guide, scale, progress, c.time_grid,
                      c.clip_denoised)

    # -- save / load ---------------------------------------------------------------------

    def save(self, directory: str | os.PathLike) -> None:
        """Write ``config.json`` and ``weights.safetensors`` to ``directory`` (atomically)."""
        if self.denoiser is None:
            raise RuntimeError("nothing to save: fit the model first")
        directory = Path(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}."))
        try:
            tensors = {f"denoiser.{k}": v.contiguous() for k, v in self.denoiser.state_dict().items()}
            tensors |= {f"utility.{k}": v.contiguous() for k, v in self.utility.state_dict().items()}
            save_file(tensors, tmp / "weights.safetensors")
            doc = {"format": "paretodiff-pgd", "format_version": FORMAT_VERSION,
                   "config": dataclasses.asdict(self.config), "meta": self.meta}
            (tmp / "config.json").write_text(json.dumps(doc, indent=2))
            if directory.exists():
                shutil.rmtree(directory)
            os.replace(tmp, directory)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp)

    @classmethod
    def load(cls, directory: str | os.PathLike, *, quiet: bool = True) -> "ParetoDiff":
        """Read a model saved by :meth:`save`; refuse unknown formats, versions or fields."""
        directory = Path(directory)
        try:
            doc = json.loads((directory / "config.json").read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"{directory}: not a paretodiff model ({exc})") from None
        if doc.get("format") != "paretodiff-pgd" or doc.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{directory}: unsupported model format {doc.get('format')!r} "
                             f"version {doc.get('format_version')!r} (this paretodiff reads version {FORMAT_VERSION})")
        known = {f.name for f in dataclasses.fields(PGDConfig)}
        unknown = set(doc["config"]) - known
        if unknown:
            raise ValueError(f"{directory}: unknown config fields {sorted(unknown)}")
        config = PGDConfig(**{**LEGACY, **doc["config"], "guidance_scales": tuple(doc["config"]["guidance_scales"])})
        model = cls(config, quiet=quiet)
        model.meta = doc["meta"]
        model.denoiser, model.utility = _nn_pair(config, model.meta["n_var"])
        try:
            tensors = load_file(str(directory / "weights.safetensors"))
            for prefix, net in (("denoiser.", model.denoiser), ("utility.", model.utility)):
                net.load_state_dict({k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}, strict=True)
        except Exception as exc:  # safetensors and torch raise several types for bad files
            raise ValueError(f"{directory}: unreadable weights ({str(exc).splitlines()[0]})") from None
        model.denoiser.eval().requires_grad_(False)
        model.utility.eval().requires_grad_(False)
        return model


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
