"""A simulated lab campaign: rounds of 8 designs, each round fitted on everything measured so far.

Usage:
    python benchmarks/campaign.py [--rounds 4] [--batch 8] [--rows 1000] [--seeds 0,1,2] [--problems zdt1,...]
                                  [--strategies pgd-batch,pgd-random,multiple-models,qnehvi]
                                  [--out benchmarks/records/campaign.json] [--no-write]

Problems with known functions (pymoo), of different character: ZDT1 and ZDT3 (2 objectives,
6 variables; ZDT3's front is disconnected), Kursawe (2 objectives, 3 variables, its second
objective reported as a score to *maximize*), DTLZ2 (3 objectives, 6 variables).  Each starts
from a mediocre table: ``--rows`` uniform random designs with the best 20% removed (whole
non-dominated fronts and crowding, as :func:`paretodiff.pareto.select_best` ranks them).

Side by side, each strategy runs its own campaign from the same table (same seeds):

- ``pgd-batch``: ``paretodiff.optimize(..., n=8)``: pgd with the batch strategy (the
  command line's default);
- ``pgd-random``: 8 designs drawn at random from pgd's 256 pessimistic proposals (is the batch
  criterion better than picking among good proposals blindly?);
- ``multiple-models``: multiple-models + NSGA-II, its population 256 as in the benchmark (the
  default, a population of ``n`` = 8, barely searches), the 8 best of it by predicted fronts and
  crowding;
- ``qnehvi``: BoTorch's qLogNEHVI with a ModelListGP of SingleTaskGPs (the optional extra
  ``pip install -e '.[botorch]'``), on at most 512 rows drawn at random from the table (GPs
  scale cubically; the page says so), q = 8 by sequential greedy optimization of the acquisition.

Measured per problem and strategy: the hypervolume of all designs measured so far after each
round (objectives minimized and normalized by the starting table's range, reference point 1.1
per objective), the seconds per round (fit + propose), and for ``pgd-batch`` the *selection
efficiency*: the HV gain of the chosen 8 divided by that of the 8 a greedy choice with the true
functions takes from the same pool of candidates (greedy: within 1 - 1/e of the best 8; the
ratio can exceed 1 only by that slack).  Every campaign runs for each of ``--seeds`` (its own
starting table and round seeds); the page reports mean ± std.  Results are kept per (problem,
strategy, seed) in ``--out`` so a rerun resumes; the page is ``docs/results/campaign.md`` with
``campaign.png``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
STRATEGIES = ("pgd-batch", "pgd-random", "multiple-models", "qnehvi")
GP_ROWS = 512
MM_POPULATION = 256  # the benchmark's population; with pop_size = n = 8 NSGA-II barely moves
REF = 1.1


def problems() -> dict:
    """name -> (pymoo problem, senses as the user's table reports them)."""
    from pymoo.problems import get_problem

    return {
        "zdt1": (get_problem("zdt1", n_var=6), ["min", "min"]),
        "zdt3": (get_problem("zdt3", n_var=6), ["min", "min"]),
        "kursawe": (get_problem("kursawe"), ["min", "max"]),
        "dtlz2": (get_problem("dtlz2", n_var=6, n_obj=3), ["min", "min", "min"]),
    }


def evaluate(problem, X: np.ndarray) -> np.ndarray:
    """The true objectives ``(N, m)``, minimized."""
    return np.asarray(problem.evaluate(np.asarray(X, dtype=float)), dtype=float)


def start_table(problem, rows: int, seed: int) -> np.ndarray:
    """``rows`` uniform random designs less their best 20%."""
    from paretodiff.pareto import select_best

    rng = np.random.default_rng(seed)
    X = problem.xl + rng.random((rows, problem.n_var)) * (problem.xu - problem.xl)
    best = select_best(evaluate(problem, X), rows // 5)
    return np.delete(X, best, axis=0)


def frame(X: np.ndarray, F: np.ndarray, senses: list[str]) -> pd.DataFrame:
    """The user's table: design columns, then objectives in their reported sense."""
    table = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    for j, sense in enumerate(senses):
        table[f"f{j}"] = F[:, j] if sense == "min" else -F[:, j]
    return table


class Scale:
    """Min-max normalization of minimized objectives by the starting table, and its HV."""

    def __init__(self, F0: np.ndarray) -> None:
        self.lo, self.hi = F0.min(axis=0), F0.max(axis=0)

    def hv(self, F: np.ndarray) -> float:
        from paretodiff.metrics import hypervolume

        Fn = (F - self.lo) / np.where(self.hi > self.lo, self.hi - self.lo, 1.0)
        return hypervolume(Fn, np.full(F.shape[1], REF))


def greedy_best_gain(scale: Scale, F_measured: np.ndarray, F_pool: np.ndarray, k: int) -> float:
    """The HV gain of ``k`` of the pool chosen greedily with the true objectives."""
    base, chosen = scale.hv(F_measured), []
    current = F_measured
    for _ in range(min(k, len(F_pool))):
        gains = [scale.hv(np.vstack([current, F_pool[i]])) if i not in chosen else -np.inf for i in range(len(F_pool))]
        best = int(np.argmax(gains))
        chosen.append(best)
        current = np.vstack([current, F_pool[best]])
    return scale.hv(current) - base


def next_batch(strategy: str, table: pd.DataFrame, senses: list[str], problem, k: int, seed: int):
    """``(designs (k, D), pool (P, D) or None)``: the strategy's next ``k`` designs."""
    import paretodiff

    names = [c for c in table.columns if c.startswith("f")]
    minimize = [n for n, s in zip(names, senses) if s == "min"]
    maximize = [n for n, s in zip(names, senses) if s == "max"]
    bounds = {f"x{j}": (float(problem.xl[j]), float(problem.xu[j])) for j in range(problem.n_var)}
    common = dict(minimize=minimize, maximize=maximize, seed=seed, bounds=bounds)
    inputs = [c for c in table.columns if c.startswith("x")]
    if strategy == "pgd-batch":
        result = paretodiff.optimize(table, n=k, method="pgd", **common)
        return result.designs[inputs].to_numpy(), result.method.candidates
    if strategy == "pgd-random":
        result = paretodiff.optimize(table, n=256, method="pgd", strategy="pessimistic", **common)
        rows = np.random.default_rng(seed).choice(len(result.designs), k, replace=False)
        return result.designs[inputs].to_numpy()[rows], None
    if strategy == "multiple-models":
        spec = f"multiple-models:pop_size={MM_POPULATION}"
        return paretodiff.optimize(table, n=k, method=spec, **common).designs[inputs].to_numpy(), None
    if strategy == "qnehvi":
        return qnehvi(table[inputs].to_numpy(), -evaluate(problem, table[inputs].to_numpy()), problem, k, seed), None
    raise ValueError(f"unknown strategy {strategy!r}")


def qnehvi(X: np.ndarray, Y_max: np.ndarray, problem, k: int, seed: int) -> np.ndarray:
    """BoTorch's qLogNEHVI batch of ``k`` on at most :data:`GP_ROWS` rows (objectives maximized)."""
    import torch
    from botorch.acquisition.multi_objective.logei import qLogNoisyExpectedHypervolumeImprovement
    from botorch.fit import fit_gpytorch_mll
    from botorch.models import ModelListGP, SingleTaskGP
    from botorch.models.transforms import Standardize
    from botorch.optim import optimize_acqf
    from gpytorch.mlls import SumMarginalLogLikelihood

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(X), min(GP_ROWS, len(X)), replace=False)
    lo, hi = problem.xl, problem.xu
    U = torch.tensor((X[rows] - lo) / (hi - lo), dtype=torch.double)
    Y = torch.tensor(Y_max[rows], dtype=torch.double)
    models = [SingleTaskGP(U, Y[:, j:j + 1], outcome_transform=Standardize(m=1)) for j in range(Y.shape[1])]
    model = ModelListGP(*models)
    fit_gpytorch_mll(SumMarginalLogLikelihood(model.likelihood, model))
    ref = Y.min(dim=0).values - 0.1 * (Y.max(dim=0).values - Y.min(dim=0).values)
    acquisition = qLogNoisyExpectedHypervolumeImprovement(model=model, ref_point=ref.tolist(), X_baseline=U,
                                                          prune_baseline=True)
    box = torch.stack([torch.zeros(U.shape[1]), torch.ones(U.shape[1])]).double()
    candidates, _ = optimize_acqf(acquisition, bounds=box, q=k, num_restarts=4, raw_samples=256, sequential=True)
    return lo + candidates.detach().numpy() * (hi - lo)


def campaign(name: str, strategy: str, rounds: int, k: int, rows: int, seed: int) -> dict:
    """One campaign: the starting table of ``seed``, ``rounds`` rounds (round ``r`` seeded
    ``1000 * seed + r``); HV after each round, seconds per round, selection efficiency."""
    problem, senses = problems()[name]
    X = start_table(problem, rows, seed=seed)
    F = evaluate(problem, X)
    scale = Scale(F)
    out = {"hv": [scale.hv(F)], "seconds": [], "efficiency": []}
    for r in range(rounds):
        start = time.perf_counter()
        batch, pool = next_batch(strategy, frame(X, F, senses), senses, problem, k, seed=1000 * seed + r)
        out["seconds"].append(time.perf_counter() - start)
        F_batch = evaluate(problem, batch)
        if pool is not None:
            best = greedy_best_gain(scale, F, evaluate(problem, pool), k)
            gain = scale.hv(np.vstack([F, F_batch])) - scale.hv(F)
            out["efficiency"].append(gain / best if best > 0 else float("nan"))
        X, F = np.vstack([X, batch]), np.vstack([F, F_batch])
        out["hv"].append(scale.hv(F))
        print(f"{name} {strategy} seed {seed} round {r + 1}: HV {out['hv'][-1]:.4f} ({out['seconds'][-1]:.0f} s)",
              file=sys.stderr)
    return out


def _runs(results: dict, name: str, strategy: str) -> list[dict]:
    return [v for k, v in results["runs"].items() if k.rsplit("/", 1)[0] == f"{name}/{strategy}"]


def _mean_std(values) -> str:
    values = np.asarray(values, dtype=float)
    return f"{np.mean(values):.4f} ± {np.std(values):.4f}" if len(values) > 1 else f"{values[0]:.4f}"


def markdown(results: dict, command: str) -> str:
    """The page: HV per round (mean ± std over the seeds), seconds, efficiency, the targets."""
    s = results["settings"]
    names = list(dict.fromkeys(k.split("/")[0] for k in results["runs"]))
    strategies = [t for t in STRATEGIES if any(k.split("/")[1] == t for k in results["runs"])]
    seeds = sorted({int(k.rsplit("/", 1)[1]) for k in results["runs"]})
    lines = ["# A simulated lab campaign", "",
             f"Command: `{command}`  ", f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, Python "
             f"{platform.python_version()}, {len(os.sched_getaffinity(0))} cores  ", f"Date: {date.today()}", "",
             f"{s['rounds']} rounds of {s['batch']} designs from a table of {s['rows']} uniform random designs less "
             f"its best 20% (so {s['rows'] - s['rows'] // 5} rows); each round is fitted on everything measured so far. "
             f"Campaign seeds {', '.join(map(str, seeds))}: each seed draws its own starting table and seeds its "
             "rounds; every strategy starts from the same table. qNEHVI's GPs see at most "
             f"{GP_ROWS} rows drawn at random (their cost is cubic in the rows). HV: all measured designs, "
             "objectives minimized and normalized by the starting table's range, reference point 1.1 per objective; "
             "mean ± std over the seeds.", "",
             "## Hypervolume of the measured designs after each round", "",
             "| problem | strategy | start | " + " | ".join(f"round {r + 1}" for r in range(s["rounds"]))
             + " | seconds per round (median) | selection efficiency (mean ± std) |",
             "|---|---|---|" + "---|" * (s["rounds"] + 2)]
    for name in names:
        for strategy in strategies:
            runs = _runs(results, name, strategy)
            if not runs:
                continue
            hv = np.array([r["hv"] for r in runs])
            eff = [e for r in runs for e in r["efficiency"]]
            lines.append(f"| {name} | {strategy} | {_mean_std(hv[:, 0])} | "
                         + " | ".join(_mean_std(hv[:, i]) for i in range(1, hv.shape[1]))
                         + f" | {np.median([t for r in runs for t in r['seconds']]):.1f} | "
                         + (f"{np.nanmean(eff):.2f} ± {np.nanstd(eff):.2f}" if eff else "—") + " |")
    lines += ["", "## The targets", "",
              "Final HV of pgd's batch against each other strategy (mean over the seeds; `above` where pgd-batch's "
              "mean is higher), its selection efficiency (mean over every round and seed) and its slowest round.", "",
              "| problem | vs " + " | vs ".join(t for t in strategies if t != "pgd-batch")
              + " | selection efficiency | slowest round (s) |",
              "|---|" + "---|" * (len(strategies) + 1)]
    for name in names:
        mine = _runs(results, name, "pgd-batch")
        if not mine:
            continue
        final = np.mean([r["hv"][-1] for r in mine])
        cells = []
        for other in (t for t in strategies if t != "pgd-batch"):
            theirs = _runs(results, name, other)
            if not theirs:
                cells.append("—")
                continue
            value = np.mean([r["hv"][-1] for r in theirs])
            cells.append(f"{'above' if final > value else 'below'} ({final:.4f} vs {value:.4f})")
        eff = [e for r in mine for e in r["efficiency"]]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {np.nanmean(eff):.2f} | "
                     f"{max(t for r in mine for t in r['seconds']):.1f} |")
    return "\n".join(lines) + "\n"


