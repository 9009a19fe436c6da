"""Generative models of designs: probability paths, time grids, samplers and their training.

* :mod:`~paretodiff.generative.paths`: the :class:`~paretodiff.generative.paths.Path`
  protocol, the diffusion's and the flow's path.
* :mod:`~paretodiff.generative.grids`: the samplers' time grids.
* :mod:`~paretodiff.generative.samplers`: every sampler with one signature, and their registry.
* :mod:`~paretodiff.generative.training`: the regression loss, EMA, batches, early stopping.
"""

from paretodiff.generative.paths import PATHS, DiffusionPath, FlowPath, Path
from paretodiff.generative.samplers import SAMPLERS, Guide, SamplerSpec, for_path, grid, register

__all__ = ["PATHS", "DiffusionPath", "FlowPath", "Path", "SAMPLERS", "Guide", "SamplerSpec", "for_path", "grid",
           "register"]
