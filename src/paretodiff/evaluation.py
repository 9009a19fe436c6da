"""Score a set of proposed designs on a benchmark task, the way Off-MOO-Bench does.

All indicators are computed in the normalized objective space of the task's dataset
(min-max over train ∪ test, see :class:`paretodiff.metrics.Normalizer`), with the
benchmark's reference point ``2.2 x normalized nadir``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from paretodiff import metrics
from paretodiff.data import Dataset
from paretodiff.pareto import nondominated_mask, select_best
from paretodiff.tasks.base import Task

N_BEST = 256
FRONT_POINTS = 2000


@dataclass(frozen=True)
class Report:
    """The evaluation of one set of designs.

    Attributes:
        hv: hypervolume at the 100th, 75th and 50th percentile (keys ``"100th"``...).
        d_best_hv: hypervolume of D(best), the best ``n_best`` training designs.
        igd, igd_plus: distances to the true front (normalized space), ``None`` if unknown.
        front_hv: hypervolume of the true front (``FRONT_POINTS`` points of it, normalized
            space, same reference point), ``None`` if unknown: the ceiling of ``hv``.
        spacing, spread: distribution of the non-dominated designs (normalized space),
            ``None`` with fewer than two of them.
        n_clipped: designs with a finite variable outside the bounds (clipped before evaluation).
        n_non_finite: designs with a non-finite variable (NaN or infinite; never clipped nor
            evaluated) or non-finite objective values; excluded from every indicator.
        objectives: the exact objective values ``(N, n_obj)`` of the designs (``nan`` rows for
            the non-finite ones); not part of :meth:`to_dict`.
    """

    task: str
    n_designs: int
    n_clipped: int
    n_non_finite: int
    hv: dict[str, float]
    d_best_hv: float
    igd: float | None
    igd_plus: float | None
    front_hv: float | None
    spacing: float | None
    spread: float | None
    benchmark_index_bug: bool
    objectives: np.ndarray = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        """The indicators as a JSON-ready dict (without the objective values)."""
        return {k: v for k, v in asdict(self).items() if k != "objectives"}


def normalizer(dataset: Dataset) -> metrics.Normalizer:
    """The benchmark's objective normalization: min/max over train ∪ test."""
    return metrics.Normalizer.fit(dataset.y_train, dataset.y_test)


def d_best(dataset: Dataset, n: int = N_BEST, *, benchmark_index_bug: bool = False) -> np.ndarray:
    """Row indices of D(best): the best ``n`` training designs (fronts, then crowding)."""
    return select_best(dataset.y_train, min(n, len(dataset.y_train)), benchmark_index_bug=benchmark_index_bug)


def d_best_hypervolume(task: Task, dataset: Dataset, n: int = N_BEST, *, benchmark_index_bug: bool = False) -> float:
    """Hypervolume of D(best) with the benchmark's reference point."""
    norm = normalizer(dataset)
    rows = d_best(dataset, n, benchmark_index_bug=benchmark_index_bug)
    return metrics.hypervolume(norm(dataset.y_train[rows]), reference_point(task, norm))


def reference_point(task: Task, norm: metrics.Normalizer) -> np.ndarray:
    """The hypervolume reference: ``2.2 x`` the task's normalized nadir point, or, for a task
    without one, ``2.2 x`` the dataset's worst objective values (1 after normalization)."""
    nadir = task.nadir if task.nadir is not None else norm.y_max
    return metrics.reference_point(nadir, norm)


def clip_to_bounds(task: Task, X: np.ndarray) -> tuple[np.ndarray, int]:
    """Clip the finite designs ``(N, n_var)`` to the task's box; also return how many changed.

    A row with a non-finite variable is left as it is (it is not a design; nothing is
    clipped in it), so callers can still tell it apart.
    """
    X = np.asarray(X, dtype=float)
    finite = np.isfinite(X).all(axis=1)
    clipped = X.copy()
    clipped[finite] = np.clip(X[finite], task.lower, task.upper)
    changed = np.any(clipped != X, axis=1) & finite
    return clipped, int(changed.sum())


def objectives(task: Task, X: np.ndarray) -> tuple[np.ndarray, int]:
    """The exact objective values ``(N, n_obj)`` of designs ``X (N, n_var)``, clipped to the box.

    Returns the values (``nan`` rows for designs with a non-finite variable, which are never
    evaluated) and how many designs were clipped.
    """
    X, n_clipped = clip_to_bounds(task, X)
    finite = np.isfinite(X).all(axis=1)
    Y = np.full((len(X), task.n_obj), np.nan)
    if finite.any():
        with np.errstate(all="ignore"):
            Y[finite] = task.evaluate(X[finite])
    return Y, n_clipped


def evaluate(task: Task, X: np.ndarray, dataset: Dataset, *, benchmark_index_bug: bool = False) -> Report:
    """Evaluate designs with the task's exact objective functions.

    Args:
        task: the benchmark task.
        X: designs ``(N, n_var)`` in the raw domain; out-of-bounds values are clipped and
           counted; rows with non-finite variables count as non-finite results.
        dataset: the task's dataset, for normalization and D(best).
        benchmark_index_bug: choose the percentile and D(best) sets with the benchmark's
            index bug (for comparison with published numbers).
    """
    Y, n_clipped = objectives(task, X)
    finite = np.isfinite(Y).all(axis=1)
    norm = normalizer(dataset)
    Yn = norm(Y[finite])
    ref = reference_point(task, norm)
    hv = {
        f"{round(q * 100)}th": metrics.percentile_hypervolume(Yn, ref, q, benchmark_index_bug=benchmark_index_bug)
        for q in metrics.PERCENTILES
    }
    igd = igd_plus = front_hv = None
    extremes = None
    if task.has_front and len(Yn):
        front = norm(task.pareto_front(FRONT_POINTS))
        igd, igd_plus = metrics.igd(Yn, front), metrics.igd_plus(Yn, front)
        extremes = metrics.front_extremes(front)
        front_hv = metrics.hypervolume(front, ref)
    nd = Yn[nondominated_mask(Yn)]
    return Report(
        task=task.name,
        n_designs=int(len(X)),
        n_clipped=n_clipped,
        n_non_finite=int((~finite).sum()),
        hv=hv,
        d_best_hv=d_best_hypervolume(task, dataset, benchmark_index_bug=benchmark_index_bug),
        igd=igd,
        igd_plus=igd_plus,
        front_hv=front_hv,
        spacing=_defined(metrics.spacing(nd)),
        spread=_defined(metrics.spread(nd, extremes)),
        benchmark_index_bug=benchmark_index_bug,
        objectives=Y,
    )



def _defined(value: float) -> float | None:
    """``None`` for an indicator that is undefined here (``nan``), else the value."""
    return None if not np.isfinite(value) else float(value)
