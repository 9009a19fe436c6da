"""The ParetoFlow adapter (``paretoflow`` package): budgets, seeding, files, and the fixed variant's corrections.

The end-to-end tests fit each variant once on 500 ZDT1-like rows with tiny budgets; the
corrections are also tested on small hand-made inputs, next to the package behaviour they
correct.
"""

import os
import sys
import tempfile
from types import SimpleNamespace

import numpy as np
import pytest
import torch

pytest.importorskip("paretoflow")

import paretoflow
import paretoflow.paretoflow as core

from paretodiff import tasks
from paretodiff.methods import OfflineData, make
from paretodiff.methods import paretoflow as adapter
from paretodiff.methods.paretoflow import ParetoFlowConfig, ParetoFlowMethod
from paretodiff.pareto import select_best

TINY = dict(fm_epochs=1, fm_validation_size=50, fm_sampling_steps=10, fm_hidden_size=64, proxy_epochs=1, T=20,
            t_threshold=0.9)
N = 64


def zdt1_data() -> OfflineData:
    task = tasks.get("zdt1")
    X = np.random.default_rng(0).random((500, 30))
    return OfflineData.in_box(X, task.evaluate(X), task.lower, task.upper, "zdt1")


def fit_in_empty_folders(fixed: bool, root) -> tuple[ParetoFlowMethod, list[str]]:
    """Fit with the working directory and the temporary-file root both empty folders.

    Returns the method and what is left in the working directory and, of the adapter's
    (``paretoflow-*``), in the temporary-file root (torch may put its own caches there).
    """
    cwd, tmp = root / "cwd", root / "tmp"
    cwd.mkdir()
    tmp.mkdir()
    method = ParetoFlowMethod(fixed=fixed, **TINY)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        mp.setattr(tempfile, "tempdir", str(tmp))
        method.fit(zdt1_data(), seed=0)
    return method, sorted(os.listdir(cwd)) + sorted(p for p in os.listdir(tmp) if p.startswith("paretoflow"))


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    return fit_in_empty_folders(False, tmp_path_factory.mktemp("plain"))


@pytest.fixture(scope="module")
def fixed(tmp_path_factory):
    return fit_in_empty_folders(True, tmp_path_factory.mktemp("fixed"))


@pytest.fixture(scope="module")
def fixed_spied(fixed):
    """The fixed variant's proposal at seed 0, with the inputs of its two corrected steps recorded."""
    method, _ = fixed
    seen = {}
    real_init, real_select = adapter.initial_archive, adapter.select_proxy_best

    def init(all_x, all_y, weights):
        seen["init"] = (np.array(all_y), weights.clone())
        return real_init(all_x, all_y, weights)

    def select(n, archive_x, negated_y_hat):
        seen["select"] = (n, np.array(archive_x), np.array(negated_y_hat))
        return real_select(n, archive_x, negated_y_hat)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(adapter, "initial_archive", init)
        mp.setattr(adapter, "select_proxy_best", select)
        designs = method.propose(N, seed=0).X
    seen["facts"] = method.facts()
    return designs, seen


# ---------------------------------------------------------------------------------------
# End to end
# ---------------------------------------------------------------------------------------


def test_both_variants_propose_exactly_n_inside_the_box(plain, fixed, fixed_spied):
    data = zdt1_data()
    for designs in (plain[0].propose(N, seed=0).X, fixed_spied[0]):
        assert designs.shape == (N, 30) and np.isfinite(designs).all()
        assert (designs >= data.lower).all() and (designs <= data.upper).all()
    assert plain[0].name == "paretoflow" and fixed[0].name == "paretoflow-fixed"


def test_nothing_is_written_to_the_working_directory_or_left_in_temp(plain, fixed, tmp_path, monkeypatch):
    assert plain[1] == [] and fixed[1] == []
    monkeypatch.chdir(tmp_path)
    fixed[0].propose(8, seed=3)
    assert os.listdir(tmp_path) == []


def test_same_seed_same_designs_and_caller_rng_untouched(fixed, fixed_spied):
    method, _ = fixed
    np.random.seed(123)
    torch.manual_seed(123)
    numpy_state, torch_state = np.random.get_state()[1].copy(), torch.random.get_rng_state().clone()
    again = method.propose(N, seed=0).X
    np.testing.assert_array_equal(again, fixed_spied[0])
    assert not np.array_equal(method.propose(N, seed=1).X, again)
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state)
    assert torch.equal(torch.random.get_rng_state(), torch_state)


