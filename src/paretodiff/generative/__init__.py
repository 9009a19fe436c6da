"""Generative models of designs: probability paths, time grids, samplers and their training.

* :mod:`~paretodiff.generative.paths`: the :class:`~paretodiff.generative.paths.Path`
  protocol, the diffusion's and the flow's path.
* :mod:`~paretodiff.generative.grids`: the samplers' time grids.
* :mod:`~paretodiff.generative.samplers`: every sampler with one signature.
* :mod:`~paretodiff.generative.registry`: the samplers by name, the path kinds, the time
  grids (no torch import: the command line reads it for its help).
* :mod:`~paretodiff.generative.training`: the regression loss, EMA, batches, early stopping.
"""

from paretodiff.generative.registry import PATH_KINDS, SAMPLERS, TIME_GRIDS, SamplerSpec, for_path, register

__all__ = ["PATH_KINDS", "SAMPLERS", "TIME_GRIDS", "SamplerSpec", "for_path", "register"]
