"""Mixed design columns: continuous benchmarks with some inputs replaced by categorical labels and discrete levels.

Usage:
    python benchmarks/mixed.py [--rows 2000] [--n 256] [--seeds 0,1,2] [--tasks zdt1-mixed,...]
                               [--methods pgd,pgd-ordinal,multiple-models,d-best]
                               [--negation-tasks zdt1-band,dtlz2-corner]
                               [--out benchmarks/records/mixed.json] [--no-write]

Each task is a pymoo problem whose objectives are computed from numbers, seen by the user
through a table where some inputs are **categorical** (labels ``"A"``, ``"B"``, ... standing
for values in a shuffled order, so the labels' alphabetical order says nothing of their effect)
and some **discrete** (a numeric column that takes a few levels):

- ``zdt1-mixed``: ZDT1 with 6 inputs, ``x1`` and ``x2`` categorical (5 labels each), ``x3``
  discrete (11 levels 0, 0.1, ..., 1);
- ``dtlz2-mixed``: DTLZ2 with 6 inputs and 3 objectives, ``x2`` categorical (4 labels), ``x3``
  discrete (5 levels);
- ``kursawe-mixed``: Kursawe (3 inputs on ``[-5, 5]``), ``x1`` discrete (5 levels), ``x2``
  categorical (6 labels).

Each table: ``--rows`` uniform random designs (labels and levels drawn uniformly) less their
best 20% (fronts and crowding).  Side by side on the same table (same seed), each proposing
``--n`` designs:

- ``pgd``: the default method, categorical columns one-hot (the continuous relaxation) and the
  benchmark's ``pessimistic`` selection;
- ``pgd-ordinal``: the same with the simple alternative encoding, a label's index scaled to
  ``[0, 1]`` and rounded back;
- ``multiple-models``: multiple-models + NSGA-II with one-hot inputs (population 256);
- ``d-best``: the best ``--n`` measured designs.

Reported per task and method, mean ± std over the seeds: the hypervolume of the proposals
(true functions; objectives normalized by the table's range, reference point 1.1), its ratio to
D(best)'s and to multiple-models', the share of proposals whose labels and levels exist in the
table (the rule is 100%), and the distinct new designs.

**The negation set.** Two continuous problems where a region of the design space *fails*
(``zdt1-band``: ZDT1 with 6 inputs, designs with ``x0`` in ``[0.35, 0.65]`` fail, a band across
the front; ``dtlz2-corner``: DTLZ2 with 6 inputs and 3 objectives, designs with ``x0 > 0.6``
and ``x1 > 0.6`` fail).  The same tables (``--rows`` random designs less their best 20%), the
failed rows with empty objectives and ``ok`` = 0.  ``pgd-dropped``: pgd on the rows that
worked (the failed rows deleted, what a user without ``--feasible`` does); ``pgd-negation``:
pgd with ``feasible="ok"``.  Reported: the share of the proposals inside the failed region, and
the HV of those outside it relative to D(best) of the rows that worked.

Results per (task, method, seed) in ``--out``; the page is ``docs/results/mixed.md``, with a
link to the constrained problems (``benchmarks/constrained.py``).
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from records_file import machine_lines, resume  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
METHODS = ("pgd", "pgd-ordinal", "multiple-models", "d-best")
NEGATION_METHODS = ("pgd-dropped", "pgd-negation")
REF = 1.1
LABELS = "ABCDEF"


class Task(NamedTuple):
    """A pymoo problem and how its inputs appear in the user's table: ``categorical`` maps a
    column index to the values its labels stand for (label ``LABELS[k]`` is ``values[k]``),
    ``discrete`` a column index to its levels."""

    problem: object
    categorical: dict[int, tuple[float, ...]]
    discrete: dict[int, tuple[float, ...]]


def tasks() -> dict[str, Task]:
    from pymoo.problems import get_problem

    return {
        "zdt1-mixed": Task(get_problem("zdt1", n_var=6), {1: (0.5, 1.0, 0.0, 0.75, 0.25), 2: (0.75, 0.0, 1.0, 0.25, 0.5)},
                           {3: tuple(np.round(np.linspace(0, 1, 11), 2))}),
        "dtlz2-mixed": Task(get_problem("dtlz2", n_var=6, n_obj=3), {2: (0.9, 0.1, 0.5, 0.7)},
                            {3: (0.0, 0.25, 0.5, 0.75, 1.0)}),
        "kursawe-mixed": Task(get_problem("kursawe"), {2: (3.0, -1.0, 0.0, 4.0, -3.0, 1.0)},
                              {1: (-4.0, -2.0, 0.0, 2.0, 4.0)}),
    }


def negation_tasks() -> dict:
    """name -> (pymoo problem, mask of the failed designs ``X (N, D) -> (N,)``)."""
    from pymoo.problems import get_problem

    return {"zdt1-band": (get_problem("zdt1", n_var=6), lambda X: np.abs(X[:, 0] - 0.5) < 0.15),
            "dtlz2-corner": (get_problem("dtlz2", n_var=6, n_obj=3), lambda X: (X[:, 0] > 0.6) & (X[:, 1] > 0.6))}


def run_negation(name: str, method: str, rows: int, n: int, seed: int) -> dict:
    import paretodiff
    from paretodiff.metrics import hypervolume
    from paretodiff.pareto import select_best

    problem, fails = negation_tasks()[name]
    rng = np.random.default_rng(seed)
    X = problem.xl + rng.random((rows, problem.n_var)) * (problem.xu - problem.xl)
    F = problem.evaluate(X)
    keep = np.setdiff1d(np.arange(rows), select_best(F, rows // 5))
    X, F, failed = X[keep], F[keep], fails(X[keep])
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(problem.n_var)])
    objectives = [f"f{j}" for j in range(F.shape[1])]
    for j, name_j in enumerate(objectives):
        frame[name_j] = np.where(failed, np.nan, F[:, j])
    frame["ok"] = (~failed).astype(int)
    start = time.perf_counter()
    spec = "pgd:selection.strategy=pessimistic"
    if method == "pgd-dropped":
        result = paretodiff.optimize(frame[~failed].drop(columns="ok"), minimize=objectives, n=n, seed=seed, method=spec)
    else:
        result = paretodiff.optimize(frame, minimize=objectives, feasible="ok", n=n, seed=seed, method=spec)
    seconds = time.perf_counter() - start
    P = result.designs[frame.columns[:problem.n_var]].to_numpy()
    inside = fails(P)
    worked = F[~failed]
    lo, hi = worked.min(axis=0), worked.max(axis=0)
    ref = np.full(F.shape[1], REF)
    base = hypervolume((worked[select_best(worked, n)] - lo) / (hi - lo), ref)
    mine = problem.evaluate(P[~inside]) if (~inside).any() else np.zeros((0, F.shape[1]))
    out = {"failed_share": float(inside.mean()), "measured_failed_share": float(failed.mean()),
           "hv_ratio": (hypervolume((mine - lo) / (hi - lo), ref) if len(mine) else 0.0) / base, "seconds": seconds}
    print(f"{name} {method} seed {seed}: {out}", file=sys.stderr)
    return out


def numbers(task: Task, frame: pd.DataFrame) -> np.ndarray:
    """The problem's inputs ``(N, D)`` of a table's design columns (labels to their values)."""
    columns = []
    for j in range(task.problem.n_var):
        values = frame[f"x{j}"]
        if j in task.categorical:
            values = values.map(dict(zip(LABELS, task.categorical[j])))
        columns.append(values.to_numpy(dtype=float))
    return np.column_stack(columns)


def valid(task: Task, frame: pd.DataFrame) -> np.ndarray:
    """Mask ``(N,)`` of the rows whose labels and levels all exist."""
    ok = np.ones(len(frame), dtype=bool)
    for j, values in task.categorical.items():
        ok &= frame[f"x{j}"].isin(list(LABELS[:len(values)])).to_numpy()
    for j, levels in task.discrete.items():
        ok &= np.isin(frame[f"x{j}"].to_numpy(dtype=float), levels)
    return ok


def table(task: Task, rows: int, seed: int) -> pd.DataFrame:
    """``rows`` uniform random designs less their best 20%, with their objectives ``f0..``."""
    from paretodiff.pareto import select_best

    p, rng = task.problem, np.random.default_rng(seed)
    frame = pd.DataFrame({f"x{j}": p.xl[j] + rng.random(rows) * (p.xu[j] - p.xl[j]) for j in range(p.n_var)})
    for j, values in task.categorical.items():
        frame[f"x{j}"] = rng.choice(list(LABELS[:len(values)]), rows)
    for j, levels in task.discrete.items():
        frame[f"x{j}"] = rng.choice(levels, rows)
    F = task.problem.evaluate(numbers(task, frame))
    keep = np.setdiff1d(np.arange(rows), select_best(F, rows // 5))
    frame = frame.iloc[keep].reset_index(drop=True)
    for j in range(F.shape[1]):
        frame[f"f{j}"] = F[keep, j]
    return frame


def propose(method: str, task: Task, frame: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """The method's ``n`` designs as a table of the design columns."""
    import paretodiff
    from paretodiff.api import offline_data
    from paretodiff.methods import OfflineData

    inputs = [c for c in frame.columns if c.startswith("x")]
    objectives = [c for c in frame.columns if c.startswith("f")]
    discrete = [f"x{j}" for j in task.discrete]
    spec = {"pgd": "pgd:selection.strategy=pessimistic", "pgd-ordinal": "pgd:selection.strategy=pessimistic",
            "multiple-models": "multiple-models:pop_size=256", "d-best": "d-best"}[method]
    data, _ = offline_data(frame, objectives, [], inputs, discrete=discrete)
    if method == "pgd-ordinal":
        data = OfflineData(data.X, data.Y, dataclasses.replace(data.space, encoding="ordinal"), data.name, data.G)
    return paretodiff.optimize(data, method=spec, n=n, seed=seed).designs[inputs]