def test_fit_is_deterministic_and_records_what_it_ran(plain, fixed):
    # Both fixtures fit the same data with seed 0: training does not depend on the variant.
    a, b = plain[0], fixed[0]
    for x, y in zip(a._fm.state_dict().values(), b._fm.state_dict().values()):
        assert torch.equal(x, y)
    for pa, pb in zip(a._proxies.obj2model.values(), b._proxies.obj2model.values()):
        for x, y in zip(pa.state_dict().values(), pb.state_dict().values()):
            assert torch.equal(x, y)
    facts = b.facts()
    assert facts["fm_checkpoint"] == "last" and facts["proxy_checkpoint"] == ["best", "best"]
    assert facts["fm_epochs_run"] == 1 and facts["proxy_epochs_run"] == 1
    assert all(-1 <= p <= 1 for p in facts["proxy_best_val_pcc"])
    assert facts["fm_seconds"] > 0 and facts["proxy_seconds"] > 0 and facts["sample_seconds"] > 0


def test_flow_checkpoint_best_is_reloaded_from_the_trainer_file_last_is_the_returned_model(tmp_path):
    saved, returned = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)

    def train_flow_matching(all_x, device, name, store_path, **budget):
        assert store_path.startswith(str(tmp_path)) and budget["epochs"] == 6 and budget["fm_sampling_steps"] == 100
        torch.save(saved, store_path + name + ".model")
        return np.array([1.0, 0.5, 0.7]), store_path + name + ".model", returned

    pf = SimpleNamespace(flow=SimpleNamespace(train_flow_matching=train_flow_matching))
    task = SimpleNamespace(input_x=np.zeros((4, 2)))
    for choice, expected in (("best", saved), ("last", returned)):
        model, facts = ParetoFlowMethod(fm_checkpoint=choice)._train_flow(pf, task, torch.device("cpu"), str(tmp_path))
        assert torch.equal(model.weight, expected.weight) and facts["fm_checkpoint"] == choice
        assert (facts["fm_epochs_run"], facts["fm_best_epoch"], facts["fm_best_val_nll"], facts["fm_last_val_nll"]) == (
            3, 2, 0.5, 0.7)


def test_proxy_checkpoint_best_is_reloaded_from_the_trainer_files(tmp_path):
    best = {}

    def train_proxies(X, y, name, save_dir, **budget):
        assert save_dir == str(tmp_path) and budget["n_epochs"] == 2 and budget["proxies_batch_size"] == 256
        model = paretoflow.MultipleModels(n_dim=2, n_obj=2, hidden_size=[4, 4], save_dir=save_dir, save_prefix=name)
        for j, single in model.obj2model.items():
            single.save(val_pcc=0.25 * (j + 1))
            best[j] = [p.detach().clone() for p in single.parameters()]
            with torch.no_grad():
                for p in single.parameters():
                    p.add_(1.0)  # later, worse epochs
        return "", model

    pf = SimpleNamespace(multiple_model_predictor=SimpleNamespace(train_proxies=train_proxies))
    task = SimpleNamespace(input_x=np.zeros((4, 2)), input_y=np.zeros((4, 2)))
    for choice in ("best", "last"):
        proxies, facts = ParetoFlowMethod(proxy_checkpoint=choice)._train_proxies(pf, task, torch.device("cpu"),
                                                                                  str(tmp_path))
        assert facts["proxy_checkpoint"] == [choice, choice] and facts["proxy_best_val_pcc"] == [0.25, 0.5]
        for j, single in proxies.obj2model.items():
            same = all(torch.equal(p, q) for p, q in zip(single.parameters(), best[j]))
            assert same == (choice == "best")


def test_bounds_are_given_in_the_normalized_space(fixed):
    task = fixed[0]._task
    np.testing.assert_allclose(task.xl * task.x_std + task.x_mean, 0.0, atol=1e-12)
    np.testing.assert_allclose(task.xu * task.x_std + task.x_mean, 1.0, atol=1e-12)
    assert (task.xl < task.input_x.min(axis=0) + 1e-9).all() and (task.xu > task.input_x.max(axis=0) - 1e-9).all()


