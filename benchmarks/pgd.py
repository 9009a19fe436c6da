"""Preference-guided diffusion on the regenerated benchmark: hypervolume and time per preset.

Usage:
    python benchmarks/pgd.py [--tasks zdt1,zdt2,zdt3,dtlz1,dtlz7,re21,re33,re37]
        [--seeds 0,1,2] [--variants default,faithful] [--workers 2] [--cells DIR] [--out FILE]

A variant is a preset with optional config overrides joined by ``+``, e.g.
``faithful+pref_lr=0.001+shuffle_split=True`` (tuples with ``:``, ``guidance_scales=10:20``).
Every cell (task, variant, method seed) fits on the task's regenerated training set (dataset
seed 0), proposes 256 designs per guidance scale, and scores them with the exact objective
functions.  Each finished cell is kept as JSON in ``--cells`` (default
``benchmarks/out/pgd``), so an interrupted run resumes where it stopped.  With
``--workers N`` cells run in N processes with one torch thread each.  Also times ZDT1
``default`` alone with two threads (``--timing-seeds``) for the speed target.

Writes ``docs/results/pgd.md`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from datasets import machine  # noqa: E402

TASKS = "zdt1,zdt2,zdt3,dtlz1,dtlz7,re21,re33,re37"


def parse_variant(variant: str):
    """``preset+field=value+...`` -> a config."""
    from paretodiff.pgd import PGDConfig

    preset, *pairs = variant.split("+")
    base = PGDConfig()
    overrides = {}
    for pair in pairs:
        key, value = pair.split("=", 1)
        kind = type(getattr(base, key))
        if kind is tuple:
            overrides[key] = tuple(float(v) for v in value.split(":"))
        elif kind is bool:
            overrides[key] = value == "True"
        else:
            overrides[key] = kind(value)
    return PGDConfig.preset(preset, **overrides)


def run_cell(task_name: str, preset: str, seed: int, threads: int) -> dict:
    import torch

    torch.set_num_threads(threads)
    from paretodiff import data, evaluation, tasks
    from paretodiff.pgd import ParetoDiff

    task = tasks.get(task_name)
    ds = data.load(task, 0)
    model = ParetoDiff(parse_variant(preset)).fit(
        ds.x_train, ds.y_train, bounds=(task.lower, task.upper), integer_columns=[], seed=seed)
    start = time.perf_counter()
    proposals = model.propose(256, seed=seed)
    propose_seconds = time.perf_counter() - start
    scales = {}
    for scale in model.config.guidance_scales:
        report = evaluation.evaluate(task, proposals.X[proposals.scale == scale], ds)
        scales[f"{scale:g}"] = report.to_dict()
    return {"task": task_name, "preset": preset, "seed": seed, "threads": threads,
            "config": {k: v for k, v in vars(model.config).items()},
            "fit_seconds": model.fit_report.seconds, "propose_seconds": propose_seconds,
            "preference_steps": model.fit_report.preference_steps, "scales": scales,
            "d_best_hv": evaluation.d_best_hypervolume(task, ds)}


def cell_path(cells: Path, task: str, preset: str, seed: int, threads: int) -> Path:
    return cells / f"{task}-{preset}-seed{seed}-threads{threads}.json"


def run_and_store(args: tuple) -> str:
    task, preset, seed, threads, path = args
    result = run_cell(task, preset, seed, threads)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=1))
    os.replace(tmp, path)
    return f"{task} {preset} seed {seed}: fit {result['fit_seconds']:.0f}s " + ", ".join(
        f"s={s} HV {r['hv']['100th']:.3f}" for s, r in result["scales"].items()) + f" (D(best) {result['d_best_hv']:.3f})"


def mean_std(values: list[float]) -> str:
    return f"{np.mean(values):.2f} ± {np.std(values):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default=TASKS)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--variants", default="default,faithful")
    parser.add_argument("--labels", default="", help="short names of the variants for the tables (comma-separated)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timing-seeds", default="0,1,2", help="seeds of the 2-thread ZDT1 timing runs")
    parser.add_argument("--cells", type=Path, default=ROOT / "benchmarks" / "out" / "pgd")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "results" / "pgd.md")
    args = parser.parse_args()
    args.cells.mkdir(parents=True, exist_ok=True)
    task_list, presets = args.tasks.split(","), args.variants.split(",")
    seeds = [int(s) for s in args.seeds.split(",")]
    jobs = [(t, p, s, 1, cell_path(args.cells, t, p, s, 1)) for t in task_list for p in presets for s in seeds]
    todo = [j for j in jobs if not j[-1].exists()]
    print(f"{len(jobs) - len(todo)} cells done, {len(todo)} to run", file=sys.stderr, flush=True)
    # warm the dataset cache first, so workers do not generate the same data twice
    from paretodiff import data

    for t in task_list:
        data.load(t, 0)
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for line in pool.map(run_and_store, todo):
            print(line, file=sys.stderr, flush=True)
    timing = [("zdt1", "default", int(s), 2, cell_path(args.cells, "zdt1", "default", int(s), 2))
              for s in args.timing_seeds.split(",") if s]
    for job in timing:
        if not job[-1].exists():
            print(run_and_store(job), file=sys.stderr, flush=True)
    write_report(args, task_list, presets, seeds, jobs, timing)


def write_report(args, task_list, presets, seeds, jobs, timing) -> None:
    cells = {(j[0], j[1], j[2]): json.loads(j[-1].read_text()) for j in jobs}
    labels = dict(zip(presets, args.labels.split(","))) if args.labels else {p: p for p in presets}
    columns = []  # (label, preset, scale)
    for preset in presets:
        scales = sorted({s for (t, p, _), c in cells.items() if p == preset for s in c["scales"]}, key=float)
        columns += [(f"{labels[preset]}" + (f" s={s}" if len(scales) > 1 else ""), preset, s) for s in scales]
    lines = [
        "# Preference-guided diffusion on the regenerated benchmark",
        "",
        f"Command: `{shlex.join(['python', 'benchmarks/pgd.py', *sys.argv[1:]])}`  ",
        f"Machine: {machine()}  ",
        f"Date: {dt.date.today().isoformat()}  ",
        f"Dataset seed 0 (regenerated, see docs/tasks.md); method seeds {', '.join(map(str, seeds))}; 256 designs per "
        "guidance scale, scored with the exact objective functions; hypervolume with the benchmark's normalization "
        "and reference point (corrected percentile selection). Mean ± std (ddof 0) over method seeds.",
        f"Cells ran {args.workers} at a time, one torch thread each.",
        "",
    ]
    if args.labels:
        lines += ["Variants (a preset, then config overrides):", ""]
        lines += [f"- **{labels[p]}**: `{p}`" for p in presets] + [""]
    for pct in ("100th", "75th", "50th"):
        lines += [f"## Hypervolume, {pct} percentile", "",
                  "| task | D(best) | " + " | ".join(c[0] for c in columns) + " |",
                  "|---|---|" + "---|" * len(columns)]
        for t in task_list:
            d_best = cells[(t, presets[0], seeds[0])]["d_best_hv"]
            row = [t, f"{d_best:.2f}"]
            for _, preset, s in columns:
                row.append(mean_std([cells[(t, preset, seed)]["scales"][s]["hv"][pct] for seed in seeds]))
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    wins = {c[0]: sum(np.mean([cells[(t, c[1], s)]["scales"][c[2]]["hv"]["100th"] for s in seeds])
                      > cells[(t, presets[0], seeds[0])]["d_best_hv"] for t in task_list) for c in columns}
    lines += ["Tasks where the mean 100th-percentile hypervolume is above D(best): "
              + "; ".join(f"{k}: {v} of {len(task_list)}" for k, v in wins.items()) + ".", ""]
    lines += ["## Time (seconds, median over method seeds, one torch thread per cell)", "",
              "| task | " + " | ".join(f"{labels[p]} fit | {labels[p]} propose" for p in presets) + " |",
              "|---|" + "---|---|" * len(presets)]
    for t in task_list:
        row = [t]
        for p in presets:
            row += [f"{statistics.median(cells[(t, p, s)]['fit_seconds'] for s in seeds):.0f}",
                    f"{statistics.median(cells[(t, p, s)]['propose_seconds'] for s in seeds):.1f}"]
        lines.append("| " + " | ".join(row) + " |")
    if timing:
        runs = [json.loads(j[-1].read_text()) for j in timing]
        fit = statistics.median(r["fit_seconds"] for r in runs)
        prop = statistics.median(r["propose_seconds"] for r in runs)
        lines += ["", f"ZDT1 (60,000 × 30), `default`, alone on the machine with two torch threads, median of "
                  f"{len(runs)} seeds: fit {fit:.0f} s + propose 256 {prop:.1f} s = {fit + prop:.0f} s "
                  f"(target: under 300 s)."]
    out = args.out
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
