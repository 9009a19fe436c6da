"""Speed of the whole pipeline: fit seconds, propose-256 seconds, peak memory and hypervolume.

Usage:
    python benchmarks/speed.py [--tasks zdt1,re21,dtlz7] [--seeds 0,1,2] [--paretoflow-seeds 0]
        [--threads 2] [--repeats 3] [--scaling-rows 10000,60000,250000,1000000]
        [--rows faithful,default,pymoo,mm,scaling] [--resume] [--no-write] [--out FILE]

Rows, per task (dataset seed 0, each method seed of ``--seeds``, 256 designs):

* ``pgd-faithful``: the ``faithful`` preset (the authors' choices: DDPM, 999 ancestral steps),
  sampled at its first guidance scale (s = 10), as the authors report each scale.
* ``pgd default``: the ``default`` preset, fitted once, and its whole ``propose``: the pool over
  all its guidance scales, the search on the objective model and the choice of 256, with its
  own sampler at 1000, 25 and 10 steps, so that "HV of the same model" is measured.
* ``multiple-models``: :func:`paretodiff.methods.make` ``("multiple-models")`` (its ``cpu``
  preset), the surrogate peer the speed targets compare with.
* ``pgd default (pymoo search)`` (``--rows pymoo``): the default with the search of before
  2026-12-08 (its 200 generations of NSGA-II on the objective model run by pymoo's ``minimize``,
  ``selection.search_engine = "pymoo"``, instead of on arrays), at its own step count: what the
  array search saves.
* ``pgd variant`` (``--rows variant``): the default with the other generative model (the
  diffusion if the default is the flow, and the other way round), sampled at 1000, 25, 10.
* ``paretoflow`` (``--rows paretoflow``): ``methods.make("paretoflow")``, for comparison.
* ``scaling``: the default's fit (and one ``propose(256)``) on tables of ``--scaling-rows``
  random designs of the first task (uniform in its box, its exact objectives), method seed
  the first of ``--seeds``: how fit time and memory grow with the number of rows.

Every row runs in a fresh Python process (``--row``, internal) with ``--threads`` torch
threads (:func:`paretodiff.runtime.set_threads`) and ``OMP_WAIT_POLICY=PASSIVE`` (idle OpenMP
threads sleep instead of spinning; on a machine shared with other jobs two spinning threads
made a 3-second fit take 65 s), so imports, caches and memory do not leak between rows.
Library imports are not timed: besides ``import torch``, the first step of any torch
optimizer imports ``torch._dynamo`` (about a second, once per process, whatever the method);
:func:`warm_imports` takes one step of a throwaway optimizer before the clock starts, and the
row records how long that took (``import_seconds``).
Fit time is one fit; propose time is the median of ``--repeats`` calls ``propose(256)`` (one
call where the first takes over ``LONG_CALL`` seconds: ParetoFlow's, the 1000-step samplings).  Memory is the process's peak resident set (``ru_maxrss``): the table
gives the peak during fit and sampling minus the peak before ``fit`` (after imports and
data loading), since the peak is monotone, a sampling that needs less than the fit adds
nothing.  Results per row are kept as JSON in ``benchmarks/out/speed`` (``--resume`` reuses
them; kept in ``benchmarks/records/speed`` so that a later session resumes a cut-short run).
Writes ``docs/results/speed.md`` unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TASKS = "zdt1,re21,dtlz7"
N_DESIGNS = 256
LONG_CALL = 5.0  # seconds: a propose call this long is measured once
SCALING_ROWS = "10000,60000,250000,1000000"


def machine() -> str:
    from paretodiff.bench import machine as describe

    return describe()


def row_specs(rows: list[str]) -> list[dict]:
    """What each row fits and how it samples (``steps``: the sampling step counts)."""
    from paretodiff.methods.pgd_config import from_preset

    default = from_preset("default")
    other = "diffusion" if default.generator.kind == "flow" else "flow"
    other_sampler = {"diffusion": "ddim", "flow": "euler"}[other]
    specs = {
        "faithful": {"row": "pgd-faithful", "kind": "pgd", "preset": "faithful", "overrides": {}, "steps": [1000],
                     "all_scales": False},
        "default": {"row": "pgd default", "kind": "pgd", "preset": "default", "overrides": {},
                    "steps": [1000, 25, 10], "all_scales": True},
        "pymoo": {"row": "pgd default (pymoo search)", "kind": "pgd", "preset": "default",
                  "overrides": {"selection.search_engine": "pymoo"}, "steps": [default.sampling.steps],
                  "all_scales": True},
        "variant": {"row": f"pgd {other} ({other_sampler})", "kind": "pgd", "preset": "default",
                    "overrides": {"generator.kind": other, "sampling.sampler": other_sampler}, "steps": [1000, 25, 10],
                    "all_scales": True},
        "mm": {"row": "multiple-models", "kind": "method", "method": "multiple-models", "label": "NSGA-II 50 gen."},
        "paretoflow": {"row": "paretoflow", "kind": "method", "method": "paretoflow", "label": "T=1000 Euler"},
        "scaling": {"row": "scaling", "kind": "scaling", "preset": "default"},
    }
    unknown = sorted(set(rows) - set(specs))
    if unknown:
        raise SystemExit(f"error: --rows: unknown row {', '.join(unknown)} (known: {', '.join(specs)})")
    return [specs[r] for r in rows]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kilobytes


def warm_imports() -> float:
    """Seconds to take one step of a throwaway torch optimizer: the first one in a process imports
    ``torch._dynamo`` (a one-time library cost that every method would otherwise pay in its fit)."""
    import torch

    start = time.perf_counter()
    weight = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.AdamW([weight], foreach=True)
    weight.sum().backward()
    optimizer.step()
    return time.perf_counter() - start


def run_row(spec: dict, task_name: str, seed: int, threads: int, repeats: int, rows: int = 0) -> dict:
    """Fit and sample one row in this process; returns the measurements (JSON-serializable).

    ``rows`` (the ``scaling`` kind only): the size of the random table the default is fitted on.
    """
    import dataclasses

    from paretodiff import data, evaluation, methods, tasks
    from paretodiff.methods.pgd import ParetoDiff
    from paretodiff.methods.pgd_config import from_dict, from_preset, with_overrides
    from paretodiff.runtime import set_threads

    set_threads(threads)
    import_seconds = warm_imports()
    task = tasks.get(task_name)
    if spec["kind"] == "scaling":
        return {**scaling_row(task, rows, seed), "import_seconds": import_seconds}
    ds = data.load(task, 0)
    offline = methods.OfflineData.in_box(ds.x_train, ds.y_train, task.lower, task.upper, task.name)
    rss_start = peak_rss_mb()
    result = {"task": task_name, "row": spec["row"], "seed": seed, "threads": threads, "samplings": [],
              "import_seconds": import_seconds}
    if spec["kind"] == "method":
        try:
            method = methods.make(spec["method"])
        except Exception as exc:  # an adapter may be an optional extra that is missing
            return {**result, "error": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"}
        start = time.perf_counter()
        method.fit(offline, seed)
        result["fit_seconds"] = time.perf_counter() - start
        rss_fit = peak_rss_mb()
        samplers = [(None, lambda: method.propose(N_DESIGNS, seed).X, spec["label"])]
    else:
        config = from_preset(spec["preset"], **spec["overrides"])
        start = time.perf_counter()
        model = ParetoDiff(config).fit(offline, seed=seed)
        result["fit_seconds"] = time.perf_counter() - start
        result["fit_report"] = dataclasses.asdict(model.fit_report)
        result["config"] = config.to_dict()
        result["guidance_scales"] = list(config.sampling.guidance_scales if spec["all_scales"]
                                         else config.sampling.guidance_scales[:1])
        rss_fit = peak_rss_mb()
        samplers = []
        for steps in spec["steps"]:
            sampled = from_dict(with_overrides(dataclasses.asdict(config), {"sampling.steps": steps}))
            samplers.append((steps, _proposer(model, sampled, seed, result["guidance_scales"]),
                             f"{sampled.sampling.sampler} {model_steps(sampled)}"))
    for steps, propose, label in samplers:
        seconds, X = timed_calls(propose, repeats)
        hv = evaluation.evaluate(task, X, ds).hv
        result["samplings"].append({"steps": steps, "sampler": label, "propose_seconds": statistics.median(seconds),
                                    "propose_all": seconds, "hv": hv})
    result["rss_start_mb"], result["rss_fit_mb"], result["rss_end_mb"] = rss_start, rss_fit, peak_rss_mb()
    result["d_best_hv"] = evaluation.d_best_hypervolume(task, ds)
    return result


def timed_calls(propose, repeats: int) -> tuple[list[float], object]:
    """Seconds of up to ``repeats`` calls (one if the first takes over ``LONG_CALL`` s) and the last result."""
    seconds, X = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        X = propose()
        seconds.append(time.perf_counter() - start)
        if seconds[0] > LONG_CALL:
            break
    return seconds, X


def scaling_row(task, rows: int, seed: int) -> dict:
    """The default's fit and one ``propose(256)`` on ``rows`` random designs of ``task``.

    The designs are uniform in the task's box (``numpy`` generator seeded by ``seed``) with
    their exact objectives; the table is made before the memory baseline is read.
    """
    import dataclasses

    import numpy as np

    from paretodiff import methods
    from paretodiff.methods.pgd import ParetoDiff

    rng = np.random.default_rng(seed)
    X = task.lower + (task.upper - task.lower) * rng.random((rows, task.n_var))
    offline = methods.OfflineData.in_box(X, task.evaluate(X), task.lower, task.upper, task.name)
    rss_start = peak_rss_mb()
    start = time.perf_counter()
    model = ParetoDiff(preset="default").fit(offline, seed=seed)
    fit_seconds = time.perf_counter() - start
    rss_fit = peak_rss_mb()
    start = time.perf_counter()
    model.propose(N_DESIGNS, seed=seed)
    return {"task": task.name, "row": "scaling", "rows": rows, "seed": seed, "n_var": task.n_var,
            "fit_seconds": fit_seconds, "propose_seconds": time.perf_counter() - start,
            "fit_report": dataclasses.asdict(model.fit_report), "rss_start_mb": rss_start, "rss_fit_mb": rss_fit,
            "rss_end_mb": peak_rss_mb()}


def scales_text() -> str:
    """The guidance scales each pgd row samples at (faithful: its first; default: all of its own)."""
    from paretodiff.methods.pgd_config import from_preset

    default = ", ".join(f"{s:g}" for s in from_preset("default").sampling.guidance_scales)
    return f"faithful at s = {from_preset('faithful').sampling.guidance_scales[0]:g}, default over s = {default}"


def model_steps(config) -> int:
    from paretodiff.methods.pgd import ParetoDiff

    return ParetoDiff(config).n_sample_steps


def _proposer(model, config, seed: int, scales: list[float]):
    def propose():
        model.config = config
        return model.propose(N_DESIGNS, seed=seed, scales=scales).X

    return propose


def combine(runs: list[dict]) -> dict:
    """One row's runs over seeds: median times, mean hypervolumes, largest memory."""
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return runs[0]
    out = {**ok[0], "seeds": [r["seed"] for r in ok], "fit_seconds": statistics.median(r["fit_seconds"] for r in ok),
           "import_seconds": [r["import_seconds"] for r in ok if "import_seconds" in r],
           "rss_start_mb": min(r["rss_start_mb"] for r in ok), "rss_end_mb": max(r["rss_end_mb"] for r in ok)}
    out["samplings"] = []
    for i, first in enumerate(ok[0]["samplings"]):
        per_seed = [r["samplings"][i] for r in ok]
        hv = {p: statistics.mean(s["hv"][p] for s in per_seed) for p in first["hv"]}
        out["samplings"].append({**first, "hv": hv, "hv_std": statistics.pstdev(s["hv"]["100th"] for s in per_seed),
                                 "propose_seconds": statistics.median(s["propose_seconds"] for s in per_seed)})
    return out