def test_fixed_variant_initializes_from_the_data_and_returns_the_proxy_best_of_its_archive(fixed, fixed_spied):
    method, _ = fixed
    designs, seen = fixed_spied
    task = method._task
    init_y, weights = seen["init"]
    np.testing.assert_array_equal(init_y, task.input_y)
    assert weights.shape == (400, 2)
    n, archive_x, negated = seen["select"]
    assert n == N and len(archive_x) == seen["facts"]["archive_unique"] > N
    assert seen["facts"]["returned"] == seen["facts"]["returned_unique"] == N
    with torch.no_grad():  # the selection function really receives -y_hat of the proxies
        y_hat = method._proxies(torch.as_tensor(archive_x, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(-negated, y_hat, rtol=1e-4, atol=1e-4)
    expected = archive_x[select_best(y_hat, N)] * task.x_std + task.x_mean
    np.testing.assert_allclose(designs, np.clip(expected, 0, 1), rtol=0, atol=1e-12)


def test_as_shipped_variant_keeps_the_package_selection(plain, monkeypatch):
    used = []
    monkeypatch.setattr(adapter, "select_proxy_best", lambda *a: used.append(1))
    monkeypatch.setattr(adapter, "initial_archive", lambda *a: used.append(1))
    plain[0].propose(8, seed=0)
    assert used == []


def test_too_many_designs_is_a_clear_value_error(fixed, monkeypatch):
    method, _ = fixed
    with pytest.raises(ValueError, match="at most one design per weight vector.*400"):
        method.propose(401, seed=0)
    with pytest.raises(ValueError, match="at least 1"):
        method.propose(0, seed=0)
    # An archive left with fewer unique designs than asked for (the package asserts).
    monkeypatch.setattr(paretoflow.ParetoFlow, "_remove_duplicates", classmethod(lambda cls, designs: designs[:10]))
    with pytest.raises(ValueError, match="fewer than 20 unique designs"):
        method.propose(20, seed=0)


def test_propose_before_fit_and_bad_data():
    method = ParetoFlowMethod(**TINY)
    with pytest.raises(RuntimeError, match="fit before"):
        method.propose(4, seed=0)
    data = zdt1_data()
    with pytest.raises(ValueError, match="at least 400 rows"):
        method.fit(OfflineData.in_box(data.X[:300], data.Y[:300], data.lower, data.upper), seed=0)
    X = data.X.copy()
    X[:, 3] = 0.5
    with pytest.raises(ValueError, match=r"design column\(s\) \[3\] are constant"):
        method.fit(OfflineData.in_box(X, data.Y, data.lower, data.upper), seed=0)


# ---------------------------------------------------------------------------------------
# The corrections on hand-made inputs, next to the package behaviour they correct
# ---------------------------------------------------------------------------------------

# Rows 0-2 are dominated; rows 3-5 form the first front.
Y_SMALL = np.array([[5.0, 5.0], [6.0, 6.0], [7.0, 7.0], [0.0, 1.0], [0.5, 0.5], [1.0, 0.0]])


def test_package_cuts_the_last_front_with_positions_not_rows():
    _, y = core.get_N_non_dominated_solutions(2, np.arange(6)[:, None], Y_SMALL)
    assert {tuple(r) for r in y} == {(5.0, 5.0), (7.0, 7.0)}  # dominated rows: the package's bug
    rows = set(select_best(Y_SMALL, 2).tolist())
    assert rows == {3, 5}  # the corrected selection keeps the two extremes of the first front


def test_best_per_weight_takes_the_smallest_scalarization_greedily():
    Y = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [2.0, 2.0], [0.1, 0.1]])
    W = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [0.5, 0.5]])
    rows, scores = adapter.best_per_weight(Y, W)
    assert rows.tolist() == [0, 1, 4, 2]  # the 2nd (0.5, 0.5) weight gets the best point left
    np.testing.assert_allclose(scores, [-0.0, -0.0, -0.1, -0.5])
    with pytest.raises(ValueError):
        adapter.best_per_weight(Y[:3], W)


