"""Reading and writing the CSV tables users give and get: clear errors, atomic writes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd


class InputError(ValueError):
    """Bad user input; the message is one line naming the file, row, column or option."""


def read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV file with a header row; raise :class:`InputError` if it cannot be used."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        frame = pd.read_csv(path, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable CSV file ({str(exc).splitlines()[0]})") from None
    if frame.empty:
        raise InputError(f"{path}: the file has a header but no data rows")
    return frame


def numeric_columns(frame: pd.DataFrame, columns: list[str], path: Path) -> np.ndarray:
    """The given columns as a float array ``(N, len(columns))``.

    Raises:
        InputError: naming the first non-numeric cell by its CSV line and column.
    """
    out = np.empty((len(frame), len(columns)))
    for j, name in enumerate(columns):
        values = pd.to_numeric(frame[name], errors="coerce")
        bad = values.isna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"{path}: line {row + 2}, column {name!r}: not a number ({'empty or NaN' if pd.isna(frame[name].iloc[row]) else repr(frame[name].iloc[row])})"
            )
        out[:, j] = values.to_numpy(dtype=float)
    return out


def design_matrix(frame: pd.DataFrame, n_var: int, path: Path) -> np.ndarray:
    """Designs ``(N, n_var)`` from a CSV: columns ``x0..x{n_var-1}`` if present, else all columns.

    Raises:
        InputError: if the column count is wrong or a cell is not a number.
    """
    named = [f"x{i}" for i in range(n_var)]
    if all(c in frame.columns for c in named):
        columns = named
    elif frame.shape[1] == n_var:
        columns = list(frame.columns)
    else:
        raise InputError(
            f"{path}: expected {n_var} design columns (named x0..x{n_var - 1}, or exactly {n_var} columns), "
            f"found {frame.shape[1]} columns: {', '.join(map(str, frame.columns[:8]))}"
            + (" ..." if frame.shape[1] > 8 else "")
        )
    return numeric_columns(frame, columns, path)


def design_frame(X: np.ndarray, Y: np.ndarray | None = None) -> pd.DataFrame:
    """A table with columns ``x0..`` (and ``f0..`` if ``Y`` is given)."""
    frame = pd.DataFrame(np.asarray(X), columns=[f"x{i}" for i in range(np.shape(X)[1])])
    if Y is not None:
        for j in range(np.shape(Y)[1]):
            frame[f"f{j}"] = np.asarray(Y)[:, j]
    return frame


def write_csv(frame: pd.DataFrame, path: Path, *, protect: tuple[Path, ...] = ()) -> None:
    """Write ``frame`` to ``path`` atomically (temporary file in the same folder, then rename).

    Raises:
        InputError: if ``path`` is one of the ``protect`` paths (inputs are never overwritten)
            or its folder does not exist.
    """
    path = Path(path)
    for other in protect:
        if path.resolve() == Path(other).resolve():
            raise InputError(f"{path}: the output path is an input file; choose another name")
    if not path.parent.resolve().is_dir():
        raise InputError(f"{path}: folder {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="") as handle:
            frame.to_csv(handle, index=False, float_format="%.17g")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
