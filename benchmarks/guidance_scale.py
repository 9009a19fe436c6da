"""Guidance scale of the default preset: hypervolume and diversity per scale, on the benchmark tasks.

Usage:
    python benchmarks/guidance_scale.py [--tasks zdt1,zdt2,zdt3,dtlz1,dtlz7,re21,re33,re37] [--seeds 0,1,2]
        [--scales 5,10,15,20] [--threads 2] [--no-write] [--out docs/results/guidance_scale.md]

The ``default`` preset is fitted once per task and method seed (dataset seed 0), then
samples 256 designs at every scale of ``--scales`` (each scale its own call, so its chains
start from the same noise whatever the other scales are).  Reported per task and scale:
the hypervolume at the 100th, 75th and 50th percentile and the number of distinct
designs among the 256, means over the seeds, and the best scale by the mean rank over tasks.

Writes ``docs/results/guidance_scale.md`` unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from paretodiff import data, evaluation, tasks  # noqa: E402
from paretodiff.bench import machine  # noqa: E402
from paretodiff.methods import OfflineData  # noqa: E402
from paretodiff.methods.pgd import ParetoDiff  # noqa: E402
from paretodiff.methods.pgd_config import from_preset  # noqa: E402
from paretodiff.runtime import set_threads  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def measure(task_name: str, seed: int, scales: list[float]) -> list[dict]:
    """Fit the default preset once and sample 256 designs at each scale; one row per scale."""
    task = tasks.get(task_name)
    ds = data.load(task, 0)
    data_ = OfflineData.in_box(ds.x_train, ds.y_train, task.lower, task.upper, task.name)
    model = ParetoDiff(preset="default").fit(data_, seed=seed)
    rows = []
    for s in scales:
        X = model.propose(256, seed=seed, scales=(s,)).X
        hv = evaluation.evaluate(task, X, ds).hv
        rows.append({"task": task_name, "seed": seed, "scale": s, **{f"hv_{p}": v for p, v in hv.items()},
                     "distinct": len(np.unique(X.round(9), axis=0))})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="zdt1,zdt2,zdt3,dtlz1,dtlz7,re21,re33,re37")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--scales", default="5,10,15,20")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "results" / "guidance_scale.md")
    args = parser.parse_args()
    set_threads(args.threads)
    scales = [float(s) for s in args.scales.split(",")]
    rows = []
    for name in tasks.expand(args.tasks):
        for seed in (int(s) for s in args.seeds.split(",")):
            rows += measure(name, seed, scales)
            print(f"{name} seed {seed}: " + ", ".join(f"s={r['scale']:g} HV {r['hv_100th']:.3f}"
                                                      for r in rows[-len(scales):]), file=sys.stderr, flush=True)
    frame = pd.DataFrame(rows)
    mean = frame.groupby(["task", "scale"], sort=False).mean(numeric_only=True).reset_index()
    ranks = mean.groupby("task", sort=False)["hv_100th"].rank(ascending=False, method="average")
    avg_rank = ranks.groupby(mean["scale"]).mean()
    command = "python benchmarks/guidance_scale.py " + " ".join(sys.argv[1:])
    lines = ["# Guidance scale of the default preset", "",
             f"Command: `{command.strip()}`  ", f"Machine: {machine()}  ", f"Date: {dt.date.today().isoformat()}  ",
             f"Dataset seed 0; method seeds {args.seeds}; the `default` preset "
             f"({from_preset('default').generator.kind}, {from_preset('default').sampling.sampler} "
             f"{from_preset('default').sampling.steps} steps), one fit per seed sampled at every scale; "
             "256 designs; means over seeds. Cells: HV at the 100th / 75th / 50th percentile, distinct designs.", "",
             "| task | " + " | ".join(f"s = {s:g}" for s in scales) + " |", "|---|" + "---|" * len(scales)]
    for name in tasks.expand(args.tasks):
        cells = []
        for s in scales:
            r = mean[(mean["task"] == name) & (mean["scale"] == s)].iloc[0]
            cells.append(f"{r.hv_100th:.2f} / {r.hv_75th:.2f} / {r.hv_50th:.2f}, {r.distinct:.0f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "Mean rank over tasks by the 100th-percentile HV (1 = best): "
              + ", ".join(f"s = {s:g}: {avg_rank[s]:.2f}" for s in scales) + "."]
    body = "\n".join(lines) + "\n"
    print(body)
    if not args.no_write:
        args.out.write_text(body)


if __name__ == "__main__":
    main()