def plot(results: dict, path: Path) -> None:
    """HV after each round per problem: the mean over the seeds, the band one std either side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(k.split("/")[0] for k in results["runs"]))
    fig, axes = plt.subplots(1, len(names), figsize=(4 * len(names), 3.5), squeeze=False)
    for ax, name in zip(axes[0], names):
        for strategy in STRATEGIES:
            runs = _runs(results, name, strategy)
            if not runs:
                continue
            hv = np.array([r["hv"] for r in runs])
            mean, std = hv.mean(axis=0), hv.std(axis=0)
            ax.plot(range(hv.shape[1]), mean, marker="o", label=strategy)
            ax.fill_between(range(hv.shape[1]), mean - std, mean + std, alpha=0.15)
        ax.set_title(name)
        ax.set_xlabel("round")
        ax.set_ylabel("HV of the measured designs")
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--seeds", default="0,1,2", help="campaign seeds, comma-separated")
    parser.add_argument("--problems", default=",".join(problems()))
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "records" / "campaign.json"))
    parser.add_argument("--no-write", action="store_true", help="do not write docs/results/campaign.md")
    args = parser.parse_args()
    out = Path(args.out)
    settings = {"rounds": args.rounds, "batch": args.batch, "rows": args.rows}
    results = json.loads(out.read_text()) if out.is_file() else {"settings": settings, "runs": {}}
    if results["settings"] != settings:
        sys.exit(f"error: {out} holds campaigns with {results['settings']}, not {settings}: choose another --out")
    for seed in (int(v) for v in args.seeds.split(",")):
        for name in args.problems.split(","):
            for strategy in args.strategies.split(","):
                key = f"{name}/{strategy}/{seed}"
                if key in results["runs"]:
                    continue
                if strategy == "qnehvi":
                    try:
                        import botorch  # noqa: F401
                    except ImportError:
                        print("qnehvi skipped: pip install -e '.[botorch]'", file=sys.stderr)
                        continue
                results["runs"][key] = campaign(name, strategy, args.rounds, args.batch, args.rows, seed)
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(json.dumps(results, indent=1))
    text = markdown(results, shlex.join(["python", "benchmarks/campaign.py", *sys.argv[1:]]))
    print(text)
    if not args.no_write:
        (ROOT / "docs" / "results" / "campaign.md").write_text(text)
        plot(results, ROOT / "docs" / "results" / "campaign.png")


if __name__ == "__main__":
    main()
