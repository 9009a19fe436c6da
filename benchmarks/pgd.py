"""Preference-guided diffusion on the regenerated benchmark: hypervolume and time per preset.

Usage:
    python benchmarks/pgd.py [--tasks zdt1,zdt2,zdt3,dtlz1,dtlz7,re21,re33,re37] [--seeds 0,1,2]
        [--methods pgd,pgd-faithful] [--labels default,faithful] [--workers 2]
        [--cells benchmarks/out/bench] [--out docs/results/pgd.md]

Runs the cells with the benchmark runner (:mod:`paretodiff.bench`; ``--workers`` processes,
the cores shared among them) into ``--cells``, the folder ``benchmarks/benchmark.py`` uses
too, so cells both need run once; finished cells are skipped.  Each cell fits on the task's
regenerated training set (dataset seed 0), proposes 256 designs and scores them with the
exact objective functions.  Also times ZDT1 with the default preset alone on the machine
(one cell at a time, every core; ``--timing-seeds``) for the speed target.

Writes ``docs/results/pgd.md`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import statistics
import sys
from pathlib import Path

import numpy as np

from paretodiff import bench

ROOT = Path(__file__).resolve().parent.parent
TASKS = "zdt1,zdt2,zdt3,dtlz1,dtlz7,re21,re33,re37"
METHODS = "pgd,pgd-faithful"
LABELS = "default,faithful"


def mean_std(values: list[float]) -> str:
    return f"{np.mean(values):.2f} ± {np.std(values):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default=TASKS)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--methods", default=METHODS, help="method specs, ';' between a spec's settings")
    parser.add_argument("--labels", default=LABELS, help="column names of the methods (comma-separated)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timing-seeds", default="0,1,2", help="seeds of the ZDT1 timing runs ('' for none)")
    parser.add_argument("--cells", type=Path, default=ROOT / "benchmarks" / "out" / "bench")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "results" / "pgd.md")
    args = parser.parse_args()
    task_list = args.tasks.split(",")
    methods = [m.replace(";", ",") for m in args.methods.split(",")]
    labels = dict(zip(methods, args.labels.split(","))) if args.labels else {m: m for m in methods}
    seeds = [int(s) for s in args.seeds.split(",")]
    command = shlex.join(["python", "benchmarks/pgd.py", *sys.argv[1:]])

    def progress(record: dict) -> None:
        hv = record.get("hv", {}).get("100th")
        print(f"{record['task']} {record['method']} seed {record['seed']}: "
              + (f"HV {hv:.3f}, fit {record['fit_seconds']:.0f} s" if hv is not None else record.get("error", "")),
              file=sys.stderr, flush=True)

    bench.run(bench.grid(task_list, methods, seeds), args.cells, workers=args.workers, command=command,
              progress=progress)
    timing_seeds = [int(s) for s in args.timing_seeds.split(",") if s]
    timing_dir = args.cells.parent / (args.cells.name + "-alone")
    if timing_seeds:
        bench.run(bench.grid(["zdt1"], [methods[0]], timing_seeds), timing_dir, workers=1, command=command,
                  progress=progress)
    write_report(args, command, task_list, methods, labels, seeds, timing_dir if timing_seeds else None)


def write_report(args, command: str, task_list, methods, labels, seeds, timing_dir) -> None:
    records = {(r["task"], r["method"], r["seed"]): r for r in bench.load_records(args.cells) if r["status"] == "ok"}

    def cells(task: str, method: str) -> list[dict]:
        return [records[(task, method, s)] for s in seeds if (task, method, s) in records]

    lines = [
        "# Preference-guided diffusion on the regenerated benchmark",
        "",
        f"Command: `{command}`  ",
        f"Machine: {bench.machine()}  ",
        f"Date: {dt.date.today().isoformat()}  ",
        f"Dataset seed 0 (regenerated, see docs/tasks.md); method seeds {', '.join(map(str, seeds))}; 256 designs per "
        "cell, scored with the exact objective functions; hypervolume with the benchmark's normalization "
        "and reference point (corrected percentile selection). Mean ± std (ddof 0) over method seeds.",
        f"Cells ran {args.workers} at a time ({bench.threads_per_worker(args.workers)} torch thread(s) each), by the "
        "benchmark runner.",
        "",
        "Methods: " + "; ".join(f"**{labels[m]}** = `{m}`" for m in methods) + ".",
        "",
    ]
    for pct in ("100th", "75th", "50th"):
        lines += [f"## Hypervolume, {pct} percentile", "",
                  "| task | D(best) | " + " | ".join(labels[m] for m in methods) + " |",
                  "|---|---|" + "---|" * len(methods)]
        for t in task_list:
            d_best = next(c["d_best_hv"] for m in methods for c in cells(t, m))
            row = [t, f"{d_best:.2f}"] + [mean_std([c["hv"][pct] for c in cells(t, m)]) for m in methods]
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    wins = {labels[m]: sum(np.mean([c["hv"]["100th"] for c in cells(t, m)]) > cells(t, m)[0]["d_best_hv"]
                           for t in task_list) for m in methods}
    lines += ["Tasks where the mean 100th-percentile hypervolume is above D(best): "
              + "; ".join(f"{k}: {v} of {len(task_list)}" for k, v in wins.items()) + ".", ""]
    lines += [f"## Time (seconds, median over method seeds, {bench.threads_per_worker(args.workers)} torch thread(s) "
              "per cell)", "",
              "| task | " + " | ".join(f"{labels[m]} fit | {labels[m]} propose" for m in methods) + " |",
              "|---|" + "---|---|" * len(methods)]
    for t in task_list:
        row = [t]
        for m in methods:
            row += [f"{statistics.median(c['fit_seconds'] for c in cells(t, m)):.1f}",
                    f"{statistics.median(c['propose_seconds'] for c in cells(t, m)):.2f}"]
        lines.append("| " + " | ".join(row) + " |")
    if timing_dir is not None:
        runs = [r for r in bench.load_records(timing_dir) if r["status"] == "ok"]
        fit = statistics.median(r["fit_seconds"] for r in runs)
        prop = statistics.median(r["propose_seconds"] for r in runs)
        lines += ["", f"ZDT1 (60,000 × 30), `{methods[0]}`, one cell at a time with {runs[0]['threads']} torch threads, "
                  f"median of {len(runs)} seeds: fit {fit:.1f} s + propose 256 {prop:.2f} s = {fit + prop:.1f} s "
                  "(target: under 300 s)."]
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
