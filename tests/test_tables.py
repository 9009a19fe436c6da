"""Users' tables: delimiters and decimal commas detected, Excel and Parquet by suffix, roles of columns."""

import numpy as np
import pandas as pd
import pytest

from paretodiff.errors import InputError
from paretodiff.tables import check_table_suffix, read_table, sniff, training_frame, write_table

FRAME = pd.DataFrame({"n_ribs": [3, 4, 5, 6], "height_mm": [1.5, 2.25, 3.0, 0.75], "energy_J": [10.0, 9.5, 8.25, 12.0],
                      "margin": [0.1, 0.2, 0.3, 0.4]})


@pytest.mark.parametrize("delimiter, decimal", [(",", "."), (";", "."), (";", ","), ("\t", "."), ("\t", ",")])
def test_delimited_text_is_read_whatever_its_delimiter_and_decimal_mark(tmp_path, delimiter, decimal):
    path = tmp_path / "d.csv"
    FRAME.to_csv(path, sep=delimiter, decimal=decimal, index=False)
    assert sniff(path) == (delimiter, decimal)
    pd.testing.assert_frame_equal(read_table(path), FRAME)


def test_quoted_delimiters_and_a_byte_order_mark_do_not_confuse_the_sniffer(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes("\ufeffname;x;y\n\"a;b\";1,5;2\n\"c\";2,5;3\n".encode("utf-8"))
    frame = read_table(path)
    assert list(frame.columns) == ["name", "x", "y"] and frame["x"].tolist() == [1.5, 2.5]


def test_windows_1252_text_is_read(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes("Länge;y\n1;2\n3;4\n".encode("cp1252"))
    assert list(read_table(path).columns) == ["Länge", "y"]


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet", ".tsv", ".csv"])
def test_every_written_format_reads_back_the_same_table(tmp_path, suffix):
    path = tmp_path / f"t{suffix}"
    write_table(FRAME, path)
    back = read_table(path)
    pd.testing.assert_frame_equal(back, FRAME, check_dtype=False)


def test_foreign_files_are_one_clear_error(tmp_path):
    workbook = tmp_path / "book.xlsx"
    write_table(FRAME, workbook)
    disguised = tmp_path / "book.csv"
    disguised.write_bytes(workbook.read_bytes())
    with pytest.raises(InputError, match="zip file, perhaps an Excel workbook; name it .xlsx"):
        read_table(disguised)
    broken = tmp_path / "broken.xlsx"
    broken.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match=r"broken.xlsx: not readable as an Excel .xlsx file"):
        read_table(broken)
    with pytest.raises(InputError, match="save it as .xlsx or .csv"):
        (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
        read_table(tmp_path / "old.xls")
    with pytest.raises(InputError, match=r"-o: .*write a table as .csv, .tsv, .xlsx, .parquet \(not '.json'\)"):
        check_table_suffix("-o", tmp_path / "p.json")


def test_ignored_columns_are_neither_inputs_nor_objectives():
    frame = FRAME.assign(stress_MPa=[200.0, 180.0, 150.0, 300.0])
    frame = pd.concat([frame] * 5, ignore_index=True)
    frame["height_mm"] += np.arange(len(frame)) * 0.01
    X, Y, inputs, objectives, senses, *_ = training_frame(frame, ["energy_J"], ["margin"], None, False,
                                                         ignore=["stress_MPa"])
    assert inputs == ["n_ribs", "height_mm"] and objectives == ["energy_J", "margin"] and X.shape == (20, 2)
    for ignore, message in ((["nope"], "--ignore: no column 'nope'"), (["margin"], "--ignore: column 'margin' is also an objective")):
        with pytest.raises(InputError, match=message):
            training_frame(frame, ["energy_J"], ["margin"], None, False, ignore=ignore)
    with pytest.raises(InputError, match="--ignore: column 'n_ribs' is also in --inputs"):
        training_frame(frame, ["energy_J"], ["margin"], ["n_ribs"], False, ignore=["n_ribs"])


def mixed_frame(n=40, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"x": rng.uniform(0, 1, n), "alloy": rng.choice([" ti", "alu", "steel "], n),
                          "dose": rng.choice([6, 12, 24, 48], n), "line": rng.choice([3, 7], n)})
    frame["cost"], frame["mass"] = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
    return frame


def test_text_inputs_are_categorical_and_numeric_ones_may_be_declared_so():
    frame = mixed_frame()
    table = training_frame(frame, ["cost", "mass"], [], None, False, categorical=["line"], discrete=["dose"])
    assert table.categories == {"alloy": ("alu", "steel", "ti"), "line": (3.0, 7.0)} and table.discrete == ("dose",)
    labels = frame["alloy"].str.strip().map({"alu": 0, "steel": 1, "ti": 2}).to_numpy()
    np.testing.assert_array_equal(table.X[:, 1], labels)
    np.testing.assert_array_equal(table.X[:, 3], (frame["line"] == 7).astype(float))


def test_wrong_kinds_are_named():
    frame = mixed_frame()
    with pytest.raises(InputError, match="--discrete: column 'alloy' holds text"):
        training_frame(frame, ["cost", "mass"], [], None, False, discrete=["alloy"])
    with pytest.raises(InputError, match="--categorical: column 'cost' is not an input"):
        training_frame(frame, ["cost", "mass"], [], None, False, categorical=["cost"])
    frame["sample_id"] = [f"S{i:03d}" for i in range(len(frame))] * 1
    many = pd.concat([frame] * 2, ignore_index=True)
    many["sample_id"] = [f"S{i:03d}" for i in range(len(many))]
    with pytest.raises(InputError, match="column 'sample_id' has 80 different labels.*--ignore"):
        training_frame(many, ["cost", "mass"], [], None, False)
    stray = mixed_frame()
    stray["x"] = stray["x"].astype(object)
    stray.loc[3, "x"] = "n/a"
    with pytest.raises(InputError, match="line 5, column 'x': not a number"):
        training_frame(stray, ["cost", "mass"], [], None, False)
