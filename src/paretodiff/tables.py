"""Reading and writing the tables users give and get (CSV with its delimiter detected, Excel
``.xlsx``, Parquet): clear errors, atomic writes."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from paretodiff.errors import InputError
from paretodiff.files import atomic_path

__all__ = ["InputError", "read_table", "read_csv", "sniff", "write_table", "check_table_suffix", "numeric_columns", "design_matrix", "design_frame", "write_csv",
           "split_names", "training_table", "training_frame", "bounds_table", "read_bounds", "check_finite",
           "text_column", "category_codes"]


CSV_DELIMITERS = (",", ";", "\t")
SAMPLE_LINES = 50
READ_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".parquet", ".pq")
WRITE_SUFFIXES = (".csv", ".tsv", ".xlsx", ".parquet")
_COMMA_DECIMAL = re.compile(r"^[+-]?\d+,\d+([eE][+-]?\d+)?$")
_DOT_DECIMAL = re.compile(r"^[+-]?\d*\.\d+([eE][+-]?\d+)?$")


def read_table(path: Path) -> pd.DataFrame:
    """Read a table with a header row, by its suffix: ``.xlsx`` (the first sheet, openpyxl),
    ``.parquet``/``.pq`` (pyarrow), anything else as delimited text (:func:`read_csv`).

    Raises:
        InputError: a missing, empty or unreadable file, in one line naming it.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise InputError(f"{path}: .xls (Excel 97-2003) is not read; save it as .xlsx or .csv")
    if suffix == ".xlsx":
        frame = _read_binary(path, "an Excel .xlsx file", lambda: pd.read_excel(path, engine="openpyxl"))
    elif suffix in (".parquet", ".pq"):
        frame = _read_binary(path, "a Parquet file", lambda: pd.read_parquet(path, engine="pyarrow"))
    else:
        return read_csv(path)
    if frame.empty:
        raise InputError(f"{path}: the table has a header but no data rows")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _read_binary(path: Path, kind: str, read) -> pd.DataFrame:
    try:
        return read()
    except ImportError as exc:
        raise InputError(f"{path}: reading {kind} needs {exc.name or 'its engine'} (pip install openpyxl pyarrow)") from None
    except Exception as exc:  # each engine raises its own kinds for a damaged or foreign file
        raise InputError(f"{path}: not readable as {kind} ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})") \
            from None


