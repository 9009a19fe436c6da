"""The validation view of the 31-task records: the 23 tasks not used to choose settings, apart.

Usage:
    python benchmarks/validation.py [--records benchmarks/records/benchmark] [--seeds 0] [--no-write]

Reads the cell records that ``benchmarks/benchmark.py`` keeps (nothing is run), keeps the given
method seeds, and writes between the ``<!-- validation:start -->`` and ``<!-- validation:end -->``
markers of ``docs/method.md``: a summary per method on the development tasks and on the
validation tasks separately (average rank at each percentile, tasks above D(best), share of the
gap to the true front closed), then the validation tasks' 100th-percentile hypervolumes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from paretodiff import bench
from paretodiff.cli import BENCH_TASKS

ROOT = Path(__file__).resolve().parents[1]
DEVELOPMENT = BENCH_TASKS.split(",")
START, END = "<!-- validation:start -->", "<!-- validation:end -->"


def summary_rows(table, split: str) -> list[str]:
    """One line per method: its ranks, tasks above D(best) and gap closed within ``table``."""
    rows = []
    for r in bench.method_summary(table).itertuples():
        gap = f"{r.gap_closed:.0%} ({r.gap_tasks})" if r.gap_tasks else "—"
        rows.append(f"| {split} | {r.method} | {r.rank_100th:.2f} | {r.rank_75th:.2f} | {r.rank_50th:.2f} | "
                    f"{r.above_d_best} of {r.tasks} | {gap} |")
    return rows


def hv_rows(table, tasks: list[str], methods: list[str]) -> list[str]:
    """Per task: D(best) and every method's mean 100th-percentile hypervolume (3 decimals)."""
    rows = []
    for task in tasks:
        part = table[table["task"] == task].set_index("method")
        cells = [f"{part['d_best_hv'].dropna().iloc[0]:.3f}" if part["d_best_hv"].notna().any() else "—"]
        for m in methods:
            if m not in part.index:
                cells.append("—")  # not run on this task
                continue
            hv = part.at[m, "hv_100th_mean"]
            cells.append(f"{hv:.3f}" if np.isfinite(hv) else "failed")
        rows.append(f"| {task} | " + " | ".join(cells) + " |")
    return rows


def validation_markdown(records: list[dict]) -> str:
    """The text between the markers, from ``records`` (already filtered to the wanted seeds)."""
    dev = bench.aggregate([r for r in records if r["task"] in DEVELOPMENT])
    val = bench.aggregate([r for r in records if r["task"] not in DEVELOPMENT])
    methods = [m for m in dict.fromkeys(val["method"]) if m != "d-best"]
    tasks = sorted(val["task"].unique())
    lines = ["| tasks | method | average rank 100th | 75th | 50th | above D(best) (100th) | gap closed (tasks) |",
             "|---|---|---|---|---|---|---|", *summary_rows(dev, f"development ({dev['task'].nunique()})"),
             *summary_rows(val, f"validation ({len(tasks)})"), "",
             "| task | D(best) | " + " | ".join(methods) + " |", "|---|---|" + "---|" * len(methods),
             *hv_rows(val, tasks, methods)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", default=str(ROOT / "benchmarks" / "records" / "benchmark"))
    parser.add_argument("--seeds", default="0", help="method seeds to keep, comma-separated")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    seeds = {int(s) for s in args.seeds.split(",")}
    text = validation_markdown([r for r in bench.load_records(args.records) if r["seed"] in seeds])
    if args.no_write:
        print(text)
        return
    target = ROOT / "docs" / "method.md"
    before, rest = target.read_text().split(START, 1)
    after = rest.split(END, 1)[1]
    target.write_text(f"{before}{START}\n{text}\n{END}{after}")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
