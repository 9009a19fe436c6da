import numpy as np
import pytest

from paretodiff import data, tasks
from paretodiff.pareto import front_index
from paretodiff.tasks.base import Collection, Task

SMALL = 2_000  # points drawn instead of 100,000, to keep the tests fast


def test_collection_run_records_every_generation_on_the_unit_cube():
    task = tasks.get("zdt1")
    U, F = data.run_collection(task, seed=3)
    assert U.shape == (task.collection.n_gen * data.POP_SIZE, task.n_var)
    assert F.shape == (len(U), task.n_obj)
    assert U.min() >= 0.0 and U.max() <= 1.0
    np.testing.assert_allclose(F, task.evaluate(task.from_unit(U)))


def test_amateur_survival_with_p_one_keeps_the_worst():
    normal = Task("zdt1", 30, 2, 0, 1, tasks.get("zdt1").function, nadir=[1, 10],
                  collection=Collection(n_gen=15, p_reverse=0.0))
    amateur = Task("zdt1", 30, 2, 0, 1, tasks.get("zdt1").function, nadir=[1, 10],
                   collection=Collection(n_gen=15, p_reverse=1.0))
    _, F_normal = data.run_collection(normal, seed=0)
    _, F_amateur = data.run_collection(amateur, seed=0)
    last = slice(-data.POP_SIZE, None)
    # ordinary NSGA-II improves; always-reversed survival drifts towards worse designs
    assert F_normal[last, 1].mean() < F_normal[: data.POP_SIZE, 1].mean()
    assert F_amateur[last, 1].mean() > F_normal[last, 1].mean()


def test_generate_sizes_split_and_bounds():
    task = tasks.get("re21")
    ds = data.generate(task, seed=0, size=SMALL)
    assert len(ds.x_train) + len(ds.x_test) == SMALL
    assert len(ds.x_test) == int(data.TEST_FRACTION * SMALL)
    assert ds.x_train.shape[1] == task.n_var and ds.y_test.shape[1] == task.n_obj
    X = np.concatenate([ds.x_train, ds.x_test])
    assert np.all(X >= task.lower - 1e-12) and np.all(X <= task.upper + 1e-12)
    np.testing.assert_allclose(ds.y_train, task.evaluate(ds.x_train))
    # the test set is the best fronts: no training row is on a better front than a test row
    rank = front_index(np.concatenate([ds.y_test, ds.y_train]))
    assert rank[: len(ds.y_test)].max() <= rank[len(ds.y_test):].min()


def test_generate_is_deterministic_under_a_seed():
    task = tasks.get("vlmop2")
    a, b = data.generate(task, seed=5, size=SMALL), data.generate(task, seed=5, size=SMALL)
    c = data.generate(task, seed=6, size=SMALL)
    assert a.digest() == b.digest()
    assert a.digest() != c.digest()


def test_split_best_cuts_the_boundary_front_at_random():
    Y = np.array([[0, 1], [1, 0], [2, 2], [2.5, 2.5], [3, 2.8], [2.8, 3], [9, 9]], dtype=float)
    masks = {tuple(np.flatnonzero(data.split_best(Y, 4, np.random.default_rng(s)))) for s in range(20)}
    assert masks == {(0, 1, 2, 3)}  # whole fronts
    masks = {tuple(np.flatnonzero(data.split_best(Y, 5, np.random.default_rng(s)))) for s in range(20)}
    assert masks == {(0, 1, 2, 3, 4), (0, 1, 2, 3, 5)}  # front {4, 5} cut at random


def test_cache_round_trip_and_atomic_write(tmp_path):
    ds = data.generate(tasks.get("vlmop1"), seed=1, size=SMALL)
    path = tmp_path / "d.safetensors"
    data.save(ds, path)
    back = data.read(path)
    assert back.digest() == ds.digest() and back.info == ds.info and back.task == "vlmop1"
    assert [p.name for p in tmp_path.iterdir()] == ["d.safetensors"]  # no temporary left
    again = tmp_path / "again.safetensors"
    data.save(data.generate(tasks.get("vlmop1"), seed=1, size=SMALL), again)
    assert path.read_bytes() == again.read_bytes()  # same task and seed, same bytes


def test_corrupt_or_partial_cache_is_detected_and_rebuilt(monkeypatch, tmp_path):
    monkeypatch.setenv("PARETODIFF_CACHE", str(tmp_path))
    calls = []
    real_generate = data.generate

    def small_generate(task, seed=0, **kw):
        calls.append(task.name)
        return real_generate(task, seed, size=SMALL)

    monkeypatch.setattr(data, "generate", small_generate)
    first = data.load("vlmop1", seed=0)
    assert calls == ["vlmop1"] and data.is_cached("vlmop1", 0)
    assert data.load("vlmop1", seed=0).digest() == first.digest() and len(calls) == 1  # from cache

    path = data.cache_path("vlmop1", 0)
    raw = bytearray(path.read_bytes())
    raw[-8:] = b"\x00" * 8  # corrupt the values
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="checksum"):
        data.read(path)
    assert data.load("vlmop1", seed=0).digest() == first.digest() and len(calls) == 2

    path.write_bytes(path.read_bytes()[: len(raw) // 2])  # partial file
    with pytest.raises(ValueError, match="unreadable"):
        data.read(path)
    assert data.load("vlmop1", seed=0).digest() == first.digest() and len(calls) == 3


def test_cache_key_has_task_seed_and_protocol_version():
    path = data.cache_path("zdt1", 7)
    assert "zdt1" in path.name and "seed7" in path.name and f"v{data.PROTOCOL_VERSION}" in path.name


@pytest.mark.slow
@pytest.mark.parametrize("name", tasks.names())
def test_every_task_full_dataset(name):
    ds = data.load(name, seed=0)
    assert len(ds.x_train) + len(ds.x_test) == data.DATA_SIZE - ds.info["dropped_non_finite"]
    assert np.isfinite(ds.y_train).all()
