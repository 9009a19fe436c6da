"""What the generative models offer, by name: path kinds, time grids and the sampler registry.

This module imports nothing heavy, so that the command line's help text and the configs'
checks can read it without loading torch; a sampler's function is imported when it runs.

Adding a sampler is one file with its ``sample_<name>`` function (the signature of
:mod:`paretodiff.generative.samplers`) and one :func:`register` line below;
``docs/architecture.md`` has a worked example.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable

PATH_KINDS: dict[str, str] = {
    "flow": "flow matching on the straight path (rectified flow)",
    "diffusion": "a DDPM, variance-preserving, linear schedule",
}
TIME_GRIDS = ("uniform", "quadratic")


@dataclass(frozen=True)
class SamplerSpec:
    """A registered sampler.

    Attributes:
        name: what ``--sampler`` and the config call it.
        target: where its function is, ``"module:function"``.
        paths: the path kinds it samples (:data:`PATH_KINDS`).
        full_chain: it takes every step ``T-1, ..., 1`` (the step count is fixed).
        options: its keyword options, each named as its sampling-config field
            (``{"clip": "clip_denoised"}``).
        summary: one line for the help text.
    """

    name: str
    target: str
    paths: tuple[str, ...]
    full_chain: bool = False
    options: dict[str, str] = field(default_factory=dict)
    summary: str = ""

    @property
    def function(self) -> Callable:
        """The ``sample_<name>`` function."""
        module, _, name = self.target.partition(":")
        return getattr(importlib.import_module(module), name)


SAMPLERS: dict[str, SamplerSpec] = {}


def register(spec: SamplerSpec) -> SamplerSpec:
    """Add a sampler to the registry (by its name)."""
    unknown = set(spec.paths) - set(PATH_KINDS)
    if unknown:
        raise ValueError(f"sampler {spec.name!r}: unknown path kind(s) {', '.join(sorted(unknown))}")
    SAMPLERS[spec.name] = spec
    return spec


def for_path(kind: str) -> tuple[str, ...]:
    """The names of the samplers of a path kind, in registration order."""
    return tuple(name for name, spec in SAMPLERS.items() if kind in spec.paths)


def first_deterministic(kind: str) -> str:
    """The sampler that choosing only the generative model gives: its first registered one
    that is not full-chain (the flow: euler; the diffusion: ddim)."""
    return next(name for name in for_path(kind) if not SAMPLERS[name].full_chain)


def help_text() -> str:
    """The samplers by path, for ``--sampler --help`` (so the help cannot drift)."""
    return "; ".join(f"for the {kind}: " + ", ".join(f"{n} ({SAMPLERS[n].summary})" for n in for_path(kind))
                     for kind in PATH_KINDS)


_S = "paretodiff.generative.samplers"
# The order matters: see first_deterministic.
register(SamplerSpec("ddpm", f"{_S}:sample_ddpm", ("diffusion",), full_chain=True,
                     options={"clamp_every": "clamp_every"}, summary="the authors' ancestral DDPM, every step"))
register(SamplerSpec("ddim", f"{_S}:sample_ddim", ("diffusion",), options={"clip": "clip_denoised"},
                     summary="deterministic, first order"))
register(SamplerSpec("euler", f"{_S}:sample_euler", ("flow",), summary="deterministic, first order"))
register(SamplerSpec("heun", f"{_S}:sample_heun", ("diffusion", "flow"), options={"clip": "clip_denoised"},
                     summary="deterministic, second order"))
