"""Read tables from files into pandas.

A file that cannot be read raises a :class:`~evalkit.errors.DataError` naming the file,
the format expected and what is wrong in words (truncated, not gzip, not a Parquet file
or an Excel workbook, not UTF-8 text, empty, a header without rows), never a reader's
exception. Column types are pandas': a CSV or Excel column whose values all look like
numbers is read as numbers, so codes with leading zeros (``01001``) must be asked for as
text with ``dtype={"code": str}``.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.data.read_errors import cannot_read, header_hint, sheet_note, unreadable
from evalkit.errors import DataError, InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["load_table", "read_columns", "read_header", "Header", "table_format", "file_sha256",
           "SUPPORTED_SUFFIXES"]

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
_TEXT_ERRORS = (OSError, ValueError, EOFError, zlib.error)  # what text readers raise on a bad file


@dataclass(frozen=True)
class Header:
    """What a data file's header says: its columns and, for a workbook, its sheets.

    Attributes
    ----------
    columns
        The column names, as pandas names them.
    sheet
        The sheet read (Excel only, else ``None``).
    sheets
        Every sheet of the workbook, in order (Excel only, else ``()``).
    sheet_given
        Whether the sheet was chosen by the caller (else it is the first one).
    """

    columns: tuple[str, ...]
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    sheet_given: bool = False

    def sheet_note(self, params_key: str | None = None) -> str:
        """Which sheet was read and which others exist ('' for a file without sheets)."""
        if self.sheet is None:
            return ""
        return sheet_note(self.sheet, self.sheets, self.sheet_given, params_key)


def table_format(path: str | Path) -> str | None:
    """The reader a file needs, from its extension: ``csv``, ``tsv``, ``parquet``, ``excel``.

    ``None`` when the extension is not supported.
    """
    name = Path(path).name.lower()
    for suffix in sorted(SUPPORTED_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return SUPPORTED_SUFFIXES[suffix]
    return None


def _checked_format(p: Path) -> str:
    fmt = table_format(p)
    if fmt is None:
        known = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise DataError(f"Cannot read {p}: unsupported file extension; expected one of {known}.")
    if not p.is_file():
        raise DataError(f"Cannot read {p}: the file does not exist.")
    return fmt


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
        Only keep these columns. Every name must exist in the file. Only these columns
        (and those of ``sample``) are read from CSV and Parquet files.
    sample
        Keep only the rows where each named column equals the given value (or
        is one of the values, when a list is given), e.g. ``{"ky": 1}``.
    **read_options
        Passed on to the pandas reader (``sep``, ``encoding``, ``decimal``, ``dtype`` ...).
        Columns whose values all look like numbers are read as numbers: read codes with
        leading zeros as text with ``dtype={"code": str}``.

    Returns
    -------
    pandas.DataFrame
        A new DataFrame with a fresh ``RangeIndex``.

    Raises
    ------
    DataError
        If the file does not exist, has an unsupported extension, cannot be read (the
        message says why: truncated or damaged, not gzip, not a Parquet file or an
        Excel workbook, not UTF-8 text, a line with too many fields), is empty, has a
        header but no data rows, or lacks a requested column (the message lists the
        columns it has and, for a workbook, which sheet was read and which others exist).
    """
    p = Path(path)
    fmt = _checked_format(p)
    needed = list(dict.fromkeys([*(columns or []), *(sample or {})]))
    frame, header = _read(p, fmt, sheet, needed if columns is not None else None, read_options)
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        from evalkit._validation import describe_columns

        raise DataError(
            f"{p} has no column {', '.join(repr(m) for m in missing)}; "
            f"its columns are: {describe_columns(header.columns)}{header.sheet_note()}"
            f"{header_hint(header.columns, fmt)}."
        )
    if len(frame) == 0:
        raise DataError(_no_rows(p, fmt, frame, header))
    if sample:
        import pandas as pd

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


def _no_rows(p: Path, fmt: str, frame: pd.DataFrame, header: Header) -> str:
    where = f"{p}" if header.sheet is None else f"{p}, sheet {header.sheet!r},"
    note = header.sheet_note() if len(header.sheets) > 1 else ""
    if len(frame.columns) == 0 and header.sheet is not None:
        return f"{where} is empty: it has no header and no data rows{note}."
    if fmt == "parquet":
        return f"{where} has columns but no data rows: there is nothing to analyse."
    return (f"{where} has a header but no data rows: there is nothing to analyse below its "
            f"column names{note}.")


def _read(p: Path, fmt: str, sheet: str | int | None, wanted: list[str] | None,
          options: dict[str, Any]) -> tuple[pd.DataFrame, Header]:
    """Read the file (only the ``wanted`` columns when they can be read alone)."""
    import pandas as pd

    if fmt in ("csv", "tsv"):
        kwargs: dict[str, Any] = {"sep": "\t"} if fmt == "tsv" else {}
        kwargs.update(options)
        narrow = bool(wanted) and "usecols" not in kwargs
        if narrow:
            keep = set(wanted)
            kwargs["usecols"] = lambda c: c in keep
        try:
            frame = pd.read_csv(p, **kwargs)
            if narrow:  # the columns left out are not decoded: check them as a full read does
                _check_encoding(p, options)
        except _TEXT_ERRORS as exc:
            raise unreadable(p, fmt, exc, options) from exc
        columns = frame.columns
        if narrow and any(c not in columns for c in wanted):  # name every column in the error
            kwargs.pop("usecols")
            try:
                columns = pd.read_csv(p, nrows=0, **kwargs).columns
            except _TEXT_ERRORS:
                pass
        return frame, Header(tuple(str(c) for c in columns))
    if fmt == "parquet":
        try:
            names = _parquet_names(p) if wanted else None
            subset = None if names is None else [c for c in wanted if c in names]
            frame = pd.read_parquet(p, columns=subset, **options)
        except (TypeError, MemoryError):
            raise
        except Exception as exc:  # pyarrow raises many kinds on a damaged file
            raise unreadable(p, fmt, exc, options) from exc
        return frame, Header(tuple(names) if names is not None else
                             tuple(str(c) for c in frame.columns))
    with _workbook(p) as book:
        header = _sheet_header(p, book, sheet)
        try:
            frame = pd.read_excel(book, sheet_name=header.sheet, **options)
        except (TypeError, MemoryError):
            raise
        except Exception as exc:
            raise unreadable(p, fmt, exc, options) from exc
    return frame, Header(tuple(str(c) for c in frame.columns), header.sheet, header.sheets,
                         header.sheet_given)