def run_in_subprocess(spec: dict, task: str, seed: int, args, rows: int = 0) -> dict:
    payload = json.dumps({"spec": spec, "task": task, "seed": seed, "threads": args.threads,
                          "repeats": args.repeats, "rows": rows})
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads), "MKL_NUM_THREADS": str(args.threads)}
    if args.omp_wait_policy:
        env["OMP_WAIT_POLICY"] = args.omp_wait_policy
    proc = subprocess.run([sys.executable, __file__, "--row", payload], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        return {"task": task, "row": spec["row"], "error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default=TASKS)
    parser.add_argument("--seeds", default="0,1,2", help="method seeds of the pgd rows")
    parser.add_argument("--paretoflow-seeds", default="0", help="method seeds of the ParetoFlow row (minutes each)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--omp-wait-policy", default="PASSIVE",
                        help="OMP_WAIT_POLICY of the row processes ('' leaves it unset); PASSIVE keeps idle OpenMP "
                             "threads from spinning, which on a machine shared with other jobs makes 2 threads "
                             "up to 20x slower")
    parser.add_argument("--rows", default="faithful,default,pymoo,mm,scaling",
                        help="rows to measure, of faithful, default, pymoo, mm, variant, paretoflow, scaling")
    parser.add_argument("--scaling-rows", default=SCALING_ROWS,
                        help="table sizes of the scaling row (random designs of the first task)")
    parser.add_argument("--cells", type=Path, default=ROOT / "benchmarks" / "records" / "speed")
    parser.add_argument("--resume", action="store_true", help="reuse rows already measured in --cells")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--note", default="", help="a paragraph on the conditions, written under the header "
                                                   "(the command line shows it as NOTE)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "results" / "speed.md")
    parser.add_argument("--row", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.row:
        job = json.loads(args.row)
        print(json.dumps(run_row(job["spec"], job["task"], job["seed"], job["threads"], job["repeats"],
                                 job.get("rows", 0))))
        return
    from paretodiff import data

    args.cells.mkdir(parents=True, exist_ok=True)
    task_list, specs = args.tasks.split(","), row_specs(args.rows.split(","))
    for t in task_list:
        data.load(t, 0)  # generate and cache first, outside the timings
    results, scaling = [], []
    for task in task_list:
        for spec in specs:
            if spec["kind"] == "scaling":
                continue
            seeds = args.paretoflow_seeds if spec.get("method") == "paretoflow" else args.seeds
            results.append(combine([measured(spec, task, int(seed), args) for seed in seeds.split(",")]))
    if any(spec["kind"] == "scaling" for spec in specs):
        spec = next(spec for spec in specs if spec["kind"] == "scaling")
        seed = int(args.seeds.split(",")[0])
        scaling = [measured(spec, task_list[0], seed, args, int(rows)) for rows in args.scaling_rows.split(",")]
    lines = report(args, task_list, results, scaling)
    print("\n".join(lines))
    if not args.no_write:
        args.out.write_text("\n".join(lines) + "\n")


def measured(spec: dict, task: str, seed: int, args, rows: int = 0) -> dict:
    """One row's measurement for one seed: read from ``--cells`` with ``--resume``, else run and kept there."""
    name = spec["row"].replace(" ", "_").replace("(", "").replace(")", "") + (f"-{rows}rows" if rows else "")
    path = args.cells / f"{task}-{name}-seed{seed}-threads{args.threads}.json"
    if args.resume and path.exists():
        result = json.loads(path.read_text())
    else:
        result = run_in_subprocess(spec, task, seed, args, rows)
        if "error" not in result:
            tmp = path.with_suffix(".json.tmp")
            tmp.write_text(json.dumps(result, indent=1))
            tmp.replace(path)
    print(summary_line(result), file=sys.stderr, flush=True)
    return result


def summary_line(r: dict) -> str:
    if "error" in r:
        return f"{r['task']} {r['row']}: not run ({r['error']})"
    if r["row"] == "scaling":
        return (f"{r['task']} scaling {r['rows']} rows: fit {r['fit_seconds']:.1f}s, propose {r['propose_seconds']:.1f}s, "
                f"peak RSS {r['rss_end_mb']:.0f} MB")
    return f"{r['task']} {r['row']}: fit {r['fit_seconds']:.1f}s; " + ", ".join(
        f"{s['sampler']}: {s['propose_seconds']:.2f}s HV {s['hv']['100th']:.3f}" for s in r["samplings"])


def command_line() -> str:
    """This run's command; a ``--note`` value is shown as ``NOTE`` (it is printed under the header)."""
    argv = sys.argv[1:]
    for i, arg in enumerate(argv):
        if arg == "--note" and i + 1 < len(argv):
            argv = [*argv[: i + 1], "NOTE", *argv[i + 2 :]]
        elif arg.startswith("--note="):
            argv = [*argv[:i], "--note=NOTE", *argv[i + 1 :]]
    return shlex.join(["python", "benchmarks/speed.py", *argv])


def report(args, task_list: list[str], results: list[dict], scaling: list[dict]) -> list[str]:
    by = {(r["task"], r["row"]): r for r in results}
    lines = [
        "# Speed: fit, propose and hypervolume per sampler",
        "",
        f"Command: `{command_line()}`  ",
        f"Machine: {machine()}  ",
        f"Date: {dt.date.today().isoformat()}  ",
        f"Dataset seed 0 (regenerated), method seeds {args.seeds} (ParetoFlow: {args.paretoflow_seeds}), "
        f"{args.threads} torch threads "
        f"(OMP_WAIT_POLICY={args.omp_wait_policy or 'unset'}), one row at a time, each in a fresh process. "
        f"{N_DESIGNS} designs ({scales_text()}; the default's whole propose: pool, search on the objective model, "
        f"choice). Times are medians over the seeds (propose: of the medians of {args.repeats} calls per seed, one "
        f"call where it takes over {LONG_CALL:g} s); HV is the 100th-percentile hypervolume (exact objectives), "
        "mean over the seeds (± its standard deviation, ddof 0). Memory: peak resident set "
        "of the process during fit and sampling minus its peak before fit (imports and data already loaded); "
        "peak RSS is the process's whole peak. " + import_text(results),
        "",
        "Ratios are to `pgd-faithful` on the same task (time: faithful / row, higher is faster); "
        "\"HV / 1000 steps\" compares with the same fitted model sampled with 1000 steps.",
        "",
    ] + ([args.note, ""] if args.note else [])
    for task in task_list:
        faithful = by.get((task, "pgd-faithful"))
        base = faithful["samplings"][0] if faithful and "error" not in faithful else None
        lines += [f"## {task}" + (f" (D(best) HV {faithful['d_best_hv']:.2f})" if base else ""), "",
                  "| row | sampler (steps) | fit s | propose-256 s | fit + propose s | memory MB | peak RSS MB | HV | "
                  "HV / 1000 steps | fit ratio | propose ratio | total ratio | HV − faithful |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for (t, row), r in by.items():
            if t != task:
                continue
            if "error" in r:
                lines.append(f"| {row} | not run: {r['error']} |" + " |" * 11)
                continue
            ref = next((s for s in r["samplings"] if s["steps"] == 1000), None)
            for s in r["samplings"]:
                total = r["fit_seconds"] + s["propose_seconds"]
                cells = [row, s["sampler"], f"{r['fit_seconds']:.1f}", f"{s['propose_seconds']:.2f}", f"{total:.1f}",
                         f"{r['rss_end_mb'] - r['rss_start_mb']:.0f}", f"{r['rss_end_mb']:.0f}",
                         f"{s['hv']['100th']:.3f}" + (f" ± {s['hv_std']:.3f}" if len(r.get("seeds", [])) > 1 else ""),
                         f"{s['hv']['100th'] / ref['hv']['100th']:.1%}" if ref and row != "pgd-faithful" else "—"]
                if base:
                    base_total = faithful["fit_seconds"] + base["propose_seconds"]
                    cells += [f"{faithful['fit_seconds'] / r['fit_seconds']:.1f}×",
                              f"{base['propose_seconds'] / s['propose_seconds']:.1f}×", f"{base_total / total:.1f}×",
                              f"{s['hv']['100th'] - base['hv']['100th']:+.3f}"]
                else:
                    cells += ["—"] * 4
                lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    lines += scaling_table(scaling)
    lines += targets(task_list, by, scaling)
    return lines


def import_text(results: list[dict]) -> str:
    """What the header says of the one-time library imports left out of the times."""
    seconds = [x for r in results if "error" not in r for x in r.get("import_seconds", [])]
    if not seconds:
        return "Fit times include the library's one-time imports (rows measured before they were taken out)."
    return ("Library imports are not timed: `import torch`, and `torch._dynamo`, which the first optimizer step "
            f"of a process imports whatever the method (taken before the clock starts: median "
            f"{statistics.median(seconds):.2f} s per process, {min(seconds):.2f}-{max(seconds):.2f} s).")


def scaling_table(scaling: list[dict]) -> list[str]:
    """Fit cost against the number of rows (the ``scaling`` row)."""
    ok = [r for r in scaling if "error" not in r]
    if not scaling:
        return []
    first = ok[0] if ok else scaling[0]
    lines = [f"## Rows: the default's cost against the table's size ({first['task']}, {first.get('n_var', '?')} "
             f"variables, method seed {first.get('seed', '?')})", "",
             "Random designs, uniform in the task's box, with their exact objectives; one fit and one "
             "propose(256) per size, each in a fresh process. Memory as above (growth: peak during fit and "
             "propose minus the peak before fit, with the table already in memory).", "",
             "| rows | fit s | generator s | preference s | objective model s | propose-256 s | memory MB | peak RSS MB |",
             "|---|---|---|---|---|---|---|---|"]
    for r in scaling:
        if "error" in r:
            lines.append(f"| {r.get('rows', '?')} | not run: {r['error']} |" + " |" * 6)
            continue
        f = r["fit_report"]
        lines.append(f"| {r['rows']:,} | {r['fit_seconds']:.1f} | {f['generator_seconds']:.1f} | "
                     f"{f['preference_seconds']:.1f} | {f['objectives_seconds']:.1f} | {r['propose_seconds']:.1f} | "
                     f"{r['rss_end_mb'] - r['rss_start_mb']:.0f} | {r['rss_end_mb']:.0f} |")
    return lines + [""]


def difference_se(a: dict, b: dict, n_a: int, n_b: int) -> float:
    """Standard error of the difference of two mean HVs, from their seed standard deviations (ddof 1)."""
    var = lambda s, n: (s["hv_std"] ** 2) * n / (n - 1) / n  # noqa: E731  ddof 0 -> 1, then over n
    return (var(a, n_a) + var(b, n_b)) ** 0.5


def noise_text(difference: float, se: float) -> str:
    """The HV difference with its standard error, and whether it is within two of them."""
    verdict = "within two standard errors: equal within the seed-to-seed noise" if abs(difference) < 2 * se \
        else ("a measured gain" if difference > 0 else "a measured loss")
    return f" (HV difference {difference:+.3f}, standard error of the difference over the seeds {se:.3f}; {verdict})"


def verdict(held: bool) -> str:
    return f"**{'met' if held else 'not met'}**"


def total_seconds(row: dict, steps: int | None) -> float:
    """Fit + propose seconds of a combined row at its sampling of ``steps`` (its first if absent)."""
    s = next((s for s in row["samplings"] if s["steps"] == steps), row["samplings"][0])
    return row["fit_seconds"] + s["propose_seconds"]


def targets(task_list: list[str], by: dict, scaling: list[dict]) -> list[str]:
    """The targets, checked on these figures (issue 13's first, then the earlier sampler targets)."""
    from paretodiff.methods.pgd_config import from_preset

    out = ["## Targets", ""]
    own = from_preset("default").sampling.steps
    rows = {name: by.get(("zdt1", name)) for name in ("pgd default", "multiple-models")}
    if all(r and "error" not in r for r in rows.values()):
        pgd, mm = total_seconds(rows["pgd default"], own), total_seconds(rows["multiple-models"], None)
        out.append(f"- Fit + propose on ZDT1 at most 10 s (median, {rows['pgd default']['threads']} threads): "
                   f"{pgd:.1f} s: {verdict(pgd <= 10)}.")
        out.append(f"- At least 3× faster than multiple-models: {mm:.1f} s against {pgd:.1f} s = {mm / pgd:.1f}×: "
                   f"{verdict(mm / pgd >= 3)}.")
    largest = max((r for r in scaling if "error" not in r), key=lambda r: r["rows"], default=None)
    if largest:
        gib = largest["rss_end_mb"] / 1024
        out.append(f"- Fit on {largest['rows']:,} rows × {largest['n_var']} variables in at most 30 s and 2 GB "
                   f"(2048 MiB, the process's peak): {largest['fit_seconds']:.1f} s, peak {gib:.2f} GiB: "
                   f"{verdict(largest['fit_seconds'] <= 30 and gib <= 2)}.")
    default_rows = [by.get((t, "pgd default")) for t in task_list]
    fast = [(t, s) for t, r in zip(task_list, default_rows) if r and "error" not in r
            for s in r["samplings"] if s["steps"] in (10, 25)]
    if fast:
        worst = max(fast, key=lambda ts: ts[1]["propose_seconds"])
        out.append(f"- Propose 256 designs in under 2 s at 10–25 steps: slowest {worst[1]['propose_seconds']:.2f} s "
                   f"({worst[0]}, {worst[1]['sampler']}): {verdict(worst[1]['propose_seconds'] < 2)}.")
    for steps, need in ((25, 0.99), (10, 0.97)):
        ratios = []
        for t, r in zip(task_list, default_rows):
            if r and "error" not in r:
                ref = next(s for s in r["samplings"] if s["steps"] == 1000)["hv"]["100th"]
                hv = next((s for s in r["samplings"] if s["steps"] == steps), None)
                if hv:
                    ratios.append((t, hv["hv"]["100th"] / ref))
        if ratios:
            ok = all(v >= need for _, v in ratios)
            out.append(f"- HV at {steps} steps ≥ {need:.0%} of the same model's 1000-step HV: "
                       + ", ".join(f"{t} {v:.1%}" for t, v in ratios) + f": {verdict(ok)}.")
    zdt, faithful = by.get(("zdt1", "pgd default")), by.get(("zdt1", "pgd-faithful"))
    if zdt and faithful and "error" not in zdt and "error" not in faithful:
        s = next((s for s in zdt["samplings"] if s["steps"] == own), zdt["samplings"][-1])
        base = faithful["samplings"][0]
        ratio = (faithful["fit_seconds"] + base["propose_seconds"]) / (zdt["fit_seconds"] + s["propose_seconds"])
        better = s["hv"]["100th"] >= base["hv"]["100th"]
        out.append(f"- Fit + propose on ZDT1 at least 10× faster than pgd-faithful at equal or better HV: default "
                   f"({s['sampler']}) {zdt['fit_seconds'] + s['propose_seconds']:.1f} s against "
                   f"{faithful['fit_seconds'] + base['propose_seconds']:.1f} s = {ratio:.1f}×, HV {s['hv']['100th']:.3f} "
                   f"against {base['hv']['100th']:.3f}: {verdict(ratio >= 10 and better)}"
                   + (noise_text(s['hv']['100th'] - base['hv']['100th'],
                                 difference_se(s, base, len(zdt['seeds']), len(faithful['seeds'])))
                      if len(zdt.get("seeds", [])) > 1 and len(faithful.get("seeds", [])) > 1 else "") + ".")
    return out + [""]


if __name__ == "__main__":
    main()
