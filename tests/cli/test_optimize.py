"""The practitioner's commands: optimize, propose, run (with tiny training budgets)."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from paretodiff.cli import app

runner = CliRunner()
TINY_MM = "multiple-models:hidden=16:16,epochs=2,n_gen=3"
pytestmark = pytest.mark.usefixtures("tiny_cli_budgets")


@pytest.fixture
def designs(tmp_path):
    rng = np.random.default_rng(0)
    n = 60
    frame = pd.DataFrame({"width": rng.uniform(1, 2, n), "height": rng.uniform(0, 5, n),
                          "layers": rng.integers(1, 5, n)})
    frame["cost"] = frame.width + frame.height
    frame["strength"] = frame.width * frame.height + frame.layers
    path = tmp_path / "designs.csv"
    frame.to_csv(path, index=False)
    return path


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def assert_error(result, *fragments, written=()):
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    for path in written:
        assert not path.exists()


def test_optimize_writes_proposals_model_and_plot(designs, tmp_path):
    out, model, plot = tmp_path / "p.csv", tmp_path / "model", tmp_path / "front.png"
    result = run("optimize", designs, "--minimize", "cost", "--maximize", "strength", "-n", 7, "-o", out,
                 "--save-model", model, "--plot", plot, "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # --quiet
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["width", "height", "layers", "batch_rank", "cost_pred", "cost_std", "strength_pred",
                                   "strength_std", "p_undominated", "expected_hvi", "utility", "guidance_scale",
                                   "searched"]  # optimize's default strategy: a batch
    assert frame["batch_rank"].tolist() == list(range(1, 8))
    assert len(frame.drop_duplicates(["width", "height", "layers"])) == 7
    assert len(frame) == 7 and frame["layers"].eq(frame["layers"].round()).all()
    assert (model / "config.json").exists() and plot.stat().st_size > 10_000
    again = tmp_path / "again.csv"
    assert run("optimize", designs, "--minimize", "cost", "--maximize", "strength", "-n", 7, "-o", again,
               "--quiet").exit_code == 0
    pd.testing.assert_frame_equal(pd.read_csv(again), frame)  # same seed, same designs

    more = tmp_path / "more.csv"
    result = run("propose", model, "-n", 5, "--seed", 1, "-o", more, "--quiet")
    assert result.exit_code == 0, result.output
    assert list(pd.read_csv(more).columns)[:3] == ["width", "height", "layers"] and len(pd.read_csv(more)) == 5


def test_optimize_with_bounds_and_inputs(designs, tmp_path):
    bounds = tmp_path / "bounds.csv"
    bounds.write_text("column,lower,upper\nwidth,0,3\n")
    out = tmp_path / "p.csv"
    result = run("optimize", designs, "--minimize", "cost,strength", "--inputs", "width,height",
                 "--bounds", bounds, "-n", 4, "-o", out, "--quiet")
    assert result.exit_code == 0, result.output
    assert list(pd.read_csv(out).columns)[:2] == ["width", "height"]


def test_bounds_inside_the_datas_range_narrow_the_search_and_say_which_columns_keep_it(designs, tmp_path):
    frame = pd.read_csv(designs)
    lo, hi = np.quantile(frame.width, [0.25, 0.5])
    bounds = tmp_path / "bounds.csv"
    bounds.write_text(f"column,lower,upper\nwidth,{lo},{hi}\n")
    out, model = tmp_path / "p.csv", tmp_path / "m"
    result = run("optimize", designs, "--minimize", "cost", "--maximize", "strength", "--bounds", bounds, "-n", 6,
                 "-o", out, "--save-model", model)
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out).width.between(lo, hi).all()
    note = next(line for line in result.stderr.splitlines() if line.startswith("bounds: "))
    assert f"width [{lo:g}, {hi:g}] (narrower than the data's" in note and "every row is still learned from" in note
    assert note.endswith("height, layers keep the data's range")
    again = tmp_path / "q.csv"
    assert run("propose", model, "-n", 5, "-o", again, "--quiet").exit_code == 0
    assert pd.read_csv(again).width.between(lo, hi).all()  # the saved model keeps the search box


def test_optimize_errors(designs, tmp_path):
    out = tmp_path / "p.csv"
    base = ["optimize", designs, "-o", out]
    assert_error(run(*base, "--minimize", "cost,price", "--maximize", "strength"), "no column 'price'", written=[out])
    assert_error(run(*base, "--minimize", "cost"), "at least 2 objective", written=[out])
    assert_error(run("optimize", designs, "--minimize", "cost", "--maximize", "strength", "-o", designs),
                 "is the data file")
    assert_error(run(*base, "--minimize", "cost", "--maximize", "strength", "--inputs", "width,depth"),
                 "--inputs", "'depth'", written=[out])
    assert_error(run(*base, "--minimize", "cost", "--maximize", "strength", "--preset", "turbo"), "unknown preset")

    frame = pd.read_csv(designs)
    frame["height"] = frame["height"].astype(object)
    frame.loc[3, "height"] = "tall"
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    assert_error(run("optimize", bad, "--minimize", "cost", "--maximize", "strength", "-o", out),
                 "line 5", "'height'", "tall", written=[out])

    frame = pd.read_csv(designs)
    frame.loc[[2, 7], "cost"] = np.nan
    frame.loc[9, "strength"] = np.inf
    holes = tmp_path / "holes.csv"
    frame.to_csv(holes, index=False)
    assert_error(run("optimize", holes, "--minimize", "cost", "--maximize", "strength", "-o", out),
                 "non-finite values on 3 line(s): 4, 9, 11", "--drop-invalid", written=[out])
    result = run("optimize", holes, "--minimize", "cost", "--maximize", "strength", "-o", out, "--drop-invalid", "-n", 2)
    assert result.exit_code == 0 and "skipped 3 row(s)" in result.stderr

    short = tmp_path / "short.csv"
    pd.read_csv(designs).head(15).to_csv(short, index=False)
    assert_error(run("optimize", short, "--minimize", "cost", "--maximize", "strength", "-o", tmp_path / "s.csv"),
                 "15 valid rows; at least 16")


def test_bounds_file_errors(designs, tmp_path):
    out = tmp_path / "p.csv"
    bounds = tmp_path / "b.csv"
    for text, fragment in (("column,lower,upper\ndepth,0,1\n", "'depth' is not an input"),
                           ("column,lower,upper\nwidth,3,1\n", "not below"),
                           ("name,lo,hi\nwidth,0,3\n", "column,lower,upper"),
                           ("column,lower,upper\nwidth,low,3\n", "line 2, column 'lower': not a number ('low')"),
                           ("column,lower,upper\nwidth,0,\n", "line 2, column 'upper': not a number (empty or NaN)"),
                           ("column,lower,upper,levels\nwidth,,,1 x\n", "line 2, column 'levels': '1 x' is not 2 or more"),
                           ("column,lower,upper,levels\nwidth,0,1,0.5 2\n", "the levels of 'width' leave its bounds")):
        bounds.write_text(text)
        assert_error(run("optimize", designs, "--minimize", "cost", "--maximize", "strength", "--bounds", bounds,
                         "-o", out), fragment, written=[out])


def test_propose_refuses_a_folder_that_is_not_a_model(tmp_path):
    (tmp_path / "m").mkdir()
    assert_error(run("propose", tmp_path / "m", "-o", tmp_path / "p.csv"), "not a paretodiff model")


def test_run_a_benchmark_task_end_to_end():
    result = run("run", "re21", "--json", "--quiet", "-n", 16)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["method"] == "pgd" and summary["n"] == 16 and summary["d_best_hv"] > 0
    assert set(summary["hv"]) == {"100th", "75th", "50th"} and summary["status"] == "ok"
    result = run("run", "re21", "--method", "pgd-faithful", "--quiet", "-n", 8)
    assert result.exit_code == 0, result.output
    assert "pgd-faithful on re21" in result.stdout and "hypervolume 100th" in result.stdout
    result = run("run", "re21", "--method", "d-best", "--quiet", "-n", 8)  # any registered method
    assert result.exit_code == 0 and "d-best on re21" in result.stdout
    assert_error(run("run", "re21", "--method", "nsga2"), "--method")


def test_optimize_runs_any_registered_method_with_names_senses_and_integer_columns(designs, tmp_path):
    out = tmp_path / "mm.csv"
    result = run("optimize", designs, "--minimize", "cost", "--maximize", "strength", "-n", 12, "-o", out,
                 "--method", "multiple-models:hidden=16:16,epochs=2,n_gen=3", "--quiet")
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["width", "height", "layers"] and len(frame) == 12
    assert frame["layers"].eq(frame["layers"].round()).all() and frame["layers"].between(1, 4).all()
    assert frame["width"].between(1, 2).all()
    assert_error(run("optimize", designs, "--minimize", "cost", "--maximize", "strength", "-o", tmp_path / "x.csv",
                     "--method", "d-best", "--save-model", tmp_path / "m"), "only the pgd methods save a model")
    assert_error(run("optimize", designs, "--minimize", "cost", "--maximize", "strength", "-o", tmp_path / "x.csv",
                     "--method", "d-best", "--steps", 5), "settings of the pgd methods")
    assert_error(run("optimize", designs, "--minimize", "cost", "--maximize", "strength", "-o", tmp_path / "x.csv",
                     "--method", "nope"), "--method: unknown method 'nope'")


def test_n_is_the_total_when_the_guidance_scales_share_it(designs, tmp_path):
    out = tmp_path / "f.csv"
    result = run("optimize", designs, "--minimize", "cost", "--maximize", "strength", "-n", 7, "-o", out,
                 "--preset", "faithful", "--quiet")
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out)["guidance_scale"].tolist() == [10.0] * 4 + [20.0] * 3


def test_optimize_reads_semicolon_excel_and_parquet_tables_and_writes_by_suffix(designs, tmp_path):
    frame = pd.read_csv(designs).assign(stress=lambda f: f.width * 100)
    semicolon, workbook, parquet = tmp_path / "d_semi.csv", tmp_path / "d.xlsx", tmp_path / "d.parquet"
    frame.to_csv(semicolon, sep=";", decimal=",", index=False)
    frame.to_excel(workbook, index=False)
    frame.to_parquet(parquet, index=False)
    outputs = []
    for source, out in ((semicolon, tmp_path / "p.xlsx"), (workbook, tmp_path / "p.parquet"), (parquet, tmp_path / "p.tsv")):
        result = run("optimize", source, "--minimize", "cost", "--maximize", "strength", "--ignore", "stress",
                     "-n", 4, "-o", out)
        assert result.exit_code == 0, result.output
        assert ("columns: inputs width, height, layers; objectives cost (minimized), strength (maximized); "
                "ignored stress") in result.stderr
        summary = [line for line in result.stderr.splitlines() if line.startswith("summary: ")]
        assert len(summary) == 1 and "60 rows used; 4 proposals, " in summary[0], result.stderr
        assert "predicted undominated" in summary[0] and "predicted hypervolume gain over the measured front" in summary[0]
        outputs.append(pd.read_excel(out) if out.suffix == ".xlsx" else pd.read_parquet(out) if out.suffix == ".parquet"
                       else pd.read_csv(out, sep="\t"))
    for table in outputs:
        assert list(table.columns)[:3] == ["width", "height", "layers"] and "stress" not in table.columns
        assert len(table) == 4
    # the same data read three ways gives the same designs (the text keeps every digit here)
    np.testing.assert_allclose(outputs[0][["width", "height"]], outputs[1][["width", "height"]], rtol=1e-12)
    assert_error(run("optimize", designs, "--minimize", "cost", "--maximize", "strength", "-o", tmp_path / "p.json"),
                 "-o:", "write a table as", written=[tmp_path / "p.json"])


def test_a_target_puts_the_designs_predicted_inside_first_and_the_summary_counts_them(designs, tmp_path):
    out = tmp_path / "p.csv"
    result = run("optimize", designs, "--minimize", "cost", "--maximize", "strength", "-n", 6, "-o", out,
                 "--target", "cost<=3")
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert "in_target" in frame and (frame["in_target"] == (frame["cost_pred"] <= 3)).all()
    assert "predicted inside the target (cost<=3)" in result.stderr
    assert_error(run("optimize", designs, "--minimize", "cost", "--maximize", "strength", "-o", out, "--overwrite",
                     "--target", "price<3"), "--target: 'price' is not an objective")
    assert_error(run("optimize", designs, "--minimize", "cost", "--maximize", "strength", "-o", tmp_path / "q.csv",
                     "--method", TINY_MM, "--target", "cost<3"), "--target")


def test_a_categorical_and_a_discrete_column_from_the_command_line_and_a_saved_model(tmp_path):
    rng = np.random.default_rng(0)
    n = 60
    frame = pd.DataFrame({"width": rng.uniform(1, 2, n).round(3), "alloy": rng.choice(["alu", "steel", "ti"], n),
                          "dose": rng.choice([6, 12, 24, 48], n), "line": rng.choice([3, 7], n)})
    frame["mass"] = frame.width * frame.alloy.map({"alu": 2.7, "steel": 7.9, "ti": 4.5})
    frame["strength"] = frame.width * frame.alloy.map({"alu": 1.0, "steel": 3.0, "ti": 2.5}) + frame.dose / 48
    data = tmp_path / "mixed.csv"
    frame.to_csv(data, index=False, sep=";")
    out, model = tmp_path / "out.csv", tmp_path / "model"
    result = run("optimize", data, "--minimize", "mass", "--maximize", "strength", "--discrete", "dose",
                 "--categorical", "line", "-n", 6, "-o", out, "--save-model", model)
    assert result.exit_code == 0, result.output
    assert ("inputs width, alloy (categorical: 3 labels), dose (discrete: 4 levels), line (categorical: 2 labels)"
            in result.stderr)
    for path in (out, tmp_path / "more.csv"):
        if path != out:
            assert run("propose", model, "-n", 5, "-o", path, "--quiet").exit_code == 0
        proposed = pd.read_csv(path)
        assert set(proposed.alloy) <= {"alu", "steel", "ti"} and set(proposed.dose) <= {6, 12, 24, 48}
        assert set(proposed.line) <= {3, 7}
    bounds = tmp_path / "bounds.csv"
    bounds.write_text("column,lower,upper\nalloy,0,1\n")
    assert_error(run("optimize", data, "--minimize", "mass", "--maximize", "strength", "--bounds", bounds, "-o",
                     tmp_path / "o2.csv"), "bounds: 'alloy' is categorical", written=[tmp_path / "o2.csv"])


def test_levels_in_the_bounds_file_make_a_column_discrete_with_those_levels(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"width": rng.uniform(1, 3, 60).round(2), "dose": rng.choice([6, 12, 24, 48], 60)})
    frame["mass"], frame["strength"] = frame.width * 2 + frame.dose / 48, frame.width + np.log(frame.dose)
    data, bounds, out = tmp_path / "d.csv", tmp_path / "b.csv", tmp_path / "out.csv"
    frame.to_csv(data, index=False)
    bounds.write_text("column,lower,upper,levels\ndose,,,6 12 18 24\nwidth,1,2.5,\n")
    result = run("optimize", data, "--minimize", "mass", "--maximize", "strength", "--bounds", bounds, "-n", 12,
                 "-o", out)
    assert result.exit_code == 0, result.output
    assert "dose (discrete: 4 levels)" in result.output
    proposed = pd.read_csv(out)
    assert set(proposed.dose) <= {6, 12, 18, 24} and proposed.width.between(1, 2.5).all()


def test_a_required_sum_from_the_command_line(tmp_path):
    rng = np.random.default_rng(0)
    W = rng.dirichlet([2, 2, 2], 60).round(3)
    W[:, 2] = (1 - W[:, 0] - W[:, 1]).round(3)
    frame = pd.DataFrame({"water": W[:, 0], "cement": W[:, 1], "sand": W[:, 2]})
    frame["cost"], frame["weakness"] = 3 * frame.cement + frame.sand, 1 / (0.2 + frame.cement) + frame.water
    data, out = tmp_path / "mix.csv", tmp_path / "out.csv"
    frame.to_csv(data, index=False)
    result = run("optimize", data, "--minimize", "cost,weakness", "--sum", "water,cement,sand=1", "-n", 5, "-o", out,
                 "--quiet")
    assert result.exit_code == 0, result.output
    np.testing.assert_allclose(pd.read_csv(out)[["water", "cement", "sand"]].sum(axis=1), 1.0, atol=1e-9)
    assert_error(run("optimize", data, "--minimize", "cost,weakness", "--sum", "water,cement", "-o", tmp_path / "o.csv"),
                 "--sum: 'water,cement': write the columns and their total", written=[tmp_path / "o.csv"])


def test_linear_rules_from_the_command_line(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.random((60, 3)).round(3), columns=["cement", "water", "sand"])
    frame["cost"], frame["weakness"] = 3 * frame.cement + frame.sand, 1 - frame.cement - 0.5 * frame.water
    data, out = tmp_path / "mix.csv", tmp_path / "out.csv"
    frame.to_csv(data, index=False)
    model, more = tmp_path / "model", tmp_path / "more.csv"
    result = run("optimize", data, "--minimize", "cost,weakness", "--linear", "cement + 2*water <= 1", "-n", 5,
                 "-o", out, "--save-model", model)
    assert result.exit_code == 0, result.output
    assert "every proposal meets cement + 2*water <= 1" in result.output
    assert run("propose", model, "-n", 20, "-o", more, "--quiet").exit_code == 0  # the saved model keeps the rule
    for path in (out, more):
        proposed = pd.read_csv(path)
        assert (proposed.cement + 2 * proposed.water <= 1 + 1e-9).all()
    assert_error(run("optimize", data, "--minimize", "cost,weakness", "--linear", "cement + 2*glue <= 1", "-o",
                     tmp_path / "o.csv"), "--linear: cement + 2*glue <= 1: 'glue' is not an input column",
                 written=[tmp_path / "o.csv"])
