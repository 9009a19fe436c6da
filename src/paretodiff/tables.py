"""Reading and writing the CSV tables users give and get: clear errors, atomic writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from paretodiff.errors import InputError
from paretodiff.files import atomic_path

__all__ = ["InputError", "read_csv", "numeric_columns", "design_matrix", "design_frame", "write_csv",
           "split_names", "training_table", "training_frame", "bounds_table", "check_finite"]


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


def numeric_columns(frame: pd.DataFrame, columns: list[str], path: Path, *, allow_missing: bool = False) -> np.ndarray:
    """The given columns as a float array ``(N, len(columns))``.

    With ``allow_missing``, empty cells, ``nan`` and ``inf`` become non-finite values for the
    caller to reject or drop; only text cells are errors.

    Raises:
        InputError: naming the first bad cell by its CSV line and column.
    """
    out = np.empty((len(frame), len(columns)))
    for j, name in enumerate(columns):
        values = pd.to_numeric(frame[name], errors="coerce")
        bad = values.isna()
        if allow_missing:
            bad &= frame[name].notna() & ~frame[name].astype(str).str.strip().str.lower().isin(["nan", "inf", "-inf"])
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            cell = frame[name].iloc[row]
            raise InputError(f"{path}: line {row + 2}, column {name!r}: not a number "
                             f"({'empty or NaN' if pd.isna(cell) else repr(cell)})")
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


def write_csv(frame: pd.DataFrame, path: Path, *, overwrite: bool = True) -> None:
    """Write ``frame`` to ``path`` atomically (temporary file in the same folder, then rename).

    The caller has checked the path (:func:`paretodiff.files.check_outputs`).

    Raises:
        InputError: if a number in ``frame`` is not finite (nothing is written), or
            ``overwrite`` is false and ``path`` appeared meanwhile.
    """
    check_finite(frame, f"{path}")
    with atomic_path(path, overwrite=overwrite) as tmp:
        with open(tmp, "w", newline="") as handle:
            frame.to_csv(handle, index=False, float_format="%.17g")


def check_finite(frame: pd.DataFrame, what: str) -> None:
    """Raise :class:`InputError` naming the first non-finite number of ``frame``'s numeric columns."""
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            bad = ~np.isfinite(values.to_numpy(dtype=float))
            if bad.any():
                row = int(np.flatnonzero(bad)[0])
                raise InputError(f"{what}: column {name!r}, row {row + 1} is not a finite number "
                                 f"({values.iloc[row]}); nothing was written")


MIN_ROWS = 16


def split_names(option: str, value: str | None) -> list[str]:
    """Column names from a comma-separated option value (``--minimize a,b``)."""
    names = [v.strip() for v in (value or "").split(",") if v.strip()]
    if len(set(names)) != len(names):
        raise InputError(f"{option}: a column is named twice")
    return names


def training_table(path: Path, minimize: list[str], maximize: list[str], inputs: list[str] | None,
                   drop_invalid: bool) -> tuple[np.ndarray, np.ndarray, list[str], list[str], list[str], list[int]]:
    """:func:`training_frame` of a CSV file."""
    return training_frame(read_csv(path), minimize, maximize, inputs, drop_invalid, path)


def training_frame(
    frame: pd.DataFrame,
    minimize: list[str],
    maximize: list[str],
    inputs: list[str] | None,
    drop_invalid: bool,
    source: Path | str = "the table",
) -> tuple[np.ndarray, np.ndarray, list[str], list[str], list[str], list[int]]:
    """Designs and objectives from a user's table, checked.

    Returns:
        ``X (N, D)``, ``Y (N, m)``, input names, objective names, senses (``"min"`` /
        ``"max"`` per objective) and the CSV line numbers of the rows dropped (only with
        ``drop_invalid``).

    Raises:
        InputError: unknown or missing columns, non-numeric cells, non-finite values (unless
            ``drop_invalid``), fewer than 2 objectives or fewer than :data:`MIN_ROWS` valid rows,
            each naming ``source`` and the line or column.
    """
    path = source
    columns = [str(c) for c in frame.columns]
    objectives = minimize + maximize
    if len(objectives) < 2:
        raise InputError("--minimize/--maximize: at least 2 objective columns are needed")
    if set(minimize) & set(maximize):
        raise InputError(f"--minimize/--maximize: column {min(set(minimize) & set(maximize))!r} is in both")
    inputs = [c for c in columns if c not in objectives] if not inputs else inputs
    for option, names in (("--minimize", minimize), ("--maximize", maximize), ("--inputs", inputs)):
        for name in names:
            if name not in columns:
                raise InputError(f"{option}: no column {name!r} in {path} (columns: {', '.join(columns)})")
    if set(inputs) & set(objectives):
        raise InputError(f"--inputs: column {min(set(inputs) & set(objectives))!r} is also an objective")
    if not inputs:
        raise InputError(f"{path}: no input columns left besides the objectives")
    if frame.empty:
        raise InputError(f"{path}: the table has no rows")
    frame = frame.copy()
    frame.columns = columns
    values = numeric_columns(frame, inputs + objectives, path, allow_missing=True)
    bad = ~np.isfinite(values).all(axis=1)
    dropped = [int(i) + 2 for i in np.flatnonzero(bad)]
    if bad.any() and not drop_invalid:
        shown = ", ".join(map(str, dropped[:5])) + (" ..." if len(dropped) > 5 else "")
        raise InputError(f"{path}: non-finite values on {len(dropped)} line(s): {shown} (use --drop-invalid to skip them)")
    values = values[~bad]
    if len(values) < MIN_ROWS:
        raise InputError(f"{path}: {len(values)} valid rows; at least {MIN_ROWS} are needed")
    X, Y = values[:, : len(inputs)], values[:, len(inputs):]
    return X, Y, inputs, objectives, ["min"] * len(minimize) + ["max"] * len(maximize), dropped


def bounds_table(path: Path, inputs: list[str], X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bounds from a CSV with columns ``column,lower,upper``; unlisted inputs get the data's range.

    Raises:
        InputError: unknown columns, non-numeric or reversed bounds, data outside the bounds.
    """
    frame = read_csv(path)
    for name in ("column", "lower", "upper"):
        if name not in frame.columns:
            raise InputError(f"{path}: the bounds file needs the columns column,lower,upper")
    lower, upper = X.min(axis=0), X.max(axis=0)
    limits = numeric_columns(frame, ["lower", "upper"], path)
    seen: set[str] = set()
    for i, (name, (lo, hi)) in enumerate(zip(frame["column"].astype(str), limits)):
        if name not in inputs:
            raise InputError(f"{path}: line {i + 2}: {name!r} is not an input column ({', '.join(inputs)})")
        if name in seen:
            raise InputError(f"{path}: line {i + 2}: column {name!r} is listed twice")
        seen.add(name)
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise InputError(f"{path}: line {i + 2}: the bounds of {name!r} must be finite numbers, got {lo}, {hi}")
        if not lo < hi:
            raise InputError(f"{path}: line {i + 2}: lower bound {lo} is not below upper bound {hi}")
        j = inputs.index(name)
        if X[:, j].min() < lo or X[:, j].max() > hi:
            raise InputError(f"{path}: line {i + 2}: the data's {name!r} range [{X[:, j].min()}, {X[:, j].max()}] "
                             f"is outside [{lo}, {hi}]")
        lower[j], upper[j] = lo, hi
    return lower, upper