def read_csv(path: Path) -> pd.DataFrame:
    """Read delimited text with a header row: the delimiter (``,`` ``;`` or tab) and a decimal
    comma (``1,5`` in a ``;`` or tab file) are detected from the first lines; UTF-8 (with or
    without a byte-order mark), else Windows-1252 as spreadsheet programs write it.

    Raises:
        InputError: if the file cannot be used.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    head = path.open("rb").read(4)
    if head.startswith(b"PK\x03\x04"):
        raise InputError(f"{path}: this is a zip file, perhaps an Excel workbook; name it .xlsx to read it as one")
    if head.startswith(b"PAR1"):
        raise InputError(f"{path}: this is a Parquet file; name it .parquet to read it as one")
    encoding = _encoding(path)
    delimiter, decimal = sniff(path, encoding)
    try:
        frame = pd.read_csv(path, sep=delimiter, decimal=decimal, skipinitialspace=True, encoding=encoding)
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable CSV file ({str(exc).splitlines()[0]})") from None
    if frame.empty:
        raise InputError(f"{path}: the file has a header but no data rows")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _encoding(path: Path) -> str:
    try:
        with path.open(encoding="utf-8-sig") as handle:
            while handle.read(1 << 20):
                pass
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "cp1252"


def sniff(path: Path, encoding: str = "utf-8-sig") -> tuple[str, str]:
    """The delimiter and decimal mark of a delimited text file, from its first lines.

    The delimiter is the one of :data:`CSV_DELIMITERS` that splits the header into the most
    fields while every sampled line has as many (quotes respected); ``,`` if none does.  The
    decimal mark is ``,`` when the delimiter is not and the cells hold numbers like ``1,5``
    but none like ``1.5``.
    """
    try:
        with path.open(encoding=encoding, errors="replace", newline="") as handle:
            lines = [line for line, _ in zip(handle, range(SAMPLE_LINES)) if line.strip()]
    except OSError:
        return ",", "."
    best, best_fields = ",", 1
    for delimiter in CSV_DELIMITERS:
        rows = list(csv.reader(lines, delimiter=delimiter))
        fields = len(rows[0]) if rows else 0
        if fields > best_fields and all(len(r) == fields for r in rows):
            best, best_fields = delimiter, fields
    decimal = "."
    if best != ",":
        cells = [c.strip() for row in list(csv.reader(lines, delimiter=best))[1:] for c in row]
        if any(_COMMA_DECIMAL.match(c) for c in cells) and not any(_DOT_DECIMAL.match(c) for c in cells):
            decimal = ","
    return best, decimal


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


def check_table_suffix(option: str, path: Path | None) -> None:
    """Raise :class:`InputError` unless ``path`` (an output) has a suffix :func:`write_table` writes."""
    if path is not None and Path(path).suffix.lower() not in WRITE_SUFFIXES:
        raise InputError(f"{option}: {path}: write a table as {', '.join(WRITE_SUFFIXES)} "
                         f"(not {Path(path).suffix or 'a name without a suffix'!r})")


def write_table(frame: pd.DataFrame, path: Path, *, overwrite: bool = True) -> None:
    """Write ``frame`` by ``path``'s suffix: ``.csv`` (comma), ``.tsv`` (tab), ``.xlsx``,
    ``.parquet``; atomically (temporary file in the same folder, then rename).

    The caller has checked the path (:func:`paretodiff.files.check_outputs`,
    :func:`check_table_suffix`).

    Raises:
        InputError: if a number in ``frame`` is not finite (nothing is written), or
            ``overwrite`` is false and ``path`` appeared meanwhile.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    check_table_suffix("output", path)
    check_finite(frame, f"{path}")
    with atomic_path(path, overwrite=overwrite) as tmp:
        if suffix == ".xlsx":
            frame.to_excel(tmp, index=False, engine="openpyxl")
        elif suffix == ".parquet":
            frame.to_parquet(tmp, index=False, engine="pyarrow")
        else:
            with open(tmp, "w", newline="") as handle:
                frame.to_csv(handle, index=False, sep="\t" if suffix == ".tsv" else ",")


def write_csv(frame: pd.DataFrame, path: Path, *, overwrite: bool = True) -> None:
    """Write ``frame`` as comma-separated text to ``path`` atomically, whatever its suffix
    (temporary file in the same folder, then rename).

    The caller has checked the path (:func:`paretodiff.files.check_outputs`).

    Raises:
        InputError: if a number in ``frame`` is not finite (nothing is written), or
            ``overwrite`` is false and ``path`` appeared meanwhile.
    """
    check_finite(frame, f"{path}")
    with atomic_path(path, overwrite=overwrite) as tmp:
        with open(tmp, "w", newline="") as handle:
            frame.to_csv(handle, index=False)


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
MAX_LABELS = 64  # labels of a categorical input column: more is an identifier, not a design choice


def split_names(option: str, value: str | None) -> list[str]:
    """Column names from a comma-separated option value (``--minimize a,b``)."""
    names = [v.strip() for v in (value or "").split(",") if v.strip()]
    if len(set(names)) != len(names):
        raise InputError(f"{option}: a column is named twice")
    return names


class TrainingTable(NamedTuple):
    """A user's table, checked: ``X (N, D)``, ``Y (N, m)`` (the user's senses), the input and
    objective names, the senses (``"min"`` / ``"max"`` per objective), the table's line numbers
    of the rows dropped (only with ``drop_invalid``), ``G (N, c)``, the constraint columns'
    values (``(N, 0)`` without constraints), the categorical input columns' labels
    ``{name: labels}`` (their values in ``X`` are the labels' indices), the discrete input
    columns' names and, with a feasibility column, the designs that failed ``(K, D)`` (``X``,
    ``Y`` and ``G`` are then the rows that worked)."""

    X: np.ndarray
    Y: np.ndarray
    inputs: list[str]
    objectives: list[str]
    senses: list[str]
    dropped: list[int]
    G: np.ndarray
    categories: dict[str, tuple] = {}
    discrete: tuple[str, ...] = ()
    failed: np.ndarray | None = None


