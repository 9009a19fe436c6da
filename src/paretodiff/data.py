"""Offline datasets of the benchmark tasks, regenerated locally and cached.

The collection protocol is Off-MOO-Bench's (reference ``offmoo_bench.md`` §2): an
"amateur" NSGA-II (population 100, pymoo's default operators, survival reversed with the
task's probability ``p`` so that the worst individuals survive) runs on the unit cube;
every generation's population is recorded; runs restart until at least 100,000 points
exist; exactly 100,000 are drawn, mapped to the raw domain, non-finite rows dropped; the
best 40% by non-dominated sorting (whole fronts, the boundary front cut at random) is the
hidden test set, the other 60% the training set.

Unlike the original, every random step is seeded: the same task and seed give the same
arrays, byte for byte.  Datasets are cached as safetensors files in the user cache
directory (or ``$PARETODIFF_CACHE``), keyed by task, seed and :data:`PROTOCOL_VERSION`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import platformdirs
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.algorithms.moo.nsga3 import NSGA3
from pymoo.core.duplicate import DuplicateElimination
from pymoo.core.problem import Problem
from pymoo.operators.survival.rank_and_crowding import RankAndCrowding
from pymoo.optimize import minimize
from pymoo.util.ref_dirs import get_reference_directions
from safetensors import SafetensorError, safe_open
from safetensors.numpy import load_file, save_file
from tqdm.auto import tqdm

from paretodiff.errors import InputError
from paretodiff.files import atomic_path
from paretodiff.pareto import crowding_distance, fronts
from paretodiff.settings import check_seed
from paretodiff.tasks.base import Task

log = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
DATA_SIZE = 100_000
TEST_FRACTION = 0.4
POP_SIZE = 100
NSGA3_PARTITIONS = 100
_ARRAYS = ("x_train", "y_train", "x_test", "y_test")


@dataclass(frozen=True, eq=False)
class Dataset:
    """A task's offline data: the training set a method may use, the hidden test set.

    Arrays are float64 in the raw domain: ``x_* (N, n_var)``, ``y_* (N, n_obj)``.
    ``info`` records how the data were made (settings, run seeds, sizes, rows dropped).
    """

    task: str
    seed: int
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    info: dict = field(default_factory=dict)

    def digest(self) -> str:
        """SHA-256 of the four arrays' bytes (dtype, shape and values)."""
        h = hashlib.sha256()
        for name in _ARRAYS:
            a = np.ascontiguousarray(getattr(self, name))
            h.update(f"{name}{a.dtype.str}{a.shape}".encode())
            h.update(a.tobytes())
        return h.hexdigest()


# ---------------------------------------------------------------------------------------
# Collection
# ---------------------------------------------------------------------------------------


class _UnitCubeProblem(Problem):
    """The task seen on ``[0, 1]^n_var``: ``f(lower + u (upper - lower))``."""

    def __init__(self, task: Task) -> None:
        super().__init__(n_var=task.n_var, n_obj=task.n_obj, xl=0.0, xu=1.0)
        self.task = task

    def _evaluate(self, x, out, *args, **kwargs):
        with np.errstate(all="ignore"):
            out["F"] = self.task.evaluate(self.task.from_unit(x))


class AmateurRankAndCrowding(RankAndCrowding):
    """NSGA-II survival that, with probability ``p``, keeps the *worst* individuals.

    Reversed survival takes fronts from the worst upward and cuts the overflowing front
    by descending crowding distance; the survivors' ``rank`` attribute is their position
    in that reversed order, so the next mating selection favours them too (inferred:
    the benchmark's class is not public).  Otherwise it is ordinary rank-and-crowding.
    """

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def _do(self, problem, pop, *args, random_state=None, n_survive=None, **kwargs):
        if random_state.random() >= self.p:
            return super()._do(problem, pop, *args, random_state=random_state, n_survive=n_survive, **kwargs)
        F = pop.get("F").astype(float, copy=False)
        survivors: list[int] = []
        for k, front in enumerate(reversed(fronts(F))):
            cd = crowding_distance(F[front])
            order = np.argsort(-cd, kind="stable")[: n_survive - len(survivors)]
            for j, i in enumerate(front):
                pop[i].set("rank", k)
                pop[i].set("crowding", cd[j])
            survivors.extend(front[order])
            if len(survivors) >= n_survive:
                break
        return pop[survivors]


