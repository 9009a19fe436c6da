"""Constrained problems as a user passes them: constraint values as measured columns.

Usage:
    python benchmarks/constrained.py [--rows 2000] [--n 32] [--seeds 0,1,2] [--problems bnh,tnk,...]
                                     [--out benchmarks/records/constrained.json] [--no-write]

Problems from pymoo with known functions and constraints (``G <= 0`` feasible): BNH, TNK, OSY,
SRN and the welded beam.  Each table: ``--rows`` uniform random designs less their best 20% by
the objectives alone (fronts and crowding, as if the constraints were unknown: ranking feasible
designs first would remove every feasible row wherever fewer than 20% are), the constraint values as columns ``g0..`` and ``--constraint "g0<=0" ...``.

Side by side on the same table (same seed):

- ``pgd``: ``paretodiff.optimize(..., constraints=[...], n=--n)`` (the batch strategy, the
  engineer's default);
- ``multiple-models``: multiple-models + NSGA-II given the same information the simple way: trained
  on the feasible rows only (a feasibility filter; on every row where fewer than 16 are
  feasible), its population 256, the ``--n`` best by
  predicted fronts and crowding.

Reported per problem and method, mean ± std over the seeds: the share of the proposals that
are feasible (true functions), and the *feasible-HV ratio*: the hypervolume of the feasible
proposals divided by that of the best ``--n`` feasible measured designs (objectives minimized,
normalized by the feasible measured designs' range, reference point 1.1 per objective; above 1:
the proposals improve on the table).  Results are kept per (problem, method, seed) in
``--out``; the page is ``docs/results/constrained.md``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from records_file import machine_lines, resume  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
METHODS = ("pgd", "multiple-models")
REF = 1.1


def problems() -> dict:
    from pymoo.problems import get_problem

    return {name: get_problem(name) for name in ("bnh", "tnk", "osy", "srn", "welded_beam")}


def evaluate(problem, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """True objectives ``(N, m)`` (minimized) and constraint values ``(N, c)`` (``<= 0`` feasible)."""
    F, G = problem.evaluate(np.asarray(X, dtype=float), return_values_of=["F", "G"])
    return np.asarray(F, dtype=float), np.asarray(G, dtype=float).reshape(len(X), -1)


def ranked_best(F: np.ndarray, G: np.ndarray, n: int) -> np.ndarray:
    """Rows of the ``n`` best designs: feasible first (fronts, crowding), then by least violation."""
    from paretodiff import constraints
    from paretodiff.metrics import Normalizer
    from paretodiff.pareto import select_best

    violation = np.maximum(G, 0).sum(axis=1)
    return select_best(constraints.penalized(Normalizer.fit(F)(F), violation / (violation.std() or 1.0)), n)


def table(problem, rows: int, seed: int) -> pd.DataFrame:
    """``rows`` uniform random designs less their best 20% by objectives, with objectives and constraint columns."""
    rng = np.random.default_rng(seed)
    X = problem.xl + rng.random((rows, problem.n_var)) * (problem.xu - problem.xl)
    F, G = evaluate(problem, X)
    from paretodiff.pareto import select_best

    keep = np.setdiff1d(np.arange(rows), select_best(F, rows // 5))  # the best by objectives alone
    frame = pd.DataFrame(X[keep], columns=[f"x{j}" for j in range(problem.n_var)])
    for j in range(F.shape[1]):
        frame[f"f{j}"] = F[keep, j]
    for j in range(G.shape[1]):
        frame[f"g{j}"] = G[keep, j]
    return frame


def feasible_hv_ratio(F_measured, G_measured, F_prop, G_prop, n: int) -> float:
    """HV of the feasible proposals / HV of the best ``n`` feasible measured designs (``None``
    where no measured design is feasible: nothing to compare with)."""
    from paretodiff.metrics import hypervolume

    ok = (G_measured <= 0).all(axis=1)
    if not ok.any():
        return None
    Fm = F_measured[ok]
    lo, hi = Fm.min(axis=0), Fm.max(axis=0)
    scale = np.where(hi > lo, hi - lo, 1.0)
    ref = np.full(Fm.shape[1], REF)
    best = Fm[ranked_best(Fm, np.zeros((len(Fm), 1)), min(n, len(Fm)))]
    base = hypervolume((best - lo) / scale, ref)
    mine = F_prop[(G_prop <= 0).all(axis=1)]
    return (hypervolume((mine - lo) / scale, ref) if len(mine) else 0.0) / base


def propose(method: str, frame: pd.DataFrame, problem, n: int, seed: int) -> np.ndarray:
    import paretodiff

    inputs = [c for c in frame.columns if c.startswith("x")]
    objectives = [c for c in frame.columns if c.startswith("f")]
    rules = [f"{c}<=0" for c in frame.columns if c.startswith("g")]
    bounds = {f"x{j}": (float(problem.xl[j]), float(problem.xu[j])) for j in range(problem.n_var)}
    if method == "pgd":
        result = paretodiff.optimize(frame, minimize=objectives, constraints=rules, n=n, seed=seed, bounds=bounds)
    elif method == "multiple-models":
        feasible = frame[(frame[[r[:-3] for r in rules]] <= 0).all(axis=1)]
        feasible = frame if len(feasible) < 16 else feasible  # too few feasible rows to learn from: all of them
        result = paretodiff.optimize(feasible[inputs + objectives], minimize=objectives, n=n, seed=seed, bounds=bounds,
                                     method="multiple-models:pop_size=256")
    else:
        raise ValueError(f"unknown method {method!r}")
    return result.designs[inputs].to_numpy()


def run(name: str, method: str, rows: int, n: int, seed: int) -> dict:
    problem = problems()[name]
    frame = table(problem, rows, seed)
    measured_X = frame[[c for c in frame.columns if c.startswith("x")]].to_numpy()
    F_m, G_m = evaluate(problem, measured_X)
    start = time.perf_counter()
    X = propose(method, frame, problem, n, seed)
    seconds = time.perf_counter() - start
    F, G = evaluate(problem, X)
    out = {"feasible_share": float((G <= 0).all(axis=1).mean()), "measured_feasible_share":
           float((G_m <= 0).all(axis=1).mean()), "hv_ratio": feasible_hv_ratio(F_m, G_m, F, G, n),
           "seconds": seconds, "distinct": int(len(np.unique(X, axis=0)))}
    print(f"{name} {method} seed {seed}: {out}", file=sys.stderr)
    return out


def _ms(values) -> str:
    if any(v is None for v in values):
        return "— (no feasible row)"
    values = np.asarray(values, dtype=float)
    return f"{values.mean():.2f} ± {values.std():.2f}" if len(values) > 1 else f"{values[0]:.2f}"


def markdown(results: dict, command: str) -> str:
    s = results["settings"]
    names = list(dict.fromkeys(k.split("/")[0] for k in results["runs"]))
    seeds = sorted({int(k.rsplit("/", 1)[1]) for k in results["runs"]})
    lines = ["# Constrained problems", "", *machine_lines(command), "",
             f"Tables of {s['rows']} uniform random designs less their best 20% ({s['rows'] - s['rows'] // 5} rows), "
             f"the constraint values as measured columns; {s['n']} proposals; seeds {', '.join(map(str, seeds))} "
             "(each its own table); mean ± std over the seeds. Feasible-HV ratio: HV of the feasible proposals / HV "
             f"of the best {s['n']} feasible measured designs (normalized by the feasible measured designs' range, "
             "reference point 1.1). multiple-models is trained on the feasible rows only.", "",
             "| problem | measured rows feasible | method | proposals feasible | feasible-HV ratio | distinct | seconds |",
             "|---|---|---|---|---|---|---|"]
    for name in names:
        for method in METHODS:
            runs = [v for k, v in results["runs"].items() if k.rsplit("/", 1)[0] == f"{name}/{method}"]
            if runs:
                lines.append(f"| {name} | {_ms([r['measured_feasible_share'] for r in runs])} | {method} | "
                             f"{_ms([r['feasible_share'] for r in runs])} | {_ms([r['hv_ratio'] for r in runs])} | "
                             f"{np.mean([r['distinct'] for r in runs]):.0f} | {np.median([r['seconds'] for r in runs]):.1f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--n", type=int, default=32)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--problems", default=",".join(problems()))
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "records" / "constrained.json"))
    parser.add_argument("--no-write", action="store_true", help="do not write docs/results/constrained.md")
    args = parser.parse_args()
    keys = [f"{name}/{method}/{seed}" for seed in args.seeds.split(",") for name in args.problems.split(",")
            for method in args.methods.split(",")]

    def one(key: str) -> dict:
        name, method, seed = key.split("/")
        return run(name, method, args.rows, args.n, int(seed))

    results = resume(Path(args.out), {"rows": args.rows, "n": args.n}, keys, one)
    text = markdown(results, shlex.join(["python", "benchmarks/constrained.py", *sys.argv[1:]]))
    print(text)
    if not args.no_write:
        (ROOT / "docs" / "results" / "constrained.md").write_text(text)


if __name__ == "__main__":
    main()
