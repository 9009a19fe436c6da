"""Quick side-by-side probes of method specs on tasks: mean ± std of the 100th-percentile HV.

    python benchmarks/probe.py --tasks zdt1,re37 --specs "pgd;pgd:selection.kappa=0" --seeds 0 \\
        --log benchmarks/out/probe.jsonl

Each cell runs in this process through ``paretodiff.bench.run_cell`` (2 torch threads) and is
printed as it finishes; ``--log`` appends one JSON line per cell (HV, D(best), times, distinct
designs, the pool report).  Specs are separated by ``;`` (they contain commas).  For choosing
settings on the development tasks; the results tables come from ``paretodiff bench``.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from paretodiff import bench


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", required=True)
    parser.add_argument("--specs", required=True, help="method specs separated by ';'")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--log", default=None, help="append one JSON line per cell to this file")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    for task in args.tasks.split(","):
        for spec in args.specs.split(";"):
            hvs, fits, proposes, distinct = [], [], [], []
            for seed in seeds:
                record = bench.run_cell(bench.Cell(task=task, method=spec, seed=seed), threads=2)
                if record["status"] != "ok":
                    print(f"{task} {spec} seed {seed}: {record['error']}", flush=True)
                    continue
                hvs.append(record["hv"]["100th"])
                fits.append(record["fit_seconds"])
                proposes.append(record["propose_seconds"])
                distinct.append(len({tuple(row) for row in record["designs"]}))
                if args.log:
                    with open(args.log, "a") as log:
                        log.write(json.dumps({"task": task, "spec": spec, "seed": seed, "hv": record["hv"],
                                              "d_best": record["d_best_hv"], "fit": record["fit_seconds"],
                                              "propose": record["propose_seconds"], "distinct": distinct[-1],
                                              "pool": record["facts"].get("pool")}) + "\n")
            if hvs:
                print(f"{task:8s} {spec:60s} HV {np.mean(hvs):.3f} ± {np.std(hvs):.3f}  "
                      f"D(best) {record['d_best_hv']:.3f}  fit {np.median(fits):.1f} s  "
                      f"propose {np.median(proposes):.2f} s  distinct {min(distinct)}", flush=True)


if __name__ == "__main__":
    main()
