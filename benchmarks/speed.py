"""Speed of the whole pipeline: fit seconds, propose-256 seconds, peak memory and hypervolume.

Usage:
    python benchmarks/speed.py [--tasks zdt1,re21,dtlz7] [--seeds 0,1,2] [--paretoflow-seeds 0]
        [--threads 2] [--repeats 3]
        [--rows faithful,default,variant,paretoflow] [--resume] [--no-write] [--out FILE]

Rows, per task (dataset seed 0, each method seed of ``--seeds``, 256 designs, each preset's first guidance scale):

* ``pgd-faithful``: the ``faithful`` preset (the authors' choices: DDPM, 999 ancestral steps).
* ``pgd default``: the ``default`` preset, fitted once and sampled with its own sampler at
  1000, 100, 25 and 10 steps, so that "HV of the same model" is measured.
* ``pgd variant``: the default preset with the other generative model (the diffusion if
  the default is the flow, and the other way round), fitted once, sampled at 1000, 25, 10.
* ``paretoflow``: :func:`paretodiff.methods.make` ``("paretoflow")``, for comparison.

Every row runs in a fresh Python process (``--row``, internal) with ``--threads`` torch
threads (:func:`paretodiff.runtime.set_threads`) and ``OMP_WAIT_POLICY=PASSIVE`` (idle OpenMP
threads sleep instead of spinning; on a machine shared with other jobs two spinning threads
made a 3-second fit take 65 s), so imports, caches and memory do not leak between rows.
Fit time is one fit; propose time is the median of ``--repeats`` calls ``propose(256)``
(ParetoFlow: one call, over a minute).  Memory is the process's peak resident set (``ru_maxrss``): the table
gives the peak during fit and sampling minus the peak before ``fit`` (after imports and
data loading), since the peak is monotone, a sampling that needs less than the fit adds
nothing.  Results per row are kept as JSON in ``benchmarks/out/speed`` (``--resume`` reuses
them).  Writes ``docs/results/speed.md`` unless ``--no-write``.
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
        "faithful": {"row": "pgd-faithful", "kind": "pgd", "preset": "faithful", "overrides": {}, "steps": [1000]},
        "default": {"row": "pgd default", "kind": "pgd", "preset": "default", "overrides": {},
                    "steps": [1000, 100, 25, 10]},
        "variant": {"row": f"pgd {other} ({other_sampler})", "kind": "pgd", "preset": "default",
                    "overrides": {"generator.kind": other, "sampling.sampler": other_sampler}, "steps": [1000, 25, 10]},
        "paretoflow": {"row": "paretoflow", "kind": "paretoflow", "steps": [None]},
    }
    return [specs[r] for r in rows]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kilobytes


def run_row(spec: dict, task_name: str, seed: int, threads: int, repeats: int) -> dict:
    """Fit and sample one row in this process; returns the measurements (JSON-serializable)."""
    import dataclasses

    from paretodiff import data, evaluation, methods, tasks
    from paretodiff.methods.pgd import ParetoDiff
    from paretodiff.methods.pgd_config import from_dict, from_preset, with_overrides
    from paretodiff.runtime import set_threads

    set_threads(threads)
    task = tasks.get(task_name)
    ds = data.load(task, 0)
    rss_start = peak_rss_mb()
    result = {"task": task_name, "row": spec["row"], "seed": seed, "threads": threads, "samplings": []}
    if spec["kind"] == "paretoflow":
        try:
            method = methods.make("paretoflow")
        except Exception as exc:  # the adapter is optional (an extra) and may be missing
            return {**result, "error": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"}
        start = time.perf_counter()
        method.fit(methods.OfflineData.in_box(ds.x_train, ds.y_train, task.lower, task.upper, task.name), seed)
        result["fit_seconds"] = time.perf_counter() - start
        rss_fit = peak_rss_mb()
        propose = lambda: method.propose(N_DESIGNS, seed).X  # noqa: E731
        samplers = [(None, propose, "T=1000 Euler")]
    else:
        config = from_preset(spec["preset"], **spec["overrides"])
        start = time.perf_counter()
        model = ParetoDiff(config).fit(methods.OfflineData.in_box(ds.x_train, ds.y_train, task.lower, task.upper),
                                       seed=seed)
        result["fit_seconds"] = time.perf_counter() - start
        result["fit_report"] = dataclasses.asdict(model.fit_report)
        result["config"] = config.to_dict()
        result["guidance_scale"] = config.sampling.guidance_scales[0]
        rss_fit = peak_rss_mb()
        samplers = []
        for steps in spec["steps"]:
            sampled = from_dict(with_overrides(dataclasses.asdict(config), {"sampling.steps": steps}))
            samplers.append((steps, _proposer(model, sampled, seed),
                             f"{sampled.sampling.sampler} {model_steps(sampled)}"))
    if spec["kind"] == "paretoflow":
        repeats = 1  # a minute or more per call: one measurement
    for steps, propose, label in samplers:
        seconds, X = [], None
        for _ in range(repeats):
            start = time.perf_counter()
            X = propose()
            seconds.append(time.perf_counter() - start)
        hv = evaluation.evaluate(task, X, ds).hv
        result["samplings"].append({"steps": steps, "sampler": label, "propose_seconds": statistics.median(seconds),
                                    "propose_all": seconds, "hv": hv})
    result["rss_start_mb"], result["rss_fit_mb"], result["rss_end_mb"] = rss_start, rss_fit, peak_rss_mb()
    result["d_best_hv"] = evaluation.d_best_hypervolume(task, ds)
    return result


def scales_text() -> str:
    from paretodiff.methods.pgd_config import from_preset

    return ", ".join(f"{p} s = {from_preset(p).sampling.guidance_scales[0]:g}" for p in ("faithful", "default"))


def model_steps(config) -> int:
    from paretodiff.methods.pgd import ParetoDiff

    return ParetoDiff(config).n_sample_steps


def _proposer(model, config, seed: int):
    def propose():
        model.config = config
        return model.propose(N_DESIGNS, seed=seed, scales=config.sampling.guidance_scales[:1]).X

    return propose


def combine(runs: list[dict]) -> dict:
    """One row's runs over seeds: median times, mean hypervolumes, largest memory."""
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return runs[0]
    out = {**ok[0], "seeds": [r["seed"] for r in ok], "fit_seconds": statistics.median(r["fit_seconds"] for r in ok),
           "rss_start_mb": min(r["rss_start_mb"] for r in ok), "rss_end_mb": max(r["rss_end_mb"] for r in ok)}
    out["samplings"] = []
    for i, first in enumerate(ok[0]["samplings"]):
        per_seed = [r["samplings"][i] for r in ok]
        hv = {p: statistics.mean(s["hv"][p] for s in per_seed) for p in first["hv"]}
        out["samplings"].append({**first, "hv": hv, "hv_std": statistics.pstdev(s["hv"]["100th"] for s in per_seed),
                                 "propose_seconds": statistics.median(s["propose_seconds"] for s in per_seed)})
    return out