class ExactDuplicateElimination(DuplicateElimination):
    """pymoo's default duplicate elimination, by exact row equality in O(n log n).

    pymoo's default marks a design as a duplicate when it lies within 1e-16 of another
    (all pairwise distances, O(n^2)); on the unit cube that is exact equality in all but
    pathological cases.  This matters for RE34, whose NSGA-III population is 5151.
    """

    def _do(self, pop, other, is_duplicate):
        X = pop.get("X")
        if other is None:
            _, first = np.unique(X, axis=0, return_index=True)
            is_duplicate[:] = True
            is_duplicate[first] = False
        else:
            O = other.get("X")
            _, inverse = np.unique(np.concatenate([O, X]), axis=0, return_inverse=True)
            inverse = inverse.reshape(-1)
            is_duplicate |= np.isin(inverse[len(O):], inverse[: len(O)])
        return is_duplicate


def _algorithm(task: Task):
    if task.collection.algorithm == "nsga3":
        ref_dirs = get_reference_directions("uniform", task.n_obj, n_partitions=NSGA3_PARTITIONS)
        return NSGA3(ref_dirs=ref_dirs, pop_size=len(ref_dirs), eliminate_duplicates=ExactDuplicateElimination())
    return NSGA2(pop_size=POP_SIZE, survival=AmateurRankAndCrowding(task.collection.p_reverse),
                 eliminate_duplicates=ExactDuplicateElimination())


def run_collection(task: Task, seed: int, progress: "tqdm | None" = None) -> tuple[np.ndarray, np.ndarray]:
    """One collection run: every generation's population, on the unit cube.

    Returns:
        ``U (n_gen * pop, n_var)`` in ``[0, 1]`` and ``F (n_gen * pop, n_obj)``.
    """
    recorded_u: list[np.ndarray] = []
    recorded_f: list[np.ndarray] = []

    def record(algorithm) -> None:
        recorded_u.append(algorithm.pop.get("X").copy())
        recorded_f.append(algorithm.pop.get("F").copy())
        if progress is not None:
            progress.update(1)

    minimize(
        _UnitCubeProblem(task),
        _algorithm(task),
        ("n_gen", task.collection.n_gen),
        seed=int(seed),
        callback=record,
        verbose=False,
    )
    return np.concatenate(recorded_u), np.concatenate(recorded_f)


def split_best(Y: np.ndarray, n_test: int, rng: np.random.Generator) -> np.ndarray:
    """Mask of the ``n_test`` best rows: whole fronts, the boundary front cut at random."""
    mask = np.zeros(len(Y), dtype=bool)
    count = 0
    for front in fronts(Y):
        if count + len(front) <= n_test:
            mask[front] = True
            count += len(front)
        else:
            mask[rng.choice(front, n_test - count, replace=False)] = True
            break
    return mask


