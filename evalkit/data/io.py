"""Read tables from files into pandas."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.errors import DataError, InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["load_table", "read_columns", "table_format", "file_sha256", "SUPPORTED_SUFFIXES"]

SUPPORTED_SUFFIXES: dict[str, str] = {
    ".csv": "csv",
    ".csv.gz": "csv",
    ".tsv": "tsv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".xls": "excel",
    ".xlsm": "excel",
}


def table_format(path: str | Path) -> str | None:
    """The reader a file needs, from its extension: ``csv``, ``tsv``, ``parquet``, ``excel``.

    ``None`` when the extension is not supported.
    """
    name = Path(path).name.lower()
    for suffix in sorted(SUPPORTED_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return SUPPORTED_SUFFIXES[suffix]
    return None


def load_table(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    columns: Sequence[str] | None = None,
    sample: Mapping[str, Any] | None = None,
    **read_options: Any,
) -> pd.DataFrame:
    """Load a table from a CSV, Parquet or Excel file into a pandas DataFrame.

    The format is chosen from the file's extension: ``.csv`` (also ``.csv.gz``,
    ``.txt``), ``.tsv``, ``.parquet``/``.pq``, ``.xlsx``/``.xls``/``.xlsm``.

    Parameters
    ----------
    path
        The file to read.
    sheet
        For Excel files, the sheet name or position (default: the first sheet).
    columns
        Only keep these columns. Every name must exist in the file.
    sample
        Keep only the rows where each named column equals the given value (or
        is one of the values, when a list is given), e.g. ``{"ky": 1}``.
    **read_options
        Passed on to the pandas reader (``sep``, ``encoding``, ``decimal`` ...).

    Returns
    -------
    pandas.DataFrame
        A new DataFrame with a fresh ``RangeIndex``.

    Raises
    ------
    DataError
        If the file does not exist, has an unsupported extension, cannot be
        parsed, or lacks a requested column (the message lists the columns it has).
    """
    p = Path(path)
    fmt = table_format(p)
    if fmt is None:
        known = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise DataError(f"Cannot read {p}: unsupported file extension; expected one of {known}.")
    if not p.is_file():
        raise DataError(f"Cannot read {p}: the file does not exist.")
    import pandas as pd

    try:
        if fmt == "csv":
            frame = pd.read_csv(p, **read_options)
        elif fmt == "tsv":
            frame = pd.read_csv(p, sep="\t", **read_options)
        elif fmt == "parquet":
            frame = pd.read_parquet(p, **read_options)
        else:
            frame = pd.read_excel(p, sheet_name=0 if sheet is None else sheet, **read_options)
    except (OSError, ValueError, ImportError, pd.errors.ParserError) as exc:
        raise DataError(f"Cannot read {p} as {fmt}: {exc}") from exc

    needed = list(columns or []) + list((sample or {}).keys())
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        from evalkit._validation import describe_columns

        raise DataError(
            f"{p} has no column {', '.join(repr(m) for m in missing)}; "
            f"its columns are: {describe_columns(frame.columns)}."
        )
    if sample:
        keep = pd.Series(True, index=frame.index)
        for column, value in sample.items():
            values = list(value) if isinstance(value, list | tuple | set) else [value]
            keep &= frame[column].isin(values)
        frame = frame.loc[keep]
        if frame.empty:
            raise DataError(f"{p}: no row is left after keeping only {dict(sample)!r}.")
    if columns is not None:
        frame = frame.loc[:, list(columns)]
    return frame.reset_index(drop=True)


def read_columns(path: str | Path, sheet: str | int | None = None) -> list[str]:
    """The column names of a data file, reading only its header (or its Parquet schema).

    Raises
    ------
    DataError
        If the extension is not supported.
    """
    p = Path(path)
    fmt = table_format(p)
    if fmt in ("csv", "tsv"):
        return _header(p, "," if fmt == "csv" else "\t")
    import pandas as pd

    if fmt == "parquet":
        import pyarrow.parquet as pq

        columns = pq.read_schema(p).names
    elif fmt == "excel":
        columns = pd.read_excel(p, sheet_name=0 if sheet is None else sheet, nrows=0).columns
    else:
        raise DataError(f"Cannot read {p}: unsupported file extension; expected one of "
                        f"{', '.join(sorted(SUPPORTED_SUFFIXES))}.")
    return [str(c) for c in columns]


def _header(path: Path, separator: str) -> list[str]:
    """The column names on a delimited file's first line.

    Read with the standard library, so that checking a params file does not need
    pandas; a header with repeated names is left to pandas, which renames them.
    """
    import csv
    import gzip

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:  # type: ignore[operator]
        names = next(csv.reader(handle, delimiter=separator), [])
    if len(set(names)) == len(names):
        return names
    import pandas as pd

    return [str(c) for c in pd.read_csv(path, sep=separator, nrows=0).columns]


def file_sha256(path: str | Path) -> str:
    """Return the SHA-256 checksum of a file, as hexadecimal text."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"path={str(p)!r}: must be an existing file; got {str(p)!r}")
    digest = hashlib.sha256()
    with p.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