def test_fixed_initialization_against_the_package():
    X = np.arange(12, dtype=float).reshape(6, 2)  # row i is (2i, 2i + 1)
    W = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]], dtype=torch.float64)
    _, Fixed = adapter._classes()
    fixed = Fixed._initialize_pareto_set(object.__new__(Fixed), 3, W, "d_best", X, Y_SMALL)
    assert [tuple(x.tolist()) for x, _ in fixed] == [(6.0, 7.0), (10.0, 11.0), (8.0, 9.0)]  # rows 3, 5, 4
    np.testing.assert_allclose([s for _, s in fixed], [-0.0, -0.0, -0.5])
    assert all(x.dtype == torch.float32 for x, _ in fixed)
    package = paretoflow.ParetoFlow._initialize_pareto_set(object.__new__(paretoflow.ParetoFlow), 3, W, "d_best",
                                                           X, Y_SMALL)
    # The package seeds the archive with dominated rows and the largest y . w, stored with the wrong sign.
    assert {int(x[0]) // 2 for x, _ in package} & {0, 1, 2}
    assert float(package[0][1]) > 0
    bare = object.__new__(Fixed)
    bare.D = 2
    empty = Fixed._initialize_pareto_set(bare, 3, W, "empty_init", X, Y_SMALL)
    assert len(empty) == 3 and all(s == float("-inf") for _, s in empty)


def test_final_selection_is_swapped_only_inside_the_block():
    original = core.get_N_non_dominated_solutions
    archive = np.arange(6, dtype=float)[:, None]
    calls = []
    with adapter.final_selection(True, calls):
        x, negated = core.get_N_non_dominated_solutions(2, archive, -Y_SMALL)  # sample passes -y_hat
        assert sorted(x[:, 0].tolist()) == [3.0, 5.0]  # the proxy-best two
        np.testing.assert_array_equal(negated, -Y_SMALL[x[:, 0].astype(int)])
    assert core.get_N_non_dominated_solutions is original and calls == [6]
    with adapter.final_selection(False, calls):
        x_pkg, _ = core.get_N_non_dominated_solutions(2, archive, -Y_SMALL)
    assert calls == [6, 6] and core.get_N_non_dominated_solutions is original
    assert sorted(x_pkg[:, 0].tolist()) != [3.0, 5.0]  # the package ranks -y_hat: not the proxy-best
    with pytest.raises(KeyError), adapter.final_selection(True, []):
        raise KeyError
    assert core.get_N_non_dominated_solutions is original


def test_select_proxy_best_keeps_whole_fronts_then_crowding():
    Y = np.array([[0.0, 1.0], [0.1, 0.9], [0.5, 0.5], [0.9, 0.1], [1.0, 0.0], [2.0, 2.0], [3.0, 3.0]])
    x, _ = adapter.select_proxy_best(3, np.arange(7)[:, None], -Y)
    assert sorted(x[:, 0].tolist()) == [0, 2, 4]  # the ends and the least crowded middle point
    x, _ = adapter.select_proxy_best(6, np.arange(7)[:, None], -Y)
    assert sorted(x[:, 0].tolist()) == [0, 1, 2, 3, 4, 5]


# ---------------------------------------------------------------------------------------
# Configuration, record, registry, optional dependency
# ---------------------------------------------------------------------------------------


def test_presets_and_overrides():
    cpu, paper = ParetoFlowConfig.preset("cpu"), ParetoFlowConfig.preset("paper")
    assert cpu == ParetoFlowConfig()
    assert (paper.fm_epochs, paper.fm_patience, paper.fm_batch_size) == (1000, 20, 128)
    assert (paper.proxy_epochs, paper.proxy_batch_size, paper.fm_validation_size) == (200, 128, 1000)
    assert cpu.fm_epochs < paper.fm_epochs and cpu.proxy_epochs < paper.proxy_epochs
    assert (cpu.fm_checkpoint, cpu.proxy_checkpoint, paper.fm_checkpoint, paper.proxy_checkpoint) == (
        "last", "best", "best", "best")
    for config in (cpu, paper):
        assert (config.T, config.O, config.K, config.gamma, config.t_threshold, config.g_t) == (1000, 5, 0, 2.0, 0.8, 0.1)
    method = ParetoFlowMethod(preset="paper", T=100, gamma=3)
    assert method.config.fm_epochs == 1000 and method.config.T == 100 and method.config.gamma == 3.0
    assert make("paretoflow-fixed:preset=paper,T=50").settings()["T"] == 50


@pytest.mark.parametrize("kwargs, message", [
    (dict(preset="gpu"), "unknown paretoflow preset"),
    (dict(epochs=3), "unknown paretoflow setting"),
    (dict(T=1), "T and fm_sampling_steps"),
    (dict(fm_epochs=1.5), "fm_epochs must be a whole number"),
    (dict(verbose="yes"), "verbose must be true or false"),
    (dict(fm_checkpoint="middle"), "fm_checkpoint must be 'best' or 'last'"),
    (dict(distance="manhattan"), "distance"),
    (dict(init_method="random"), "init_method"),
    (dict(proxy_val_ratio=1.0), "proxy_val_ratio"),
])
def test_bad_settings_are_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ParetoFlowMethod(**kwargs)


def test_settings_record_the_variant_fixes_and_version():
    import json

    plain, fixed = make("paretoflow").settings(), make("paretoflow-fixed").settings()
    json.dumps(plain), json.dumps(fixed)
    assert plain["variant"] == "as-shipped" and fixed["variant"] == "fixed"
    assert plain["fixes_applied"] == ["bounds_in_normalized_space"]
    assert fixed["fixes_applied"] == ["bounds_in_normalized_space", "archive_init_sign", "final_selection_sign",
                                      "last_front_index"]
    assert "archive_init_sign" in plain["fixes_not_applied"] and "archive_init_sign" not in fixed["fixes_not_applied"]
    assert "fm_validation_nll" in fixed["fixes_not_applied"]
    assert plain["paretoflow_version"] == "0.1.5" and plain["preset"] == "cpu" and plain["fm_epochs"] == 6


def test_missing_package_is_an_import_error_with_the_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "paretoflow", None)
    with pytest.raises(ImportError, match=r"pip install 'paretodiff\[peers\]'"):
        ParetoFlowMethod()


def test_the_offline_task_refuses_to_evaluate():
    offline_task = adapter._classes()[0]
    with pytest.raises(RuntimeError, match="no objective function"):
        offline_task.evaluate(None, np.zeros((1, 2)))
