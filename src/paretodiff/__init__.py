"""paretodiff: offline multi-objective optimization.

Given designs that were already built and measured (x -> several objectives), propose new
designs that push the Pareto front outward.  This package holds the Off-MOO-Bench
continuous tasks regenerated locally (:mod:`paretodiff.tasks`, :mod:`paretodiff.data`),
the benchmark's evaluation protocol (:mod:`paretodiff.metrics`, :mod:`paretodiff.evaluation`),
the methods (:mod:`paretodiff.methods`), the library's entry point :func:`optimize`
(:mod:`paretodiff.api`) and the command-line tool (:mod:`paretodiff.cli`).
``docs/architecture.md`` maps the modules.
"""

__version__ = "0.1.0"

__all__ = ["Result", "optimize", "__version__"]


def __getattr__(name: str):
    """``paretodiff.optimize`` and ``paretodiff.Result`` (:mod:`paretodiff.api`), imported when
    first used, so that ``import paretodiff`` stays light (the command starts fast, and sets
    up its signal handling before the heavy imports)."""
    if name in ("optimize", "Result"):
        from paretodiff import api

        return getattr(api, name)
    raise AttributeError(f"module 'paretodiff' has no attribute {name!r}")
