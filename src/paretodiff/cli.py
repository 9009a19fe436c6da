"""The ``paretodiff`` command line.

Results go to stdout (or files), progress and logs to stderr.  Bad input ends with one
line ``error: ...`` on stderr and exit status 2, with nothing written.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn, Optional

import numpy as np
import typer

from paretodiff import data, evaluation, tasks
from paretodiff.tables import InputError, design_frame, design_matrix, read_csv, write_csv

app = typer.Typer(
    help="Offline multi-objective optimization: benchmark tasks, datasets and evaluation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

SeedOption = typer.Option(0, "--seed", help="Dataset seed: the same seed gives the same data.")
QuietOption = typer.Option(False, "--quiet", "-q", help="No progress bars.")


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def _task(name: str) -> tasks.Task:
    try:
        return tasks.get(name)
    except KeyError as exc:
        _fail(str(exc.args[0]))


def _log(message: str, quiet: bool) -> None:
    if not quiet:
        typer.echo(message, err=True)


def _load_dataset(task: tasks.Task, seed: int, quiet: bool) -> data.Dataset:
    if not data.is_cached(task.name, seed):
        _log(f"generating the {task.name} dataset (seed {seed}); it is cached for next time", quiet)
    return data.load(task, seed, quiet=quiet)


@app.command("tasks")
def list_tasks(
    seed: int = typer.Option(0, "--seed", help="Report whether this dataset seed is cached."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List the benchmark tasks: dimensions, known true front, dataset cached or not."""
    rows = [
        {"name": t.name, "group": t.group, "n_var": t.n_var, "n_obj": t.n_obj,
         "true_front": t.has_front, "cached": data.is_cached(t.name, seed)}
        for t in map(tasks.get, tasks.names())
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    typer.echo(f"{'task':<10}{'group':<11}{'n_var':>6}{'n_obj':>6}  {'true front':<11}{'cached':<6}")
    for r in rows:
        typer.echo(f"{r['name']:<10}{r['group']:<11}{r['n_var']:>6}{r['n_obj']:>6}  "
                   f"{'yes' if r['true_front'] else 'no':<11}{'yes' if r['cached'] else 'no':<6}")


@app.command("data")
def data_command(
    task: str = typer.Argument(..., help="Task name, e.g. zdt1 (see `paretodiff tasks`)."),
    seed: int = SeedOption,
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the designs to this CSV file (x0.., f0..)."),
    split: str = typer.Option("train", "--split", help="Which rows to export: train, test or all."),
    best: Optional[int] = typer.Option(None, "--best", min=1, help="Export only the best N training designs (D(best) for N=256)."),
    quiet: bool = QuietOption,
) -> None:
    """Generate (or load from the cache) a task's offline dataset; print a summary or export CSV."""
    the_task = _task(task)
    if split not in ("train", "test", "all"):
        _fail(f"--split must be train, test or all, not {split!r}")
    dataset = _load_dataset(the_task, seed, quiet)
    if best is not None:
        rows = evaluation.d_best(dataset, best)
        X, Y = dataset.x_train[rows], dataset.y_train[rows]
    elif split == "train":
        X, Y = dataset.x_train, dataset.y_train
    elif split == "test":
        X, Y = dataset.x_test, dataset.y_test
    else:
        X, Y = np.concatenate([dataset.x_train, dataset.x_test]), np.concatenate([dataset.y_train, dataset.y_test])
    if output is None:
        summary = {"task": the_task.name, "seed": seed, "train": len(dataset.x_train), "test": len(dataset.x_test),
                   "cache": str(data.cache_path(the_task.name, seed)), **dataset.info}
        summary["collection"] = {k: v for k, v in summary["collection"].items() if k != "run_seeds"}
        typer.echo(json.dumps(summary, indent=2))
        return
    try:
        write_csv(design_frame(X, Y), output)
    except InputError as exc:
        _fail(str(exc))
    _log(f"wrote {len(X)} rows to {output}", quiet)


@app.command("evaluate")
def evaluate_command(
    task: str = typer.Argument(..., help="Task name, e.g. zdt1."),
    designs: Path = typer.Argument(..., help="CSV of designs: columns x0..x{n_var-1}, or exactly n_var columns."),
    seed: int = SeedOption,
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    benchmark_index_bug: bool = typer.Option(
        False, "--benchmark-index-bug", help="Select percentile and D(best) sets with Off-MOO-Bench's index bug."),
    quiet: bool = QuietOption,
) -> None:
    """Score designs with the task's exact objective functions: HV (100th/75th/50th), IGD, D(best)."""
    the_task = _task(task)
    try:
        X = design_matrix(read_csv(designs), the_task.n_var, designs)
    except InputError as exc:
        _fail(str(exc))
    dataset = _load_dataset(the_task, seed, quiet)
    report = evaluation.evaluate(the_task, X, dataset, benchmark_index_bug=benchmark_index_bug)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
        return
    typer.echo(_format_report(report))


def _format_report(report: evaluation.Report) -> str:
    def num(v: float | None) -> str:
        return "n/a (no known front)" if v is None else f"{v:.4f}"

    lines = [
        f"task {report.task}: {report.n_designs} designs"
        f" ({report.n_clipped} clipped to bounds, {report.n_non_finite} with non-finite objectives)",
        f"  hypervolume 100th   {report.hv['100th']:.4f}",
        f"  hypervolume  75th   {report.hv['75th']:.4f}",
        f"  hypervolume  50th   {report.hv['50th']:.4f}",
        f"  D(best) hypervolume {report.d_best_hv:.4f}",
        f"  IGD                 {num(report.igd)}",
        f"  IGD+                {num(report.igd_plus)}",
        f"  spacing             {report.spacing:.4f}",
        f"  spread              {report.spread:.4f}",
    ]
    return "\n".join(lines)


def main() -> None:  # pragma: no cover - entry point for `python -m paretodiff`
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
