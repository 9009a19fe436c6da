"""Property-based tests (Hypothesis) of every reader of a user's or a run's files.

Each reader either returns what it promises or raises the one error type the command line
turns into a one-line message (:class:`~paretodiff.errors.InputError` / ``ValueError``);
never another exception, never a silently different result.  A damaged model, cell record
or dataset file is refused, or it loads as exactly the original (a change that leaves the
contents the same, such as JSON whitespace).

Each property runs twice: a short profile in the default run (``SHORT`` examples), a long
one marked ``slow`` (``LONG``); run it with ``pytest -m slow tests/test_properties.py``.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paretodiff import bench, data
from paretodiff.errors import InputError
from paretodiff.methods import OfflineData
from paretodiff.methods.pgd import ParetoDiff
from paretodiff.tables import MIN_ROWS, bounds_table, search_bounds, training_table

SHORT, LONG = 40, 1500
QUICK = settings(max_examples=SHORT, deadline=None, suppress_health_check=[HealthCheck.too_slow])
THOROUGH = settings(max_examples=LONG, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- the CSV reader -------------------------------------------------------------------------

NAMES = ["a", "b", "cost", "loss", "utility", "", " a", "a.1", "é", "x,y"]
CELLS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(min_value=-10, max_value=10).map(lambda v: f"{v:.6g}"),
    st.integers(-5, 5).map(str),
    st.sampled_from(["", "nan", "inf", "-inf", "1e309", "-1.7e308", "text", '"1,5"', "  3 ", "0x10", "1_000", "None"]),
)


@st.composite
def csv_texts(draw):
    """A table text: mostly well-formed rows of numbers, with every kind of damage mixed in."""
    header = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=5))
    header = header if draw(st.booleans()) else ["a", "b", "cost", "loss"]
    n_rows = draw(st.integers(0, 40))
    good = draw(st.booleans())
    rows = []
    for _ in range(n_rows):
        width = len(header) if good or draw(st.integers(0, 9)) else draw(st.integers(0, 7))
        if good and draw(st.integers(0, 30)):
            rows.append(",".join(f"{draw(st.floats(0, 1)):.6g}" for _ in range(width)))
        else:
            rows.append(",".join(draw(CELLS) for _ in range(width)))
    text = "\n".join([",".join(header), *rows]) + draw(st.sampled_from(["\n", "", "\n\n", "\r\n"]))
    if draw(st.integers(0, 9)) == 0:
        text = text.replace(",", draw(st.sampled_from([";", "\t", " "])))
    raw = text.encode()
    if draw(st.integers(0, 9)) == 0:
        position = draw(st.integers(0, max(0, len(raw) - 1)))
        raw = raw[:position] + draw(st.binary(min_size=1, max_size=8)) + raw[position:]
    return raw


def _check_csv_reader(raw: bytes, drop_invalid: bool, maximize: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "designs.csv"
        path.write_bytes(raw)
        objectives = (["cost"], ["loss"]) if maximize else (["cost", "loss"], [])
        try:
            X, Y, inputs, names, senses, dropped = training_table(path, *objectives, None, drop_invalid)[:6]
        except InputError as exc:
            assert "\n" not in str(exc)
            return
        assert path.read_bytes() == raw  # reading never changes the file
    assert X.ndim == Y.ndim == 2 and len(X) == len(Y) >= MIN_ROWS
    assert X.shape[1] == len(inputs) >= 1 and Y.shape[1] == len(names) == 2
    assert np.isfinite(X).all() and np.isfinite(Y).all()
    assert senses == (["min", "max"] if maximize else ["min", "min"]) and set(inputs).isdisjoint(names)
    assert drop_invalid or not dropped


@QUICK
@given(csv_texts(), st.booleans(), st.booleans())
def test_csv_reader(raw, drop_invalid, maximize):
    _check_csv_reader(raw, drop_invalid, maximize)


@pytest.mark.slow
@THOROUGH
@given(csv_texts(), st.booleans(), st.booleans())
def test_csv_reader_long(raw, drop_invalid, maximize):
    _check_csv_reader(raw, drop_invalid, maximize)


# -- the bounds reader ----------------------------------------------------------------------

BOUND_CELLS = st.one_of(st.floats(-3, 3).map(lambda v: f"{v:.4g}"), CELLS)


@st.composite
def bounds_texts(draw):
    header = draw(st.sampled_from(["column,lower,upper", "column,lower", "name,lo,hi", "upper,lower,column"]))
    rows = [",".join([draw(st.sampled_from(["a", "b", "c", "", "cost"])), draw(BOUND_CELLS), draw(BOUND_CELLS)])
            for _ in range(draw(st.integers(0, 4)))]
    return ("\n".join([header, *rows]) + "\n").encode()


def _check_bounds_reader(raw: bytes) -> None:
    X = np.column_stack([np.linspace(-1, 1, 20), np.linspace(0, 2, 20)])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bounds.csv"
        path.write_bytes(raw)
        try:
            named = bounds_table(path, ["a", "b"])
        except InputError as exc:
            assert "\n" not in str(exc)
            return
    lower, upper = search_bounds(X, ["a", "b"], named)
    assert set(named) <= {"a", "b"} and np.isfinite(lower).all() and np.isfinite(upper).all() and (lower < upper).all()


@QUICK
@given(bounds_texts())
def test_bounds_reader(raw):
    _check_bounds_reader(raw)


@pytest.mark.slow
@THOROUGH
@given(bounds_texts())
def test_bounds_reader_long(raw):
    _check_bounds_reader(raw)


# -- damaged files: the model loader, cell records, the dataset cache ----------------------


@st.composite
def damage(draw, size: int):
    """A list of edits of a file of ``size`` bytes: byte flips, a cut, an insertion."""
    kind = draw(st.sampled_from(["flip", "flip", "truncate", "insert"]))
    if kind == "flip":
        return kind, draw(st.lists(st.tuples(st.integers(0, size - 1), st.integers(1, 255)), min_size=1, max_size=4))
    if kind == "truncate":
        return kind, draw(st.integers(0, size - 1))
    return kind, (draw(st.integers(0, size)), draw(st.binary(min_size=1, max_size=16)))


def damaged(raw: bytes, edit) -> bytes:
    kind, how = edit
    if kind == "flip":
        out = bytearray(raw)
        for position, mask in how:
            out[position] ^= mask
        return bytes(out)
    if kind == "truncate":
        return raw[:how]
    position, extra = how
    return raw[:position] + extra + raw[position:]


TINY = {"generator.n_steps": 20, "networks.width": 8, "networks.authors_width": 8, "networks.depth": 1,
        "networks.time_width": 4, "generator.training.steps": 5, "generator.training.batch": 16,
        "preference.training.steps": 5, "preference.training.val_every": 5, "preference.training.batch": 16}


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (64, 2))
    Y = np.column_stack([X.sum(axis=1), (1 - X).sum(axis=1)])
    folder = tmp_path_factory.mktemp("model") / "m"
    model = ParetoDiff(**TINY).fit(OfflineData(X, Y), seed=0)
    model.save(folder)
    return folder, model.propose(8, seed=3).X


def _model_edit_strategy():
    return st.tuples(st.sampled_from(["config.json", "weights.safetensors"]), st.data())


def _check_model_loader(saved_model, which: str, draws) -> None:
    folder, expected = saved_model
    raw = (folder / which).read_bytes()
    edit = draws.draw(damage(len(raw)))
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "m"
        shutil.copytree(folder, copy)
        (copy / which).write_bytes(damaged(raw, edit))
        try:
            model = ParetoDiff.load(copy)
        except InputError as exc:
            assert "\n" not in str(exc)
            return
        np.testing.assert_array_equal(model.propose(8, seed=3).X, expected)


@QUICK
@given(_model_edit_strategy())
def test_model_loader(saved_model, case):
    _check_model_loader(saved_model, *case)


@pytest.mark.slow
@THOROUGH
@given(_model_edit_strategy())
def test_model_loader_long(saved_model, case):
    _check_model_loader(saved_model, *case)


def _record() -> dict:
    rng = np.random.default_rng(1)
    return {"record_version": bench.RECORD_VERSION, "task": "zdt1", "method": "pgd", "seed": 2, "data_seed": 0,
            "n": 4, "status": "ok", "hv": {"100th": 4.5, "75th": 4.0, "50th": 3.5}, "d_best_hv": 4.1, "igd": 0.1,
            "igd_plus": None, "fit_seconds": 1.5, "propose_seconds": 0.1, "peak_rss_mib": 300.0,
            "designs": rng.uniform(0, 1, (4, 3)).tolist(), "objectives": rng.uniform(0, 1, (4, 2)).tolist()}


def _check_record_reader(draws) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = bench.write_record(tmp, _record())
        original = bench.read_record(path)
        raw = path.read_bytes()
        path.write_bytes(damaged(raw, draws.draw(damage(len(raw)))))
        record, why = bench.check_record(path)
    assert (record is None) != (why is None)
    assert record is None or record == original


@QUICK
@given(st.data())
def test_record_reader(draws):
    _check_record_reader(draws)


@pytest.mark.slow
@THOROUGH
@given(st.data())
def test_record_reader_long(draws):
    _check_record_reader(draws)


def _check_dataset_reader(draws) -> None:
    rng = np.random.default_rng(2)
    dataset = data.Dataset("zdt1", 0, rng.uniform(size=(6, 3)), rng.uniform(size=(6, 2)), rng.uniform(size=(4, 3)),
                           rng.uniform(size=(4, 2)), {"protocol_version": 1, "drawn": 10})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "zdt1-seed0-v1.safetensors"
        data.save(dataset, path)
        raw = path.read_bytes()
        path.write_bytes(damaged(raw, draws.draw(damage(len(raw)))))
        try:
            loaded = data.read(path)
        except ValueError as exc:
            assert "\n" not in str(exc)
            return
    assert data.checksum(loaded) == data.checksum(dataset) and loaded.digest() == dataset.digest()


@QUICK
@given(st.data())
def test_dataset_reader(draws):
    _check_dataset_reader(draws)


@pytest.mark.slow
@THOROUGH
@given(st.data())
def test_dataset_reader_long(draws):
    _check_dataset_reader(draws)


def test_the_damage_helper_changes_or_keeps_bytes_as_asked():
    raw = bytes(range(10))
    assert damaged(raw, ("flip", [(0, 1)]))[0] == 1 and damaged(raw, ("truncate", 3)) == raw[:3]
    assert damaged(raw, ("insert", (2, b"xy"))) == raw[:2] + b"xy" + raw[2:]
    assert hashlib.sha256(damaged(raw, ("flip", [(4, 7), (4, 7)]))).digest() == hashlib.sha256(raw).digest()


@settings(max_examples=60, deadline=None)
@given(labels=st.integers(1, 6), levels=st.lists(st.integers(-50, 50), min_size=1, max_size=6, unique=True),
       encoding=st.sampled_from(["onehot", "ordinal"]), seed=st.integers(0, 2**31 - 1))
def test_any_unit_point_decodes_to_labels_and_levels_that_exist(labels, levels, encoding, seed):
    from paretodiff.space import DesignSpace

    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.uniform(0, 1, 8), rng.integers(0, labels, 8), rng.choice(levels, 8)]).astype(float)
    X[:labels, 1] = np.arange(labels)  # every label is used
    X[:len(levels), 2] = levels
    space = DesignSpace.from_data(X, np.column_stack([X[:, 0], -X[:, 0]]), discrete=[2], encoding=encoding,
                                  categories={1: tuple(f"L{k}" for k in range(labels))})
    U = rng.normal(0.5, 1.0, (64, space.n_unit))  # the sampler's points may leave the cube
    decoded = space.from_unit(U)
    assert set(decoded[:, 1]) <= set(range(labels)) and set(decoded[:, 2]) <= set(map(float, levels))
    back = space.from_unit(space.to_unit(X))
    np.testing.assert_array_equal(back[:, 1:], X[:, 1:])
    np.testing.assert_allclose(back[:, 0], X[:, 0], rtol=1e-12)
