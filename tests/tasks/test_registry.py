import numpy as np
import pytest

from paretodiff import tasks


def test_registry_has_the_31_continuous_tasks():
    assert len(tasks.names()) == 31
    assert len(tasks.GROUPS["synthetic"]) == 16 and len(tasks.GROUPS["re"]) == 15


def test_get_is_forgiving_about_case_and_separators_and_clear_when_unknown():
    assert tasks.get("ZDT1") is tasks.get("zdt1") is tasks.get("zdt-1")
    with pytest.raises(KeyError, match="unknown task 'zdt9'"):
        tasks.get("zdt9")


def test_expand_groups_and_lists():
    assert tasks.expand("all") == tasks.names()
    assert tasks.expand("re21, zdt1,re21") == ["re21", "zdt1"]
    assert tasks.expand("synthetic,re") == tasks.names()


def test_task_evaluate_checks_shape_and_maps_unit_cube():
    task = tasks.get("re21")
    with pytest.raises(ValueError, match="expects designs with 4 columns"):
        task.evaluate(np.zeros((3, 5)))
    assert task.evaluate(task.lower).shape == (1, 2)
    U = np.random.default_rng(0).random((5, 4))
    np.testing.assert_allclose(task.to_unit(task.from_unit(U)), U)
    with pytest.raises(ValueError, match="no known Pareto front"):
        tasks.get("vlmop3").pareto_front()


def test_a_task_is_added_by_one_register_call_and_needs_no_benchmark_facts(monkeypatch, tmp_path):
    """What docs/architecture.md shows: a function, a Task with its box, one register call; the
    hypervolume reference then comes from the dataset (no nadir given)."""
    from paretodiff import data, evaluation
    from paretodiff.tasks import Collection, Task

    monkeypatch.setattr(tasks, "_REGISTRY", dict(tasks._REGISTRY))
    monkeypatch.setattr(tasks, "GROUPS", {k: tuple(v) for k, v in tasks.GROUPS.items()})
    monkeypatch.setenv("PARETODIFF_CACHE", str(tmp_path))

    def square_pair(x):
        return np.column_stack([x[:, 0] ** 2, (x[:, 0] - 2) ** 2])

    task = tasks.register(Task("square-pair", 1, 2, -1.0, 3.0, square_pair, collection=Collection(n_gen=5)))
    assert tasks.get("square_pair") is task and "square-pair" in tasks.GROUPS["custom"] and task.nadir is None
    with pytest.raises(ValueError, match="registered already"):
        tasks.register(task)
    dataset = data.generate(task, 0, size=500)
    report = evaluation.evaluate(task, np.array([[0.5], [1.0], [1.5]]), dataset)
    assert report.hv["100th"] > 0 and report.d_best_hv > 0