def _check_encoding(p: Path, options: Mapping[str, Any]) -> None:
    """Raise ``UnicodeDecodeError`` where the file is not text in its encoding."""
    import codecs
    import gzip

    if options.get("encoding_errors", "strict") != "strict":
        return
    decoder = codecs.getincrementaldecoder(options.get("encoding") or "utf-8")()
    opener = gzip.open if p.name.lower().endswith(".gz") else open
    with opener(p, "rb") as handle:  # type: ignore[operator]
        for block in iter(lambda: handle.read(1 << 20), b""):
            decoder.decode(block)
    decoder.decode(b"", final=True)


def _parquet_names(p: Path) -> list[str]:
    import pyarrow.parquet as pq

    return list(pq.read_schema(p).names)


def _workbook(p: Path) -> Any:
    """The workbook as a ``pandas.ExcelFile`` (a context manager)."""
    import pandas as pd

    try:
        return pd.ExcelFile(p)
    except (TypeError, MemoryError):
        raise
    except Exception as exc:  # openpyxl and xlrd raise many kinds on a damaged file
        raise unreadable(p, "excel", exc) from exc


def _sheet_header(p: Path, book: Any, sheet: str | int | None) -> Header:
    """The sheet chosen (by name or position), or a DataError listing the sheets."""
    names = tuple(str(s) for s in book.sheet_names)
    listed = ", ".join(map(repr, names))
    if sheet is None:
        if not names:
            raise cannot_read(p, "excel", "the workbook has no sheet")
        return Header((), names[0], names, False)
    if isinstance(sheet, bool) or not isinstance(sheet, str | int):
        raise InputError(f"sheet={sheet!r}: must be a sheet name or position (0 = first); "
                         f"got {type(sheet).__name__}")
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise cannot_read(p, "excel", f"it has no sheet at position {sheet} (positions "
                              f"start at 0); its {len(names)} sheets are {listed}")
        return Header((), names[sheet], names, True)
    if sheet not in names:
        raise cannot_read(p, "excel", f"it has no sheet {sheet!r}; its sheets are {listed}")
    return Header((), sheet, names, True)


def read_header(path: str | Path, sheet: str | int | None = None) -> Header:
    """The column names of a data file (and a workbook's sheets), reading only its header.

    CSV: its first line; Parquet: its schema; Excel: the chosen sheet's first row.

    Raises
    ------
    DataError
        If the extension is not supported or the file cannot be read (see
        :func:`load_table`).
    """
    p = Path(path)
    fmt = table_format(p)
    if fmt in ("csv", "tsv"):
        return Header(tuple(_header(p, fmt)))
    if fmt == "parquet":
        try:
            return Header(tuple(_parquet_names(p)))
        except (TypeError, MemoryError):
            raise
        except Exception as exc:
            raise unreadable(p, fmt, exc) from exc
    if fmt == "excel":
        import pandas as pd

        with _workbook(p) as book:
            header = _sheet_header(p, book, sheet)
            try:
                columns = pd.read_excel(book, sheet_name=header.sheet, nrows=0).columns
            except (TypeError, MemoryError):
                raise
            except Exception as exc:
                raise unreadable(p, fmt, exc) from exc
        return Header(tuple(str(c) for c in columns), header.sheet, header.sheets,
                      header.sheet_given)
    raise DataError(f"Cannot read {p}: unsupported file extension; expected one of "
                    f"{', '.join(sorted(SUPPORTED_SUFFIXES))}.")


def read_columns(path: str | Path, sheet: str | int | None = None) -> list[str]:
    """The column names of a data file, reading only its header (or its Parquet schema).

    Raises
    ------
    DataError
        If the extension is not supported or the file cannot be read.
    """
    return list(read_header(path, sheet).columns)


def _header(path: Path, fmt: str) -> list[str]:
    """The column names on a delimited file's first line.

    Read with the standard library, so that checking a params file does not need
    pandas; a header with repeated names, or a blank first line, is left to pandas.
    """
    import csv
    import gzip

    separator = "," if fmt == "csv" else "\t"
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:  # type: ignore[operator]
            names = next(csv.reader(handle, delimiter=separator), None)
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, csv.Error) as exc:
        raise unreadable(path, fmt, exc) from exc
    if names is None:
        raise cannot_read(path, fmt, "the file is empty: it has no header and no rows")
    if names and len(set(names)) == len(names):
        return names
    import pandas as pd

    try:
        return [str(c) for c in pd.read_csv(path, sep=separator, nrows=0).columns]
    except _TEXT_ERRORS as exc:
        raise unreadable(path, fmt, exc) from exc


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
