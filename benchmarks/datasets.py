"""Regenerate every task's offline dataset and report time, sizes and D(best) hypervolume.

Usage:
    python benchmarks/datasets.py [--tasks all] [--seed 0] [--repeats 3] [--timed zdt4,zdt6,re34]

For each task: the dataset (seed 0) is generated from scratch (no cache), timed, and its
D(best) hypervolume computed with the corrected selection and with the benchmark's index
bug, beside the published D(best) figures.  Tasks named in ``--timed`` are generated
``--repeats`` times and the median time is reported.  Also compares ZDT2's training-set
statistics with the published training set's (reference ``offmoo_bench.md`` §2.3).

Writes ``docs/results/datasets.md`` and refreshes the table in ``docs/tasks.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from paretodiff import data, evaluation, tasks
from paretodiff.bench import machine  # noqa: F401  (benchmarks/pgd.py imports it from here)

ROOT = Path(__file__).resolve().parents[1]

# Published D(best) HV (256 designs, 100th percentile): Xue et al. 2024 draft appendix
# tables 9 and 14, and the PCD paper's re-run (arXiv 2602.00737v2, Tables 9-13).
PUBLISHED = {
    "dtlz1": 10.52, "dtlz2": 9.43, "dtlz3": 9.71, "dtlz4": 10.76, "dtlz5": 9.06, "dtlz6": 8.20,
    "dtlz7": 8.32, "omnitest": 3.87, "vlmop1": 2.28, "vlmop2": 1.64, "vlmop3": 45.14, "zdt1": 4.04,
    "zdt2": 4.70, "zdt3": 5.12, "zdt4": 5.46, "zdt6": 4.76, "re21": 4.42, "re22": 4.78, "re23": 4.75,
    "re24": 4.59, "re25": 4.79, "re31": 10.23, "re32": 10.53, "re33": 10.59, "re34": 48.06,
    "re35": 10.96, "re36": 7.57, "re37": 4.72, "re41": 36.17, "re42": 12.28, "re61": 135.87,
}
PCD = {
    "zdt1": 4.17, "zdt2": 4.68, "zdt3": 5.15, "zdt4": 5.46, "zdt6": 4.61, "dtlz1": 10.60, "dtlz7": 8.56,
    "re21": 4.10, "re22": 4.78, "re23": 4.75, "re24": 4.60, "re25": 4.79, "re31": 10.60, "re32": 10.56,
    "re33": 10.56, "re34": 9.30, "re35": 10.08, "re36": 7.61, "re37": 5.57, "re41": 18.27, "re42": 14.52,
    "re61": 97.49,
}
ZDT2_PUBLISHED = {"f2_min": 3.67, "f2_max": 8.84, "q": [4.06, 4.30, 5.34, 6.70, 7.79], "unique": 38180}
ZDT2_REFERENCE_RERUN = {"f2_min": 4.87, "f2_max": 7.12, "q": [4.89, 4.99, 5.44, 5.94, 6.39], "unique": 22969}


def fmt(v: float | None, digits: int = 2) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="all")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timed", default="zdt4,zdt6,re34")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()

    timed = set(tasks.expand(args.timed)) if args.timed else set()
    rows, zdt2_stats = [], None
    for name in tasks.expand(args.tasks):
        task = tasks.get(name)
        seconds = []
        for _ in range(args.repeats if name in timed else 1):
            start = time.perf_counter()
            ds = data.generate(task, args.seed)
            seconds.append(time.perf_counter() - start)
        hv = evaluation.d_best_hypervolume(task, ds)
        hv_bug = evaluation.d_best_hypervolume(task, ds, benchmark_index_bug=True)
        unique = len(np.unique(ds.x_train, axis=0))
        rows.append((name, statistics.median(seconds), len(seconds), ds, unique, hv, hv_bug))
        print(f"{name:9s} {statistics.median(seconds):7.1f}s  train {len(ds.x_train)}  test {len(ds.x_test)}  "
              f"D(best) {hv:.3f} (bug {hv_bug:.3f})  published {PUBLISHED.get(name)}", file=sys.stderr, flush=True)
        if name == "zdt2":
            f2 = ds.y_train[:, 1]
            zdt2_stats = {"f2_min": f2.min(), "f2_max": f2.max(),
                          "q": np.quantile(f2, [0.01, 0.1, 0.5, 0.9, 0.99]).tolist(), "unique": unique}

    command = "python benchmarks/datasets.py " + " ".join(sys.argv[1:])
    header = [
        f"Command: `{command.strip()}`  ",
        f"Machine: {machine()}  ",
        f"Date: {dt.date.today().isoformat()}  ",
        f"Dataset seed: {args.seed}; protocol version {data.PROTOCOL_VERSION}; "
        f"times are medians of {args.repeats} runs for {', '.join(sorted(timed)) or 'no task'}, one run otherwise.",
        "",
    ]
    table = [
        "| task | n_var | n_obj | generate (s) | train | test | unique train rows | dropped | "
        "D(best) HV | D(best) HV, benchmark index bug | published D(best) (Xue et al.) | PCD re-run D(best) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, sec, n, ds, unique, hv, hv_bug in rows:
        task = tasks.get(name)
        table.append(
            f"| {name} | {task.n_var} | {task.n_obj} | {sec:.1f} | {len(ds.x_train)} | {len(ds.x_test)} | {unique} | "
            f"{ds.info['dropped_non_finite']} | {hv:.2f} | {hv_bug:.2f} | {fmt(PUBLISHED.get(name))} | {fmt(PCD.get(name))} |"
        )
    zdt2 = []
    if zdt2_stats:
        zdt2 = ["", "ZDT2 training set, f2 statistics:", "",
                "| training set | f2 range | f2 quantiles 1/10/50/90/99% | unique rows |", "|---|---|---|---|"]
        for label, s in (("published (Off-MOO-Bench)", ZDT2_PUBLISHED),
                         ("reference re-run (pymoo 0.5, unseeded)", ZDT2_REFERENCE_RERUN),
                         (f"paretodiff, seed {args.seed}", zdt2_stats)):
            zdt2.append(f"| {label} | [{s['f2_min']:.2f}, {s['f2_max']:.2f}] | "
                        f"{' / '.join(f'{q:.2f}' for q in s['q'])} | {s['unique']:,} |")
    body = "\n".join(header + table + zdt2) + "\n"
    print(body)
    if args.no_write:
        return
    out = ROOT / "docs" / "results" / "datasets.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("# Regenerated datasets: time, sizes, D(best)\n\n" + body)
    tasks_md = ROOT / "docs" / "tasks.md"
    if tasks_md.exists():
        text = tasks_md.read_text()
        start, end = "<!-- datasets:start -->", "<!-- datasets:end -->"
        if start in text and end in text:
            before, rest = text.split(start, 1)
            after = rest.split(end, 1)[1]
            tasks_md.write_text(f"{before}{start}\n{body}{end}{after}")


if __name__ == "__main__":
    main()
