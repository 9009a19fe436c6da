"""Regression tests for the classes of faults a hostile user found (issue 11): a user's files
are never lost or overwritten, no command exits 0 with a wrong result, every bad option and
damaged file is one line ``error: ...``."""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from paretodiff import bench, data
from paretodiff.methods import pgd_files
from paretodiff.cli import app

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("tiny_cli_budgets")


def table(n=40, seed=0, **columns):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"a": rng.uniform(0, 1, n), "b": rng.uniform(0, 1, n)})
    frame["cost"] = frame.a ** 2 + frame.b
    frame["loss"] = (1 - frame.a) ** 2 + frame.b
    for name, values in columns.items():
        frame[name] = values
    return frame


@pytest.fixture
def designs(tmp_path):
    path = tmp_path / "designs.csv"
    table().to_csv(path, index=False)
    return path


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def optimize(csv, *args):
    return run("optimize", csv, "--minimize", "cost,loss", "-n", 8, "--quiet", *args)


def one_line_error(result, *fragments, code=2):
    assert result.exit_code == code, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def snapshot(folder):
    """Every file under ``folder`` -> its SHA-256 (to prove inputs unchanged)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "cache" not in p.parts}


@pytest.fixture
def model(designs, tmp_path):
    out = tmp_path / "model"
    assert optimize(designs, "-o", tmp_path / "first.csv", "--save-model", out).exit_code == 0
    return out


# -- 1. never lose or overwrite a user's file -----------------------------------------------


def test_save_model_never_replaces_a_folder_that_is_not_a_model(tmp_path):
    important = tmp_path / "important"
    important.mkdir()
    table().to_csv(important / "designs.csv", index=False)
    (important / "notes.txt").write_text("mine")
    before = snapshot(tmp_path)
    one_line_error(optimize(important / "designs.csv", "-o", tmp_path / "p.csv", "--save-model", important),
                   "holds the data file")
    one_line_error(optimize(important / "designs.csv", "-o", tmp_path / "p.csv", "--save-model", important,
                            "--overwrite"), "holds the data file")
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("mine too")
    before = snapshot(tmp_path)
    one_line_error(optimize(important / "designs.csv", "-o", tmp_path / "p.csv", "--save-model", other,
                            "--overwrite"), "not a paretodiff model")
    assert snapshot(tmp_path) == before and not (tmp_path / "p.csv").exists()


def test_a_model_folder_is_replaced_only_with_overwrite(designs, model, tmp_path):
    before = snapshot(model)
    one_line_error(optimize(designs, "-o", tmp_path / "p.csv", "--save-model", model), "--overwrite")
    assert snapshot(model) == before and not (tmp_path / "p.csv").exists()
    (model / "extra.txt").write_text("a note of mine")
    one_line_error(optimize(designs, "-o", tmp_path / "p.csv", "--save-model", model, "--overwrite"),
                   "not a paretodiff model folder", "extra.txt")
    (model / "extra.txt").unlink()
    result = optimize(designs, "-o", tmp_path / "p.csv", "--save-model", model, "--overwrite", "--seed", 1)
    assert result.exit_code == 0, result.output
    assert snapshot(model) != before and sorted(p.name for p in model.iterdir()) == list(pgd_files.MODEL_FILES)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_existing_output_files_need_overwrite(designs, tmp_path):
    out = tmp_path / "p.csv"
    out.write_text("my own table\n")
    one_line_error(optimize(designs, "-o", out), "already exists; pass --overwrite")
    assert out.read_text() == "my own table\n"
    assert optimize(designs, "-o", out, "--overwrite").exit_code == 0
    assert len(pd.read_csv(out)) == 8


def test_no_output_is_or_lies_inside_an_input(designs, model, tmp_path):
    bounds = tmp_path / "bounds.csv"
    bounds.write_text("column,lower,upper\na,0,1\n")
    link = tmp_path / "link.csv"
    link.symlink_to(designs)
    hard = tmp_path / "hard.csv"
    os.link(designs, hard)
    before = snapshot(tmp_path)
    for args, fragment in (
        (("-o", designs, "--overwrite"), "is the data file"),
        (("-o", bounds, "--bounds", bounds, "--overwrite"), "is the bounds file"),
        (("-o", link, "--overwrite"), "is the data file"),
        (("-o", hard, "--overwrite"), "is the data file"),
        (("-o", tmp_path / "p.csv", "--plot", designs, "--overwrite"), "is the data file"),
        (("-o", tmp_path / "p.csv", "--plot", tmp_path / "p.csv"), "the same place as -o"),
    ):
        one_line_error(optimize(designs, *args), fragment)
    one_line_error(run("propose", model, "-o", model / "config.json", "--overwrite"), "inside the model folder")
    one_line_error(run("propose", model, "-o", model / "new.csv"), "inside the model folder")
    assert snapshot(tmp_path) == before


def test_plot_never_writes_into_the_bench_folder(tmp_path):
    out = tmp_path / "b"
    assert run("bench", "--tasks", "vlmop1", "--methods", "d-best", "--seeds", 0, "--out", out, "-q").exit_code == 0
    record = bench.cell_path(out, bench.Cell("vlmop1", "d-best", 0))
    before = snapshot(out)
    one_line_error(run("plot", out, "--task", "vlmop1", "-o", record, "--overwrite"), "inside the bench folder")
    one_line_error(run("plot", out, "--task", "vlmop1", "-o", out / "x.png"), "inside the bench folder")
    assert snapshot(out) == before
    assert run("plot", out, "--task", "vlmop1", "-o", tmp_path / "x.png").exit_code == 0


def test_bench_refuses_a_folder_that_is_not_a_bench_folder(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("...")
    one_line_error(run("bench", "--tasks", "vlmop1", "--methods", "d-best", "--seeds", 0, "--out", mine),
                   "not a paretodiff bench folder")
    assert [p.name for p in mine.iterdir()] == ["thesis.tex"]


def test_every_output_is_checked_before_training(designs, tmp_path):
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("x")
    for args, fragment in (
        (("-o", tmp_path / "folder"), "is a folder; give a file name"),
        (("-o", tmp_path / "p.csv", "--save-model", tmp_path / "file"), "is a file, not a folder"),
        (("-o", tmp_path / "file" / "p.csv"), "file is not a folder"),
        (("-o", tmp_path / "nowhere" / "p.csv"), "does not exist"),
        (("-o", tmp_path / "p.csv", "--plot", tmp_path / "nowhere" / "f.png"), "does not exist"),
    ):
        result = optimize(designs, *args)
        one_line_error(result, fragment)
        assert "train" not in result.stderr
        assert not (tmp_path / "p.csv").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_an_unwritable_folder_is_refused_before_training(designs, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        one_line_error(optimize(designs, "-o", locked / "p.csv"), "cannot write in folder")
    finally:
        locked.chmod(0o700)


def test_files_are_created_with_the_users_umask(designs, tmp_path):
    old = os.umask(0o027)
    try:
        assert optimize(designs, "-o", tmp_path / "p.csv", "--save-model", tmp_path / "m",
                        "--plot", tmp_path / "f.png").exit_code == 0
    finally:
        os.umask(old)
    for path in (tmp_path / "p.csv", tmp_path / "f.png", tmp_path / "m" / "config.json"):
        assert path.stat().st_mode & 0o777 == 0o640, path
    assert (tmp_path / "m").stat().st_mode & 0o777 == 0o750


# -- 2. never exit 0 with a wrong result ----------------------------------------------------


@pytest.mark.parametrize("preset", ["default", "faithful"])
def test_one_design_column_works(tmp_path, preset):
    frame = table()[["a", "cost", "loss"]]
    frame.to_csv(tmp_path / "one.csv", index=False)
    result = optimize(tmp_path / "one.csv", "-o", tmp_path / "p.csv", "--preset", preset)
    assert result.exit_code == 0, result.output
    proposals = pd.read_csv(tmp_path / "p.csv")
    assert proposals["a"].between(0, 1).all()


def test_run_works_on_a_one_column_task():
    result = run("run", "vlmop1", "-n", 16, "--quiet", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["hv"]["100th"] > 0


@pytest.mark.parametrize("column, values, bounds, fragment", [
    ("a", {0: 1.7e308, 1: -1.7e308}, None, "input column 'a'"),
    ("cost", {0: 1.7e308, 1: -1.7e308}, None, "objective column 'cost'"),
    ("a", {}, "a,-inf,inf", "must be finite"),
    ("a", {}, "a,-1e308,1e308", "input column 'a'"),
])
def test_what_cannot_be_scaled_is_refused_naming_the_column(tmp_path, column, values, bounds, fragment):
    frame = table()
    for row, value in values.items():
        frame.loc[row, column] = value
    frame.to_csv(tmp_path / "d.csv", index=False)
    args = ["-o", tmp_path / "p.csv"]
    if bounds:
        (tmp_path / "b.csv").write_text(f"column,lower,upper\n{bounds}\n")
        args += ["--bounds", tmp_path / "b.csv"]
    one_line_error(optimize(tmp_path / "d.csv", *args), fragment)
    assert not (tmp_path / "p.csv").exists()


def test_output_columns_never_clobber_input_columns(tmp_path):
    frame = table(utility=np.linspace(0, 1, 40), guidance_scale=np.linspace(1, 2, 40))
    frame.to_csv(tmp_path / "d.csv", index=False)
    assert optimize(tmp_path / "d.csv", "-o", tmp_path / "p.csv").exit_code == 0
    out = pd.read_csv(tmp_path / "p.csv")
    assert list(out.columns)[:4] == ["a", "b", "utility", "guidance_scale"]
    assert {"utility_1", "guidance_scale_1"} <= set(out.columns)
    assert out["utility"].between(0, 1).all() and out["guidance_scale"].between(1, 2).all()
    assert set(out["guidance_scale_1"]) <= {0.0, 3.0, 10.0, 30.0, 100.0}


def test_a_constant_column_stays_constant(tmp_path):
    table(k=np.full(40, 7)).to_csv(tmp_path / "d.csv", index=False)
    assert optimize(tmp_path / "d.csv", "-o", tmp_path / "p.csv", "-n", 64).exit_code == 0
    assert (pd.read_csv(tmp_path / "p.csv")["k"] == 7).all()


def test_evaluate_counts_non_finite_cells_and_never_scores_them(tmp_path):
    rows = ["x0,x1", "inf,0.5", "0.5,-inf", "0.2,0.3", "7.0,0.3"]  # omnitest: [0, 6]^2
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    result = run("evaluate", "omnitest", tmp_path / "d.csv", "--json", "--quiet")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["n_designs"], report["n_non_finite"], report["n_clipped"]) == (4, 2, 1)
    assert report["spacing"] is None or np.isfinite(report["spacing"])  # never NaN in the output


def test_damaged_model_files_are_one_line_errors(model, tmp_path):
    doc = json.loads((model / "config.json").read_text())

    def with_config(text):
        damaged = tmp_path / "damaged"
        shutil.rmtree(damaged, ignore_errors=True)
        shutil.copytree(model, damaged)
        (damaged / "config.json").write_text(text)
        return damaged

    def edited(**changes):
        d = json.loads(json.dumps(doc))
        for dotted, value in changes.items():
            *parents, key = dotted.split(".")
            target = d
            for p in parents:
                target = target[p]
            if value is KeyError:
                del target[key]
            else:
                target[key] = value
        return json.dumps(d)

    cases = [
        ("[1, 2]", "not a paretodiff model"), ("null", "not a paretodiff model"), ("{", "not readable JSON"),
        (edited(space=KeyError), "missing entries: space"), (edited(**{"space.inputs": KeyError}), "space lacks inputs"),
        (edited(**{"config.networks.width": "128"}), "width must be a whole number"),
        (edited(**{"space.lower": doc["space"]["lower"][:-1]}), "bounds must give 2"),
        (edited(**{"space.kinds": ["integer", "boolean"]}), "kinds must be one of"),
        (edited(**{"space.lower": doc["space"]["upper"], "space.upper": doc["space"]["lower"]}), "above the upper"),
        (edited(**{"space.lower": [None, 0.0]}), "space.lower must be a list of finite numbers"),
        (edited(**{"state.x_ref": [0.0]}), "state.x_ref must be 2 finite numbers"),
        (json.dumps(doc).replace('"lower": [', '"lower": [NaN, ', 1), "not readable JSON"),
        (edited(format_version=True), "unsupported model format version True"),
        (edited(format_version=1), "format version 1"),
        (edited(**{"state.seed": 12}), "do not match their SHA-256"),
    ]
    for text, fragment in cases:
        one_line_error(run("propose", with_config(text), "-o", tmp_path / "p.csv"), fragment)
    damaged = with_config(json.dumps(doc))
    weights = bytearray((damaged / "weights.safetensors").read_bytes())
    weights[len(weights) // 2] ^= 0x10
    (damaged / "weights.safetensors").write_bytes(bytes(weights))
    one_line_error(run("propose", damaged, "-o", tmp_path / "p.csv"), "does not match the SHA-256")
    assert not (tmp_path / "p.csv").exists()


def test_nan_weights_are_refused_even_with_a_matching_digest(model, tmp_path):
    from safetensors.torch import load_file, save_file

    tensors = load_file(str(model / "weights.safetensors"))
    name = sorted(tensors)[0]
    tensors[name] = tensors[name].clone().fill_(float("nan"))
    save_file(tensors, str(model / "weights.safetensors"))
    doc = json.loads((model / "config.json").read_text())
    doc["weights_sha256"] = hashlib.sha256((model / "weights.safetensors").read_bytes()).hexdigest()
    doc["sha256"] = pgd_files.doc_digest(doc)
    (model / "config.json").write_text(json.dumps(doc))
    one_line_error(run("propose", model, "-o", tmp_path / "p.csv"), "non-finite weights")


def test_bench_records_are_checked(tmp_path):
    out = tmp_path / "b"
    assert run("bench", "--tasks", "vlmop1", "--methods", "d-best", "--seeds", "0,1", "--out", out,
               "-q").exit_code == 0
    seed0, seed1 = (bench.cell_path(out, bench.Cell("vlmop1", "d-best", s)) for s in (0, 1))
    shutil.copy(seed0, seed1)  # another seed's record copied over
    result = run("report", out)
    assert result.exit_code == 0 and "not of its file's cell" in result.stderr
    assert "1 seed(s) per cell" in result.stdout
    record = json.loads(seed0.read_text())
    del record["hv"]
    seed0.write_text(json.dumps(record))  # valid JSON without hv
    with open(out / "runs.jsonl", "a") as handle:
        handle.write('{"command": "paretodiff bench", "fini')  # a last line cut short
    result = run("report", out)
    assert result.exit_code == 0, result.output
    assert "does not match its SHA-256" in result.stderr and "line 2 is not a complete run entry" in result.stderr
    result = run("bench", "--tasks", "vlmop1", "--methods", "d-best", "--seeds", "0,1", "--out", out, "-q")
    assert result.exit_code == 0 and "2 seed(s) per cell" in result.stdout  # both cells ran again
    assert all(bench.read_record(p) is not None for p in (seed0, seed1))
    assert len(bench.read_runs(out)) == 2


def test_the_dataset_cache_is_checked(tmp_path, monkeypatch):
    assert run("data", "vlmop1", "-q").exit_code == 0
    path = data.cache_path("vlmop1", 0)
    dataset = data.read(path)
    data.save(data.Dataset(dataset.task, dataset.seed, dataset.x_train, dataset.y_train, dataset.x_test,
                           dataset.y_test, {**dataset.info, "drawn": 1}), path)
    meta_only = path.read_bytes().replace(b'\\"drawn\\": 1', b'\\"drawn\\": 7')  # the info edited, arrays intact
    assert meta_only != path.read_bytes()
    path.write_bytes(meta_only)
    result = run("data", "vlmop1", "-q")
    assert result.exit_code == 0 and "does not match its checksum; regenerating it" in result.stderr
    path.unlink()
    path.mkdir()
    result = run("data", "vlmop1", "-q")
    assert result.exit_code == 0 and "is not a file" in result.stderr and path.is_dir()
    monkeypatch.setenv("PARETODIFF_CACHE", str(tmp_path / "designs.csv"))
    (tmp_path / "designs.csv").write_text("mine")
    one_line_error(run("data", "vlmop1"), "PARETODIFF_CACHE")
    assert (tmp_path / "designs.csv").read_text() == "mine"


# -- 3. every bad option is one line ----------------------------------------------------------


@pytest.mark.parametrize("args, fragment", [
    (["propose", "m", "-o", "p.csv", "-n", "0"], "-n"),
    (["propose", "m", "-o", "p.csv", "-n", "-5"], "-n"),
    (["propose", "m", "-o", "p.csv", "--steps", "0"], "--steps"),
    (["evaluate", "zdt1", "d.csv", "--seed", "99999999999999999999"], "--seed"),
    (["evaluate", "zdt1", "d.csv", "--seed", "-1"], "--seed"),
    (["data", "zdt1", "--seed", "-3"], "--seed"),
    (["run", "zdt1", "--seed", "-3"], "--seed"),
    (["run", "zdt1", "--data-seed", "4294967296"], "--data-seed"),
    (["bench", "--out", "b", "--seeds", "-1"], "--seeds"),
    (["bench", "--out", "b", "--seeds", "99999999999999999999"], "--seeds"),
    (["bench", "--out", "b", "--data-seed", "-1"], "--data-seed"),
    (["bench", "--out", "b", "--threads", "0"], "--threads"),
    (["bench", "--out", "b", "--methods", "pgd:sample_steps=abc"], "sample_steps"),
    (["bench", "--out", "b", "--methods", "d-best:foo=1"], "foo"),
    (["bench", "--out", "b", "--methods", "multiple-models:epochs=1.5"], "epochs"),
    (["bench", "--out", "b", "--methods", "pgd:guidance_scales=NaN"], "NaN"),
    (["optimize"], "Missing argument"),
    (["frobnicate"], "No such command"),
    (["optimize", "d.csv", "--minimize", "a,b", "-o", "p.csv", "--no-such-option"], "No such option"),
])
def test_every_bad_option_is_one_line(args, fragment, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    one_line_error(run(*args), fragment)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("sig, code, word", [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")])
def test_an_interrupt_is_one_line_and_leaves_no_partial_file(tmp_path, sig, code, word):
    """A real process, stopped while it trains: one line, the interrupt's status, nothing written."""
    table(n=3000).to_csv(tmp_path / "d.csv", index=False)
    before = snapshot(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "paretodiff", "optimize", "d.csv", "--minimize", "cost,loss", "-o", "p.csv",
         "--save-model", "m", "--plot", "f.png"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    seen = ""  # all of stderr so far: the words may straddle two reads
    while "train generator" not in seen and time.monotonic() < deadline:
        chunk = process.stderr.read(64)
        if not chunk:
            break
        seen += chunk
    assert "train generator" in seen, f"training never started: {seen[-2000:]}"
    process.send_signal(sig)
    _, err = process.communicate(timeout=120)
    assert process.returncode == code, err
    assert err.strip().splitlines()[-1] == f"error: {word}"
    assert "Traceback" not in err
    assert snapshot(tmp_path) == before and sorted(p.name for p in tmp_path.iterdir()) == ["d.csv"]


@pytest.mark.parametrize("inside_first_display", [False, True])
def test_an_error_line_starts_a_line_of_its_own_after_an_open_progress_bar(capsys, inside_first_display):
    """An interrupt can leave a bar open on its line: outside its ``with`` block, or inside its first
    display (then the bar never recorded that it was shown, and cannot clear itself)."""
    from tqdm.auto import tqdm

    from paretodiff import cli

    bar = tqdm(total=200, desc="train generator", leave=False, file=sys.stderr)  # shown, kept, never closed
    if inside_first_display:
        del bar.last_print_t  # set after the first display, in tqdm's __init__
    cli._error("interrupted")
    err = capsys.readouterr().err
    assert bar.disable  # closed
    assert err.splitlines()[-1] == "error: interrupted"