def run_in_subprocess(spec: dict, task: str, seed: int, args) -> dict:
    payload = json.dumps({"spec": spec, "task": task, "seed": seed, "threads": args.threads,
                          "repeats": args.repeats})
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
    parser.add_argument("--rows", default="faithful,default,variant,paretoflow")
    parser.add_argument("--cells", type=Path, default=ROOT / "benchmarks" / "out" / "speed")
    parser.add_argument("--resume", action="store_true", help="reuse rows already measured in --cells")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--note", default="", help="a paragraph on the conditions, written under the header "
                                                   "(the command line shows it as NOTE)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "results" / "speed.md")
    parser.add_argument("--row", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.row:
        job = json.loads(args.row)
        print(json.dumps(run_row(job["spec"], job["task"], job["seed"], job["threads"], job["repeats"])))
        return
    from paretodiff import data

    args.cells.mkdir(parents=True, exist_ok=True)
    task_list, specs = args.tasks.split(","), row_specs(args.rows.split(","))
    for t in task_list:
        data.load(t, 0)  # generate and cache first, outside the timings
    results = []
    for task in task_list:
        for spec in specs:
            runs = []
            seeds = args.paretoflow_seeds if spec["kind"] == "paretoflow" else args.seeds
            for seed in (int(v) for v in seeds.split(",")):
                path = args.cells / f"{task}-{spec['row'].replace(' ', '_').replace('(', '').replace(')', '')}" \
                                    f"-seed{seed}-threads{args.threads}.json"
                if args.resume and path.exists():
                    result = json.loads(path.read_text())
                else:
                    result = run_in_subprocess(spec, task, seed, args)
                    if "error" not in result:
                        path.write_text(json.dumps(result, indent=1))
                runs.append(result)
                print(summary_line(result), file=sys.stderr, flush=True)
            results.append(combine(runs))
    lines = report(args, task_list, results)
    print("\n".join(lines))
    if not args.no_write:
        args.out.write_text("\n".join(lines) + "\n")


def summary_line(r: dict) -> str:
    if "error" in r:
        return f"{r['task']} {r['row']}: not run ({r['error']})"
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


def report(args, task_list: list[str], results: list[dict]) -> list[str]:
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
        f"{N_DESIGNS} designs at each preset's first guidance scale ({scales_text()}). Times are medians over the seeds (propose: of the "
        f"medians of {args.repeats} calls per seed; ParetoFlow: one call); HV is the 100th-percentile hypervolume (exact objectives), "
        "mean over the seeds (± its standard deviation, ddof 0). Memory: peak resident set "
        "of the process during fit and sampling minus its peak before fit (imports and data already loaded); "
        "peak RSS is the process's whole peak.",
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
    lines += targets(task_list, by)
    return lines


def difference_se(a: dict, b: dict, n_a: int, n_b: int) -> float:
    """Standard error of the difference of two mean HVs, from their seed standard deviations (ddof 1)."""
    var = lambda s, n: (s["hv_std"] ** 2) * n / (n - 1) / n  # noqa: E731  ddof 0 -> 1, then over n
    return (var(a, n_a) + var(b, n_b)) ** 0.5


def noise_text(difference: float, se: float) -> str:
    """The HV difference with its standard error, and whether it is within two of them."""
    verdict = "within two standard errors: equal within the seed-to-seed noise" if abs(difference) < 2 * se \
        else ("a measured gain" if difference > 0 else "a measured loss")
    return f" (HV difference {difference:+.3f}, standard error of the difference over the seeds {se:.3f}; {verdict})"


def targets(task_list: list[str], by: dict) -> list[str]:
    """The issue's targets, checked on these figures."""
    out = ["## Targets", ""]
    default_rows = [by.get((t, "pgd default")) for t in task_list]
    fast = [(t, s) for t, r in zip(task_list, default_rows) if r and "error" not in r
            for s in r["samplings"] if s["steps"] in (10, 25)]
    if fast:
        worst = max(fast, key=lambda ts: ts[1]["propose_seconds"])
        out.append(f"- Propose 256 designs in under 2 s at 10–25 steps: slowest {worst[1]['propose_seconds']:.2f} s "
                   f"({worst[0]}, {worst[1]['sampler']}): **{'met' if worst[1]['propose_seconds'] < 2 else 'not met'}**.")
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
                       + ", ".join(f"{t} {v:.1%}" for t, v in ratios) + f": **{'met' if ok else 'not met'}**.")
    zdt, faithful = by.get(("zdt1", "pgd default")), by.get(("zdt1", "pgd-faithful"))
    if zdt and faithful and "error" not in zdt and "error" not in faithful:
        from paretodiff.methods.pgd_config import from_preset

        own = from_preset("default").sampling.steps
        s = next((s for s in zdt["samplings"] if s["steps"] == own), zdt["samplings"][-1])
        base = faithful["samplings"][0]
        ratio = (faithful["fit_seconds"] + base["propose_seconds"]) / (zdt["fit_seconds"] + s["propose_seconds"])
        better = s["hv"]["100th"] >= base["hv"]["100th"]
        out.append(f"- Fit + propose on ZDT1 at least 10× faster than pgd-faithful at equal or better HV: default "
                   f"({s['sampler']}) {zdt['fit_seconds'] + s['propose_seconds']:.1f} s against "
                   f"{faithful['fit_seconds'] + base['propose_seconds']:.1f} s = {ratio:.1f}×, HV {s['hv']['100th']:.3f} "
                   f"against {base['hv']['100th']:.3f}: **{'met' if ratio >= 10 and better else 'not met'}**"
                   + (noise_text(s['hv']['100th'] - base['hv']['100th'],
                                 difference_se(s, base, len(zdt['seeds']), len(faithful['seeds'])))
                      if len(zdt.get("seeds", [])) > 1 and len(faithful.get("seeds", [])) > 1 else "") + ".")
    return out + [""]


if __name__ == "__main__":
    main()
