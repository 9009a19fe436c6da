"""The ``paretodiff`` command line.

Results go to stdout (or files), progress and logs to stderr.  Bad input ends with one
line ``error: ...`` on stderr and exit status 2, with nothing written; every output path is
checked before the work starts (:mod:`paretodiff.files`).  An interrupt (SIGINT, SIGTERM)
ends with one line too (status 130 or 143) and leaves no partial file.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, NoReturn, Optional

import numpy as np
import typer
from typer._click.exceptions import NoArgsIsHelpError  # typer carries its own copy of click
from typer.core import TyperGroup

# OpenMP threads that sleep instead of spinning while they wait: on a shared machine
# spinning threads turned a 3-second fit into a minute (set before torch is imported).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from paretodiff import constraints, data, evaluation, files, methods, signals, tasks  # noqa: E402
from paretodiff.errors import InputError, ModelError, Terminated  # noqa: E402
from paretodiff.methods.base import OfflineData  # noqa: E402
from paretodiff.settings import MAX_SEED  # noqa: E402
from paretodiff.space import DesignSpace  # noqa: E402
from paretodiff.tables import (  # noqa: E402
    bounds_note,
    check_table_suffix,
    design_frame,
    design_matrix,
    read_bounds,
    read_table,
    split_names,
    training_table,
    write_csv,
    write_table,
)


class _OneLineErrors(TyperGroup):
    """The command group: every error a user can cause is one line ``error: ...`` on stderr.

    Click's usage errors (a bad option value, a missing argument) would print a usage box;
    :class:`InputError` and :class:`ModelError` come from the commands; SIGINT and SIGTERM
    end the command through its clean-up code.  Library warnings go to stderr as
    ``warning: ...`` lines.
    """

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        code = 0
        with _stderr_warnings(), signals.raising():
            try:
                rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
                signals.check()  # a signal whose exception was lost on its way up
                code = rv if isinstance(rv, int) else 0
                if code == 130:
                    _error("interrupted")
            except NoArgsIsHelpError as exc:  # the bare command: its help, as click shows it
                exc.show()
                code = exc.exit_code
            except typer.TyperException as exc:  # click's usage errors: a bad option value, a missing argument
                _error(exc.format_message())
                code = 2
            except InputError as exc:
                _error(str(exc))
                code = 2
            except ModelError as exc:
                _error(str(exc))
                code = 1
            except (typer.Abort, KeyboardInterrupt):
                _error("interrupted")
                code = 130
            except Terminated:
                _error("terminated")
                code = 143
        if standalone_mode:
            sys.exit(code)
        return code


def _error(message: str) -> None:
    _close_progress_bars()
    typer.echo("error: " + " ".join(line.strip() for line in str(message).splitlines() if line.strip()), err=True)


def _close_progress_bars() -> None:
    """Close the progress bars that an error interrupted, so that its line starts a line of its own.

    A bar's ``with`` block closes it on the way out, but an interrupt can come inside the bar's
    first display (after a held signal, :mod:`paretodiff.signals`), before that block starts.
    """
    std = sys.modules.get("tqdm.std")
    for bar in list(getattr(std.tqdm, "_instances", ())) if std else ():
        # stopped inside its first display: shown, but close() cannot clear what it never finished
        half_shown = getattr(bar, "sp", None) is not None and not hasattr(bar, "last_print_t")
        bar.close()
        if half_shown:
            bar.fp.write("\n")


class _EchoHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        typer.echo(f"{record.levelname.lower()}: {record.getMessage()}", err=True)


@contextmanager
def _stderr_warnings() -> Iterator[None]:
    """The library's ``logging`` warnings, one ``warning: ...`` line each on stderr."""
    logger = logging.getLogger("paretodiff")
    handler = _EchoHandler(logging.WARNING)
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


