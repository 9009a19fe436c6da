import numpy as np
import pytest

from paretodiff import data, evaluation, metrics, tasks


@pytest.fixture(scope="module")
def zdt1_small():
    return tasks.get("zdt1"), data.generate(tasks.get("zdt1"), seed=0, size=3_000)


def test_d_best_designs_score_the_d_best_hypervolume(zdt1_small):
    task, ds = zdt1_small
    rows = evaluation.d_best(ds)
    assert len(rows) == 256 and len(set(rows.tolist())) == 256
    report = evaluation.evaluate(task, ds.x_train[rows], ds)
    assert report.hv["100th"] == pytest.approx(report.d_best_hv)
    assert report.hv["100th"] >= report.hv["75th"] >= report.hv["50th"] > 0
    assert report.n_clipped == 0 and report.n_non_finite == 0


def test_normalization_uses_train_and_test(zdt1_small):
    task, ds = zdt1_small
    norm = evaluation.normalizer(ds)
    Y = np.concatenate([ds.y_train, ds.y_test])
    assert norm.y_min == pytest.approx(Y.min(axis=0)) and norm.y_max == pytest.approx(Y.max(axis=0))
    assert ds.y_test.min(axis=0)[1] < ds.y_train.min(axis=0)[1]


def test_true_front_designs_beat_d_best_and_have_small_igd(zdt1_small):
    task, ds = zdt1_small
    X = np.zeros((256, task.n_var))
    X[:, 0] = np.linspace(0, 1, 256)  # ZDT1's Pareto set: x2..x30 = 0
    report = evaluation.evaluate(task, X, ds)
    assert report.hv["100th"] > report.d_best_hv
    assert report.igd < 0.01 and report.igd_plus < 0.01


def test_out_of_bounds_designs_are_clipped_and_counted(zdt1_small):
    task, ds = zdt1_small
    X = np.full((4, task.n_var), 0.5)
    X[0, 3] = 1.5
    X[1, 0] = -0.2
    clipped, n = evaluation.clip_to_bounds(task, X)
    assert n == 2 and clipped[0, 3] == 1.0 and clipped[1, 0] == 0.0
    assert evaluation.evaluate(task, X, ds).n_clipped == 2


def test_non_finite_results_are_counted_not_hidden(zdt1_small):
    task, ds = zdt1_small
    X = np.full((3, task.n_var), 0.5)
    X[2, 1] = np.nan
    report = evaluation.evaluate(task, X, ds)
    assert report.n_non_finite == 1 and report.n_designs == 3


def test_igd_is_none_without_a_true_front():
    task = tasks.get("vlmop3")
    ds = data.generate(task, seed=0, size=2_000)
    report = evaluation.evaluate(task, ds.x_test[:50], ds)
    assert report.igd is None and report.igd_plus is None


def test_benchmark_index_bug_flag_changes_the_selection_not_the_full_hv(zdt1_small):
    task, ds = zdt1_small
    X = ds.x_test[:256]
    fixed = evaluation.evaluate(task, X, ds)
    buggy = evaluation.evaluate(task, X, ds, benchmark_index_bug=True)
    assert buggy.hv["100th"] == fixed.hv["100th"]
    assert buggy.benchmark_index_bug and not fixed.benchmark_index_bug
    ref = metrics.reference_point(task.nadir, evaluation.normalizer(ds))
    Yn = evaluation.normalizer(ds)(task.evaluate(X))
    assert buggy.hv["50th"] == pytest.approx(metrics.percentile_hypervolume(Yn, ref, 0.5, benchmark_index_bug=True))
