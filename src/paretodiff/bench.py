"""The benchmark runner: tasks × methods × seeds, one JSON file per cell, one results table.

>>> from paretodiff import bench
>>> grid = bench.grid(["zdt1", "re21"], ["d-best", "pgd"], seeds=[0, 1, 2])
>>> bench.run(grid, "out/", workers=2)           # skips cells already finished
>>> print(bench.report("out/"))                  # mean ± std per task, ranks

A *cell* is one (task, method, seed): the method is fitted on the task's regenerated
training set (dataset seed ``data_seed``), proposes ``n`` designs, and the designs are scored
with the exact objective functions by the benchmark's protocol
(:func:`paretodiff.evaluation.evaluate`).  Its record (designs, objective values, hypervolume
at the 100th/75th/50th percentile, IGD where a true front is known, fit and propose seconds,
peak memory, package versions, the method's full settings) is written to
``DIR/cells/<task>__<method>__seed<seed>.json`` by writing a temporary file and renaming it,
so a partial file never counts as finished.  A method that raises is recorded with its error
and the other cells go on; a rerun skips the finished cells and retries the failed ones.

Cells run in separate processes, one fresh process per cell (so peak memory is the cell's
own): ``workers`` processes at a time on this machine, each with ``cores // workers``
torch and BLAS threads, or as Ray tasks (``backend="ray"``) on an existing cluster or a
local Ray instance; results always come back to ``DIR`` on the driver.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import logging
import os
import platform
import re
import resource
import sys
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from paretodiff import files
from paretodiff.errors import InputError

log = logging.getLogger(__name__)

RECORD_VERSION = 2  # 2: records carry their SHA-256 and must match their file name
N_DESIGNS = 256
PERCENTILES = ("100th", "75th", "50th")
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class Cell:
    """One run of the grid: a method spec on a task with a method seed."""

    task: str
    method: str
    seed: int
    data_seed: int = 0
    n: int = N_DESIGNS

    @property
    def key(self) -> str:
        """A file-name-safe identifier: ``<task>__<method>__seed<seed>`` (+ data seed, n if not default)."""
        key = f"{self.task}__{_slug(self.method)}__seed{self.seed}"
        if self.data_seed != 0:
            key += f"__data{self.data_seed}"
        if self.n != N_DESIGNS:
            key += f"__n{self.n}"
        return key


SLUG_LENGTH = 80  # file names stay far below the usual 255-byte limit


def _slug(text: str) -> str:
    """``text`` as a file-name part: other characters become ``_``; a changed or long text is cut
    to :data:`SLUG_LENGTH` characters and gets a hash of the original, so slugs stay distinct."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", text)
    if slug == text and len(slug) <= SLUG_LENGTH:
        return slug
    return f"{slug[:SLUG_LENGTH]}-{hashlib.sha1(text.encode()).hexdigest()[:8]}"


def grid(tasks_: Sequence[str], methods: Sequence[str], seeds: Sequence[int], *, data_seed: int = 0,
         n: int = N_DESIGNS) -> list[Cell]:
    """Every (task, method, seed) cell, task-major."""
    return [Cell(t, m, int(s), data_seed, n) for t in tasks_ for m in methods for s in seeds]


def cell_path(out_dir: str | os.PathLike, cell: Cell) -> Path:
    """Where a cell's record lives."""
    return Path(out_dir) / "cells" / f"{cell.key}.json"


# ---------------------------------------------------------------------------------------
# One cell
# ---------------------------------------------------------------------------------------