def training_table(path: Path, minimize: list[str], maximize: list[str], inputs: list[str] | None,
                   drop_invalid: bool, ignore: list[str] | None = None,
                   constrained: list[str] | None = None, categorical: list[str] | None = None,
                   discrete: list[str] | None = None, feasible: str | None = None) -> TrainingTable:
    """:func:`training_frame` of a table file (:func:`read_table`)."""
    return training_frame(read_table(path), minimize, maximize, inputs, drop_invalid, path, ignore, constrained,
                          categorical, discrete, feasible)


def text_column(values: pd.Series) -> bool:
    """Whether a column holds text: most of its filled cells are not numbers (a column of
    numbers with a stray word is not text: that cell is an error)."""
    filled = values[values.notna() & (values.astype(str).str.strip() != "")]
    if len(filled) == 0 or pd.api.types.is_numeric_dtype(values):
        return False
    return bool(pd.to_numeric(filled, errors="coerce").isna().mean() > 0.5)


def category_codes(values: pd.Series, numeric: bool) -> tuple[np.ndarray, tuple]:
    """A categorical column's labels (sorted: numbers by value, text alphabetically, whitespace
    stripped) and each cell's label index ``(N,)`` (NaN where the cell is empty)."""
    if numeric:
        cells = pd.to_numeric(values, errors="coerce")
        labels = tuple(float(v) for v in np.unique(cells.dropna().to_numpy(dtype=float)))
    else:
        cells = values.where(values.isna(), values.astype(str).str.strip()).replace("", np.nan)
        labels = tuple(sorted(set(cells.dropna())))
    index = {label: i for i, label in enumerate(labels)}
    return np.array([index.get(v, np.nan) if not pd.isna(v) else np.nan for v in cells], dtype=float), labels


