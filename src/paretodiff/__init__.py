"""paretodiff: offline multi-objective optimization.

Given designs that were already built and measured (x -> several objectives), propose new
designs that push the Pareto front outward.  This package holds the Off-MOO-Bench
continuous tasks regenerated locally (:mod:`paretodiff.tasks`, :mod:`paretodiff.data`),
the benchmark's evaluation protocol (:mod:`paretodiff.metrics`, :mod:`paretodiff.evaluation`)
and the command-line tool (:mod:`paretodiff.cli`).
"""

__version__ = "0.1.0"