app = typer.Typer(
    cls=_OneLineErrors,
    help="Offline multi-objective optimization: propose designs from measured data "
    "(preference-guided diffusion), benchmark tasks, datasets and evaluation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _seed_option(help: str, name: str = "--seed", default: int | None = 0):
    return typer.Option(default, name, min=0, max=MAX_SEED, help=help)


SeedOption = _seed_option("Dataset seed: the same seed gives the same data.")
QuietOption = typer.Option(False, "--quiet", "-q", help="No progress bars.")
OverwriteOption = typer.Option(
    False, "--overwrite",
    help="Replace outputs that exist already (a file; a model folder only if it holds nothing but a paretodiff model).")


def _fail(message: str) -> NoReturn:
    raise InputError(message)


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


def _check_outputs(outputs: list[files.Output], inputs: list[tuple[str, Path | None]], overwrite: bool) -> None:
    """:func:`paretodiff.files.check_outputs` for the outputs and inputs that were given."""
    files.check_outputs([o for o in outputs if o.path is not None],
                        [(what, path) for what, path in inputs if path is not None], overwrite=overwrite)


def _echo_json(value) -> None:
    """JSON on stdout; a non-finite number is an error, never printed."""
    try:
        typer.echo(json.dumps(value, indent=2, allow_nan=False))
    except ValueError:
        raise ModelError("the result holds a non-finite number; nothing was printed") from None


@app.command("tasks")
def list_tasks(
    seed: int = _seed_option("Report whether this dataset seed is cached."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List the benchmark tasks: dimensions, known true front, dataset cached or not."""
    rows = [
        {"name": t.name, "group": t.group, "n_var": t.n_var, "n_obj": t.n_obj,
         "true_front": t.has_front, "cached": data.is_cached(t.name, seed)}
        for t in map(tasks.get, tasks.names())
    ]
    if as_json:
        _echo_json(rows)
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
    overwrite: bool = OverwriteOption,
    quiet: bool = QuietOption,
) -> None:
    """Generate (or load from the cache) a task's offline dataset; print a summary or export CSV."""
    the_task = _task(task)
    if split not in ("train", "test", "all"):
        _fail(f"--split must be train, test or all, not {split!r}")
    _check_outputs([files.Output("-o", output)], [("dataset cache", data.cache_dir())], overwrite)
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
        _echo_json(summary)
        return
    write_csv(design_frame(X, Y), output, overwrite=overwrite)
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
    X = design_matrix(read_table(designs), the_task.n_var, designs)
    dataset = _load_dataset(the_task, seed, quiet)
    report = evaluation.evaluate(the_task, X, dataset, benchmark_index_bug=benchmark_index_bug)
    if as_json:
        _echo_json(report.to_dict())
        return
    typer.echo(_format_report(report))


def _sampling_help() -> dict[str, str]:
    """The help texts of --generative, --sampler and --steps, from the registries and the default
    preset's settings (so they cannot drift)."""
    from paretodiff.generative import registry
    from paretodiff.methods.pgd_config import GeneratorConfig, SamplingConfig

    generator, sampling = GeneratorConfig(), SamplingConfig.__dataclass_fields__
    kinds = ", ".join(f"{k} ({v}{'; the default' if k == generator.kind else ''})"
                      for k, v in registry.PATH_KINDS.items())
    return {
        "generative": f"pgd methods: the generative model: {kinds}.",
        "sampler": f"pgd methods: the sampler ({registry.help_text()}); the default is "
                   f"{sampling['sampler'].default} for the {generator.kind}, "
                   f"{registry.first_deterministic('diffusion')} for the diffusion.",
        "steps": f"pgd methods: sampling steps (default {sampling['steps'].default}; ddpm takes every step).",
    }


_SAMPLING_HELP = _sampling_help()


def _strategy_help(default: str) -> str:
    from paretodiff.methods.pgd_config import SelectionConfig
    from paretodiff.selection import STRATEGY_HELP

    benchmark = SelectionConfig().strategy
    return ("pgd methods: how the n designs are chosen from the sampled pool: "
            + "; ".join(f"{name} ({text}{'; the default here' if name == default else ''}"
                        f"{'; the default of run and bench' if name == benchmark and name != default else ''})"
                        for name, text in STRATEGY_HELP.items()) + ".")


from paretodiff.api import ENGINEER_STRATEGY  # noqa: E402  (optimize and propose: a batch for the next lab round)
StrategyOption = typer.Option(None, "--strategy", help=_strategy_help(ENGINEER_STRATEGY))
GenerativeOption = typer.Option(None, "--generative", help=_SAMPLING_HELP["generative"])
SamplerOption = typer.Option(None, "--sampler", help=_SAMPLING_HELP["sampler"])
StepsOption = typer.Option(None, "--steps", min=1, help=_SAMPLING_HELP["steps"])
MethodOption = typer.Option(
    "pgd", "--method", help=f"The method, a registered name with optional settings after a colon "
                            f"(pgd:sampling.steps=25): {methods.help_text()}.")
PresetOption = typer.Option(None, "--preset", help="pgd methods: the preset, default (ours) or faithful (the "
                                                   "authors', both guidance scales sharing -n).")


def _is_pgd(spec: str) -> bool:
    name, _ = methods.parse_spec(spec)
    return methods.spec(name).target.endswith(":ParetoDiff")


def _method_spec(method: str, *, preset: str | None = None, generative: str | None = None,
                 sampler: str | None = None, steps: int | None = None, strategy: str | None = None) -> str:
    """``--method`` with the pgd options (``--preset``, ``--generative``, ``--sampler``, ``--steps``,
    ``--strategy``) added to its settings, checked (a method that cannot be made is one line,
    before any work)."""
    given = {"preset": preset, "generator.kind": generative, "sampling.sampler": sampler, "sampling.steps": steps,
             "selection.strategy": strategy}
    given = {k: v for k, v in given.items() if v is not None}
    try:
        if given and not _is_pgd(method):
            raise ValueError(f"--{'/--'.join(o for o in ('preset', 'generative', 'sampler', 'steps', 'strategy'))} "
                             f"are settings of the pgd methods, not of {method!r}")
        settings = ",".join(f"{k}={v}" for k, v in given.items())
        spec = method if not settings else f"{method}{',' if ':' in method else ':'}{settings}"
        methods.make(spec)  # settings and optional extras are checked before anything runs
    except (ValueError, ImportError) as exc:
        _fail(f"--method: {str(exc).splitlines()[0]}")
    return spec


def _use_cores() -> None:
    """torch uses the cores this process may use (the CLI's choice; the library leaves it alone)."""
    from paretodiff.runtime import set_threads

    set_threads()


@app.command("optimize")
def optimize_command(
    ctx: typer.Context,
    data_csv: Path = typer.Argument(..., metavar="DATA", help="Measured designs: one row per design, a header row; "
                                    "CSV (delimiter , ; or tab detected), .xlsx or .parquet."),
    minimize: Optional[str] = typer.Option(None, "--minimize", help="Objective columns to minimize, comma-separated."),
    maximize: Optional[str] = typer.Option(None, "--maximize", help="Objective columns to maximize, comma-separated."),
    inputs: Optional[str] = typer.Option(None, "--inputs", help="Design columns (default: every column that is not "
                                         "an objective or ignored)."),
    ignore: Optional[str] = typer.Option(None, "--ignore", help="Measured columns that are neither design inputs nor "
                                         "objectives, comma-separated."),
    bounds: Optional[Path] = typer.Option(None, "--bounds", help="Where to search: a table with columns column,lower,"
                                          "upper for some inputs (the others keep the data's range). Bounds inside the "
                                          "data's range narrow the search; every row is still learned from. An "
                                          "optional column levels lists the values a numeric input may take, "
                                          "separated by spaces (6 12 24 48): it becomes discrete."),
    n: int = typer.Option(256, "-n", min=1, help="Designs to propose, in all."),
    seed: int = _seed_option("Seed of training and sampling: the same seed gives the same designs."),
    method: str = MethodOption,
    preset: Optional[str] = PresetOption,
    generative: Optional[str] = GenerativeOption,
    sampler: Optional[str] = SamplerOption,
    steps: Optional[int] = StepsOption,
    strategy: Optional[str] = StrategyOption,
    target: Optional[str] = typer.Option(None, "--target", help="pgd methods: thresholds on objectives in your units, "
                                         "comma-separated (cost<=100,mass<2); designs predicted to meet them all "
                                         "are chosen first (in_target = 1)."),
    constraint: Optional[list[str]] = typer.Option(None, "--constraint", help="A measured column that must meet a "
                                                   "limit, e.g. \"max_stress_MPa<=250\" (repeat it, or separate "
                                                   "by commas); neither an input nor an objective. pgd learns it and "
                                                   "proposes designs predicted to meet every limit first "
                                                   "(p_feasible)."),
    categorical: Optional[str] = typer.Option(None, "--categorical", help="Numeric input columns that are codes "
                                              "without an order, comma-separated (text columns are categorical "
                                              "without being named); proposals use only the labels the data holds."),
    discrete: Optional[str] = typer.Option(None, "--discrete", help="Numeric input columns that take only the "
                                           "values they hold (a dose of 6, 12, 24 or 48), comma-separated; "
                                           "proposals use only those levels."),
    sum_: Optional[list[str]] = typer.Option(None, "--sum", help="Input columns that must sum to a total exactly, "
                                             "e.g. \"water,cement,sand=1\" (repeat it for more); every proposal "
                                             "meets it."),
    linear: Optional[list[str]] = typer.Option(None, "--linear", help="A linear inequality over continuous input "
                                               "columns, e.g. \"cement + 2*water <= 0.8\" (repeat it for more); "
                                               "every proposal meets it."),
    feasible: Optional[str] = typer.Option(None, "--feasible", help="A column of 1 (the design worked) and 0 (it "
                                           "failed; its objectives may be empty): pgd steers away from the failed "
                                           "designs and screens its proposals by them (p_feasible); the other "
                                           "methods learn from the designs that worked."),
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the proposed designs "
                                "(.csv, .tsv, .xlsx or .parquet)."),
    save_model: Optional[Path] = typer.Option(None, "--save-model", help="pgd methods: also save the trained model to this new folder."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Also draw the data's front and the proposals at their "
                                        "predicted objectives (PNG)."),
    report: Optional[Path] = typer.Option(None, "--report", help="Also write one self-contained HTML page: the "
                                          "picture, the batch with its predictions, the run summary, the command."),
    drop_invalid: bool = typer.Option(False, "--drop-invalid", help="Skip rows with empty or non-finite values (reported)."),
    overwrite: bool = OverwriteOption,
    quiet: bool = QuietOption,
) -> None:
    """Fit a method (default: preference-guided diffusion) on DATA and propose new designs."""
    from paretodiff import api
    from paretodiff.methods.pgd_files import model_output

    minimize_cols, maximize_cols = split_names("--minimize", minimize), split_names("--maximize", maximize)
    input_cols, ignore_cols = split_names("--inputs", inputs), split_names("--ignore", ignore)
    spec = _method_spec(api.with_strategy(method, strategy), preset=preset, generative=generative, sampler=sampler,
                        steps=steps)
    rules = api.parse_constraints([t for term in constraint or [] for t in api.split_terms(term)])
    sums, linear_rules = api.parse_sums(sum_ or []), api.parse_linear(linear or [])
    if save_model is not None and not _is_pgd(spec):
        _fail(f"--save-model: only the pgd methods save a model, not {spec!r}")
    _check_outputs([files.Output("-o", output), files.Output("--plot", plot), files.Output("--report", report),
                    model_output("--save-model", save_model)
                    if save_model is not None else files.Output("--save-model", None)],
                   [("data file", data_csv), ("bounds file", bounds)], overwrite)
    check_table_suffix("-o", output)
    if report is not None and report.suffix.lower() not in (".html", ".htm"):
        _fail(f"--report: {report}: the report is an HTML page; name it .html")
    table = training_table(data_csv, minimize_cols, maximize_cols, input_cols, drop_invalid, ignore_cols,
                           [r.name for r in rules], split_names("--categorical", categorical),
                           split_names("--discrete", discrete), feasible)
    X, Y, input_cols, objective_cols, senses, dropped = table[:6]
    named, levels = read_bounds(bounds, input_cols) if bounds else ({}, {})
    space = api.design_space(table, named, rules, sums, linear_rules, levels)
    _use_cores()
    model = methods.make(spec)
    model.quiet = quiet
    if target:
        api.set_target(model, target, objective_cols)  # checked before the work starts
    if dropped:
        _log(f"skipped {len(dropped)} row(s) with missing or non-finite values (lines {', '.join(map(str, dropped[:10]))}"
             + (" ..." if len(dropped) > 10 else "") + ")", quiet)
    roles = _roles(input_cols, objective_cols, senses, ignore_cols, rules, table.G, space)
    if feasible:
        roles += (f"; feasibility {feasible} ({len(table.failed)} failed design(s), a negation set; "
                  f"{len(X)} worked)")
    _log(roles, quiet)
    if named:
        _log(bounds_note(X, input_cols, named), quiet)
    _log(f"training {spec} on {len(X)} designs", quiet)
    started = time.perf_counter()
    result = api.optimize(OfflineData(X, Y, space, data_csv.name, table.G, table.failed), method=model, n=n,
                          seed=seed)
    for name, column in result.renamed.items():
        _log(f"a design column is called {name!r}: the score is written as {column!r}", quiet)
    if save_model is not None:
        result.method.save(save_model, overwrite=overwrite)
        _log(f"saved the model to {save_model}", quiet)
    write_table(result.designs, output, overwrite=overwrite)
    _log(f"wrote {len(result.designs)} proposed designs to {output}", quiet)
    figure = dict(senses=senses, input_names=input_cols, objective_names=objective_cols, lower=space.lower,
                  upper=space.upper, categories=space.labels,
                  **_predictions(result.proposals.scores, objective_cols))
    if plot is not None:
        from paretodiff.plots import front_plot

        front_plot(plot, X, Y, result.proposals.X, overwrite=overwrite, **figure)
        _log(f"drew {plot}", quiet)
    summary = _summary(result, len(X), len(dropped), time.perf_counter() - started)
    if report is not None:
        from paretodiff.plots import front_figure, png_bytes
        from paretodiff.report import write_report

        write_report(report, title=f"paretodiff: {len(result.designs)} proposed designs from {data_csv.name}",
                     command=_command_line(ctx),
                     facts=[roles, *([bounds_note(X, input_cols, named)] if named else []), *summary.removeprefix("summary: ").split("; ")],
                     batch=result.designs, figure_png=png_bytes(front_figure(X, Y, result.proposals.X, **figure)),
                     overwrite=overwrite)
        _log(f"wrote the report {report}", quiet)
    _log(summary, quiet)


def _predictions(scores: dict, objectives: list[str]) -> dict:
    """The plot's ``predicted`` and ``predicted_std`` ``(n, m)`` from the score columns, where there are any."""
    if not all(f"{name}_pred" in scores and f"{name}_std" in scores for name in objectives):
        return {}
    return {"predicted": np.column_stack([scores[f"{name}_pred"] for name in objectives]),
            "predicted_std": np.column_stack([scores[f"{name}_std"] for name in objectives])}


def _summary(result, rows: int, dropped: int, seconds: float) -> str:
    """The run in one line: rows, proposals predicted undominated, predicted hypervolume gain, time."""
    scores = result.proposals.scores
    parts = [f"{rows} rows used" + (f", {dropped} dropped" if dropped else ""), f"{len(result.designs)} proposals"]
    if "p_undominated" in scores:
        likely = int((scores["p_undominated"] >= 0.5).sum())
        parts[-1] += f", {likely} predicted undominated by every measured design (p_undominated >= 0.5)"
    if "p_feasible" in scores:
        parts.append(f"{int((scores['p_feasible'] >= 0.5).sum())} of them predicted to meet the constraints "
                     "(p_feasible >= 0.5)")
    if "in_target" in scores:
        terms = ", ".join(result.method.config.selection.target)
        parts.append(f"{int(scores['in_target'].sum())} of them predicted inside the target ({terms})")
    gain = getattr(result.method, "predicted_gain", lambda X: None)(result.proposals.X)
    if gain is not None:
        parts.append(f"predicted hypervolume gain over the measured front {np.mean(gain):+.1%} "
                     f"(from {gain.min():+.1%} to {gain.max():+.1%} across the {len(gain)} members of the objective model)")
    parts.append(f"{seconds:.0f} s")
    return "summary: " + "; ".join(parts)


def _command_line(ctx: typer.Context) -> str:
    """The command as the user gave it, rebuilt from its parsed parameters (``sys.argv`` is not it
    when the app runs inside another program, e.g. a test runner): arguments, then the options
    set on the command line, in the command's own order, shell-quoted."""
    words = ["paretodiff", ctx.info_name or ""]
    for param in ctx.command.params:
        source = ctx.get_parameter_source(param.name)
        value = ctx.params.get(param.name)
        if source is None or source.name != "COMMANDLINE" or value is None:
            continue
        if param.param_type_name == "argument":
            words += [str(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
        elif getattr(param, "is_flag", False):
            words.append(param.opts[0] if value else (param.secondary_opts or param.opts)[0])
        else:
            for v in value if isinstance(value, (list, tuple)) else [value]:
                words += [param.opts[0], str(v)]
    return shlex.join(words)


def _roles(inputs: list[str], objectives: list[str], senses: list[str], ignored: list[str], rules=(),
           G: np.ndarray | None = None, space: DesignSpace | None = None) -> str:
    """One line: which column got which role (with constraints, how many measured rows meet them;
    a discrete or categorical input with its count of levels or labels)."""
    def names(cols: list[str]) -> str:
        return ", ".join(cols) if len(cols) <= 12 else ", ".join(cols[:12]) + f" ... ({len(cols)} in all)"

    def kind(j: int) -> str:
        k = space.kinds[j] if space is not None else "continuous"
        if k not in ("discrete", "categorical"):
            return inputs[j]
        return f"{inputs[j]} ({k}: {len(space.levels[j])} {'levels' if k == 'discrete' else 'labels'})"

    return (f"columns: inputs {names([kind(j) for j in range(len(inputs))])}; objectives "
            + ", ".join(f"{c} ({'minimized' if s == 'min' else 'maximized'})" for c, s in zip(objectives, senses))
            + (f"; constraints {', '.join(map(str, rules))} (met by {int(constraints.feasible(G, rules).sum())} of "
               f"{len(G)} rows)" if rules else "")
            + (f"; ignored {names(ignored)}" if ignored else "")
            + _input_rules(space))


def _input_rules(space: DesignSpace | None) -> str:
    """The roles line's part on the rules every proposal meets exactly (sums, linear rules)."""
    if space is None or not (space.sums or space.linear):
        return ""
    rules = [f"{','.join(names)}={total:g}" for names, total in space.sums] + [str(r) for r in space.linear]
    return f"; every proposal meets {', '.join(rules)}"


@app.command("propose")
def propose_command(
    model_dir: Path = typer.Argument(..., metavar="MODEL_DIR", help="A folder written by `optimize --save-model`."),
    n: int = typer.Option(256, "-n", min=1, help="Designs to propose, in all."),
    seed: int = _seed_option("Sampling seed."),
    sampler: Optional[str] = SamplerOption,
    steps: Optional[int] = StepsOption,
    strategy: str = typer.Option(ENGINEER_STRATEGY, "--strategy", help=_strategy_help(ENGINEER_STRATEGY)),
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the proposed designs "
                                "(.csv, .tsv, .xlsx or .parquet)."),
    overwrite: bool = OverwriteOption,
    quiet: bool = QuietOption,
) -> None:
    """Propose more designs from a saved model, without training again."""
    import dataclasses

    from paretodiff import api
    from paretodiff.methods.pgd import ParetoDiff
    from paretodiff.methods.pgd_config import from_dict, with_overrides

    _check_outputs([files.Output("-o", output)], [("model folder", model_dir)], overwrite)
    check_table_suffix("-o", output)
    model = ParetoDiff.load(model_dir, quiet=quiet)
    changes = {k: v for k, v in (("sampling.sampler", sampler), ("sampling.steps", steps),
                                 ("selection.strategy", strategy)) if v is not None}
    try:
        model.config = from_dict(with_overrides(dataclasses.asdict(model.config), changes))
    except ValueError as exc:
        _fail(f"--sampler/--steps/--strategy: {str(exc).splitlines()[0]}")
    _use_cores()
    proposals = model.propose(n, seed=seed)
    proposals = methods.Proposals(model.space.finish(proposals.X), proposals.scores)
    api.check_input_rules(proposals.X, model.space)
    frame, renamed = api.proposals_frame(proposals, model.space)
    for name, column in renamed.items():
        _log(f"a design column is called {name!r}: the score is written as {column!r}", quiet)
    write_table(frame, output, overwrite=overwrite)
    _log(f"wrote {len(frame)} proposed designs to {output}", quiet)


@app.command("run")
def run_command(
    task: str = typer.Argument(tasks.DEFAULT_TASK, help="Benchmark task (default: zdt1)."),
    method: str = MethodOption,
    seed: int = _seed_option("Method seed (training and sampling)."),
    data_seed: int = _seed_option("Dataset seed.", "--data-seed"),
    n: int = typer.Option(256, "-n", min=1, help="Designs to propose."),
    generative: Optional[str] = GenerativeOption,
    sampler: Optional[str] = SamplerOption,
    steps: Optional[int] = StepsOption,
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    quiet: bool = QuietOption,
) -> None:
    """A benchmark cell and its report: data, fit, propose, evaluate with the exact functions."""
    from paretodiff import bench

    the_task = _task(task)
    spec = _method_spec(method, generative=generative, sampler=sampler, steps=steps)
    _use_cores()
    _load_dataset(the_task, data_seed, quiet)
    record = bench.run_cell(bench.Cell(the_task.name, spec, seed, data_seed, n))
    if record["status"] != "ok":
        raise ModelError(f"{spec} on {the_task.name}: {record['error']}")
    summary = {k: v for k, v in record.items() if k not in ("designs", "objectives", "record_version", "threads")}
    if as_json:
        _echo_json(summary)
        return
    typer.echo(f"{spec} on {the_task.name} (seed {seed}, data seed {data_seed}): "
               f"fit {record['fit_seconds']:.1f} s, propose {record['propose_seconds']:.1f} s")
    typer.echo(_format_report(evaluation.Report(
        task=the_task.name, n_designs=n, n_clipped=record["n_clipped"], n_non_finite=record["n_non_finite"],
        hv=record["hv"], d_best_hv=record["d_best_hv"], igd=record["igd"], igd_plus=record["igd_plus"],
        front_hv=record["front_hv"], spacing=record["spacing"], spread=record["spread"], benchmark_index_bug=False)))


BENCH_TASKS = "zdt1,zdt2,zdt3,dtlz1,dtlz7,re21,re33,re37"
BENCH_METHODS = "d-best,multiple-models,paretoflow,pgd-faithful,pgd"


def _seed_list(option: str, value: str) -> list[int]:
    """Seeds from a comma-separated option value, each a whole number in ``[0, MAX_SEED]``."""
    try:
        values = [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        _fail(f"{option}: expected comma-separated whole numbers, got {value!r}")
    if not values:
        _fail(f"{option}: give at least one value")
    if not all(0 <= v <= MAX_SEED for v in values):
        _fail(f"{option}: seeds are whole numbers from 0 to {MAX_SEED}, got {value!r}")
    if len(set(values)) != len(values):
        _fail(f"{option}: a seed is given twice")
    return values


@app.command("bench")
def bench_command(
    ctx: typer.Context,
    task_list: str = typer.Option(BENCH_TASKS, "--tasks", help="Tasks, comma-separated; or the groups synthetic, re, all."),
    method_list: str = typer.Option(
        BENCH_METHODS, "--methods",
        help=f"Methods, comma-separated ({', '.join(methods.names())}; or the groups {', '.join(methods.GROUPS)}). "
             "Settings follow a colon, separated by ';': pgd-faithful:sampling.guidance_scales=20."),
    seed_list: str = typer.Option("0,1,2", "--seeds", help="Method seeds, comma-separated."),
    out: Path = typer.Option(..., "--out", help="Folder for the cell records and results.csv / results.md."),
    data_seed: int = _seed_option("Dataset seed.", "--data-seed"),
    n: int = typer.Option(256, "-n", min=1, help="Designs each method proposes per cell."),
    workers: int = typer.Option(1, "--workers", min=0, help="Cells at a time (processes; 0 = in this process)."),
    threads: Optional[int] = typer.Option(
        None, "--threads", min=1,
        help="Torch and BLAS threads per cell for sampling and prediction; training runs at one (default: the cores shared out among the workers; Ray: 1; --workers 0: torch's own)."),
    backend: str = typer.Option("local", "--backend", help="local (processes on this machine) or ray."),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster address (default: a local Ray instance)."),
    force: bool = typer.Option(False, "--force", help="Run finished cells again."),
    compact: bool = typer.Option(False, "--compact", help="Keep summaries only in the cell records (about 2 kB "
                                 "each, no designs: enough for the table, not for `paretodiff plot`)."),
    quiet: bool = QuietOption,
) -> None:
    """Run a benchmark grid (tasks × methods × seeds) and print its results table.

    Each finished cell is kept as JSON in OUT/cells, so a rerun skips it; results.csv and
    results.md in OUT are rewritten from every cell record at the end.
    """
    from tqdm.auto import tqdm

    from paretodiff import bench

    try:
        task_names = tasks.expand(task_list)
    except KeyError as exc:
        _fail(f"--tasks: {exc.args[0]}")
    try:
        specs = methods.expand(method_list)
        for spec in specs:
            methods.make(spec)  # settings and optional extras are checked before anything runs
    except (ValueError, ImportError) as exc:
        _fail(f"--methods: {str(exc).splitlines()[0]}")
    if backend not in ("local", "ray"):
        _fail(f"--backend must be local or ray, not {backend!r}")
    if address is not None and backend != "ray":
        _fail("--address needs --backend ray")
    seeds = _seed_list("--seeds", seed_list)
    _check_outputs([bench.folder_output("--out", out)], [("dataset cache", data.cache_dir())], overwrite=False)
    cells = bench.grid(task_names, specs, seeds, data_seed=data_seed, n=n)
    todo = sum(force or not bench.is_finished(out, c) for c in cells)
    _log(f"{len(cells)} cells, {len(cells) - todo} already finished in {out}", quiet)
    with tqdm(total=todo, desc="bench", unit="cell", disable=quiet) as bar:
        def progress(record: dict) -> None:
            bar.update(1)
            if record["status"] != "ok":
                bar.write(f"failed: {record['task']} / {record['method']} / seed {record['seed']}: {record['error']}",
                          file=sys.stderr)

        try:
            summary = bench.run(cells, out, workers=workers, backend=backend, address=address, force=force,
                                command=_command_line(ctx), progress=progress, compact=compact,
                                threads=threads)
        except ImportError as exc:
            _fail(str(exc))
    text = bench.write_results(out)
    _log(f"ran {summary.ran} cells in {summary.wall_seconds:.0f} s ({len(summary.failed)} failed); "
         f"wrote {out / 'results.md'} and {out / 'results.csv'}", quiet)
    typer.echo(text)


@app.command("report")
def report_command(
    folder: Path = typer.Argument(..., metavar="DIR", help="A folder written by `paretodiff bench`."),
    as_csv: bool = typer.Option(False, "--csv", help="Print the per-task, per-method table as CSV."),
) -> None:
    """Print the results table of a benchmark folder again (recomputed from its cell records)."""
    from paretodiff import bench

    bench.check_folder(folder)
    if as_csv:
        typer.echo(bench.results_table(folder).to_csv(index=False), nl=False)
    else:
        typer.echo(bench.report(folder))


@app.command("plot")
def plot_command(
    folder: Path = typer.Argument(..., metavar="DIR", help="A folder written by `paretodiff bench`."),
    task: str = typer.Option(..., "--task", help="The task to draw."),
    output: Path = typer.Option(..., "--output", "-o", help="PNG file to write (outside DIR)."),
    seed: Optional[int] = _seed_option("Method seed to draw (default: the smallest present).", default=None),
    overwrite: bool = OverwriteOption,
) -> None:
    """Draw every method's proposals for a task in objective space, beside the data, D(best) and the true front."""
    from paretodiff import bench

    the_task = _task(task)
    bench.check_folder(folder)
    _check_outputs([files.Output("-o", output)], [("bench folder", folder), ("dataset cache", data.cache_dir())],
                   overwrite)
    try:
        drawn = bench.plot(folder, the_task.name, output, seed=seed, overwrite=overwrite)
    except ValueError as exc:
        _fail(str(exc))
    typer.echo(f"drew {len(drawn)} methods ({', '.join(drawn)}) to {output}", err=True)


def _format_report(report: evaluation.Report) -> str:
    def num(v: float | None) -> str:
        return _number(v, "n/a (no known front)")

    lines = [
        f"task {report.task}: {report.n_designs} designs"
        f" ({report.n_clipped} clipped to bounds, {report.n_non_finite} with non-finite objectives)",
        f"  hypervolume 100th   {report.hv['100th']:.4f}",
        f"  hypervolume  75th   {report.hv['75th']:.4f}",
        f"  hypervolume  50th   {report.hv['50th']:.4f}",
        f"  D(best) hypervolume {report.d_best_hv:.4f}",
        f"  true front HV       {num(report.front_hv)}",
        f"  IGD                 {num(report.igd)}",
        f"  IGD+                {num(report.igd_plus)}",
        f"  spacing             {_number(report.spacing, 'n/a (fewer than 2 non-dominated designs)')}",
        f"  spread              {_number(report.spread, 'n/a (fewer than 2 non-dominated designs)')}",
    ]
    return "\n".join(lines)


def _number(value: float | None, missing: str) -> str:
    return missing if value is None else f"{value:.4f}"


if __name__ == "__main__":  # pragma: no cover
    app(prog_name="paretodiff")