def run(name: str, method: str, rows: int, n: int, seed: int) -> dict:
    from paretodiff.metrics import hypervolume

    task = tasks()[name]
    frame = table(task, rows, seed)
    F_measured = frame[[c for c in frame.columns if c.startswith("f")]].to_numpy()
    lo, hi = F_measured.min(axis=0), F_measured.max(axis=0)
    start = time.perf_counter()
    designs = propose(method, task, frame, n, seed)
    seconds = time.perf_counter() - start
    ok = valid(task, designs)
    F = task.problem.evaluate(numbers(task, designs[ok]))
    measured, keys = (set(map(tuple, _comparable(frame[designs.columns]))), list(map(tuple, _comparable(designs))))
    out = {"hv": hypervolume((F - lo) / (hi - lo), np.full(F.shape[1], REF)) if len(F) else 0.0,
           "valid_share": float(ok.mean()), "distinct_new": len(set(keys) - measured), "seconds": seconds}
    print(f"{name} {method} seed {seed}: {out}", file=sys.stderr)
    return out


def _comparable(frame: pd.DataFrame) -> np.ndarray:
    """Design rows as text that is equal where the designs are (numbers as floats, labels as they are)."""
    return frame.apply(lambda c: c.astype(float) if pd.api.types.is_numeric_dtype(c) else c).astype(str).to_numpy()