def training_frame(
    frame: pd.DataFrame,
    minimize: list[str],
    maximize: list[str],
    inputs: list[str] | None,
    drop_invalid: bool,
    source: Path | str = "the table",
    ignore: list[str] | None = None,
    constrained: list[str] | None = None,
    categorical: list[str] | None = None,
    discrete: list[str] | None = None,
    feasible: str | None = None,
) -> TrainingTable:
    """Designs, objectives and constraint columns from a user's table, checked.

    The inputs are ``inputs``, or by default every column that is neither an objective, nor a
    constraint column (``constrained``), nor in ``ignore`` (measured columns that are
    neither, such as an identifier).  An input column of text is categorical; so are the
    numeric ``categorical`` columns (codes without an order); ``discrete`` columns take only
    the values they hold.  ``feasible`` names a column of 1 (the design worked) and 0 (it
    failed: its objectives may be empty, only its inputs are read).

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
    ignore, constrained = list(ignore or []), list(constrained or [])
    categorical, discrete = list(categorical or []), list(discrete or [])
    for option, names in (("--minimize", minimize), ("--maximize", maximize), ("--inputs", inputs or []),
                          ("--ignore", ignore), ("--constraint", constrained), ("--categorical", categorical),
                          ("--discrete", discrete), ("--feasible", [feasible] if feasible else [])):
        for name in names:
            if name not in columns:
                raise InputError(f"{option}: no column {name!r} in {path} (columns: {', '.join(columns)})")
    for option, names in (("--inputs", inputs or []), ("--ignore", ignore)):
        if set(names) & set(objectives):
            raise InputError(f"{option}: column {min(set(names) & set(objectives))!r} is also an objective")
    for option, names in (("--ignore", ignore), ("--constraint", constrained)):
        if set(inputs or []) & set(names):
            raise InputError(f"{option}: column {min(set(inputs) & set(names))!r} is also in --inputs")
    if set(constrained) & set(objectives + ignore):
        raise InputError(f"--constraint: column {min(set(constrained) & set(objectives + ignore))!r} is also an "
                         "objective or ignored")
    if feasible and feasible in set(objectives) | set(ignore) | set(constrained) | set(inputs or []):
        raise InputError(f"--feasible: column {feasible!r} is also an objective, input, constraint or ignored")
    others = set(objectives) | set(ignore) | set(constrained) | ({feasible} if feasible else set())
    inputs = [c for c in columns if c not in others] if not inputs else inputs
    if not inputs:
        raise InputError(f"{path}: no input columns left besides the objectives")
    if frame.empty:
        raise InputError(f"{path}: the table has no rows")
    frame = frame.copy()
    frame.columns = columns
    if set(categorical) & set(discrete):
        raise InputError(f"--discrete: column {min(set(categorical) & set(discrete))!r} is also in --categorical")
    for option, names in (("--categorical", categorical), ("--discrete", discrete)):
        for name in names:
            if name not in inputs:
                raise InputError(f"{option}: column {name!r} is not an input column ({', '.join(inputs)})")
    for name in discrete:
        if text_column(frame[name]):
            raise InputError(f"--discrete: column {name!r} holds text; a text column is categorical")
    categories = {}
    for name in inputs:
        text = text_column(frame[name])
        if text or name in categorical:
            frame[name], categories[name] = category_codes(frame[name], numeric=not text)
            if len(categories[name]) > MAX_LABELS:
                raise InputError(f"{path}: column {name!r} has {len(categories[name])} different "
                                 f"{'labels' if text else 'codes'} (at most {MAX_LABELS} for a categorical input); "
                                 "if it identifies rows, leave it out with --ignore")
    values = numeric_columns(frame, inputs + objectives + constrained, path, allow_missing=True)
    D, m = len(inputs), len(objectives)
    worked = feasibility_flags(frame, feasible, path) if feasible else np.ones(len(frame), dtype=bool)
    bad = np.where(worked, ~np.isfinite(values).all(axis=1), ~np.isfinite(values[:, :D]).all(axis=1))
    dropped = [int(i) + 2 for i in np.flatnonzero(bad)]
    if bad.any() and not drop_invalid:
        shown = ", ".join(map(str, dropped[:5])) + (" ..." if len(dropped) > 5 else "")
        raise InputError(f"{path}: non-finite values on {len(dropped)} line(s): {shown} (use --drop-invalid to skip them)")
    failed, values = values[~bad & ~worked, :D], values[~bad & worked]
    if len(values) < MIN_ROWS:
        raise InputError(f"{path}: {len(values)} valid rows" + (" of designs that worked" if feasible else "")
                         + f"; at least {MIN_ROWS} are needed")
    X = values[:, :D]
    for name, labels in list(categories.items()):  # labels only of the rows kept, in the same order
        j = inputs.index(name)
        kept = sorted(set(X[:, j].astype(int)) | set(failed[:, j].astype(int)))
        categories[name] = tuple(labels[i] for i in kept)
        X[:, j], failed[:, j] = (np.searchsorted(kept, v[:, j].astype(int)) for v in (X, failed))
    return TrainingTable(X, values[:, D:D + m], inputs, objectives,
                         ["min"] * len(minimize) + ["max"] * len(maximize), dropped, values[:, D + m:],
                         {name: categories[name] for name in inputs if name in categories},
                         tuple(name for name in inputs if name in discrete), failed if feasible else None)


def feasibility_flags(frame: pd.DataFrame, column: str, path) -> np.ndarray:
    """Mask ``(N,)`` of the rows whose ``column`` says the design worked: 1 (or true) worked, 0
    (or false) failed.

    Raises:
        InputError: naming the first cell that is neither, by its line.
    """
    cells = frame[column]
    text = cells.astype(str).str.strip().str.lower()
    flags = text.map({"1": 1, "1.0": 1, "true": 1, "0": 0, "0.0": 0, "false": 0})
    if flags.isna().any():
        row = int(np.flatnonzero(flags.isna().to_numpy())[0])
        raise InputError(f"{path}: line {row + 2}, column {column!r}: not 0 or 1 ({cells.iloc[row]!r}); --feasible "
                         "marks each design 1 (worked) or 0 (failed)")
    return flags.to_numpy() == 1


def bounds_table(path: Path, inputs: list[str]) -> dict[str, tuple[float, float]]:
    """The bounds a CSV with columns ``column,lower,upper`` gives, ``{column: (lower, upper)}``
    (:func:`search_bounds` turns them into the search region); a row with levels
    (:func:`read_bounds`) gives the levels' range."""
    return read_bounds(path, inputs)[0]