def generate(task: Task, seed: int = 0, *, size: int = DATA_SIZE, quiet: bool = True) -> Dataset:
    """Regenerate a task's offline dataset by the benchmark's protocol (no cache).

    Args:
        task: the task.
        seed: master seed; it determines every run's seed, the subsample and the split.
        size: how many points to draw from the collected ones (benchmark: 100,000).
        quiet: hide the progress bar (it goes to stderr).
    """
    rng = np.random.default_rng(check_seed(seed, "the dataset seed"))
    per_run = task.collection.n_gen * (POP_SIZE if task.collection.algorithm == "nsga2" else _nsga3_pop(task))
    n_runs = -(-size // per_run)
    run_seeds = rng.integers(0, 2**31 - 1, size=n_runs)
    U_runs, F_runs = [], []
    with tqdm(total=n_runs * task.collection.n_gen, desc=f"collect {task.name}", unit="gen",
              disable=quiet, leave=False) as bar:
        for run_seed in run_seeds:
            U, F = run_collection(task, int(run_seed), progress=bar)
            U_runs.append(U)
            F_runs.append(F)
    U, F = np.concatenate(U_runs), np.concatenate(F_runs)
    pick = rng.choice(len(U), size=min(size, len(U)), replace=False)
    X, Y = task.from_unit(U[pick]), F[pick]
    finite = np.isfinite(X).all(axis=1) & np.isfinite(Y).all(axis=1)
    X, Y = X[finite], Y[finite]
    test = split_best(Y, int(TEST_FRACTION * len(Y)), rng)
    info = {
        "protocol_version": PROTOCOL_VERSION,
        "collection": {"algorithm": task.collection.algorithm, "n_gen": task.collection.n_gen,
                       "p_reverse": task.collection.p_reverse, "runs": n_runs,
                       "run_seeds": [int(s) for s in run_seeds]},
        "collected": int(len(U)),
        "drawn": int(len(pick)),
        "dropped_non_finite": int((~finite).sum()),
    }
    return Dataset(task.name, seed, X[~test], Y[~test], X[test], Y[test], info)


def _nsga3_pop(task: Task) -> int:
    return len(get_reference_directions("uniform", task.n_obj, n_partitions=NSGA3_PARTITIONS))


# ---------------------------------------------------------------------------------------
# Cache
# ---------------------------------------------------------------------------------------


def cache_dir() -> Path:
    """Where datasets are cached: ``$PARETODIFF_CACHE`` or the user cache directory.

    Raises:
        InputError: ``$PARETODIFF_CACHE`` names something that is not a folder.
    """
    env = os.environ.get("PARETODIFF_CACHE")
    if env and os.path.lexists(env) and not os.path.isdir(env):
        raise InputError(f"PARETODIFF_CACHE={env}: not a folder; point it at a folder for the dataset cache")
    return Path(env) if env else Path(platformdirs.user_cache_dir("paretodiff")) / "datasets"


def cache_path(task_name: str, seed: int) -> Path:
    """The cache file of one dataset."""
    return cache_dir() / f"{task_name}-seed{seed}-v{PROTOCOL_VERSION}.safetensors"


def save(dataset: Dataset, path: Path) -> None:
    """Write a dataset atomically (temporary file, then rename) with its checksum.

    The checksum (:func:`checksum`) covers the arrays and the metadata (task, seed, info).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # one metadata entry, keys sorted: the same dataset always gives the same file bytes
    meta = {"paretodiff": json.dumps({"task": dataset.task, "seed": dataset.seed, "sha256": checksum(dataset),
                                      "info": dataset.info}, sort_keys=True)}
    arrays = {name: np.ascontiguousarray(getattr(dataset, name)) for name in _ARRAYS}
    with atomic_path(path) as tmp:
        save_file(arrays, tmp, metadata=meta)


def checksum(dataset: Dataset) -> str:
    """SHA-256 of a dataset's arrays (:meth:`Dataset.digest`) and of its task, seed and info."""
    about = json.dumps({"task": dataset.task, "seed": dataset.seed, "info": dataset.info}, sort_keys=True)
    return hashlib.sha256((dataset.digest() + about).encode()).hexdigest()


def read(path: Path) -> Dataset:
    """Read a cached dataset, verifying its checksum.

    Raises:
        ValueError: if the file is unreadable, partial, or its contents do not match.
    """
    try:
        with safe_open(str(path), framework="numpy") as f:
            meta = json.loads((f.metadata() or {})["paretodiff"])
        arrays = load_file(str(path))
        if not (isinstance(meta["task"], str) and isinstance(meta["info"], dict) and isinstance(meta["seed"], int)):
            raise ValueError("metadata of the wrong type")
        dataset = Dataset(meta["task"], meta["seed"], *(arrays[n] for n in _ARRAYS), info=meta["info"])
    except (SafetensorError, OSError, KeyError, TypeError, ValueError, json.JSONDecodeError) as exc:
        raise ValueError(f"unreadable dataset file {path}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from exc
    if checksum(dataset) != meta.get("sha256"):
        raise ValueError(f"dataset file {path} does not match its checksum")
    return dataset


def is_cached(task_name: str, seed: int = 0) -> bool:
    """Whether a cache file exists for this task and seed (not verified)."""
    return cache_path(task_name, seed).is_file()


def load(task: Task | str, seed: int = 0, *, quiet: bool = True, use_cache: bool = True) -> Dataset:
    """The task's dataset for ``seed``: from the cache, else regenerated and cached.

    A corrupt or partial cache file is detected (checksum), reported as a ``logging``
    warning and rebuilt; a cache path that is not a file is left alone (nothing is cached).
    """
    from paretodiff import tasks

    task = tasks.get(task) if isinstance(task, str) else task
    path = cache_path(task.name, seed)
    if use_cache and os.path.lexists(path) and not path.is_file():
        log.warning(f"the dataset cache path {path} is not a file; the dataset is regenerated and not cached")
        use_cache = False
    if use_cache and path.is_file():
        try:
            dataset = read(path)
            if dataset.task == task.name and dataset.seed == seed:
                return dataset
            log.warning(f"{path} holds the dataset of {dataset.task} seed {dataset.seed}; regenerating it")
        except ValueError as exc:
            log.warning(f"{exc}; regenerating it")
    dataset = generate(task, seed, quiet=quiet)
    if use_cache:
        try:
            save(dataset, path)
        except OSError as exc:
            log.warning(f"cannot cache the dataset in {path.parent} ({exc.strerror or exc}); it is not cached")
    return dataset
