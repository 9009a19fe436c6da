"""The structure may change; the numbers may not: SHA-256 of proposed designs for fixed seeds.

The digests in ``tests/data/digests.json`` were recorded before the code was reorganized
(``PARETODIFF_RECORD_DIGESTS=1 pytest tests/test_same_numbers.py -m "slow or not slow"``
writes them); ``pgd-selected`` when the objective model became the default (its settings of then
pinned since); ``pgd-layered`` (the layered choice and the longer search, 2026-12-07), ``pgd-arrays`` (that search
on arrays, 2026-12-08) and ``optimize-batch`` when the batch strategy became optimize's default
(none recorded yet: they were written on another machine kind; the test skips until they are
recorded on the recorded kind).  Floating-point results depend on the CPU's instruction set, so the digests are
compared only on the machine kind they were recorded on (the CPU model and the
instruction set of torch's kernels); elsewhere the test is skipped, before it computes anything,
and says why.

``quick`` cases (default run): the real presets, budgets cut where it keeps the test short,
on 1,000-point datasets and a 60-row CSV.  ``full`` cases (``slow``): the real presets on
the real datasets (dataset seed 0), as ``paretodiff bench`` runs them.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from paretodiff import bench, data, methods, tasks
from paretodiff.space import DesignSpace

DIGESTS = Path(__file__).parent / "data" / "digests.json"
RECORD = os.environ.get("PARETODIFF_RECORD_DIGESTS") == "1"
# The default before the objective model (samples returned as they come) keeps the key "pgd"; the
# default since, with the objective model and pool-then-select, is "pgd-selected" (recorded then).
PREVIOUS_DEFAULT = "pgd:objectives.members=0,selection.pool=1,selection.search_generations=0,sampling.guidance_scales=[10]"
# "pgd-selected" is the default of 2026-12-02 to 2026-12-07 (one round of choice, 50 generations of
# pymoo's search); "pgd-layered" that of 2026-12-07 (four layers, 200 generations of pymoo's search);
# "pgd-arrays" the default since 2026-12-08 (the same search on arrays).  The last two are to be
# recorded on the recorded kind.
QUICK_SPECS = {
    "pgd": PREVIOUS_DEFAULT,
    "pgd-selected": "pgd:selection.layers=1,selection.search_generations=50,selection.search_engine=pymoo",
    "pgd-layered": "pgd:selection.search_engine=pymoo",
    "pgd-arrays": "pgd",
    "pgd-faithful": "pgd-faithful:generator.training.steps=60,preference.training.steps=60,"
                    "preference.training.val_every=20",
    "multiple-models": "multiple-models:hidden=32:32,epochs=3",
}
FULL_SPECS = {"pgd": PREVIOUS_DEFAULT, "pgd-faithful": "pgd-faithful", "multiple-models": "multiple-models"}


def cpu() -> str:
    """The CPU model and the instruction set torch's kernels use (the results depend on both)."""
    return f"{bench.machine().split(',')[0]}, torch kernels {torch.backends.cpu.get_cpu_capability()}"


def digest(X: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(X, dtype=np.float64).tobytes()).hexdigest()


def method_digest(spec: str, task: str, size: int | None) -> str:
    torch.set_num_threads(1)
    the_task = tasks.get(task)
    dataset = data.generate(the_task, 0, size=size) if size else data.load(the_task, 0)
    method = methods.make(spec)
    space = DesignSpace.box(the_task.lower, the_task.upper, the_task.n_obj)
    method.fit(methods.OfflineData(dataset.x_train, dataset.y_train, space, task), seed=0)
    return digest(method.propose(256, seed=0).X)


def optimize_digest(tmp_path: Path) -> str:
    from paretodiff.cli import app

    rng = np.random.default_rng(0)
    X = rng.uniform(0.0, 1.0, (60, 3))
    lines = ["a,b,k,cost,loss"] + [f"{a:.6g},{b:.6g},{int(k)},{a + b:.6g},{(1 - a) ** 2 + k:.6g}"
                                   for a, b, k in zip(X[:, 0], X[:, 1], rng.integers(1, 4, 60))]
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(app, ["optimize", str(tmp_path / "d.csv"), "--minimize", "cost", "--maximize",
                                      "loss", "-n", "64", "-o", str(tmp_path / "p.csv"), "--quiet"])
    assert result.exit_code == 0, result.output
    return hashlib.sha256((tmp_path / "p.csv").read_bytes()).hexdigest()


def recorded_or_skip(key: str) -> dict:
    """The recorded digests, or a skip (before anything is computed) where ``key`` cannot be
    compared here: another machine kind, or no digest of it recorded yet."""
    recorded = json.loads(DIGESTS.read_text()) if DIGESTS.is_file() else {"cpu": cpu(), "digests": {}}
    if RECORD:
        return recorded
    if recorded["cpu"] != cpu():
        pytest.skip(f"digests recorded on {recorded['cpu']!r}, this CPU is {cpu()!r}")
    if key not in recorded["digests"]:
        pytest.skip(f"no digest of {key} recorded yet: record it on {recorded['cpu']!r} with "
                    "PARETODIFF_RECORD_DIGESTS=1")
    return recorded


def check(key: str, compute) -> None:
    """Compare ``compute()`` with the digest recorded under ``key`` (or record it)."""
    recorded = recorded_or_skip(key)
    value = compute()
    if RECORD:
        recorded["cpu"] = cpu()
        recorded["digests"][key] = value
        DIGESTS.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
        return
    assert value == recorded["digests"][key], key


@pytest.mark.parametrize("task", ["re21", "zdt1"])
@pytest.mark.parametrize("name", sorted(QUICK_SPECS))
def test_quick_digests(name, task, tmp_path, monkeypatch):
    monkeypatch.setenv("PARETODIFF_CACHE", str(tmp_path / "cache"))
    check(f"quick/{name}/{task}", lambda: method_digest(QUICK_SPECS[name], task, size=1000))


def test_optimize_digest(tmp_path):
    # "quick/optimize" was the file before the batch strategy became optimize's default and the
    # proposals gained batch_rank, p_undominated and expected_hvi (2026-12-02)
    check("quick/optimize-batch", lambda: optimize_digest(tmp_path))


@pytest.mark.slow
@pytest.mark.parametrize("task", ["re21", "zdt1"])
@pytest.mark.parametrize("name", sorted(FULL_SPECS))
def test_full_digests(name, task):
    check(f"full/{name}/{task}", lambda: method_digest(FULL_SPECS[name], task, size=None))
