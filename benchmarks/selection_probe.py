"""Final choices of pgd compared on the same fitted model and the same pool (development tasks).

    python benchmarks/selection_probe.py --tasks zdt1,zdt2,zdt3,dtlz1,dtlz7,re21,re33,re37 \\
        --seeds 0,1,2,3,4,5,6,7,8,9 --variants "k1-g50;k4-g50;k4-g200;found-g200"
    python benchmarks/selection_probe.py --report      # the table from the records, running nothing

For each (task, method seed) the default is fitted once (dataset seed 0, one torch thread);
each variant then draws the pool and runs the search with ``ParetoDiff.pool`` (as ``propose``
does), and chooses 256 designs, which are scored by the benchmark's protocol (HV at the 100th, 75th and
50th percentile).  Variants:

* ``kK-gG``: ``G`` generations of NSGA-II on the pessimistic predictions, then the choice in
  ``K`` layers (``selection.layers = K``, ``selection.search_generations = G``; ``k1-g50``
  is the default until 2026-12-07, ``k4-g200`` the default since);
* ``found-gG``: the search's final population alone (what multiple-models returns), for
  comparison;
* suffixes: ``a`` after ``G`` (``k4-g200a``), the search on arrays (``selection.search_engine =
  "arrays"``, the default since 2026-12-08; without it pymoo's, as recorded before); ``-rX``,
  the pessimism rising from κ to ``X`` over the layers; ``-pY``, the search started from the
  ``Y·n`` best of the pool (analysis only: ``propose`` starts from ``n``); ``-kZ``, the
  pessimism κ = ``Z`` in the search and the choice (``selection.kappa``).

Every ``kK-gG[a]`` choice is checked against ``ParetoDiff.propose`` with those settings (the same
designs, or the program stops).  One JSON line per (task, seed, variant) goes to
``benchmarks/records/selection_probe.jsonl`` (kept in the repository; a rerun skips what it
holds).  The report ranks each variant *alone* against the peers of the 31-task table
(multiple-models, multi-head, d-best, pgd-faithful, paretoflow-fixed: the means of their cells
in ``benchmarks/records/benchmark``), per task at each percentile, and averages the ranks
over the tasks; and it compares each variant with ``k1-g50`` on the same (task, seed).
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import json
import os
import sys
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RECORDS = ROOT / "benchmarks" / "records" / "selection_probe.jsonl"
CELLS = ROOT / "benchmarks" / "records" / "benchmark" / "cells"
PERCENTILES = ("100th", "75th", "50th")
PEERS = ("multiple-models", "multi-head", "d-best", "pgd-faithful", "paretoflow-fixed")
N = 256


VARIANT = re.compile(r"^(?P<head>k\d+|found)-g(?P<gens>\d+)(?P<arrays>a?)(?:-r(?P<ramp>[\d.]+))?(?:-p(?P<start>\d+))?"
                     r"(?:-k(?P<kappa>[\d.]+))?$")


@dataclasses.dataclass(frozen=True)
class Variant:
    kind: str  # "layers" or "found"
    layers: int
    generations: int
    engine: str  # "pymoo" or "arrays"
    ramp: float  # 0: the same pessimism in every layer
    start: int  # the search starts from start * n designs
    kappa: float | None  # selection.kappa for the search and the choice (None: the default's)


def parse(variant: str) -> Variant:
    """``"k4-g200"`` -> four layers after 200 generations of pymoo's search; ``"k4-g200a"`` the
    same with the array search; ``-r3``: pessimism rising to 3 over the layers; ``-p2``: the
    search started from 2n designs; ``-k2``: pessimism κ = 2 in the search and the choice;
    ``"found-g200"``: the search's population alone."""
    match = VARIANT.match(variant)
    if not match:
        raise SystemExit(f"unknown variant {variant!r}")
    head = match["head"]
    return Variant("found" if head == "found" else "layers", 0 if head == "found" else int(head[1:]),
                   int(match["gens"]), "arrays" if match["arrays"] else "pymoo", float(match["ramp"] or 0.0),
                   int(match["start"] or 1), float(match["kappa"]) if match["kappa"] else None)


