"""The settings of preference-guided diffusion: nested, frozen configs and the presets.

>>> config = from_preset("default", **{"sampling.steps": 25})
>>> config.generator.training.lr, config.sampling.sampler
(0.0005, 'euler')

A :class:`PGDConfig` has six parts: the :class:`GeneratorConfig` (the generative model, its
path and its training), the :class:`PreferenceConfig` (the preference model and its
training), the :class:`NetworkConfig` (the widths both networks share), the
:class:`SamplingConfig`, the :class:`ObjectivesConfig` (the objective model) and the
:class:`SelectionConfig` (from the sampled pool to the proposals).  Both networks train by one :class:`TrainingConfig`.  Every config
checks its fields on construction (type and range; ``ValueError`` naming the field) and
cannot be changed afterwards: :func:`dataclasses.replace` or :func:`from_preset` make a new one.

:data:`PRESETS` holds the two presets: ``default`` (ours: flow matching, 10 guided Euler
steps) and ``faithful`` (the authors' design choices, ``docs/method.md``).
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field

from paretodiff import settings
from paretodiff.generative import registry
from paretodiff.generative.registry import TIME_GRIDS
from paretodiff.search import ENGINES as SEARCH_ENGINES
from paretodiff.selection import STRATEGIES, parse_target

ARCHS = ("faithful", "default")
GENERATORS = tuple(registry.PATH_KINDS)
LABEL_MODES = ("crowding", "subcrowding", "dominance")  # paretodiff.preference.LABEL_MODES (a test checks)
REFERENCES = ("previous", "self")  # paretodiff.preference.REFERENCES


def _check(checks: dict[str, tuple[bool, str]], owner) -> None:
    for name, (ok, expected) in checks.items():
        if not ok:
            raise ValueError(f"invalid config value {name}={_get(owner, name)!r} (expected {expected})")


def _get(owner, dotted: str):
    for part in dotted.split("."):
        owner = getattr(owner, part)
    return owner


class _Checked:
    """A frozen dataclass whose fields are type-checked (and normalized) on construction."""

    def __post_init__(self) -> None:
        values = settings.coerce(type(self), {f.name: getattr(self, f.name) for f in dataclasses.fields(self)},
                                 "config value")
        for name, value in values.items():
            object.__setattr__(self, name, value)
        self.check()

    def check(self) -> None:
        """Range checks; ``ValueError`` naming the field."""


@dataclass(frozen=True)
class TrainingConfig(_Checked):
    """How a network is trained: Adam(W) steps, early stopping on a held-out validation.

    Attributes:
        lr: learning rate.
        batch: rows (or pairs) per step.
        steps: the most optimizer steps.
        val_every: steps between validations (0: no validation, the whole budget runs).
        patience: validations in a row without improvement before training stops.
        weight_decay: AdamW's decoupled weight decay (0: none).
    """

    lr: float
    batch: int
    steps: int
    val_every: int = 0
    patience: int = 4
    weight_decay: float = 0.0

    def check(self) -> None:
        _check({"lr": (self.lr >= 0, "0 or more"), "batch": (self.batch >= 1, "at least 1"),
                "steps": (self.steps >= 1, "at least 1"), "val_every": (self.val_every >= 0, "0 (off) or more"),
                "patience": (self.patience >= 1, "at least 1"), "weight_decay": (self.weight_decay >= 0, "0 or more")},
               self)


@dataclass(frozen=True)
class GeneratorConfig(_Checked):
    """The generative model of designs.

    Attributes:
        kind: ``"flow"`` (flow matching on the straight path) or ``"diffusion"`` (a DDPM with a
            linear ``beta_start .. beta_end`` schedule); both on the integer time scale
            ``t in [0, n_steps)``.
        arch: the network, ``"faithful"`` (the authors') or ``"default"`` (ours), see
            :mod:`paretodiff.networks`.
        data: ``"all"`` rows, or ``"head"``: the first ``1 - preference.val_fraction`` of
            them, as the authors did.
        ema_decay, ema_warmup: the kept weights are an exponential moving average after
            ``ema_warmup`` steps of plain copies (``ema_decay = 0``: no averaging).
        grad_clip: the gradient norm is clipped to this.
        val_rows: rows held out for validation when ``training.val_every > 0`` (the EMA
            model's loss on them, at fixed noise draws; the best EMA weights are kept).
        training: steps, learning rate, batch, validation and patience (AdamW).
    """

    kind: str = "flow"
    n_steps: int = 1000
    beta_start: float = 1e-4
    beta_end: float = 0.02
    arch: str = "faithful"
    data: str = "all"
    ema_decay: float = 0.0
    ema_warmup: int = 0
    grad_clip: float = 1.0
    val_rows: int = 2048
    training: TrainingConfig = field(default_factory=lambda: TrainingConfig(
        lr=5e-4, batch=256, steps=200, val_every=50, patience=4, weight_decay=0.01))

    def check(self) -> None:
        _check({"kind": (self.kind in GENERATORS, f"one of {', '.join(GENERATORS)}"),
                "n_steps": (self.n_steps >= 2, "at least 2"),
                "beta_start": (0.0 < self.beta_start <= self.beta_end, "above 0 and at most beta_end"),
                "beta_end": (self.beta_end < 1.0, "below 1"),
                "arch": (self.arch in ARCHS, "faithful or default"), "data": (self.data in ("all", "head"), "all or head"),
                "ema_decay": (0.0 <= self.ema_decay < 1.0, "in [0, 1)"), "ema_warmup": (self.ema_warmup >= 0, "0 or more"),
                "grad_clip": (self.grad_clip > 0, "above 0"), "val_rows": (self.val_rows >= 1, "at least 1")}, self)


@dataclass(frozen=True)
class PreferenceConfig(_Checked):
    """The preference model: a time-aware utility trained on noisy pairs (:mod:`paretodiff.preference`).

    Attributes:
        arch: ``"faithful"`` (the authors' network) or ``"default"`` (ours).
        label_mode: ``crowding`` (front, then crowding distance), ``subcrowding`` (the same on
            the best ``subsample_ratio`` of the rows) or ``dominance`` (three classes).
        val_fraction: share of the rows held out for validation (the last rows if not
            ``shuffle_split``, as the authors did; a seeded permutation otherwise).
        val_batches: fresh batches of pairs per validation.
        training: steps, learning rate, batch, validation every ``val_every`` steps (at least
            1), patience (Adam).
    """

    arch: str = "default"
    label_mode: str = "crowding"
    subsample_ratio: float = 0.3
    val_fraction: float = 0.1
    val_batches: int = 4
    shuffle_split: bool = True
    training: TrainingConfig = field(default_factory=lambda: TrainingConfig(
        lr=1e-3, batch=256, steps=200, val_every=50, patience=4))

    def check(self) -> None:
        _check({"arch": (self.arch in ARCHS, "faithful or default"),
                "label_mode": (self.label_mode in LABEL_MODES, f"one of {', '.join(LABEL_MODES)}"),
                "subsample_ratio": (0.0 < self.subsample_ratio <= 1.0, "in (0, 1]"),
                "val_fraction": (0.0 < self.val_fraction < 1.0, "in (0, 1)"),
                "val_batches": (self.val_batches >= 1, "at least 1"),
                "training.val_every": (self.training.val_every >= 1, "at least 1: the preference model validates")},
               self)


@dataclass(frozen=True)
class NetworkConfig(_Checked):
    """Widths of both networks: the authors' family has hidden width ``authors_width``; ours has
    ``depth`` residual blocks of ``width`` with a ``time_width`` Fourier time embedding."""

    authors_width: int = 128
    width: int = 128
    depth: int = 2
    time_width: int = 64

    def check(self) -> None:
        _check({"authors_width": (self.authors_width >= 1, "at least 1"), "width": (self.width >= 1, "at least 1"),
                "depth": (self.depth >= 1, "at least 1"),
                "time_width": (self.time_width >= 2 and self.time_width % 2 == 0, "an even number, at least 2")}, self)


@dataclass(frozen=True)
class SamplingConfig(_Checked):
    """How designs are sampled (:mod:`paretodiff.generative.samplers`).

    Attributes:
        sampler: a registered sampler of the generator's path: ``euler`` or ``heun`` for the
            flow; ``ddim``, ``heun`` or ``ddpm`` (every step, ``steps`` unused) for the diffusion.
        steps: time-grid points of a deterministic sampler, on a ``uniform`` or
            ``quadratic`` ``time_grid``.
        clip_denoised: the diffusion's predicted clean design is clipped to the box at every
            ``ddim``/``heun`` step.
        guide_reference: ``previous`` (the authors' x_ref rule) or ``self`` (x_ref = x:
            ``g = ∇f / 2`` at any step count).
        guidance_scales: the scales ``s``, gentle to strong; the samples (the pool, or the ``n``
            proposals without an objective model) are shared among them.
        clamp_every: the ancestral chain is clamped to the box every k steps (0: at the end).
    """

    sampler: str = "euler"
    steps: int = 10
    time_grid: str = "uniform"
    clip_denoised: bool = False
    guide_reference: str = "self"
    guidance_scales: tuple[float, ...] = (3.0, 10.0, 30.0, 100.0)
    clamp_every: int = 100

    def check(self) -> None:
        _check({"steps": (self.steps >= 1, "at least 1"),
                "time_grid": (self.time_grid in TIME_GRIDS, f"one of {', '.join(TIME_GRIDS)}"),
                "guide_reference": (self.guide_reference in REFERENCES, f"one of {', '.join(REFERENCES)}"),
                "guidance_scales": (len(self.guidance_scales) >= 1, "at least one finite value"),
                "clamp_every": (self.clamp_every >= 0, "0 (at the end) or more")}, self)


@dataclass(frozen=True)
class ObjectivesConfig(_Checked):
    """The objective model: a deep ensemble predicting every objective (:mod:`paretodiff.objective_model`).

    Attributes:
        members: networks in the ensemble; 0: no objective model (the proposals are the
            samples themselves, as the authors' method returns them).
        width, depth: hidden width and hidden layers of each member.
        val_fraction: share of the rows held out for early stopping.
        calibrate: scale each objective's spread on the held-out rows
            (:func:`paretodiff.objective_model.calibration_scale`).
        training: steps, learning rate, batch (rows per member and step), validation and
            patience (AdamW).
    """

    members: int = 5
    width: int = 64
    depth: int = 2
    val_fraction: float = 0.1
    calibrate: bool = False
    training: TrainingConfig = field(default_factory=lambda: TrainingConfig(
        lr=2e-3, batch=256, steps=4000, val_every=200, patience=3))

    def check(self) -> None:
        _check({"members": (self.members == 0 or self.members >= 2, "0 (none) or at least 2"),
                "width": (self.width >= 1, "at least 1"), "depth": (self.depth >= 1, "at least 1"),
                "val_fraction": (0.0 < self.val_fraction < 1.0, "in (0, 1)")}, self)


@dataclass(frozen=True)
class SelectionConfig(_Checked):
    """From the sampled pool to the proposals (:mod:`paretodiff.selection`), with an objective model.

    Attributes:
        pool: designs sampled per design proposed (the pool is ``pool * n``, shared among the
            guidance scales); 1 with no objective model.
        strategy: how the ``n`` are chosen among the new designs of the pool: ``pessimistic``
            (fronts and crowding on ``mean + kappa * std`` of the predictions: the offline
            benchmark's choice) or ``batch`` (jointly, by expected hypervolume improvement over
            the measured front on the objective model's joint draws: a batch for the next
            round of experiments); see :mod:`paretodiff.selection`.
        kappa: standard deviations of pessimism.
        layers: with the ``pessimistic`` strategy, the ``n`` are chosen in this many rounds of
            ``n / layers``, each by fronts and crowding among the candidates left
            (:func:`paretodiff.selection.layered`): every round covers the predicted front, so
            each region of it holds several designs (1: one round).
        min_batch_pool: with the ``batch`` strategy, designs sampled at least (a batch of 8
            is still chosen from a large pool).
        batch_members: with the ``batch`` strategy, ``fit`` trains an objective model of at
            least this many members (its expected improvement is a mean over the members'
            joint draws, and 5 draws estimate it poorly); the saved config says how many it
            trained.  0, or no objective model: ``objectives.members`` as it is.
        target: thresholds on the objectives in the user's units (``("cost<=100",
            "mass<2")``): the candidates predicted to meet them all are chosen first.
        search_generations: NSGA-II generations on the objective model's pessimistic
            predictions, started from the ``n`` chosen from the pool (in one round); the
            designs it finds join the pool before the final choice (0: no search).
        search_engine: how that NSGA-II runs: ``arrays`` (:func:`paretodiff.search.nsga2_arrays`,
            the same operators and survival on whole arrays, about ten times faster at 200
            generations) or ``pymoo``
            (pymoo's ``minimize``, :func:`paretodiff.search.nsga2`; the default until 2026-12-08,
            kept so that older model files propose what they did).
    """

    pool: int = 4
    strategy: str = "pessimistic"
    kappa: float = 1.0
    layers: int = 4
    search_generations: int = 200
    search_engine: str = "arrays"
    min_batch_pool: int = 1024
    batch_members: int = 10
    target: tuple[str, ...] = ()

    def check(self) -> None:
        try:
            parse_target(self.target)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"target: {exc}") from None
        _check({"pool": (self.pool >= 1, "at least 1"), "min_batch_pool": (self.min_batch_pool >= 1, "at least 1"),
                "batch_members": (self.batch_members == 0 or self.batch_members >= 2, "0 or at least 2"),
                "strategy": (self.strategy in STRATEGIES, f"one of {', '.join(STRATEGIES)}"),
                "kappa": (self.kappa >= 0, "0 or more"), "layers": (self.layers >= 1, "at least 1"),
                "search_generations": (self.search_generations >= 0, "0 (none) or more"),
                "search_engine": (self.search_engine in SEARCH_ENGINES, f"one of {', '.join(SEARCH_ENGINES)}")}, self)


@dataclass(frozen=True)
class PGDConfig(_Checked):
    """Every setting of preference-guided diffusion; start from a preset (:func:`from_preset`)."""

    preset: str = "default"
    generator: GeneratorConfig = field(default_factory=GeneratorConfig)
    preference: PreferenceConfig = field(default_factory=PreferenceConfig)
    networks: NetworkConfig = field(default_factory=NetworkConfig)
    sampling: SamplingConfig = field(default_factory=SamplingConfig)
    objectives: ObjectivesConfig = field(default_factory=ObjectivesConfig)
    selection: SelectionConfig = field(default_factory=SelectionConfig)

    def check(self) -> None:
        names = registry.for_path(self.generator.kind)
        _check({"sampling.sampler": (self.sampling.sampler in registry.SAMPLERS and self.sampling.sampler in names,
                                     f"for generator.kind={self.generator.kind!r} one of {', '.join(names)}")}, self)

    def to_dict(self) -> dict:
        """The settings as nested JSON-ready dicts (tuples as lists)."""
        return _jsonable(dataclasses.asdict(self))


def as_trained(config: PGDConfig) -> PGDConfig:
    """The settings ``fit`` trains with: with the ``batch`` strategy, an objective model of at
    least ``selection.batch_members`` members (none stays none)."""
    o, s = config.objectives, config.selection
    if s.strategy != "batch" or o.members == 0 or o.members >= s.batch_members:
        return config
    return dataclasses.replace(config, objectives=dataclasses.replace(o, members=s.batch_members))


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    return value


def keys(cls: type = PGDConfig, prefix: str = "") -> list[str]:
    """Every settable key of a config, dotted (``"sampling.steps"``)."""
    out = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if dataclasses.is_dataclass(hints[f.name]):
            out += keys(hints[f.name], f"{prefix}{f.name}.")
        else:
            out.append(f"{prefix}{f.name}")
    return out


def with_overrides(base: dict, overrides: dict) -> dict:
    """``base`` (nested dicts) with ``overrides`` applied: dotted keys (``"sampling.steps": 25``)
    or whole sections (``sampling={"steps": 25}``).

    Raises:
        ValueError: a key that is not a setting, naming the known ones.
    """
    out = _jsonable(base)
    known = set(keys()) - {"preset"}
    for key, value in overrides.items():
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            value = dataclasses.asdict(value)
        if isinstance(value, dict):
            out = with_overrides(out, {f"{key}.{k}": v for k, v in value.items()})
            continue
        if key not in known:
            raise ValueError(f"unknown pgd setting {key!r}; known: {', '.join(sorted(known))}")
        *parents, last = key.split(".")
        target = out
        for part in parents:
            target = target[part]
        target[last] = value
    return out


def from_dict(values: dict, cls: type = PGDConfig):
    """A config from nested dicts (JSON); every field is checked.

    Raises:
        ValueError: a missing, unknown or invalid field, named with its path.
    """
    if not isinstance(values, dict):
        raise ValueError(f"{cls.__name__} settings must be an object")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ValueError(f"unknown config field(s) {', '.join(unknown)}")
    kwargs = {}
    for name, f in fields.items():
        if name not in values:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ValueError(f"missing config field {name}")
            continue
        kind = hints[name]
        if dataclasses.is_dataclass(kind):
            try:
                kwargs[name] = from_dict(values[name], kind)
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
        else:
            kwargs[name] = values[name]
    return cls(**kwargs)


# -- the presets ---------------------------------------------------------------------------

PRESETS: dict[str, dict] = {
    "default": {},
    "faithful": {
        "generator.kind": "diffusion", "generator.arch": "faithful", "generator.data": "head",
        "generator.ema_decay": 0.99, "generator.ema_warmup": 2000,
        "generator.training": {"lr": 5e-4, "batch": 256, "steps": 3000, "val_every": 0, "weight_decay": 0.01},
        "preference.arch": "faithful", "preference.shuffle_split": False,
        "preference.training": {"lr": 1e-5, "batch": 256, "steps": 3000, "val_every": 250, "patience": 4},
        "networks": {"authors_width": 512, "width": 256, "depth": 3, "time_width": 128},
        "sampling": {"sampler": "ddpm", "time_grid": "uniform", "clip_denoised": True, "guide_reference": "previous",
                     "guidance_scales": [10.0, 20.0], "clamp_every": 100},
        "objectives.members": 0, "selection.pool": 1, "selection.search_generations": 0,
    },
}


def from_preset(name: str, **overrides) -> PGDConfig:
    """A preset (``"default"`` or ``"faithful"``), then ``overrides`` (dotted keys or sections).

    A sampler chosen without the generator's ``kind`` picks the generative model it belongs to
    (``ddpm``/``ddim``: the diffusion, ``euler``: the flow); a ``kind`` chosen without a
    sampler gets the first deterministic sampler of its path.

    Raises:
        ValueError: an unknown preset or key, or an invalid value.
    """
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
    base = dataclasses.asdict(PGDConfig())
    values = with_overrides(with_overrides(base, PRESETS[name]), overrides)
    flat = _flatten(overrides)
    sampler = flat.get("sampling.sampler")
    owners = [kind for kind in GENERATORS if sampler in registry.for_path(kind)]
    if "generator.kind" not in flat and len(owners) == 1:  # e.g. sampler=ddim alone: the diffusion
        values["generator"]["kind"] = owners[0]
    kind = values["generator"]["kind"]
    if kind in GENERATORS and sampler is None and values["sampling"]["sampler"] not in registry.for_path(kind):
        # e.g. kind=diffusion alone: ddim
        values["sampling"]["sampler"] = registry.first_deterministic(kind)
    values["preset"] = name
    return from_dict(values)


def _flatten(overrides: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in overrides.items():
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            value = dataclasses.asdict(value)
        if isinstance(value, dict):
            out |= _flatten(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


# What models saved before the objective model (format versions 2 and 3) are: no objective model, no pool.
NO_OBJECTIVE_MODEL = {"objectives.members": 0, "selection.pool": 1, "selection.search_generations": 0}

# Format version 2 of the model files kept a flat config; its field names -> the nested keys.
FLAT_NAMES: dict[str, str] = {
    "preset": "preset", "generative": "generator.kind", "n_steps": "generator.n_steps",
    "beta_start": "generator.beta_start", "beta_end": "generator.beta_end", "denoiser_arch": "generator.arch",
    "utility_arch": "preference.arch", "authors_width": "networks.authors_width", "width": "networks.width",
    "depth": "networks.depth", "time_width": "networks.time_width", "diffusion_lr": "generator.training.lr",
    "diffusion_weight_decay": "generator.training.weight_decay", "diffusion_batch": "generator.training.batch",
    "diffusion_steps": "generator.training.steps", "grad_clip": "generator.grad_clip",
    "ema_decay": "generator.ema_decay", "ema_warmup": "generator.ema_warmup", "diffusion_data": "generator.data",
    "diffusion_val_every": "generator.training.val_every", "diffusion_val_rows": "generator.val_rows",
    "diffusion_patience": "generator.training.patience", "label_mode": "preference.label_mode",
    "subsample_ratio": "preference.subsample_ratio", "pref_lr": "preference.training.lr",
    "pref_batch": "preference.training.batch", "pref_max_steps": "preference.training.steps",
    "pref_val_fraction": "preference.val_fraction", "pref_val_every": "preference.training.val_every",
    "pref_val_batches": "preference.val_batches", "pref_patience": "preference.training.patience",
    "shuffle_split": "preference.shuffle_split", "sampler": "sampling.sampler", "sample_steps": "sampling.steps",
    "time_grid": "sampling.time_grid", "clip_denoised": "sampling.clip_denoised",
    "guide_reference": "sampling.guide_reference", "guidance_scales": "sampling.guidance_scales",
    "clamp_every": "sampling.clamp_every",
}


def from_flat(flat: dict) -> PGDConfig:
    """A config from the flat settings of a version-2 model file.

    Raises:
        ValueError: an unknown or missing field, or an invalid value.
    """
    unknown, missing = sorted(set(flat) - set(FLAT_NAMES)), sorted(set(FLAT_NAMES) - set(flat))
    if unknown or missing:
        raise ValueError(f"unknown config field(s) {', '.join(unknown)}" if unknown
                         else f"config lacks the field(s) {', '.join(missing)}")
    nested = with_overrides(dataclasses.asdict(PGDConfig()), {FLAT_NAMES[k]: v for k, v in flat.items() if k != "preset"})
    nested = with_overrides(nested, NO_OBJECTIVE_MODEL)  # version 2 had none
    nested["preset"] = flat["preset"]
    return from_dict(nested)
