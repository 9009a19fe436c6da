"""Preference-guided diffusion (:mod:`paretodiff.pgd`) behind the common method interface."""

from __future__ import annotations

import dataclasses

import numpy as np

from paretodiff.baselines.base import Method, OfflineData


class PGD(Method):
    """:class:`paretodiff.pgd.ParetoDiff` with a preset and config overrides.

    The benchmark asks for ``n`` designs per cell, so one guidance scale is used: the
    ``guidance_scale`` given, else the preset's first (``faithful`` runs s = 10 and 20 as
    separate passes; ``pgd-faithful:guidance_scale=20`` is the second).

    Args:
        preset: ``"default"`` or ``"faithful"``.
        guidance_scale: the scale to sample with (default: the config's first).
        **overrides: any :class:`paretodiff.pgd.PGDConfig` field.
    """

    name = "pgd"

    def __init__(self, preset: str = "default", guidance_scale: float | None = None, **overrides) -> None:
        from paretodiff.pgd import PGDConfig

        unknown = set(overrides) - {f.name for f in dataclasses.fields(PGDConfig)}
        if unknown:
            raise ValueError(f"unknown pgd setting(s): {', '.join(sorted(unknown))}")
        if "guidance_scales" in overrides and not isinstance(overrides["guidance_scales"], (tuple, list)):
            overrides["guidance_scales"] = (overrides["guidance_scales"],)
        self.config = PGDConfig.preset(preset, **overrides).validate()
        self.guidance_scale = float(self.config.guidance_scales[0] if guidance_scale is None else guidance_scale)
        self.model = None

    def fit(self, data: OfflineData, seed: int) -> None:
        from paretodiff.pgd import ParetoDiff

        self.model = ParetoDiff(self.config).fit(
            data.X, data.Y, bounds=(data.lower, data.upper), integer_columns=[], seed=seed)

    def propose(self, n: int, seed: int) -> np.ndarray:
        if self.model is None:
            raise RuntimeError("fit before proposing")
        return self.model.propose(n, seed=seed, scales=(self.guidance_scale,)).X

    def settings(self) -> dict:
        return {**dataclasses.asdict(self.config), "guidance_scale": self.guidance_scale}

    def facts(self) -> dict:
        return dataclasses.asdict(self.model.fit_report) if self.model is not None else {}