def ramped(mean: np.ndarray, std: np.ndarray, n: int, kappa: float, top: float, layers: int) -> np.ndarray:
    """The layered choice with round ``i``'s pessimism rising from ``kappa`` to ``top`` (analysis only)."""
    from paretodiff.pareto import select_best

    left, chosen = np.arange(len(mean)), []
    for i in range(layers):
        k = kappa + (top - kappa) * i / max(1, layers - 1)
        picked = left[select_best(mean[left] + k * std[left], n // layers + (i < n % layers))]
        chosen.append(picked)
        left = np.setdiff1d(left, picked, assume_unique=True)
    return np.concatenate(chosen)


def pool(model, seed: int, generations: int, engine: str, start: int = 1, kappa: float | None = None):
    """The pool's new designs after the search (``ParetoDiff.pool``, as ``propose`` draws it):
    designs ``(P, D)``, predicted mean and spread ``(P, m)``, and 1 where the search found the design."""
    import torch

    c = model.config
    model.config = dataclasses.replace(c, selection=dataclasses.replace(
        c.selection, search_engine=engine, kappa=c.selection.kappa if kappa is None else kappa))
    try:
        found = model.pool(start * N, c.selection.pool * N, tuple(c.sampling.guidance_scales), torch.Generator().manual_seed(seed),
                           generations)
    finally:
        model.config = c
    return (found.X[found.candidates], found.mean, found.std, (found.candidates >= found.sampled).astype(int))


def run(tasks_: list[str], seeds: list[int], variants: list[str], records: Path) -> None:
    import torch

    from paretodiff import data, evaluation, methods, selection, tasks
    from paretodiff.methods.pgd import ParetoDiff

    torch.set_num_threads(1)
    done = {(r["task"], r["seed"], r["variant"]) for r in read(records)}
    for name in tasks_:
        task = tasks.get(name)
        dataset = data.load(task, 0)
        offline = methods.OfflineData.in_box(dataset.x_train, dataset.y_train, task.lower, task.upper, task.name)
        for seed in seeds:
            todo = [v for v in variants if (name, seed, v) not in done]
            if not todo:
                continue
            model = ParetoDiff(preset="default").fit(offline, seed=seed)
            pools = {}
            for variant in todo:
                v = parse(variant)
                kind, layers, generations, engine, ramp = v.kind, v.layers, v.generations, v.engine, v.ramp
                key = (generations, engine, v.start, v.kappa)
                if key not in pools:
                    pools[key] = pool(model, seed, generations, engine, v.start, v.kappa)
                X, mean, std, searched = pools[key]
                kappa = model.config.selection.kappa if v.kappa is None else v.kappa
                if kind == "found":
                    chosen = np.flatnonzero(searched)[:N]
                elif ramp:
                    chosen = ramped(mean, std, N, kappa, ramp, layers)
                else:
                    chosen = selection.select(mean, std, N, "pessimistic", kappa, layers)
                    if v.start == 1:
                        check(model, X[chosen], seed, layers, generations, engine, kappa)
                report = evaluation.evaluate(task, X[chosen], dataset)
                record = {"task": name, "seed": seed, "variant": variant, **report.hv, "d_best": report.d_best_hv,
                          "searched": int(searched[chosen].sum()), "distinct": int(len(np.unique(X[chosen], axis=0)))}
                with records.open("a") as log:
                    log.write(json.dumps(record) + "\n")
                print(f"{name:6s} seed {seed} {variant:11s} " + " ".join(f"{report.hv[p]:.4f}" for p in PERCENTILES),
                      flush=True)


def check(model, X: np.ndarray, seed: int, layers: int, generations: int, engine: str, kappa: float) -> None:
    """Stop unless ``propose`` with these settings gives the designs ``X``."""
    config = model.config
    model.config = dataclasses.replace(config, selection=dataclasses.replace(
        config.selection, layers=layers, search_generations=generations, search_engine=engine, kappa=kappa))
    try:
        proposed = model.propose(N, seed).X
    finally:
        model.config = config
    if not np.array_equal(np.sort(proposed, axis=0), np.sort(X, axis=0)):
        raise SystemExit(f"the probe's choice differs from propose (layers {layers}, {generations} generations)")


def read(records: Path) -> list[dict]:
    if not records.exists():
        return []
    return [json.loads(line) for line in records.read_text().splitlines() if line.strip()]


def peers(tasks_: list[str]) -> dict[tuple[str, str], np.ndarray]:
    """Mean HV ``(3,)`` per (task, peer) over the peer's cells in the 31-task records (failed: -inf)."""
    values = defaultdict(list)
    for path in CELLS.glob("*.json"):
        r = json.loads(path.read_text())
        if r["task"] in tasks_ and r["method"] in PEERS:
            values[(r["task"], r["method"])].append(
                [r["hv"][p] for p in PERCENTILES] if r["status"] == "ok" else [-np.inf] * 3)
    return {k: np.mean(v, axis=0) for k, v in values.items()}


def report(path: Path) -> str:
    from scipy.stats import rankdata

    records = read(path)
    cells = defaultdict(dict)
    for r in records:
        cells[(r["task"], r["variant"])][r["seed"]] = np.array([r[p] for p in PERCENTILES])
    variants = list(dict.fromkeys(r["variant"] for r in records))
    tasks_ = sorted({r["task"] for r in records})
    peer = peers(tasks_)
    lines = ["| variant | seeds | average rank 100th | 75th | 50th | multiple-models' rank then (100th / 75th / 50th) "
             "| HV against k1-g50, mean % (100th / 75th / 50th) | (task, seed) pairs better / worse at 75th, 50th |",
             "|---|---|---|---|---|---|---|---|"]
    for v in variants:
        seeds = sorted(set.intersection(*(set(cells[(t, v)]) for t in tasks_))) if all(
            (t, v) in cells for t in tasks_) else []
        if not seeds:
            continue
        ranks, mm = [], []
        for t in tasks_:
            mine = np.mean([cells[(t, v)][s] for s in seeds], axis=0)
            table = np.array([mine] + [peer[(t, p)] for p in PEERS])
            rank = np.array([rankdata(-table[:, j]) for j in range(3)]).T
            ranks.append(rank[0])
            mm.append(rank[1])
        pairs = [(t, s) for t in tasks_ for s in seeds if s in cells[(t, "k1-g50")]]
        diff = np.array([(cells[(t, v)][s] / cells[(t, "k1-g50")][s] - 1) * 100 for t, s in pairs])
        r, m = np.mean(ranks, axis=0), np.mean(mm, axis=0)
        lines.append(f"| {v} | {seeds[0]}-{seeds[-1]} | {r[0]:.2f} | {r[1]:.2f} | {r[2]:.2f} | "
                     f"{m[0]:.2f} / {m[1]:.2f} / {m[2]:.2f} | "
                     + " / ".join(f"{x:+.3f}" for x in diff.mean(axis=0))
                     + f" | {(diff[:, 1] > 0).sum()} / {(diff[:, 1] < 0).sum()}, "
                       f"{(diff[:, 2] > 0).sum()} / {(diff[:, 2] < 0).sum()} of {len(pairs)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="zdt1,zdt2,zdt3,dtlz1,dtlz7,re21,re33,re37")
    parser.add_argument("--seeds", default="0,1,2,3,4,5,6,7,8,9")
    parser.add_argument("--variants", default="k1-g50;k4-g50;k4-g200;found-g200")
    parser.add_argument("--report", action="store_true", help="print the table from the records, run nothing")
    parser.add_argument("--records", type=Path, default=RECORDS, help=f"the JSON-lines records (default {RECORDS})")
    args = parser.parse_args()
    if not args.report:
        run(args.tasks.split(","), [int(s) for s in args.seeds.split(",")], args.variants.split(";"), args.records)
    print(report(args.records))


if __name__ == "__main__":
    sys.exit(main())
