"""ParetoFlow (the PyPI package ``paretoflow==0.1.5``) behind the common method interface.

The adapter drives the package through its public functions only, on our data:

* ``fit`` builds a :class:`paretoflow.Task` (z-scored ``x`` and ``y``, the package default),
  shuffles the rows with the seed (both trainers hold out the *last* rows for validation),
  trains the flow-matching model with :func:`paretoflow.flow.train_flow_matching` and the
  proxies with :func:`paretoflow.multiple_model_predictor.train_proxies` under an explicit
  budget (:class:`ParetoFlowConfig`).  The trainers return the *last* epoch's models and
  save the best-validation ones to disk (the authors' experiment code samples with those);
  ``fm_checkpoint`` and ``proxy_checkpoint`` say which the adapter samples with: ``"best"``
  for the proxies (best validation Pearson correlation, a sound criterion) and, in the
  ``"cpu"`` preset, ``"last"`` for the flow model, whose validation figure is not a
  likelihood (see below; on ZDT1 it picked epoch 1 of 4, a barely trained model); the
  ``"paper"`` preset uses ``"best"`` for both, as the authors did.  Every file goes to a
  :class:`tempfile.TemporaryDirectory` that is deleted before ``fit`` returns, so nothing is
  written to the working directory.
* ``propose`` runs ``paretoflow.ParetoFlow(...).sample(...)`` with the trained models and
  keeps only ``res_x`` (the package's ``res_y`` has the wrong sign), clipped to the box.

Variants (``fixed``):

``paretoflow`` (``fixed=False``), as the authors ran it.  One correction only, the one their
own experiment code makes: the bounds are given in the normalized space the sampler clips
in (``task.xl = (lower - x_mean) / x_std``, same for ``xu``).  Without it the package clips
z-scored states to the *raw* bounds, e.g. ``[mean, mean + std]`` for data in ``[0, 1]``.

``paretoflow-fixed`` (``fixed=True``) also corrects, from user code:

* ``archive_init_sign`` -- ``ParetoFlow._initialize_pareto_set("d_best")`` gives each
  weight vector the data point with the *largest* ``y . w`` (the worst, since ``y`` is
  minimized) and stores ``y . w`` as its score, while later candidates are scored
  ``-y_hat . w`` (larger is better).  A subclass of :class:`paretoflow.ParetoFlow` (built by
  ``_classes()``) overrides that one method, for ``"d_best"`` only (:func:`initial_archive`):
  each weight takes the remaining point with the *smallest* ``y . w`` (same greedy order, one
  point per weight, as the package) and stores ``-y . w``.
* ``final_selection_sign`` -- ``sample`` keeps ``num_solutions`` of the ~400 archive entries
  by non-dominated sorting plus crowding on ``-y_hat`` (pymoo minimizes), i.e. the
  proxy-*worst*.  ``sample`` is one long method, so instead of copying it the adapter swaps
  the module function it calls, ``paretoflow.paretoflow.get_N_non_dominated_solutions``, for
  the duration of the call (:func:`final_selection`): the swapped-in function ranks by
  ``y_hat``.  In the fixed variant that function is called exactly once per ``sample`` (the
  overridden initialization does not use it); the adapter checks the count and raises if a
  package change broke that assumption.
* ``last_front_index`` -- a bug beyond the two sign errors, in the package's
  ``get_N_nondominated_indices`` (inherited from Off-MOO-Bench): on the front that is cut by
  crowding it returns *positions within that front* instead of row indices, so it keeps
  arbitrary (often dominated or repeated) rows.  It affects both the initial archive (which
  of the data's best ~400 points seed it) and the final selection.  Both fixed steps above
  select with :func:`paretodiff.pareto.select_best` (the same fronts-then-crowding rule with
  the rows right), so this comes with them.

Not fixed (in either variant):

* the returned ``res_y`` sign -- not needed: it is never used.
* the flow model's validation NLL (``FlowMatching.log_prob``), which drives early stopping
  and the "best" FM checkpoint: it is not a log-likelihood (the backward Euler steps add
  ``v |dt|`` instead of subtracting it, only the last step's divergence term is kept, and
  that term is ``1^T J e`` rather than a Hutchinson ``e^T J e``).  Fixing it means replacing
  the package's training loop, so it is left as shipped; the FM checkpoint chosen by it is
  recorded (``facts()["fm_best_epoch"]``).

Budgets (presets):

* ``"cpu"`` (default), sized for a 2-core CPU: fit on 60,000 x 30 training rows in a few
  minutes.  Measured on ZDT1 with 2 torch threads on a lightly loaded 2-core machine, a
  flow-model epoch (with its validation) takes about 12 s and a proxy epoch about 34 s (two
  objectives), so: flow model 6 epochs at batch 256 with a 256-row, 100-step validation
  ODE, last-epoch model; proxies 2 epochs at batch 256, best checkpoint (about 2.5 min in
  all; several times that when other jobs share the cores).  Batches are larger than the
  paper's 128 because they run much faster per row on a CPU.
* ``"paper"``, the paper and the authors' experiment code: flow model 1000 epochs with
  patience 20, batch 128, 1000 validation rows with a 1000-step validation ODE, best
  checkpoint; proxies 200 epochs at batch 128, best checkpoint.

Both sample with the package defaults (T = 1000, O = 5, K = m + 1, gamma = 2,
t_threshold = 0.8, g_t = 0.1).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib
import importlib.metadata
import math
import os
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from paretodiff import settings
from paretodiff.methods.base import OfflineData, Proposals, check_n, exactly_n, refuse_constraints, refuse_mixed
from paretodiff.runtime import seeded
from paretodiff.pareto import select_best

INSTALL_HINT = "ParetoFlow needs the optional package paretoflow: pip install 'paretodiff[peers]'"

FIX_BOUNDS = "bounds_in_normalized_space"
FIX_INIT_SIGN = "archive_init_sign"
FIX_FINAL_SIGN = "final_selection_sign"
FIX_FRONT_INDEX = "last_front_index"
NOT_FIXED = {
    "returned_res_y_sign": "not needed: the adapter uses res_x only",
    "fm_validation_nll": "FlowMatching.log_prob is not a log-likelihood (its Euler steps go the wrong way, only "
                         "the last step's divergence term is kept, and that term is not a trace estimate); it "
                         "drives FM early stopping and the best FM checkpoint; fixing it would mean replacing "
                         "the package's training loop",
}


@dataclass(frozen=True)
class ParetoFlowConfig:
    """Every setting of a ParetoFlow run.  The defaults are the ``"cpu"`` preset.

    Flow-matching training (:func:`paretoflow.flow.train_flow_matching`):
        fm_epochs, fm_batch_size, fm_lr, fm_patience (epochs without a better validation
        NLL before stopping), fm_validation_size (last rows held out, after shuffling),
        fm_sampling_steps (steps of the validation-NLL ODE only; the CPU bottleneck),
        fm_hidden_size (width of the vector-field MLP).
    Proxy training (:func:`paretoflow.multiple_model_predictor.train_proxies`):
        proxy_epochs, proxy_batch_size, proxy_lr, proxy_lr_decay (per epoch),
        proxy_val_ratio (random validation share; best validation Pearson checkpoint).
    fm_checkpoint, proxy_checkpoint: ``"best"`` samples with the best-validation checkpoint
        the trainer saved (as the authors' experiment code does), ``"last"`` with the
        last-epoch model it returns.
    Sampling (:meth:`paretoflow.ParetoFlow.sample`): T (Euler steps), O (offspring per
        sample), K (neighbour weights, 0 = m + 1), gamma (guidance), t_threshold (guidance
        and evolution only for t >= it), g_t (offspring noise), distance (``"cosine"`` or
        ``"euclidean"``), init_method (``"d_best"`` or ``"empty_init"``), adaptive.
    verbose: let the package print its progress bars and logs (hidden otherwise).
    """

    fm_epochs: int = 6
    fm_batch_size: int = 256
    fm_lr: float = 1e-3
    fm_patience: int = 20
    fm_validation_size: int = 256
    fm_sampling_steps: int = 100
    fm_hidden_size: int = 512
    proxy_epochs: int = 2
    proxy_batch_size: int = 256
    proxy_lr: float = 1e-3
    proxy_lr_decay: float = 0.98
    proxy_val_ratio: float = 0.1
    fm_checkpoint: str = "last"
    proxy_checkpoint: str = "best"
    T: int = 1000
    O: int = 5
    K: int = 0
    gamma: float = 2.0
    t_threshold: float = 0.8
    g_t: float = 0.1
    distance: str = "cosine"
    init_method: str = "d_best"
    adaptive: bool = False
    verbose: bool = False

    @classmethod
    def preset(cls, name: str, **overrides) -> ParetoFlowConfig:
        """The named preset (``"cpu"`` or ``"paper"``) with ``overrides`` applied.

        Raises:
            ValueError: unknown preset or setting, or a bad value.
        """
        return cls(**settings.from_preset(cls, PRESETS, name, overrides, "paretoflow")).validate()

    def validate(self) -> ParetoFlowConfig:
        """Check types and ranges, coercing ints given for float settings; return the config."""
        values = settings.coerce(ParetoFlowConfig, dataclasses.asdict(self), "paretoflow setting")
        for name in ("fm_epochs", "fm_batch_size", "fm_validation_size", "fm_sampling_steps", "fm_hidden_size",
                     "proxy_epochs", "proxy_batch_size", "O"):
            if values[name] < 1:
                raise ValueError(f"paretoflow setting {name} must be >= 1, got {values[name]}")
        if values["T"] < 2 or values["fm_sampling_steps"] < 2:
            raise ValueError("paretoflow settings T and fm_sampling_steps must be >= 2")
        if values["fm_patience"] < 0 or values["K"] < 0:
            raise ValueError("paretoflow settings fm_patience and K must be >= 0")
        if not 0 < values["proxy_val_ratio"] < 1 or not 0 <= values["t_threshold"] <= 1:
            raise ValueError("paretoflow settings need 0 < proxy_val_ratio < 1 and 0 <= t_threshold <= 1")
        if values["fm_lr"] <= 0 or values["proxy_lr"] <= 0 or values["proxy_lr_decay"] <= 0:
            raise ValueError("paretoflow learning rates and proxy_lr_decay must be > 0")
        if values["distance"] not in ("cosine", "euclidean"):
            raise ValueError(f"paretoflow setting distance must be 'cosine' or 'euclidean', got {values['distance']!r}")
        for name in ("fm_checkpoint", "proxy_checkpoint"):
            if values[name] not in ("best", "last"):
                raise ValueError(f"paretoflow setting {name} must be 'best' or 'last', got {values[name]!r}")
        if values["init_method"] not in ("d_best", "empty_init"):
            raise ValueError(f"paretoflow setting init_method must be 'd_best' or 'empty_init', "
                             f"got {values['init_method']!r}")
        return dataclasses.replace(self, **values)


PRESETS: dict[str, dict] = {
    "cpu": {},
    "paper": dict(fm_epochs=1000, fm_batch_size=128, fm_patience=20, fm_validation_size=1000,
                  fm_sampling_steps=1000, fm_checkpoint="best", proxy_epochs=200, proxy_batch_size=128),
}


# ---------------------------------------------------------------------------------------
# The package, imported lazily (it is an optional extra)
# ---------------------------------------------------------------------------------------


def _package_columns(X: np.ndarray, lower: np.ndarray, upper: np.ndarray):
    """The designs and box as the package is given them: a one-column design as two copies.

    The package squeezes its final designs to a 1-D array, which its proxies cannot take when
    ``D = 1``; with two identical columns the flow and the proxies see the same information,
    and :meth:`ParetoFlowMethod.propose` keeps the first column of what comes back.
    """
    if X.shape[1] == 1:
        return np.repeat(X, 2, axis=1), np.repeat(lower, 2), np.repeat(upper, 2)
    return X, lower, upper


def _package():
    """The ``paretoflow`` package and the modules the adapter drives.

    Raises:
        ImportError: it is not installed (the message says how to install it).
    """
    try:
        import paretoflow
        import paretoflow.flow
        import paretoflow.multiple_model_predictor
        import paretoflow.paretoflow
    except ImportError as error:
        raise ImportError(INSTALL_HINT) from error
    return paretoflow


@functools.cache
def _classes() -> tuple[type, type]:
    """``(OfflineTask, FixedParetoFlow)``, built once the package is importable."""
    pf = _package()

    class OfflineTask(pf.Task):
        """A :class:`paretoflow.Task` over offline data; ParetoFlow never evaluates it."""

        def evaluate(self, x: np.ndarray) -> np.ndarray:
            """Refused, always: offline data has no objective function, and the method must not
            use the benchmark's one (its designs are scored by the caller, after ``propose``)."""
            raise RuntimeError("offline data: there is no objective function to evaluate")

    class FixedParetoFlow(pf.ParetoFlow):
        """:class:`paretoflow.ParetoFlow` whose ``"d_best"`` archive starts from the best point per weight."""

        def _initialize_pareto_set(self, batch_size: int, objectives_weights: torch.Tensor | None = None,
                                   methods: str = "d_best", all_x: np.ndarray | None = None,
                                   all_y: np.ndarray | None = None) -> list[tuple[torch.Tensor, float]]:
            if methods != "d_best":
                return super()._initialize_pareto_set(batch_size, objectives_weights, methods, all_x, all_y)
            if objectives_weights is None or len(objectives_weights) != batch_size:
                raise ValueError("d_best initialization needs one weight vector per archive slot")
            return initial_archive(all_x, all_y, objectives_weights)

    return OfflineTask, FixedParetoFlow


def package_version() -> str:
    """The installed ``paretoflow`` version."""
    return importlib.metadata.version("paretoflow")


# ---------------------------------------------------------------------------------------
# The corrected steps (pure functions, tested on their own)
# ---------------------------------------------------------------------------------------


def best_per_weight(Y: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Greedy assignment of one row per weight vector, in weight order.

    Weight ``i`` (in order) takes the not yet taken row with the smallest ``Y[r] . w_i``,
    the package's greedy order with the sign corrected (``Y`` is minimized).

    Args:
        Y: objective values ``(P, m)``, minimized, ``P >= N``.
        weights: weight vectors ``(N, m)``.

    Returns:
        ``rows (N,)`` (distinct) and their scores ``(N,)`` = ``-Y[rows[i]] . w_i`` (larger is
        better, the sign the sampler scores its candidates with).
    """
    Y, weights = np.asarray(Y, dtype=float), np.asarray(weights, dtype=float)
    if len(Y) < len(weights):
        raise ValueError(f"{len(weights)} weight vectors need at least as many rows, got {len(Y)}")
    scalar = Y @ weights.T  # (P, N)
    free = np.ones(len(Y), dtype=bool)
    rows = np.empty(len(weights), dtype=int)
    for i in range(len(weights)):
        row = int(np.argmin(np.where(free, scalar[:, i], np.inf)))
        rows[i], free[row] = row, False
    return rows, -scalar[rows, np.arange(len(weights))]


def initial_archive(all_x: np.ndarray, all_y: np.ndarray,
                    weights: torch.Tensor) -> list[tuple[torch.Tensor, float]]:
    """The fixed ``"d_best"`` archive: the data's best ``N`` rows, one per weight, best scalarization.

    Args:
        all_x: normalized designs ``(P, D)``; all_y: normalized objectives ``(P, m)``, minimized.
        weights: weight vectors ``(N, m)`` (a tensor on the sampler's device).

    Returns:
        ``N`` pairs ``(design (D,) float32 tensor, score)``, the package's archive format.
    """
    all_x, all_y = np.asarray(all_x), np.asarray(all_y, dtype=float)
    best = select_best(all_y, len(weights))
    rows, scores = best_per_weight(all_y[best], weights.detach().cpu().numpy())
    designs = torch.as_tensor(all_x[best][rows], dtype=torch.float32, device=weights.device)
    return [(designs[i], float(scores[i])) for i in range(len(rows))]


def select_proxy_best(n: int, archive_x: np.ndarray, negated_y_hat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The fixed final selection: the ``n`` archive entries that are best by the proxies.

    Stands in for ``get_N_non_dominated_solutions(n, res_x, res_y)`` inside ``sample``,
    whose ``res_y`` is ``-y_hat``: fronts then crowding (:func:`paretodiff.pareto.select_best`)
    on ``y_hat`` (minimized).

    Args:
        n: how many to keep; archive_x: ``(P, D)``; negated_y_hat: ``(P, m)``.

    Returns:
        the kept rows of ``archive_x`` and of ``negated_y_hat``.
    """
    negated_y_hat = np.asarray(negated_y_hat, dtype=float).reshape(len(archive_x), -1)
    rows = select_best(-negated_y_hat, min(n, len(archive_x)))
    return archive_x[rows], negated_y_hat[rows]


@contextlib.contextmanager
def final_selection(fixed: bool, calls: list[int]) -> Iterator[None]:
    """Within the block, ``sample``'s selection function records each call and, if ``fixed``, selects right.

    ``paretoflow.paretoflow.get_N_non_dominated_solutions`` is swapped for a function that
    appends the number of candidate rows to ``calls`` and then either calls the original
    (``fixed=False``) or :func:`select_proxy_best`.  The original is restored on exit.  (Not
    safe against other threads sampling with the package at the same time.)
    """
    core = importlib.import_module("paretoflow.paretoflow")
    original = core.get_N_non_dominated_solutions

    def selection(N: int, all_x: np.ndarray, all_y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        calls.append(len(all_x))
        return select_proxy_best(N, all_x, all_y) if fixed else original(N, all_x, all_y)

    core.get_N_non_dominated_solutions = selection
    try:
        yield
    finally:
        core.get_N_non_dominated_solutions = original


# ---------------------------------------------------------------------------------------
# RNG and output control around the package's calls
# ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def _quiet(verbose: bool) -> Iterator[None]:
    """Hide the package's prints and progress bars unless ``verbose``."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="To copy construct from a tensor")
        if verbose:
            yield
            return
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            yield


def _finite(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


# ---------------------------------------------------------------------------------------
# The method
# ---------------------------------------------------------------------------------------


class ParetoFlowMethod:
    """ParetoFlow from the ``paretoflow`` package, as shipped (+ bounds fix) or with its sign errors fixed.

    Args:
        fixed: also correct the archive initialization and the final selection (see the
            module docstring for exactly what is corrected and how).
        preset: ``"cpu"`` (default) or ``"paper"``.
        **overrides: any :class:`ParetoFlowConfig` field.

    Raises:
        ImportError: ``paretoflow`` is not installed.
        ValueError: unknown preset or setting, or a bad value.
    """

    name = "paretoflow"

    def __init__(self, fixed: bool = False, preset: str = "cpu", **overrides) -> None:
        _package()
        self.fixed = bool(fixed)
        self.preset = preset
        self.config = ParetoFlowConfig.preset(preset, **overrides)
        self.name = "paretoflow-fixed" if self.fixed else "paretoflow"
        self._task = None
        self._fm = None
        self._proxies = None
        self._bounds: tuple[np.ndarray, np.ndarray] | None = None
        self._facts: dict = {}

    # -- fit -----------------------------------------------------------------------------

    def fit(self, data: OfflineData, seed: int) -> "ParetoFlowMethod":
        """Train the flow model and the proxies on ``data`` (rows shuffled with ``seed``)."""
        refuse_constraints(data, self.name.split(":")[0])
        refuse_mixed(data, self.name.split(":")[0])
        pf = _package()
        self._check(data)
        order = np.random.default_rng(seed).permutation(len(data.X))
        X, lower, upper = _package_columns(data.X[order], data.lower, data.upper)
        task = self._make_task(X, data.Y_min[order], lower, upper)
        device = importlib.import_module("paretoflow.paretoflow").device
        with seeded(seed, numpy_global=True), _quiet(self.config.verbose), \
                tempfile.TemporaryDirectory(prefix="paretoflow-") as tmp:
            fm, fm_facts = self._train_flow(pf, task, device, tmp)
            proxies, proxy_facts = self._train_proxies(pf, task, device, tmp)
        self._task, self._fm, self._proxies = task, fm, proxies
        self._bounds = (data.space.search_lower.copy(), data.space.search_upper.copy())  # where it may propose
        self._facts = {"device": str(device), **fm_facts, **proxy_facts}
        return self

    def _check(self, data: OfflineData) -> None:
        """Refuse data the package cannot handle, with a clear message."""
        c = self.config
        if data.n_obj < 2:
            raise ValueError("ParetoFlow needs at least 2 objectives")
        if not (np.isfinite(data.X).all() and np.isfinite(data.Y_min).all()):
            raise ValueError("ParetoFlow needs finite X and Y")
        for label, values in (("design", data.X), ("objective", data.Y_min)):
            constant = np.flatnonzero(values.std(axis=0) == 0)
            if len(constant):
                raise ValueError(f"ParetoFlow z-scores every column: {label} column(s) {constant.tolist()} are constant")
        n_train = len(data.X) - c.fm_validation_size
        if n_train < 1 or int((1 - c.proxy_val_ratio) * len(data.X)) < 1:
            raise ValueError(f"{len(data.X)} rows are too few for fm_validation_size={c.fm_validation_size} "
                             f"and proxy_val_ratio={c.proxy_val_ratio}")
        if c.init_method == "d_best" and len(data.X) < self._n_weights(data.n_obj):
            raise ValueError(f"init_method 'd_best' needs at least {self._n_weights(data.n_obj)} rows "
                             f"(one per weight vector) for {data.n_obj} objectives, got {len(data.X)}")

    def _make_task(self, X: np.ndarray, Y: np.ndarray, lower: np.ndarray, upper: np.ndarray):
        """A z-scored :class:`paretoflow.Task` whose bounds are in the normalized space the sampler clips in."""
        OfflineTask, _ = _classes()
        task = OfflineTask("data", X, Y, np.array(lower, dtype=float), np.array(upper, dtype=float))
        task.xl = (np.asarray(lower, dtype=float) - task.x_mean) / task.x_std
        task.xu = (np.asarray(upper, dtype=float) - task.x_mean) / task.x_std
        return task

    def _train_flow(self, pf, task, device: torch.device, tmp: str) -> tuple[torch.nn.Module, dict]:
        """Train the flow-matching model; its best-validation checkpoint if ``fm_checkpoint == "best"``."""
        c = self.config
        start, cpu = time.perf_counter(), time.process_time()
        nll, path, model = pf.flow.train_flow_matching(
            task.input_x, device, "fm", store_path=tmp + os.sep, validation_size=c.fm_validation_size,
            batch_size=c.fm_batch_size, lr=c.fm_lr, fm_sampling_steps=c.fm_sampling_steps,
            hidden_size=c.fm_hidden_size, patience=c.fm_patience, epochs=c.fm_epochs)
        loaded = c.fm_checkpoint == "best" and os.path.exists(path)
        if loaded:  # a whole pickled module the trainer has just written to our own temporary folder
            model = torch.load(path, weights_only=False, map_location=device)
        nll = [float(v) for v in np.asarray(nll, dtype=float)]
        best = 0  # the trainer saves at epoch 1 and on every strict improvement
        for epoch, value in enumerate(nll):
            if value < nll[best]:
                best = epoch
        return model, {
            "fm_seconds": time.perf_counter() - start,
            "fm_cpu_seconds": time.process_time() - cpu,
            "fm_epochs_run": len(nll),
            "fm_best_epoch": best + 1 if nll else None,
            "fm_best_val_nll": _finite(nll[best]) if nll else None,
            "fm_last_val_nll": _finite(nll[-1]) if nll else None,
            "fm_checkpoint": "best" if loaded else "last",
        }

    def _train_proxies(self, pf, task, device: torch.device, tmp: str) -> tuple[object, dict]:
        """Train one proxy per objective; the best-validation-PCC checkpoints if ``proxy_checkpoint == "best"``."""
        c = self.config
        start, cpu = time.perf_counter(), time.process_time()
        _, proxies = pf.multiple_model_predictor.train_proxies(
            task.input_x, task.input_y, "proxy", save_dir=tmp, tkwargs={"device": device, "dtype": torch.float32},
            proxy_lr=c.proxy_lr, proxy_lr_decay=c.proxy_lr_decay, n_epochs=c.proxy_epochs,
            proxies_val_ratio=c.proxy_val_ratio, proxies_batch_size=c.proxy_batch_size)
        pcc, checkpoints = [], []
        for model in proxies.obj2model.values():
            saved = os.path.exists(model.save_path)
            state = torch.load(model.save_path, weights_only=True, map_location=device) if saved else {}
            pcc.append(_finite(state.get("valid_pcc")))
            use_best = c.proxy_checkpoint == "best" and saved
            if use_best:
                model.load_state_dict(state["model_state_dict"])
            checkpoints.append("best" if use_best else "last")
        return proxies, {
            "proxy_seconds": time.perf_counter() - start,
            "proxy_cpu_seconds": time.process_time() - cpu,
            "proxy_epochs_run": c.proxy_epochs,
            "proxy_best_val_pcc": pcc,
            "proxy_checkpoint": checkpoints,
        }

    # -- propose -------------------------------------------------------------------------

    def propose(self, n: int, seed: int) -> Proposals:
        """``n`` designs ``(n, D)``: ParetoFlow's kept archive entries, clipped to the search box.

        Raises:
            RuntimeError: called before ``fit``.
            ValueError: ``n`` exceeds the number of weight vectors (one design each, e.g.
                400 for 2 objectives) or the unique designs the archive ends with.
        """
        if self._fm is None:
            raise RuntimeError("fit before proposing")
        n = check_n(n)
        n_weights = self._n_weights(self._task.n_obj)
        if not 1 <= n <= n_weights:
            raise ValueError(f"ParetoFlow keeps at most one design per weight vector: it can propose 1 to "
                             f"{n_weights} designs for {self._task.n_obj} objectives, not {n}")
        X, archive = self._sample(n, seed)
        X = X[:, : len(self._bounds[0])]  # the first copy of a one-column design (see _package_columns)
        X = np.clip(X[np.isfinite(X).all(axis=1)], *self._bounds)
        self._facts.update(archive_unique=archive, returned=len(X),
                           returned_unique=len(np.unique(X, axis=0)), padded=max(0, n - len(X)))
        return Proposals(exactly_n(X, n, np.random.default_rng(seed)))

    def _sample(self, n: int, seed: int) -> tuple[np.ndarray, int]:
        """Run ``ParetoFlow.sample``; return ``res_x (<= n, D)`` and the archive's unique-entry count."""
        pf = _package()
        c = self.config
        cls = _classes()[1] if self.fixed else pf.ParetoFlow
        sampler = cls(self._task, load_pretrained_fm=True, fm_model=self._fm,
                      load_pretrained_proxies=True, proxies=self._proxies)
        calls: list[int] = []
        start, cpu = time.perf_counter(), time.process_time()
        with seeded(seed, numpy_global=True), _quiet(c.verbose), final_selection(self.fixed, calls):
            try:
                res_x, _ = sampler.sample(T=c.T, O=c.O, K=c.K, num_solutions=n, distance=c.distance, g_t=c.g_t,
                                          init_method=c.init_method, t_threshold=c.t_threshold,
                                          adaptive=c.adaptive, gamma=c.gamma)
            except AssertionError as error:
                if "number of solutions in the pareto set" not in str(error):
                    raise
                raise ValueError(f"ParetoFlow's archive ended with fewer than {n} unique designs "
                                 f"(duplicates within 1e-3 are merged); ask for fewer") from error
        self._facts.update(sample_seconds=time.perf_counter() - start, sample_cpu_seconds=time.process_time() - cpu)
        if self.fixed and len(calls) != 1:
            raise RuntimeError(f"paretoflow {package_version()}: expected one final selection per sample, "
                               f"saw {len(calls)}; the fixed variant does not support this package version")
        return np.asarray(res_x, dtype=float).reshape(-1, self._task.n_dim), calls[-1]

    def _n_weights(self, n_obj: int) -> int:
        """How many weight vectors (archive slots) the package uses for ``n_obj`` objectives."""
        return int(_package().ParetoFlow._calculate_objectives_weights(n_obj, 1)[1])

    # -- record --------------------------------------------------------------------------

    def fixes(self) -> list[str]:
        """The corrections this variant applies (see the module docstring)."""
        return [FIX_BOUNDS] + ([FIX_INIT_SIGN, FIX_FINAL_SIGN, FIX_FRONT_INDEX] if self.fixed else [])

    def settings(self) -> dict:
        applied = self.fixes()
        not_applied = {k: "the as-shipped variant keeps it (fixed=True corrects it)"
                       for k in (FIX_INIT_SIGN, FIX_FINAL_SIGN, FIX_FRONT_INDEX) if k not in applied}
        return {
            "variant": "fixed" if self.fixed else "as-shipped",
            "preset": self.preset,
            **dataclasses.asdict(self.config),
            "fixes_applied": applied,
            "fixes_not_applied": {**not_applied, **NOT_FIXED},
            "paretoflow_version": package_version(),
        }

    def facts(self) -> dict:
        return dict(self._facts)


__all__ = [
    "INSTALL_HINT",
    "PRESETS",
    "ParetoFlowConfig",
    "ParetoFlowMethod",
    "best_per_weight",
    "final_selection",
    "initial_archive",
    "package_version",
    "seeded",
    "select_proxy_best",
]
