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
