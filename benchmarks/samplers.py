"""Which generative model and sampler the fast default uses: quality and diversity of the proposals.

Usage:
    python benchmarks/samplers.py [--tasks zdt1,zdt2,zdt3,dtlz1,dtlz7,re21,re33,re37] [--seeds 0,1,2]
        [--steps 10,25,1000] [--no-write] [--out docs/results/samplers.md]

Every variant uses the ``default`` preset's training budget (200 + 200 steps) and guidance
scale 10, and differs only in the generative model (DDPM + DDIM, or the straight-path flow +
Euler) and the network that predicts the noise / velocity (the authors' MLP, or ours).
Each model is fitted once per method seed (dataset seed 0) and sampled at every step count
of ``--steps``.  Beside the hypervolume at the 100th, 75th and 50th percentile the table
gives two diversity figures of the 256 proposals: how many distinct designs there are, and
the share of design coordinates that sit on the box's bounds (the final clamp puts a design
there when the sampler carried it outside) — the training data have 0 % of them; and, for
the same model sampled *without* guidance (s = 0), that share again and the ratio of the
samples' per-coordinate standard deviation to the training data's (1 for a model that
reproduces the data's spread).

Writes ``docs/results/samplers.md`` unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from paretodiff import data, evaluation, tasks  # noqa: E402
from paretodiff.bench import machine  # noqa: E402
from paretodiff.methods import OfflineData  # noqa: E402
from paretodiff.methods.pgd import ParetoDiff  # noqa: E402
from paretodiff.methods.pgd_config import from_dict, from_preset, with_overrides  # noqa: E402
from paretodiff.runtime import set_threads  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = {
    "DDIM, authors' MLP": {"generator.kind": "diffusion", "sampling.sampler": "ddim", "generator.arch": "faithful"},
    "DDIM, our network": {"generator.kind": "diffusion", "sampling.sampler": "ddim", "generator.arch": "default"},
    "flow Euler, authors' MLP": {"generator.kind": "flow", "sampling.sampler": "euler", "generator.arch": "faithful"},
    "flow Euler, our network": {"generator.kind": "flow", "sampling.sampler": "euler", "generator.arch": "default"},
}


def on_bounds(task, X: np.ndarray) -> float:
    """Share of the coordinates of designs ``X (n, D)`` that lie on the box's bounds."""
    U = task.to_unit(X)
    return float(np.mean((U <= 1e-9) | (U >= 1 - 1e-9)))


def measure(task_name: str, label: str, seed: int, steps: list[int]) -> list[dict]:
    """Fit one variant and sample it at each step count; one row per step count."""
    task = tasks.get(task_name)
    ds = data.load(task, 0)
    config = from_preset("default", **VARIANTS[label])
    start = time.perf_counter()
    model = ParetoDiff(config).fit(OfflineData.in_box(ds.x_train, ds.y_train, task.lower, task.upper), seed=seed)
    fit_seconds = time.perf_counter() - start
    rows = []
    for k in steps:
        model.config = from_dict(with_overrides(dataclasses.asdict(config), {"sampling.steps": k}))
        X = model.propose(256, seed=seed).X
        hv = evaluation.evaluate(task, X, ds).hv
        unguided = model.propose(256, seed=seed, scales=(0.0,)).X
        rows.append({"task": task_name, "variant": label, "seed": seed, "steps": k, "fit_seconds": fit_seconds,
                     **{f"hv_{p}": v for p, v in hv.items()},
                     "distinct": len(np.unique(X.round(9), axis=0)), "on_bounds": on_bounds(task, X),
                     "on_bounds_unguided": on_bounds(task, unguided),
                     "spread_ratio_unguided": float(np.mean(task.to_unit(unguided).std(axis=0)
                                                            / task.to_unit(ds.x_train).std(axis=0)))})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="zdt1,zdt2,zdt3,dtlz1,dtlz7,re21,re33,re37")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--steps", default="10,25,1000")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "results" / "samplers.md")
    args = parser.parse_args()
    set_threads(args.threads)
    steps = [int(s) for s in args.steps.split(",")]
    rows = []
    for name in tasks.expand(args.tasks):
        for label in VARIANTS:
            for seed in (int(s) for s in args.seeds.split(",")):
                rows += measure(name, label, seed, steps)
                r = rows[-len(steps)]
                print(f"{name} {label} seed {seed}: HV {r['hv_100th']:.3f} distinct {r['distinct']} "
                      f"on bounds {r['on_bounds']:.0%} fit {r['fit_seconds']:.1f}s", file=sys.stderr, flush=True)
    frame = pd.DataFrame(rows)
    mean = frame.groupby(["task", "variant", "steps"], sort=False).mean(numeric_only=True).reset_index()
    command = "python benchmarks/samplers.py " + " ".join(sys.argv[1:])
    lines = [f"Command: `{command.strip()}`  ", f"Machine: {machine()}  ", f"Date: {dt.date.today().isoformat()}  ",
             f"Dataset seed 0; method seeds {args.seeds}; 256 designs, guidance scale 10, the `default` preset's "
             f"training budget; means over seeds. *distinct*: distinct designs among the 256; *on bounds*: share "
             f"of design coordinates on the box's bounds (0 % in the training data); *unguided*: the same model "
             f"sampled with s = 0; *spread / data's*: mean over coordinates of the samples' standard deviation over "
             f"the training data's.", ""]
    for k in steps:
        lines += [f"## {k} sampling steps", "",
                  "| task | variant | HV 100th | HV 75th | HV 50th | distinct | on bounds | unguided: on bounds "
                  "| unguided: spread / data's | fit s |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for r in mean[mean["steps"] == k].itertuples():
            lines.append(f"| {r.task} | {r.variant} | {r.hv_100th:.2f} | {r.hv_75th:.2f} | {r.hv_50th:.2f} | "
                         f"{r.distinct:.0f} | {r.on_bounds:.0%} | {r.on_bounds_unguided:.0%} | "
                         f"{r.spread_ratio_unguided:.2f} | {r.fit_seconds:.1f} |")
        lines.append("")
    body = "\n".join(lines)
    print(body)
    if not args.no_write:
        args.out.write_text("# Generative model and sampler of the fast default\n\n" + body)


if __name__ == "__main__":
    main()