def run_cell(cell: Cell, threads: int | None = None) -> dict:
    """Run one cell in this process and return its record; a method's exception is recorded.

    Args:
        cell: what to run.
        threads: torch threads for this cell (default: leave torch's setting).
    """
    import torch

    from paretodiff import data, evaluation, methods, tasks

    if threads:
        torch.set_num_threads(threads)
    record: dict = {"record_version": RECORD_VERSION, **asdict(cell), "status": "ok",
                    "threads": torch.get_num_threads(), "started": _now()}
    try:
        task = tasks.get(cell.task)
        dataset = data.load(task, cell.data_seed)
        method = methods.make(cell.method)
        record["settings"] = _json_safe(method.settings())
        offline = methods.OfflineData.in_box(dataset.x_train, dataset.y_train, task.lower, task.upper, task.name)
        start = time.perf_counter()
        method.fit(offline, cell.seed)
        record["fit_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        X = np.asarray(method.propose(cell.n, cell.seed).X, dtype=float)
        record["propose_seconds"] = time.perf_counter() - start
        if X.shape != (cell.n, task.n_var):
            raise ValueError(f"{cell.method} proposed an array of shape {X.shape}, expected {(cell.n, task.n_var)}")
        report = evaluation.evaluate(task, X, dataset)
        record.update(
            hv=report.hv, d_best_hv=report.d_best_hv, front_hv=report.front_hv, igd=report.igd,
            igd_plus=report.igd_plus, **distinct_and_new(X, dataset.x_train), spacing=report.spacing, spread=report.spread, n_clipped=report.n_clipped,
            n_non_finite=report.n_non_finite, settings=_json_safe(method.settings()), facts=_json_safe(method.facts()),
            designs=[[_finite_or_none(v) for v in row] for row in X],
            objectives=[[_finite_or_none(v) for v in row] for row in report.objectives],
        )
    except Exception as exc:  # a failing method must not stop the grid
        record.update(status="error", error=f"{type(exc).__name__}: {exc}".splitlines()[0],
                      traceback=traceback.format_exc())
    record.update(peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
                  finished=_now(), versions=versions(), machine=machine())
    return record


def distinct_and_new(X: np.ndarray, measured: np.ndarray) -> dict[str, int]:
    """``distinct``: how many different rows ``X (N, D)`` holds; ``new``: how many of those
    are equal to no row of ``measured (M, D)`` (exact float64 equality, -0.0 = 0.0)."""
    from paretodiff.selection import design_digests

    proposed = np.unique(design_digests(X))
    return {"distinct": int(len(proposed)), "new": int((~np.isin(proposed, design_digests(measured))).sum())}


def _json_safe(value):
    """``value`` (dicts, lists, numbers) with every non-finite float as ``None`` (JSON has no NaN);
    e.g. a validation loss that was never measured."""
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _finite_or_none(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def versions() -> dict[str, str]:
    """Versions of Python and of the packages that can change a result (installed ones only)."""
    out = {"python": platform.python_version()}
    for name in ("paretodiff", "numpy", "torch", "pymoo", "moocore", "pandas", "paretoflow", "ray"):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return out


def machine() -> str:
    """A one-line description of this machine: CPU model, cores, Python, OS."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


COMPACT_DROPS = ("designs", "objectives", "traceback")


def write_record(out_dir: str | os.PathLike, record: dict, *, compact: bool = False) -> Path:
    """Write a cell's record atomically (temporary file in the same folder, then rename), with its digest.

    ``compact`` keeps the summaries only (no designs, objective values or traceback; about
    2 kB a cell instead of 100-300 kB), marked ``"compact": true``: enough for the results
    table, not for :func:`plot`.
    """
    cell = Cell(record["task"], record["method"], record["seed"], record["data_seed"], record["n"])
    path = cell_path(out_dir, cell)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {k: v for k, v in record.items() if k != "sha256" and not (compact and k in COMPACT_DROPS)}
    if compact:
        record["compact"] = True
    record["sha256"] = _record_digest(record)
    files.write_text(path, json.dumps(record, allow_nan=False))
    return path


def _record_digest(record: dict) -> str:
    """SHA-256 of a record without its ``sha256`` entry (canonical JSON)."""
    body = {k: v for k, v in record.items() if k != "sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()).hexdigest()


def check_record(path: Path) -> tuple[dict | None, str | None]:
    """A cell record and ``None``, or ``None`` and why the file is not a usable record.

    A usable record is complete JSON of this :data:`RECORD_VERSION`, matches its SHA-256 (so
    it was written whole by :func:`write_record` and not changed since), belongs to the cell
    its file name says (a record copied over another seed's file is not that seed's), and
    has every result :func:`aggregate` and :func:`plot` read (a compact record: those of
    :func:`aggregate`).
    """
    try:
        record = json.loads(Path(path).read_text(), parse_constant=_no_constant)
    except FileNotFoundError:
        return None, "missing"
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        return None, f"not complete JSON ({str(exc).splitlines()[0][:80]})"
    if not isinstance(record, dict):
        return None, "not a cell record"
    if record.get("record_version") != RECORD_VERSION:
        return None, f"record version {record.get('record_version')!r}, not {RECORD_VERSION}"
    if record.get("sha256") != _record_digest(record):
        return None, "does not match its SHA-256 (changed or damaged)"
    why = _record_problem(record)
    if why is None:
        cell = Cell(record["task"], record["method"], record["seed"], record["data_seed"], record["n"])
        if f"{cell.key}.json" != Path(path).name:
            why = f"holds the record of cell {cell.key}, not of its file's cell"
    return (None, why) if why else (record, None)


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _record_problem(record: dict) -> str | None:
    """What is missing or of the wrong type in a record, or ``None``."""
    for key, kind in (("task", str), ("method", str), ("seed", int), ("data_seed", int), ("n", int), ("status", str)):
        if not isinstance(record.get(key), kind) or isinstance(record.get(key), bool):
            return f"no valid {key!r}"
    if record["status"] not in ("ok", "error"):
        return f"unknown status {record['status']!r}"
    if record["status"] == "error":
        return None if isinstance(record.get("error"), str) else "no valid 'error'"
    hv = record.get("hv")
    if not (isinstance(hv, dict) and all(_is_number(hv.get(p)) for p in PERCENTILES)):
        return "no valid 'hv'"
    for key in ("d_best_hv", "fit_seconds", "propose_seconds"):
        if not _is_number(record.get(key)):
            return f"no valid {key!r}"
    for key in ("igd", "igd_plus", "front_hv", "peak_rss_mib", "distinct", "new"):
        if record.get(key) is not None and not _is_number(record.get(key)):
            return f"no valid {key!r}"
    if record.get("compact") is True:
        return None
    for key in ("designs", "objectives"):
        rows = record.get(key)
        if not (isinstance(rows, list) and len(rows) == record["n"] and all(isinstance(r, list) for r in rows)):
            return f"no valid {key!r}"
        if len({len(r) for r in rows}) > 1 or any(v is not None and not _is_number(v) for row in rows for v in row):
            return f"no valid {key!r}"
    return None


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def read_record(path: Path) -> dict | None:
    """A cell record, or ``None`` if the file is missing, partial, changed or not that cell's record."""
    return check_record(path)[0]


def is_finished(out_dir: str | os.PathLike, cell: Cell) -> bool:
    """Whether the cell has a usable record with status ``ok``."""
    record = read_record(cell_path(out_dir, cell))
    return record is not None and record.get("status") == "ok"


FOLDER_MARKERS = ("cells", "runs.jsonl")


def folder_problem(path: Path) -> str | None:
    """``None`` if ``path`` may hold a benchmark run (a bench folder, or an empty folder), else why not."""
    if not path.is_dir():
        return "is not a folder"
    names = sorted(p.name for p in path.iterdir())
    if not names or (path / "cells").is_dir() or (path / "runs.jsonl").is_file():
        return None
    return (f"exists and is not a paretodiff bench folder (it holds {', '.join(names[:3])}"
            + (" ..." if len(names) > 3 else "") + "); choose a new folder")


def folder_output(option: str, path: str | os.PathLike) -> files.Output:
    """The bench folder as an output (for :func:`paretodiff.files.check_outputs`): resumed, not replaced."""
    return files.Output(option, Path(path), folder=True, reuse=folder_problem, needs_overwrite=False)


def check_folder(path: str | os.PathLike) -> None:
    """Raise :class:`InputError` unless ``path`` is a benchmark folder with records in ``cells/``."""
    if not (Path(path) / "cells").is_dir():
        raise InputError(f"{path}: not a benchmark folder (no cells/ inside)")


# ---------------------------------------------------------------------------------------
# The grid
# ---------------------------------------------------------------------------------------


@dataclass
class RunSummary:
    """What one :func:`run` did."""

    ran: int
    skipped: int
    failed: list[str]
    wall_seconds: float


def run(
    cells: Sequence[Cell],
    out_dir: str | os.PathLike,
    *,
    workers: int = 1,
    backend: str = "local",
    address: str | None = None,
    force: bool = False,
    command: str | None = None,
    progress: Callable[[dict], None] | None = None,
    compact: bool = False,
    threads: int | None = None,
) -> RunSummary:
    """Run every cell not finished yet and write its record to ``out_dir/cells``.

    Args:
        cells: the grid.
        workers: cells at a time on this machine (``backend="local"``); ``0`` runs them one
            after another in this process (no isolation: peak memory is the whole process's).
        backend: ``"local"`` (processes on this machine) or ``"ray"``.
        address: the Ray cluster to join (``backend="ray"``); ``None`` starts a local instance.
        force: run finished cells again.
        command: the command line to record in ``out_dir/runs.jsonl``.
        progress: called with each record as it arrives.
        compact: keep summaries only in the records (:func:`write_record`), e.g. for
            records kept in a repository.
        threads: torch and BLAS threads per cell; ``None``: the cores shared out among the
            workers (:func:`threads_per_worker`), one per Ray task, torch's own setting with
            ``workers=0``.
    """
    if backend not in ("local", "ray"):
        raise ValueError(f"unknown backend {backend!r}; choose local or ray")
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    out_dir = Path(out_dir)
    (out_dir / "cells").mkdir(parents=True, exist_ok=True)
    todo = [c for c in cells if force or not _finished_or_warn(out_dir, c)]
    start = time.perf_counter()
    _prepare_datasets(todo)
    failed: list[str] = []
    threads = threads or _default_threads(backend, workers)
    if backend == "ray":
        records = _run_ray(todo, address, threads)
    elif workers == 0:
        records = (run_cell(c, threads) for c in todo)
    else:
        records = _run_processes(todo, workers, threads)
    for record in records:
        write_record(out_dir, record, compact=compact)
        if record["status"] != "ok":
            failed.append(f"{Cell(record['task'], record['method'], record['seed']).key}: {record['error']}")
        if progress is not None:
            progress(record)
    summary = RunSummary(len(todo), len(cells) - len(todo), failed, time.perf_counter() - start)
    _append_run_log(out_dir, summary, command, workers, backend, cells, threads)
    return summary


def _finished_or_warn(out_dir: Path, cell: Cell) -> bool:
    """:func:`is_finished`, with a warning for a record file that exists but cannot be used."""
    record, why = check_record(cell_path(out_dir, cell))
    if why is not None and why != "missing":
        log.warning(f"{cell_path(out_dir, cell)}: {why}; the cell runs again")
    return record is not None and record["status"] == "ok"


def _prepare_datasets(cells: Iterable[Cell]) -> None:
    """Generate (and cache) each dataset once, before the cells that share it start."""
    from paretodiff import data, tasks

    for task, seed in sorted({(c.task, c.data_seed) for c in cells}):
        data.load(tasks.get(task), seed)


def _default_threads(backend: str, workers: int) -> int | None:
    """Threads per cell when none are asked for: one per Ray task, the cores shared out among
    local worker processes, ``None`` (torch's own setting) for cells in this process."""
    if backend == "ray":
        return 1
    return threads_per_worker(workers) if workers else None


def threads_per_worker(workers: int) -> int:
    """The cores this process may use (:func:`paretodiff.runtime.available_cores`) shared out
    evenly among the workers, at least one each."""
    from paretodiff.runtime import available_cores

    return max(1, available_cores() // max(1, workers))


@contextmanager
def _thread_env(threads: int) -> Iterator[None]:
    """BLAS/OpenMP thread counts for the worker processes started inside the block."""
    saved = {k: os.environ.get(k) for k in (*_THREAD_VARS, "OMP_WAIT_POLICY")}
    os.environ.update({k: str(threads) for k in _THREAD_VARS})
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # idle threads sleep: workers share the cores
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _run_processes(cells: Sequence[Cell], workers: int, threads: int) -> Iterator[dict]:
    """Cells in ``workers`` processes at a time, a fresh process per cell, ``threads`` threads each;
    records as they finish."""
    pending = list(cells)
    while pending:
        with _thread_env(threads), ProcessPoolExecutor(
            max_workers=workers, mp_context=get_context("spawn"), max_tasks_per_child=1
        ) as pool:
            futures = {pool.submit(run_cell, c, threads): c for c in pending}
            pending = []
            try:
                while futures:
                    done, _ = wait(futures, return_when=FIRST_COMPLETED)
                    for future in done:
                        cell = futures.pop(future)
                        try:
                            yield future.result()
                        except BrokenProcessPool:
                            # a worker died (killed, out of memory): record it, restart the others
                            yield _crashed(cell, "the worker process died (killed or out of memory)")
                            pending.extend(futures.values())
                            futures.clear()
                            break
            except BaseException:
                # the consumer stopped (an error writing a record, an interrupt, the generator
                # closed): the queued cells must not run on unrecorded; running ones finish
                pool.shutdown(wait=True, cancel_futures=True)
                raise


def _crashed(cell: Cell, why: str) -> dict:
    return {"record_version": RECORD_VERSION, **asdict(cell), "status": "error", "error": why,
            "finished": _now(), "versions": versions(), "machine": machine()}


def _run_ray(cells: Sequence[Cell], address: str | None, threads: int = 1) -> Iterator[dict]:
    """Each cell as a Ray task (a fresh worker process per cell, ``threads`` CPUs and threads);
    records as they finish."""
    try:
        import ray
    except ImportError:
        raise ImportError("the Ray backend needs Ray: pip install 'paretodiff[ray]'") from None
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=address, include_dashboard=False, log_to_driver=False,
                 runtime_env={"env_vars": {**{k: str(threads) for k in _THREAD_VARS}, "OMP_WAIT_POLICY": "PASSIVE"}})
    try:
        remote = ray.remote(num_cpus=threads, max_calls=1)(run_cell)
        futures = {remote.remote(c, threads): c for c in cells}
        while futures:
            done, _ = ray.wait(list(futures), num_returns=1)
            for ref in done:
                cell = futures.pop(ref)
                try:
                    yield ray.get(ref)
                except Exception as exc:  # the worker died
                    yield _crashed(cell, f"Ray task failed: {type(exc).__name__}: {str(exc).splitlines()[0]}")
    finally:
        if started_here:
            ray.shutdown()


def _append_run_log(out_dir: Path, summary: RunSummary, command: str | None, workers: int, backend: str,
                    cells: Sequence[Cell], threads: int | None = None) -> None:
    entry = {"command": command or " ".join(sys.argv), "finished": _now(), "machine": machine(),
             "backend": backend, "workers": workers, **({"threads": threads} if threads else {}), **asdict(summary),
             "tasks": list(dict.fromkeys(c.task for c in cells)),
             "methods": list(dict.fromkeys(c.method for c in cells))}
    path = out_dir / "runs.jsonl"
    with open(path, "a") as handle:
        if handle.tell() and not path.read_bytes().endswith(b"\n"):
            handle.write("\n")  # after a line cut short, the new entry starts a line of its own
        handle.write(json.dumps(entry, allow_nan=False) + "\n")


# ---------------------------------------------------------------------------------------
# Aggregation
# ---------------------------------------------------------------------------------------


def load_records(out_dir: str | os.PathLike) -> list[dict]:
    """Every usable record under ``out_dir/cells``; each file that is not one is ignored with a
    warning (:func:`check_record` says why), and a bench run over its cell runs it again."""
    records = []
    for path in sorted((Path(out_dir) / "cells").glob("*.json")):
        record, why = check_record(path)
        if record is None:
            log.warning(f"{path}: {why}; ignored (a bench run over its cell runs it again)")
        else:
            records.append(record)
    return records


def aggregate(records: Sequence[dict]):
    """One row per (task, method): mean and std (ddof 0) over seeds, ranks per task.

    Ranks are by the mean hypervolume at each percentile, 1 = best, ties sharing the average
    rank; a method with no finished seed on a task shares the last places on that task.

    Returns:
        a pandas DataFrame with columns ``task, method, seeds, failed, hv_<p>_mean, hv_<p>_std,
        rank_<p>`` (for ``p`` in 100th, 75th, 50th), ``igd_mean, igd_plus_mean, d_best_hv,
        front_hv`` (the true front's, where known), ``fit_seconds, propose_seconds`` (medians
        over seeds), ``peak_rss_mib`` (largest) and ``new_min`` (the fewest distinct designs
        equal to no training design in one cell; missing in records that predate the count).
    """
    import pandas as pd

    rows = []
    for r in records:
        row = {"task": r["task"], "method": r["method"], "seed": r["seed"], "ok": r["status"] == "ok"}
        if row["ok"]:
            row |= {f"hv_{p}": r["hv"][p] for p in PERCENTILES}
            row |= {k: r.get(k) for k in ("igd", "igd_plus", "d_best_hv", "front_hv", "fit_seconds",
                                          "propose_seconds", "peak_rss_mib", "distinct", "new")}
        rows.append(row)
    columns = ["task", "method", "seeds", "failed"] + [f"{s}_{p}" for p in PERCENTILES for s in ("hv", "rank")]
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(rows)
    for col in [f"hv_{p}" for p in PERCENTILES] + ["igd", "igd_plus", "d_best_hv", "front_hv", "fit_seconds",
                                                   "propose_seconds", "peak_rss_mib", "distinct", "new"]:
        if col not in frame:
            frame[col] = np.nan
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    ok = frame[frame.ok]
    groups = frame.groupby(["task", "method"], sort=False)
    table = groups.size().rename("cells").to_frame()
    table["seeds"] = ok.groupby(["task", "method"], sort=False).size()
    table["seeds"] = table["seeds"].fillna(0).astype(int)
    table["failed"] = table["cells"] - table["seeds"]
    stats = ok.groupby(["task", "method"], sort=False)
    for p in PERCENTILES:
        table[f"hv_{p}_mean"] = stats[f"hv_{p}"].mean()
        table[f"hv_{p}_std"] = stats[f"hv_{p}"].std(ddof=0)
    table["igd_mean"] = stats["igd"].mean()
    table["igd_plus_mean"] = stats["igd_plus"].mean()
    table["d_best_hv"] = stats["d_best_hv"].first()
    table["front_hv"] = stats["front_hv"].first()
    table["new_min"] = stats["new"].min()
    table["fit_seconds"] = stats["fit_seconds"].median()
    table["propose_seconds"] = stats["propose_seconds"].median()
    table["peak_rss_mib"] = stats["peak_rss_mib"].max()
    table = table.reset_index().drop(columns="cells")
    for p in PERCENTILES:
        table[f"rank_{p}"] = _ranks(table, f"hv_{p}_mean")
    return table


def _ranks(table, column: str):
    """Rank of each row's ``column`` within its task (1 = largest); missing values share the last places."""
    n = table.groupby("task")["method"].transform("size")
    present = table.groupby("task")[column].transform("count")
    rank = table.groupby("task")[column].rank(ascending=False, method="average")
    last = (present + 1 + n) / 2.0
    return rank.fillna(last)


def average_ranks(table, percentile: str = "100th"):
    """Mean rank of each method over the tasks (a pandas Series, best first)."""
    return table.groupby("method", sort=False)[f"rank_{percentile}"].mean().sort_values()


def gap_closed(table, percentile: str = "100th"):
    """Per row: the share of the gap from D(best) to the true front that the mean hypervolume
    closes, ``(HV - HV(D(best))) / (HV(front) - HV(D(best)))``; ``nan`` where the front is unknown."""
    return (table[f"hv_{percentile}_mean"] - table["d_best_hv"]) / (table["front_hv"] - table["d_best_hv"])


def is_above(hv, d_best_hv, rtol: float = 1e-12):
    """Whether each ``hv`` is above ``d_best_hv`` by more than rounding: the mean of equal
    seeds (D(best) itself, 0.1 three times) can come out an ulp above the value they share."""
    return (hv > d_best_hv) & ~np.isclose(hv, d_best_hv, rtol=rtol, atol=0.0)


def method_summary(table):
    """One row per method (in ``table``'s order): average rank at each percentile, the tasks
    where its mean 100th-percentile hypervolume is above D(best)'s, the mean share of the gap
    closed (tasks with a known front), the fewest new designs in a cell, median seconds."""
    import pandas as pd

    frame = table.assign(above=is_above(table["hv_100th_mean"], table["d_best_hv"]), gap=gap_closed(table),
                         ran=table["seeds"] > 0)
    rows = []
    for method, group in frame.groupby("method", sort=False):
        ran = group[group["ran"]]
        rows.append({"method": method, **{f"rank_{p}": group[f"rank_{p}"].mean() for p in PERCENTILES},
                     "above_d_best": int(ran["above"].sum()), "tasks": len(group),
                     "gap_closed": ran["gap"].mean(), "gap_tasks": int(ran["gap"].notna().sum()),
                     "new_min": ran["new_min"].min(), "fit_seconds": ran["fit_seconds"].median(),
                     "propose_seconds": ran["propose_seconds"].median()})
    return pd.DataFrame(rows)


def _summary_lines(table) -> list[str]:
    from paretodiff.evaluation import FRONT_POINTS

    lines = ["## Summary", "",
             "| method | average rank 100th | 75th | 50th | above D(best) (100th) | gap to the true front closed "
             "(100th, mean) | fewest new designs in a cell | fit + propose (median s) |", "|---|" + "---|" * 7]
    for r in method_summary(table).itertuples():
        gap = f"{r.gap_closed:.0%} over {r.gap_tasks} tasks" if r.gap_tasks else "—"
        new = "—" if not np.isfinite(r.new_min) else f"{r.new_min:.0f}"
        lines.append(f"| {r.method} | {r.rank_100th:.2f} | {r.rank_75th:.2f} | {r.rank_50th:.2f} | "
                     f"{r.above_d_best} of {r.tasks} | {gap} | {new} | {r.fit_seconds:.1f} + {r.propose_seconds:.1f} |")
    lines += ["", "Above D(best): the mean over seeds is above the hypervolume of the data's best designs. Gap "
              "closed: (HV − HV(D(best))) / (HV(true front) − HV(D(best))), the front's hypervolume taken on "
              f"{FRONT_POINTS:,} of its points; tasks without a known front are left out. New designs: distinct proposals "
              "equal to no training design (of n per cell).", ""]
    return lines


def _gap_lines(table, task_order: list[str], method_order: list[str]) -> list[str]:
    known = [t for t in task_order if table.loc[table["task"] == t, "front_hv"].notna().any()]
    if not known:
        return []
    gaps = table.assign(gap=gap_closed(table))
    lines = ["## Share of the gap to the true front closed (100th percentile)", "",
             "| method | " + " | ".join(known) + " |", "|---|" + "---|" * len(known)]
    for m in method_order:
        cells = []
        for t in known:
            row = _row(gaps, t, m)
            cells.append("—" if row is None or row["seeds"] == 0 or not np.isfinite(row["gap"]) else f"{row['gap']:.0%}")
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    lines += ["", "Negative: below D(best); above 100%: past the sampled front's hypervolume.", ""]
    return lines


def format_markdown(table, runs: Sequence[dict] = ()) -> str:
    """The results as Markdown: per percentile, methods × tasks with mean ± std (rank)."""
    if table.empty:
        return "No finished cells.\n"
    task_order = list(dict.fromkeys(table["task"]))
    method_order = list(dict.fromkeys(table["method"]))
    lines: list[str] = []
    if runs:
        last = runs[-1]
        lines += [f"Command: `{last['command']}`  ", f"Machine: {last['machine']}  ",
                  f"Date: {last['finished'][:10]}  ",
                  f"Wall time: {_duration(last['wall_seconds'])} for this run ({last['ran']} cells run, "
                  f"{last['skipped']} already finished; {last['backend']} backend, {last['workers']} workers"
                  + (f", {last['threads']} threads each" if last.get("threads") else "") + ")"
                  + (f"; {_duration(sum(r['wall_seconds'] for r in runs))} over all {len(runs)} runs into this folder"
                     if len(runs) > 1 else "") + ".", ""]
    lines += [f"Hypervolume (higher is better) of {_seed_counts(table, method_order)}: mean ± std "
              "(ddof 0), rank within the task in parentheses (1 = best, ties share the average; a method "
              "without results on a task takes the last places). Regenerated data, benchmark normalization "
              "and reference point, corrected percentile selection.", ""]
    lines += _summary_lines(table)
    for p in PERCENTILES:
        lines += [f"## {p} percentile", ""]
        lines += _hv_table(table, p, task_order, method_order)
        lines.append("")
    lines += _gap_lines(table, task_order, method_order)
    lines += ["## Time and memory (median seconds over seeds; peak resident memory of the cell's process, MiB)", ""]
    lines += ["| method | " + " | ".join(task_order) + " |", "|---|" + "---|" * len(task_order)]
    for m in method_order:
        cells = []
        for t in task_order:
            row = _row(table, t, m)
            cells.append("—" if row is None or row["seeds"] == 0 else
                         f"{row['fit_seconds']:.1f} + {row['propose_seconds']:.1f} s, {row['peak_rss_mib']:.0f} MiB")
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    lines += ["", "Cells read *fit + propose seconds, peak memory*."]
    failed = table[table["failed"] > 0]
    if len(failed):
        lines += ["", "## Failed cells", ""]
        lines += [f"- {r.task} / {r.method}: {r.failed} of {r.failed + r.seeds} seed(s) failed" for r in failed.itertuples()]
    return "\n".join(lines) + "\n"


def _seed_counts(table, method_order: list[str]) -> str:
    """How many seeds a cell holds: one number when all cells agree, else per method ("pgd: 5, ...").

    Cells whose every seed failed are left out: they hold no results to average.
    """
    done = table[table["seeds"] > 0]
    if done["seeds"].nunique() <= 1:
        return f"{int(done['seeds'].max()) if len(done) else 0} seed(s) per cell"
    parts = []
    for m in method_order:
        counts = sorted(done.loc[done["method"] == m, "seeds"].unique())
        if counts:
            parts.append(f"{m}: {counts[0]}" + (f" to {counts[-1]}" if len(counts) > 1 else ""))
    return "several seeds per cell (" + ", ".join(parts) + ")"


def _row(table, task: str, method: str):
    match = table[(table["task"] == task) & (table["method"] == method)]
    return None if match.empty else match.iloc[0]


def _hv_table(table, p: str, task_order: list[str], method_order: list[str]) -> list[str]:
    ranks = average_ranks(table, p)
    lines = ["| method | " + " | ".join(task_order) + " | average rank |", "|---|" + "---|" * (len(task_order) + 1)]
    if "d-best" not in method_order:
        anchors = [table[table["task"] == t]["d_best_hv"].dropna() for t in task_order]
        lines.append("| D(best) (not ranked) | " + " | ".join(f"{a.iloc[0]:.2f}" if len(a) else "—" for a in anchors)
                     + " | — |")
    for m in method_order:
        cells = []
        for t in task_order:
            row = _row(table, t, m)
            if row is None or row["seeds"] == 0:
                cells.append("failed" if row is not None else "—")
                continue
            cells.append(f"{row[f'hv_{p}_mean']:.2f} ± {row[f'hv_{p}_std']:.2f} ({row[f'rank_{p}']:g})")
        lines.append(f"| {m} | " + " | ".join(cells) + f" | {ranks[m]:.2f} |")
    return lines


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"


_RUN_KEYS = {"command": str, "finished": str, "machine": str, "backend": str, "workers": int, "ran": int,
             "skipped": int, "wall_seconds": (int, float)}


def read_runs(out_dir: str | os.PathLike) -> list[dict]:
    """The run log: one entry per :func:`run` into this folder; a line that is not a complete
    entry (cut short by an interrupt, edited) is skipped with a warning."""
    path = Path(out_dir) / "runs.jsonl"
    if not path.is_file():
        return []
    runs = []
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line, parse_constant=_no_constant)
        except (ValueError, RecursionError):
            entry = None
        if not (isinstance(entry, dict) and all(isinstance(entry.get(k), t) and not isinstance(entry.get(k), bool)
                                                 for k, t in _RUN_KEYS.items())):
            log.warning(f"{path}: line {number} is not a complete run entry; skipped")
            continue
        for key in ("tasks", "methods"):
            if not (isinstance(entry.get(key), list) and all(isinstance(v, str) for v in entry[key])):
                entry[key] = []
        runs.append(entry)
    return runs


def in_run_order(table, runs: Sequence[dict]):
    """``table``'s rows with tasks and methods in the order of the last run's grid (its
    ``--tasks`` and ``--methods``); others follow in their current order."""
    if table.empty or not runs:
        return table
    last = runs[-1]
    tasks = {name: i for i, name in enumerate(last.get("tasks", []))}
    methods = {name: i for i, name in enumerate(last.get("methods", []))}
    key = [(tasks.get(t, len(tasks)), methods.get(m, len(methods))) for t, m in zip(table["task"], table["method"])]
    order = sorted(range(len(table)), key=key.__getitem__)
    return table.iloc[order].reset_index(drop=True)


def results_table(out_dir: str | os.PathLike):
    """The aggregated table of a benchmark folder (:func:`aggregate`), in its last run's grid order."""
    return in_run_order(aggregate(load_records(out_dir)), read_runs(out_dir))


def report(out_dir: str | os.PathLike) -> str:
    """The Markdown results of a benchmark folder (recomputed from its cell records)."""
    runs = read_runs(out_dir)
    return format_markdown(in_run_order(aggregate(load_records(out_dir)), runs), runs)


def write_results(out_dir: str | os.PathLike) -> str:
    """Write ``results.csv`` (one row per task and method) and ``results.md``, atomically.

    Returns the Markdown report (:func:`report`) that ``results.md`` holds under its title.
    """
    out_dir = Path(out_dir)
    runs = read_runs(out_dir)
    table = in_run_order(aggregate(load_records(out_dir)), runs)
    text = format_markdown(table, runs)
    files.write_text(out_dir / "results.csv", table.to_csv(index=False))
    files.write_text(out_dir / "results.md", "# Benchmark results\n\n" + text)
    return text


def plot(out_dir: str | os.PathLike, task_name: str, path: str | os.PathLike, *, seed: int | None = None,
         overwrite: bool = True) -> list[str]:
    """Draw every method's proposals for one task and seed (default: the smallest seed present).

    Returns the methods drawn.

    Raises:
        ValueError: no finished cell of that task (and seed) in ``out_dir``.
    """
    from paretodiff import data, evaluation, plots, tasks

    task = tasks.get(task_name)
    records = [r for r in load_records(out_dir) if r["task"] == task.name and r["status"] == "ok"]
    if records and all(r.get("compact") for r in records):
        raise ValueError(f"the records of task {task.name} in {out_dir} are compact (no designs to draw); "
                         "run the cells again without --compact to plot them")
    records = [r for r in records if not r.get("compact")]
    if seed is None and records:
        seed = min(r["seed"] for r in records)
    records = [r for r in records if r["seed"] == seed]
    if not records:
        raise ValueError(f"no finished cell of task {task.name}" + (f" with seed {seed}" if seed is not None else "")
                         + f" in {out_dir}")
    dataset = data.load(task, records[0]["data_seed"])
    norm = evaluation.normalizer(dataset)
    proposals = {r["method"]: norm(np.array(r["objectives"], dtype=float)) for r in records}
    front = norm(task.pareto_front(evaluation.FRONT_POINTS)) if task.has_front else None
    plots.benchmark_plot(
        Path(path), task_name=f"{task.name} (seed {seed})", train_Y=norm(dataset.y_train),
        d_best_Y=norm(dataset.y_train[evaluation.d_best(dataset)]), proposals=proposals,
        ref=evaluation.reference_point(task, norm), front=front, overwrite=overwrite)
    return list(proposals)