def _ms(values, digits: int = 3) -> str:
    values = np.asarray(values, dtype=float)
    return f"{values.mean():.{digits}f} ± {values.std():.{digits}f}" if len(values) > 1 else f"{values[0]:.{digits}f}"


def markdown(results: dict, command: str) -> str:
    s, runs = results["settings"], results["runs"]
    names = list(dict.fromkeys(k.split("/")[0] for k in runs))
    seeds = sorted({int(k.rsplit("/", 1)[1]) for k in runs})
    lines = ["# Mixed design columns", "", *machine_lines(command), "",
             f"Tables of {s['rows']} uniform random designs less their best 20% ({s['rows'] - s['rows'] // 5} rows) "
             "with categorical and discrete inputs (`benchmarks/mixed.py` says which); "
             f"{s['n']} proposals; seeds {', '.join(map(str, seeds))} (each its own table); mean ± std over the seeds. "
             "HV: true functions, objectives normalized by the table's range, reference point 1.1; the ratios are "
             "per seed, to D(best) (the best measured designs) and to multiple-models (one-hot inputs).", "",
             "| task | method | HV | HV / D(best) | HV / multiple-models | valid labels and levels | "
             "distinct new | seconds |", "|---|---|---|---|---|---|---|---|"]
    for name in names:
        for method in METHODS:
            mine = {int(k.rsplit("/", 1)[1]): v for k, v in runs.items() if k.rsplit("/", 1)[0] == f"{name}/{method}"}
            if not mine:
                continue

            def ratio(other: str) -> str:
                pairs = [(v["hv"], runs.get(f"{name}/{other}/{seed}", {}).get("hv")) for seed, v in mine.items()]
                pairs = [a / b for a, b in pairs if b]
                return _ms(pairs) if pairs else "—"

            rows = list(mine.values())
            lines.append(f"| {name} | {method} | {_ms([r['hv'] for r in rows])} | {ratio('d-best')} | "
                         f"{ratio('multiple-models')} | {np.mean([r['valid_share'] for r in rows]):.0%} | "
                         f"{np.mean([r['distinct_new'] for r in rows]):.0f} | "
                         f"{np.median([r['seconds'] for r in rows]):.1f} |")
    negation = {k.removeprefix("negation/"): v for k, v in runs.items() if k.startswith("negation/")}
    if negation:
        lines += ["", "## The negation set", "",
                  "Designs in a region fail (their objectives empty, `ok` = 0): pgd on the rows that worked "
                  "(`pgd-dropped`) beside pgd given the failed rows as a negation set (`pgd-negation`, "
                  "`feasible=\"ok\"`). HV ratio: HV of the proposals outside the failed region / HV of the best "
                  f"{s['n']} measured designs that worked.", "",
                  "| task | measured rows failed | method | proposals in the failed region | HV ratio | seconds |",
                  "|---|---|---|---|---|---|"]
        for name in dict.fromkeys(k.split("/")[0] for k in negation):
            for method in NEGATION_METHODS:
                rows = [v for k, v in negation.items() if k.rsplit("/", 1)[0] == f"{name}/{method}"]
                if rows:
                    lines.append(f"| {name} | {_ms([r['measured_failed_share'] for r in rows], 2)} | {method} | "
                                 f"{_ms([r['failed_share'] for r in rows], 3)} | {_ms([r['hv_ratio'] for r in rows])} | "
                                 f"{np.median([r['seconds'] for r in rows]):.1f} |")
    lines += ["", "Constrained problems (measured constraint columns): "
              "[`constrained.md`](constrained.md), by `benchmarks/constrained.py`."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--tasks", default=",".join(tasks()))
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--negation-tasks", default=",".join(negation_tasks()), help="'' for none")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "records" / "mixed.json"))
    parser.add_argument("--no-write", action="store_true", help="do not write docs/results/mixed.md")
    args = parser.parse_args()
    parser_seeds = args.seeds.split(",")
    keys = [f"{name}/{method}/{seed}" for seed in parser_seeds for name in args.tasks.split(",")
            for method in args.methods.split(",")]
    keys += [f"negation/{name}/{method}/{seed}" for seed in parser_seeds for name in args.negation_tasks.split(",")
             if name for method in NEGATION_METHODS]

    def one(key: str) -> dict:
        if key.startswith("negation/"):
            _, name, method, seed = key.split("/")
            return run_negation(name, method, args.rows, args.n, int(seed))
        name, method, seed = key.split("/")
        return run(name, method, args.rows, args.n, int(seed))

    results = resume(Path(args.out), {"rows": args.rows, "n": args.n}, keys, one)
    text = markdown(results, shlex.join(["python", "benchmarks/mixed.py", *sys.argv[1:]]))
    print(text)
    if not args.no_write:
        (ROOT / "docs" / "results" / "mixed.md").write_text(text)


if __name__ == "__main__":
    main()
