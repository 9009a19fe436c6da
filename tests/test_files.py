"""The output rules of :mod:`paretodiff.files`, checked by hand on small folders."""

import os

import pytest

from paretodiff.errors import InputError
from paretodiff.files import Output, atomic_folder, atomic_path, check_outputs, write_text


def test_same_place_is_caught_through_links_and_dot_dots(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("a\n1\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "soft.csv").symlink_to(data)
    os.link(data, tmp_path / "hard.csv")
    (tmp_path / "dirlink").symlink_to(tmp_path / "sub")
    for name in ("d.csv", "sub/../d.csv", "soft.csv", "hard.csv"):
        with pytest.raises(InputError, match="is the data file"):
            check_outputs([Output("-o", tmp_path / name)], [("data file", data)], overwrite=True)
    with pytest.raises(InputError, match="is inside the model folder"):
        check_outputs([Output("-o", tmp_path / "dirlink" / "x.csv")], [("model folder", tmp_path / "sub")])
    check_outputs([Output("-o", tmp_path / "new.csv")], [("data file", data)])  # a new name is fine


def test_a_folder_output_may_not_hold_an_input(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "d.csv").write_text("a\n1\n")
    with pytest.raises(InputError, match="holds the data file"):
        check_outputs([Output("--save-model", tmp_path / "m", folder=True)], [("data file", tmp_path / "m" / "d.csv")],
                      overwrite=True)


def test_existing_outputs_and_kinds(tmp_path):
    (tmp_path / "f.csv").write_text("x")
    (tmp_path / "dir").mkdir()
    with pytest.raises(InputError, match="already exists; pass --overwrite"):
        check_outputs([Output("-o", tmp_path / "f.csv")])
    check_outputs([Output("-o", tmp_path / "f.csv")], overwrite=True)
    with pytest.raises(InputError, match="is a folder"):
        check_outputs([Output("-o", tmp_path / "dir")], overwrite=True)
    with pytest.raises(InputError, match="is a file, not a folder"):
        check_outputs([Output("-o", tmp_path / "f.csv", folder=True)], overwrite=True)
    with pytest.raises(InputError, match="not yours"):
        check_outputs([Output("-o", tmp_path / "dir", folder=True, reuse=lambda p: "not yours")], overwrite=True)
    check_outputs([Output("-o", tmp_path / "dir", folder=True, needs_overwrite=False)])  # resumed, like a bench folder
    with pytest.raises(InputError, match="the same place as -o"):
        check_outputs([Output("-o", tmp_path / "a.csv"), Output("--plot", tmp_path / "a.csv")])
    with pytest.raises(InputError, match="does not exist"):
        check_outputs([Output("-o", tmp_path / "no" / "a.csv")])
    check_outputs([Output("-o", tmp_path / "no" / "deeper", folder=True)])  # a folder's parents are created


def test_atomic_writes_take_the_umask_and_leave_nothing_when_interrupted(tmp_path):
    old = os.umask(0o077)
    try:
        write_text(tmp_path / "a.txt", "hello")
        with atomic_folder(tmp_path / "m") as tmp:
            (tmp / "config.json").write_text("{}")
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "m").stat().st_mode & 0o777 == 0o700
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(tmp_path / "a.txt") as tmp:
            tmp.write_text("half")
            raise KeyboardInterrupt
    assert (tmp_path / "a.txt").read_text() == "hello"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "m"]


def test_no_clobber_commit_refuses_a_file_that_appeared_meanwhile(tmp_path):
    with pytest.raises(InputError, match="appeared while"):
        with atomic_path(tmp_path / "a.txt", overwrite=False) as tmp:
            tmp.write_text("mine")
            (tmp_path / "a.txt").write_text("theirs")
    assert (tmp_path / "a.txt").read_text() == "theirs"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_a_folder_is_replaced_file_by_file_never_recursively(tmp_path):
    with atomic_folder(tmp_path / "m") as tmp:
        (tmp / "config.json").write_text("old")
    with atomic_folder(tmp_path / "m", overwrite=True, old_files=("config.json",)) as tmp:
        (tmp / "config.json").write_text("new")
    assert (tmp_path / "m" / "config.json").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["m"]
    with pytest.raises(InputError, match="appeared while"):
        with atomic_folder(tmp_path / "m") as tmp:
            (tmp / "config.json").write_text("newer")
    assert (tmp_path / "m" / "config.json").read_text() == "new"
