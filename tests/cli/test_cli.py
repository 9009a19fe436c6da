import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from paretodiff import data, tasks
from paretodiff.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def small_datasets(monkeypatch, tmp_path):
    """Datasets of 2,000 points in a private cache, so the CLI tests run in seconds."""
    monkeypatch.setenv("PARETODIFF_CACHE", str(tmp_path / "cache"))
    real_generate = data.generate
    monkeypatch.setattr(data, "generate", lambda task, seed=0, **kw: real_generate(task, seed, size=2_000))


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def assert_one_line_error(result, *fragments):
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_tasks_lists_all_31_with_cache_state():
    result = run("tasks", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert len(rows) == 31 and {r["name"] for r in rows} == set(tasks.names())
    assert not any(r["cached"] for r in rows)
    assert run("data", "zdt1", "--quiet").exit_code == 0
    rows = {r["name"]: r for r in json.loads(run("tasks", "--json").stdout)}
    assert rows["zdt1"]["cached"] and rows["zdt1"]["true_front"] and not rows["vlmop3"]["true_front"]
    table = run("tasks").stdout
    assert "re61" in table and "true front" in table


def test_data_exports_named_columns(tmp_path):
    out = tmp_path / "train.csv"
    result = run("data", "re21", "--seed", 3, "-o", out, "--quiet")
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["x0", "x1", "x2", "x3", "f0", "f1"]
    ds = data.load("re21", seed=3)
    np.testing.assert_array_equal(frame[["x0", "x1", "x2", "x3"]].to_numpy(), ds.x_train)  # lossless
    best = tmp_path / "best.csv"
    assert run("data", "re21", "--seed", 3, "--best", 10, "-o", best, "--quiet").exit_code == 0
    assert len(pd.read_csv(best)) == 10


def test_data_summary_on_stdout():
    result = run("data", "vlmop1", "--quiet")
    summary = json.loads(result.stdout)
    assert summary["train"] + summary["test"] == 2_000 and summary["task"] == "vlmop1"


def test_evaluate_prints_the_report_and_json(tmp_path):
    best = tmp_path / "best.csv"
    assert run("data", "zdt1", "--best", 256, "-o", best, "--quiet").exit_code == 0
    result = run("evaluate", "zdt1", best, "--quiet")
    assert result.exit_code == 0, result.output
    for label in ("hypervolume 100th", "75th", "50th", "D(best)", "IGD"):
        assert label in result.stdout
    report = json.loads(run("evaluate", "zdt1", best, "--json", "--quiet").stdout)
    assert report["hv"]["100th"] == pytest.approx(report["d_best_hv"])


def test_evaluate_accepts_exactly_n_var_unnamed_columns(tmp_path):
    path = tmp_path / "d.csv"
    pd.DataFrame({"a": [0.1, 0.5], "b": [0.2, 0.3]}).to_csv(path, index=False)
    result = run("evaluate", "omnitest", path, "--json", "--quiet")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n_designs"] == 2


def test_error_unknown_task(tmp_path):
    assert_one_line_error(run("evaluate", "zdt9", tmp_path / "x.csv"), "unknown task 'zdt9'")
    assert_one_line_error(run("data", "nope"), "unknown task")


def test_error_wrong_column_count(tmp_path):
    path = tmp_path / "d.csv"
    pd.DataFrame({"a": [0.1], "b": [0.2], "c": [0.3]}).to_csv(path, index=False)
    assert_one_line_error(run("evaluate", "omnitest", path), "expected 2 design columns", "found 3")


def test_error_non_numeric_cell_names_line_and_column(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("x0,x1\n0.1,0.2\n0.3,abc\n")
    assert_one_line_error(run("evaluate", "omnitest", path), "line 3", "'x1'", "abc")
    path.write_text("x0,x1\n0.1,\n")
    assert_one_line_error(run("evaluate", "omnitest", path), "line 2", "'x1'")


def test_error_empty_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert_one_line_error(run("evaluate", "omnitest", empty), "empty")
    header_only = tmp_path / "header.csv"
    header_only.write_text("x0,x1\n")
    assert_one_line_error(run("evaluate", "omnitest", header_only), "no data rows")
    assert_one_line_error(run("evaluate", "omnitest", tmp_path / "missing.csv"), "no such file")


def test_error_bad_split_and_missing_output_folder(tmp_path):
    assert_one_line_error(run("data", "zdt1", "--split", "valid", "--quiet"), "--split")
    out = tmp_path / "no" / "such" / "dir.csv"
    assert_one_line_error(run("data", "vlmop1", "-o", out, "--quiet"), "does not exist")
    assert not out.exists()


def test_the_help_comes_from_the_registries_and_the_default_preset():
    """The help texts name every registered method and sampler and the default preset's choices."""
    from paretodiff import cli, methods
    from paretodiff.generative import registry
    from paretodiff.methods.pgd_config import from_preset

    default = from_preset("default")
    assert f"{default.generator.kind} (" in cli.GenerativeOption.help and "the default" in cli.GenerativeOption.help
    assert f"the default is {default.sampling.sampler} for the {default.generator.kind}" in cli.SamplerOption.help
    assert all(name in cli.SamplerOption.help for name in registry.SAMPLERS)
    assert f"(default {default.sampling.steps};" in cli.StepsOption.help
    assert all(name in cli.MethodOption.help for name in methods.names())