def read_bounds(path: Path, inputs: list[str]) -> tuple[dict[str, tuple[float, float]], dict[str, tuple[float, ...]]]:
    """The bounds file: ``column,lower,upper`` and optionally ``levels``, the values a discrete
    column may take, separated by spaces (``6 12 24 48``; lower and upper may then be empty).
    Returns ``{column: (lower, upper)}`` and ``{column: levels}`` (sorted, for the rows with levels).

    Raises:
        InputError: unknown or repeated columns, non-numeric or reversed bounds, levels that
            are not numbers or lie outside the row's bounds, naming the line.
    """
    frame = read_table(path)
    for name in ("column", "lower", "upper"):
        if name not in frame.columns:
            raise InputError(f"{path}: the bounds file needs the columns column,lower,upper (and optionally levels)")
    levels = _bounds_levels(frame, path)
    limits = numeric_columns(frame, ["lower", "upper"], path, allow_missing=True)
    named: dict[str, tuple[float, float]] = {}
    for i, (name, (lo, hi)) in enumerate(zip(frame["column"].astype(str), limits)):
        if name not in inputs:
            raise InputError(f"{path}: line {i + 2}: {name!r} is not an input column ({', '.join(inputs)})")
        if name in named:
            raise InputError(f"{path}: line {i + 2}: column {name!r} is listed twice")
        given = levels.get(i)
        if given is not None and np.isnan(lo) and np.isnan(hi):
            lo, hi = given[0], given[-1]
        elif np.isnan(lo) or np.isnan(hi):
            raise InputError(f"{path}: line {i + 2}, column {'lower' if np.isnan(lo) else 'upper'!r}: not a number "
                             "(empty or NaN)")
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise InputError(f"{path}: line {i + 2}: the bounds of {name!r} must be finite numbers, got {lo}, {hi}")
        if not lo < hi:
            raise InputError(f"{path}: line {i + 2}: lower bound {lo} is not below upper bound {hi}")
        if given is not None and (given[0] < lo or given[-1] > hi):
            raise InputError(f"{path}: line {i + 2}: the levels of {name!r} leave its bounds [{lo:g}, {hi:g}]")
        named[name] = (float(lo), float(hi))
    names = list(frame["column"].astype(str))
    return named, {names[i]: v for i, v in levels.items()}


def _bounds_levels(frame: pd.DataFrame, path: Path) -> dict[int, tuple[float, ...]]:
    """``{row: sorted levels}`` of the bounds file's ``levels`` column (rows where it is empty left out)."""
    if "levels" not in frame.columns:
        return {}
    out = {}
    for i, cell in enumerate(frame["levels"]):
        if pd.isna(cell) or not str(cell).strip():
            continue
        try:
            values = sorted({float(v) for v in str(cell).split()})
        except ValueError:
            values = []
        if len(values) < 2 or not all(np.isfinite(values)):
            raise InputError(f"{path}: line {i + 2}, column 'levels': {str(cell)!r} is not 2 or more numbers "
                             "separated by spaces (6 12 24 48)")
        out[i] = tuple(values)
    return out


def search_bounds(X: np.ndarray, inputs: list[str], named: dict[str, tuple[float, float]]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Where to search, ``(lower, upper)`` each ``(D,)``: the bounds ``named`` for some input
    columns, the data's range ``X (N, D)`` for the others.  Bounds may reach past the data
    (the box grows) or lie inside its range (the search narrows, every row is still learned
    from: :meth:`paretodiff.space.DesignSpace.from_data`)."""
    lower, upper = X.min(axis=0).astype(float), X.max(axis=0).astype(float)
    for name, (lo, hi) in named.items():
        j = inputs.index(name)
        lower[j], upper[j] = lo, hi
    return lower, upper


def bounds_note(X: np.ndarray, inputs: list[str], named: dict[str, tuple[float, float]]) -> str:
    """One line: the bounds given for which columns, which narrow the search inside the data's
    range, and which columns keep the data's range."""
    def place(name: str) -> str:
        j, (lo, hi) = inputs.index(name), named[name]
        inside = lo > X[:, j].min() or hi < X[:, j].max()
        return f"{name} [{lo:g}, {hi:g}]" + (f" (narrower than the data's [{X[:, j].min():g}, {X[:, j].max():g}])"
                                             if inside else "")

    rest = [c for c in inputs if c not in named]
    note = "bounds: " + ", ".join(place(c) for c in inputs if c in named)
    if any(named[c][0] > X[:, inputs.index(c)].min() or named[c][1] < X[:, inputs.index(c)].max() for c in named):
        note += "; proposals stay inside them, every row is still learned from"
    return note + (f"; {', '.join(rest)} keep the data's range" if rest else "")
