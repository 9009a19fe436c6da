"""The benchmark runner: aggregation, resume, failing cells, process and Ray backends, CLI."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from paretodiff import bench, methods
from paretodiff.methods import Proposals
from paretodiff.cli import app

runner = CliRunner()
from conftest import TINY_PGD_SPEC as TINY_PGD  # noqa: E402


pytestmark = pytest.mark.usefixtures("small_datasets")  # the parent generates them; workers read the cache


def record(task, method, seed, hv, status="ok", d_best=4.0):
    r = {"record_version": bench.RECORD_VERSION, "task": task, "method": method, "seed": seed, "data_seed": 0,
         "n": 256, "status": status}
    if status == "ok":
        r |= {"hv": {"100th": hv, "75th": hv - 1, "50th": hv - 2}, "d_best_hv": d_best, "igd": None,
              "igd_plus": None, "fit_seconds": 1.0 + seed, "propose_seconds": 0.5, "peak_rss_mib": 100.0 + seed,
              "designs": [[0.5]] * 256, "objectives": [[1.0, 2.0]] * 256}
    else:
        r["error"] = "RuntimeError: boom"
    return r


def test_aggregate_mean_std_and_ranks_on_a_hand_made_grid():
    records = [
        # task a: A = 3 ± 1, B = 3 ± 0 (tie), C = 1
        record("a", "A", 0, 2.0), record("a", "A", 1, 4.0),
        record("a", "B", 0, 3.0), record("a", "B", 1, 3.0),
        record("a", "C", 0, 1.0), record("a", "C", 1, 1.0),
        # task b: C best, A second, B failed everywhere
        record("b", "A", 0, 5.0), record("b", "A", 1, 5.0),
        record("b", "B", 0, 0.0, status="error"), record("b", "B", 1, 0.0, status="error"),
        record("b", "C", 0, 7.0), record("b", "C", 1, 6.0, status="error"),
    ]
    table = bench.aggregate(records).set_index(["task", "method"])
    assert table.loc[("a", "A"), "hv_100th_mean"] == 3.0
    assert table.loc[("a", "A"), "hv_100th_std"] == 1.0  # ddof 0
    assert table.loc[("a", "A"), "hv_50th_mean"] == 1.0
    assert table.loc[("a", "A"), "rank_100th"] == 1.5 and table.loc[("a", "B"), "rank_100th"] == 1.5
    assert table.loc[("a", "C"), "rank_100th"] == 3.0
    assert table.loc[("b", "C"), "seeds"] == 1 and table.loc[("b", "C"), "failed"] == 1
    assert table.loc[("b", "C"), "hv_100th_mean"] == 7.0 and table.loc[("b", "C"), "rank_100th"] == 1.0
    assert table.loc[("b", "A"), "rank_100th"] == 2.0
    assert table.loc[("b", "B"), "seeds"] == 0 and table.loc[("b", "B"), "rank_100th"] == 3.0  # last place
    assert table.loc[("a", "A"), "fit_seconds"] == 1.5  # median
    assert table.loc[("a", "A"), "peak_rss_mib"] == 101.0  # largest
    ranks = bench.average_ranks(table.reset_index())
    assert ranks.to_dict() == {"A": 1.75, "C": 2.0, "B": 2.25}
    text = bench.format_markdown(table.reset_index())
    assert "| D(best) (not ranked) | 4.00 | 4.00 | — |" in text
    assert "| A | 3.00 ± 1.00 (1.5) | 5.00 ± 0.00 (2) | 1.75 |" in text
    assert "| B | 3.00 ± 0.00 (1.5) | failed | 2.25 |" in text
    assert "- b / B: 2 of 2 seed(s) failed" in text and "- b / C: 1 of 2 seed(s) failed" in text


def test_the_d_best_method_replaces_the_anchor_row():
    text = bench.format_markdown(bench.aggregate([record("a", "d-best", 0, 4.0), record("a", "X", 0, 5.0)]))
    assert "D(best) (not ranked)" not in text
    assert "| d-best | 4.00 ± 0.00 (2) | 2.00 |" in text


def test_run_records_every_cell_and_a_rerun_skips_the_finished_ones(tmp_path, monkeypatch):
    calls = []
    real_run_cell = bench.run_cell
    monkeypatch.setattr(bench, "run_cell", lambda cell, threads=None: calls.append(cell) or real_run_cell(cell))
    cells = bench.grid(["zdt1", "re21"], ["d-best"], [0, 1])
    summary = bench.run(cells, tmp_path, workers=0)
    assert (summary.ran, summary.skipped, summary.failed) == (4, 0, [])
    for cell in cells:
        rec = json.loads(bench.cell_path(tmp_path, cell).read_text())
        assert rec["status"] == "ok" and rec["task"] == cell.task and rec["seed"] == cell.seed
        assert np.array(rec["designs"]).shape == (256, 30 if cell.task == "zdt1" else 4)
        assert set(rec["hv"]) == {"100th", "75th", "50th"} and rec["hv"]["100th"] == pytest.approx(rec["d_best_hv"])
        assert rec["fit_seconds"] >= 0 and rec["propose_seconds"] >= 0 and rec["peak_rss_mib"] > 0
        assert {"numpy", "torch", "pymoo", "python"} <= set(rec["versions"])
        assert rec["settings"] == {"benchmark_index_bug": False}
    assert (rec["igd"] is None) == (cells[-1].task == "re21")
    calls.clear()
    summary = bench.run(cells, tmp_path, workers=0)
    assert (summary.ran, summary.skipped) == (0, 4) and calls == []
    # a partial (corrupt) file does not count as finished
    bench.cell_path(tmp_path, cells[1]).write_text('{"record_version": 1, "task": "zd')
    summary = bench.run(cells, tmp_path, workers=0)
    assert (summary.ran, summary.skipped) == (1, 3) and calls == [cells[1]]
    assert len(bench.read_runs(tmp_path)) == 3
    assert bench.read_runs(tmp_path)[-1]["tasks"] == ["zdt1", "re21"]
    assert bench.read_runs(tmp_path)[-1]["methods"] == ["d-best"]
    text = bench.write_results(tmp_path)
    md_path, csv_path = tmp_path / "results.md", tmp_path / "results.csv"
    assert "zdt1" in text and text in md_path.read_text() and csv_path.read_text().startswith("task,method,seeds")



def test_results_follow_the_task_and_method_order_of_the_last_run(tmp_path):
    cells = bench.grid(["zdt1", "re21"], ["X", "d-best"], [0])
    for cell in cells:
        bench.write_record(tmp_path, record(cell.task, cell.method, 0, 5.0 if cell.method == "X" else 4.0))
    alphabetical = bench.aggregate(bench.load_records(tmp_path))
    assert list(alphabetical["task"]) == ["re21", "re21", "zdt1", "zdt1"]
    runs = [{"tasks": ["zdt1", "re21"], "methods": ["X", "d-best"]}]
    ordered = bench.in_run_order(alphabetical, runs)
    assert list(zip(ordered["task"], ordered["method"])) == [(c.task, c.method) for c in cells]
    assert list(ordered["rank_100th"]) == [1.0, 2.0, 1.0, 2.0]
    assert bench.in_run_order(alphabetical, [{"command": "an old log without the grid"}]).equals(alphabetical)
    assert "| method | zdt1 | re21 |" in bench.format_markdown(ordered)

class Exploding:
    name = "exploding"

    def __init__(self, when: str = "fit") -> None:
        self.when = when

    def fit(self, data, seed):
        if self.when == "fit":
            raise RuntimeError("the surrogate diverged")
        return self

    def propose(self, n, seed):
        return Proposals(np.zeros((n - 1, 2)))  # wrong shape

    def settings(self):
        return {"when": self.when}

    def facts(self):
        return {}


def test_a_failing_cell_is_recorded_and_the_rest_go_on(tmp_path, monkeypatch):
    monkeypatch.setitem(methods._REGISTRY, "exploding", methods.MethodSpec("exploding", f"{__name__}:Exploding"))
    cells = bench.grid(["re21"], ["exploding", "exploding:when=propose", "d-best"], [0])
    summary = bench.run(cells, tmp_path, workers=0)
    assert summary.ran == 3 and len(summary.failed) == 2
    first = json.loads(bench.cell_path(tmp_path, cells[0]).read_text())
    assert first["status"] == "error" and first["error"] == "RuntimeError: the surrogate diverged"
    assert "Traceback" in first["traceback"]
    second = json.loads(bench.cell_path(tmp_path, cells[1]).read_text())
    assert second["status"] == "error" and "shape (255, 2)" in second["error"]
    assert json.loads(bench.cell_path(tmp_path, cells[2]).read_text())["status"] == "ok"
    # failed cells are retried, finished ones skipped
    summary = bench.run(cells, tmp_path, workers=0)
    assert (summary.ran, summary.skipped) == (2, 1)
    assert "re21 / exploding: 1 of 1 seed(s) failed" in bench.report(tmp_path)


def test_cells_run_in_worker_processes(tmp_path):
    cells = bench.grid(["re21"], ["d-best", TINY_PGD], [0, 1])
    summary = bench.run(cells, tmp_path, workers=2)
    assert (summary.ran, summary.failed) == (4, [])
    records = bench.load_records(tmp_path)
    assert len(records) == 4 and all(r["status"] == "ok" for r in records)
    assert {r["threads"] for r in records} == {bench.threads_per_worker(2)}
    pgd = [r for r in records if r["method"] == TINY_PGD]
    assert pgd[0]["designs"] != pgd[1]["designs"]  # different seeds
    assert pgd[0]["settings"]["generator"]["training"]["steps"] == 10


def test_threads_per_cell_can_be_set(tmp_path):
    wanted = 2 if bench.threads_per_worker(1) == 1 else 1  # not what one worker would get by default
    cells = bench.grid(["re21"], ["d-best"], [0, 1])
    bench.run(cells, tmp_path, workers=1, threads=wanted)
    assert {r["threads"] for r in bench.load_records(tmp_path)} == {wanted}
    assert bench.read_runs(tmp_path)[-1]["threads"] == wanted
    assert f"1 workers, {wanted} threads each)" in bench.report(tmp_path)
    with pytest.raises(ValueError, match="threads"):
        bench.run(cells, tmp_path, threads=0)


def test_ray_backend_runs_a_tiny_grid_on_a_local_instance(tmp_path):
    pytest.importorskip("ray")
    cells = bench.grid(["re21"], ["d-best", TINY_PGD], [0])
    summary = bench.run(cells, tmp_path, backend="ray")
    assert (summary.ran, summary.failed) == (2, [])
    assert {r["method"] for r in bench.load_records(tmp_path)} == {"d-best", TINY_PGD}
    assert bench.read_runs(tmp_path)[-1]["backend"] == "ray"


def test_same_cell_same_record(tmp_path):
    cell = bench.Cell("re21", TINY_PGD, 3)
    a, b = bench.run_cell(cell), bench.run_cell(cell)
    assert a["designs"] == b["designs"] and a["hv"] == b["hv"]


def test_cell_keys_are_file_names():
    assert bench.Cell("zdt1", "d-best", 2).key == "zdt1__d-best__seed2"
    key = bench.Cell("zdt1", "pgd:sample_steps=25", 0).key
    assert "/" not in key and ":" not in key and key != bench.Cell("zdt1", "pgd_sample_steps=25", 0).key


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_cli_bench_report_and_plot(tmp_path):
    out = tmp_path / "bench"
    result = invoke("bench", "--tasks", "re21,dtlz1", "--methods", "d-best", "--seeds", "0", "--out", out,
                    "--workers", 0, "--quiet")
    assert result.exit_code == 0, result.output
    assert "| d-best |" in result.stdout and result.stderr == ""
    assert (out / "results.md").is_file() and (out / "results.csv").is_file()
    again = invoke("bench", "--tasks", "re21,dtlz1", "--methods", "d-best", "--seeds", "0", "--out", out,
                   "--workers", 0)
    assert again.exit_code == 0 and "2 cells, 2 already finished" in again.stderr
    report = invoke("report", out)
    assert report.exit_code == 0 and "## 100th percentile" in report.stdout
    csv = invoke("report", out, "--csv")
    assert csv.stdout.startswith("task,method,seeds,failed")
    for task in ("re21", "dtlz1"):  # 2 objectives: one scatter; 3: a scatter matrix
        png = tmp_path / f"{task}.png"
        result = invoke("plot", out, "--task", task, "-o", png)
        assert result.exit_code == 0, result.output
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--methods", "nope"], "--methods: unknown method 'nope'"),
        (["--methods", "pgd:no_such_field=1"], "--methods: unknown pgd setting 'no_such_field'"),
        (["--tasks", "zdt99"], "--tasks: unknown task 'zdt99'"),
        (["--seeds", "a,b"], "--seeds: expected comma-separated whole numbers"),
        (["--backend", "slurm"], "--backend must be local or ray"),
        (["--address", "ray://x:1"], "--address needs --backend ray"),
    ],
)
def test_cli_bench_errors(tmp_path, args, fragment):
    result = invoke("bench", "--out", tmp_path / "o", "--tasks", "re21", "--methods", "d-best", *args)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], lines
    assert not (tmp_path / "o").exists()


def test_cli_report_and_plot_errors(tmp_path):
    assert invoke("report", tmp_path).exit_code == 2
    out = tmp_path / "bench"
    invoke("bench", "--tasks", "re21", "--methods", "d-best", "--seeds", "0", "--out", out, "--workers", 0, "--quiet")
    result = invoke("plot", out, "--task", "zdt1", "-o", tmp_path / "x.png")
    assert result.exit_code == 2 and "no finished cell of task zdt1" in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_distinct_and_new_count_repeats_and_measured_designs():
    measured = np.array([[0.0, 1.0], [2.0, 3.0]])
    X = np.array([[0.0, 1.0], [0.5, 0.5], [0.5, 0.5], [-0.0, 1.0], [4.0, 4.0]])
    assert bench.distinct_and_new(X, measured) == {"distinct": 3, "new": 2}  # -0.0 equals 0.0


def test_compact_records_hold_the_summaries_resume_and_refuse_to_plot(tmp_path):
    out = tmp_path / "bench"
    result = invoke("bench", "--tasks", "zdt1,re21", "--methods", "d-best", "--seeds", "0", "--out", out,
                    "--workers", 0, "--compact", "--quiet")
    assert result.exit_code == 0, result.output
    records = {r["task"]: r for r in bench.load_records(out)}
    assert all(r["compact"] and "designs" not in r and "objectives" not in r for r in records.values())
    assert all(len(bench.cell_path(out, bench.Cell(t, "d-best", 0)).read_bytes()) < 10_000 for t in records)
    assert 0 < records["zdt1"]["distinct"] <= 256 and records["zdt1"]["new"] == 0  # D(best): measured designs
    assert records["zdt1"]["front_hv"] > records["zdt1"]["hv"]["100th"] and records["re21"]["front_hv"] is None
    again = invoke("bench", "--tasks", "zdt1,re21", "--methods", "d-best", "--seeds", "0", "--out", out,
                   "--workers", 0, "--compact")
    assert again.exit_code == 0 and "2 cells, 2 already finished" in again.stderr
    result = invoke("plot", out, "--task", "zdt1", "-o", tmp_path / "x.png")
    assert result.exit_code == 2 and "compact" in result.stderr and not (tmp_path / "x.png").exists()


def test_the_summary_counts_tasks_above_d_best_and_the_gap_closed():
    records = [record("a", "A", 0, 5.0), record("a", "B", 0, 3.0), record("b", "A", 0, 3.0), record("b", "B", 0, 6.0)]
    for r in records:
        r["front_hv"] = 6.0 if r["task"] == "a" else None  # front known on task a only
        r["new"] = 256 if r["method"] == "A" else 200
    summary = bench.method_summary(bench.aggregate(records)).set_index("method")
    assert summary.loc["A", "above_d_best"] == 1 and summary.loc["B", "above_d_best"] == 1  # D(best) = 4
    assert summary.loc["A", "gap_closed"] == pytest.approx(0.5) and summary.loc["B", "gap_closed"] == pytest.approx(-0.5)
    assert summary.loc["A", "gap_tasks"] == 1 and summary.loc["B", "new_min"] == 200
    text = bench.format_markdown(bench.aggregate(records))
    assert "| A | 1.50 | 1.50 | 1.50 | 1 of 2 | 50% over 1 tasks | 256 | 1.0 + 0.5 |" in text
    assert "## Share of the gap to the true front closed (100th percentile)" in text and "| B | -50% |" in text


def test_equal_seeds_are_not_above_d_best_by_rounding():
    records = [record("a", "A", seed, 0.1, d_best=0.1) for seed in range(3)]  # their mean is 0.1 + 1 ulp
    records += [record("a", "B", 0, 0.1 * (1 + 1e-9), d_best=0.1)]
    summary = bench.method_summary(bench.aggregate(records)).set_index("method")
    assert summary.loc["A", "above_d_best"] == 0 and summary.loc["B", "above_d_best"] == 1


def test_non_finite_facts_are_written_as_null(tmp_path):
    assert bench._json_safe({"a": [1.0, float("nan")], "b": {"c": float("inf")}, "d": "x"}) == \
        {"a": [1.0, None], "b": {"c": None}, "d": "x"}
    cell = bench.Cell("re21", TINY_PGD.replace("pgd:", "pgd-faithful:"), 0)
    record = bench.run_cell(cell)  # the faithful preset measures no generator validation loss
    assert record["status"] == "ok" and record["facts"]["generator_best_val_loss"] is None
    assert bench.read_record(bench.write_record(tmp_path, record)) is not None


def test_the_header_counts_seeds_per_method_and_leaves_failed_cells_out():
    records = [record("a", "A", s, 5.0) for s in range(3)] + [record("a", "B", 0, 3.0), record("b", "A", 0, 3.0)]
    records += [record("b", "B", 0, 0.0, status="error")]
    text = bench.format_markdown(bench.aggregate(records))
    assert "of several seeds per cell (A: 1 to 3, B: 1): mean" in text
    same = bench.format_markdown(bench.aggregate([record("a", "A", 0, 5.0), record("a", "B", 0, 0.0, status="error")]))
    assert "of 1 seed(s) per cell" in same
