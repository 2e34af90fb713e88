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
from codecs import getincrementaldecoder
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.data.code_columns import code_columns
from evalkit.data.csv_format import (
    DEFAULT_MISSING,
    READ_KEYS,
    SAMPLE_BYTES,
    ReadFormat,
    detect_csv_format,
)
from evalkit.data.read_errors import cannot_read, header_hint, sheet_note, unreadable
from evalkit.data.text_numbers import numbers_from_text
from evalkit.errors import DataError, InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["load_table", "load_table_with_format", "LoadedTable", "detect_format",
           "read_columns", "read_header", "Header", "table_format", "file_sha256",
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
    read_format
        How the file is written (CSV, TSV and Excel; ``None`` for Parquet).
    """

    columns: tuple[str, ...]
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    sheet_given: bool = False
    read_format: ReadFormat | None = None

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


#: The pandas reading options that state part of a text file's format, and the field each
#: states.
_PANDAS_NAMES = {"sep": "separator", "delimiter": "separator", "decimal": "decimal",
                 "thousands": "thousands", "encoding": "encoding"}


@dataclass(frozen=True)
class LoadedTable:
    """A table read from a file, and how the file was read.

    Attributes
    ----------
    frame
        The table (see :func:`load_table`).
    read_format
        How the file is written, detected or stated (``None`` for Parquet, whose
        columns are typed).
    """

    frame: pd.DataFrame
    read_format: ReadFormat | None


def load_table(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    columns: Sequence[str] | None = None,
    sample: Mapping[str, Any] | None = None,
    header_row: int | None = None,
    missing: Sequence[str] | None = None,
    text_columns: Sequence[str] | None = None,
    **read_options: Any,
) -> pd.DataFrame:
    """Load a table from a CSV, Parquet or Excel file into a pandas DataFrame.

    The format is chosen from the file's extension: ``.csv`` (also ``.csv.gz``,
    ``.txt``), ``.tsv``, ``.parquet``/``.pq``, ``.xlsx``/``.xls``/``.xlsm``.

    Text files are read as administrations publish them, without being told (see
    :mod:`evalkit.data.csv_format`): UTF-8 (with or without BOM), Windows-1252 or Latin-1;
    ``,`` ``;`` tab or ``|`` between columns; a decimal comma or point; thousands
    written with spaces, no-break spaces or dots; title lines above the column names.
    A workbook's title block above its header (the first row whose cells are all
    filled) is skipped too. Numeric columns holding missing-value markers (``s``,
    ``nd``, ``n.d.``, ``secret``, ``-``, empty ...) come out numeric, the markers
    missing. Columns whose names mark territorial codes (``commune_code``, ``CODGEO``,
    ``nis_code``; see :mod:`evalkit.data.code_columns`) are read as text, so that
    ``02001`` and ``2A004`` keep their form. :func:`load_table_with_format` also says
    how the file was read.

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
    header_row
        The line (text file) or row (workbook) holding the column names, from 1
        (default: detected).
    missing
        The markers of a missing value in numeric columns, instead of the default ones
        (:data:`~evalkit.data.csv_format.DEFAULT_MISSING`).
    text_columns
        Columns to read as text, besides the territorial codes.
    **read_options
        Passed on to the pandas reader. ``sep``, ``decimal``, ``thousands`` and
        ``encoding`` state the text file's format instead of detecting it (e.g.
        ``decimal=","`` where the decimal mark is ambiguous); ``dtype={"col": str}``
        reads a column as text.

    Returns
    -------
    pandas.DataFrame
        A new DataFrame with a fresh ``RangeIndex``.

    Raises
    ------
    DataError
        If the file does not exist, has an unsupported extension, cannot be read (the
        message says why: truncated or damaged, not gzip, not a Parquet file or an
        Excel workbook, not text in the encoding stated, a line with too many fields,
        a decimal mark that cannot be told), is empty, has a header but no data rows, or
        lacks a requested column (the message lists the columns it has and, for a
        workbook, which sheet was read and which others exist).
    """
    return load_table_with_format(path, sheet=sheet, columns=columns, sample=sample,
                                  header_row=header_row, missing=missing,
                                  text_columns=text_columns, **read_options).frame


def load_table_with_format(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    columns: Sequence[str] | None = None,
    sample: Mapping[str, Any] | None = None,
    header_row: int | None = None,
    missing: Sequence[str] | None = None,
    text_columns: Sequence[str] | None = None,
    **read_options: Any,
) -> LoadedTable:
    """Load a table as :func:`load_table` does, and say how the file was read.

    Returns
    -------
    LoadedTable
        ``frame``: the table; ``read_format``: the :class:`ReadFormat` detected or
        stated (the encoding is the one the whole file was read in).
    """
    p = Path(path)
    fmt = _checked_format(p)
    stated = _stated(header_row, missing, text_columns, read_options)
    needed = list(dict.fromkeys([*(columns or []), *(sample or {})]))
    frame, header = _read(p, fmt, sheet, needed if columns is not None else None, read_options,
                          stated)
    missing_columns = [c for c in needed if c not in frame.columns]
    if missing_columns:
        from evalkit._validation import describe_columns

        raise DataError(
            f"{p} has no column {', '.join(repr(m) for m in missing_columns)}; "
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
    return LoadedTable(frame.reset_index(drop=True), header.read_format)


def _stated(header_row: int | None, missing: Sequence[str] | None,
            text_columns: Sequence[str] | None, options: Mapping[str, Any]) -> dict[str, Any]:
    """What the caller states of the file's format, by :class:`ReadFormat` field."""
    if header_row is not None and (isinstance(header_row, bool) or not isinstance(header_row, int)
                                   or header_row < 1):
        raise InputError(f"header_row={header_row!r}: must be the line (or row) of the column "
                         "names, counted from 1; got " + repr(header_row))
    for name, value in (("missing", missing), ("text_columns", text_columns)):
        if value is not None and (isinstance(value, str) or not all(
                isinstance(v, str) for v in value)):
            raise InputError(f"{name}={value!r}: must be a list of texts; got {value!r}")
    stated: dict[str, Any] = {"header_row": header_row,
                              "missing": tuple(missing) if missing is not None else None,
                              "text_columns": tuple(text_columns or ()) or None}
    for option, key in _PANDAS_NAMES.items():
        if options.get(option) is not None:
            stated[key] = options[option]
    dtype = options.get("dtype")
    if isinstance(dtype, Mapping):
        as_text = [c for c, t in dtype.items() if t in (str, "str", "string", object, "object")]
        stated["text_columns"] = tuple(dict.fromkeys([*(stated["text_columns"] or ()),
                                                      *as_text])) or None
    if "header" in options or "skiprows" in options:
        skip = options.get("skiprows")
        stated["header_row"] = (skip + 1 if isinstance(skip, int) and "header" not in options
                                else stated["header_row"] or 1)
    return {k: v for k, v in stated.items() if v is not None}


def _no_rows(p: Path, fmt: str, frame: pd.DataFrame, header: Header) -> str:
    where = f"{p}" if header.sheet is None else f"{p}, sheet {header.sheet!r},"
    note = header.sheet_note() if len(header.sheets) > 1 else ""
    if len(frame.columns) == 0 and header.sheet is not None:
        return f"{where} is empty: it has no header and no data rows{note}."
    if fmt == "parquet":
        return f"{where} has columns but no data rows: there is nothing to analyse."
    return (f"{where} has a header but no data rows: there is nothing to analyse below its "
            f"column names{note}.")


def _sample(p: Path, fmt: str) -> tuple[bytes, bool]:
    """The file's first :data:`SAMPLE_BYTES` bytes (decompressed) and whether that is all."""
    import gzip

    opener = gzip.open if p.name.lower().endswith(".gz") else open
    try:
        with opener(p, "rb") as handle:  # type: ignore[operator]
            data = handle.read(SAMPLE_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise unreadable(p, fmt, exc) from exc
    return data[:SAMPLE_BYTES], len(data) <= SAMPLE_BYTES


def _text_format(p: Path, fmt: str,
                 stated: Mapping[str, Any]) -> tuple[ReadFormat, tuple[str, ...]]:
    """How the text file is written (its sample read), and its header's names."""
    data, complete = _sample(p, fmt)
    if "encoding" in stated:
        encoding = stated["encoding"]
        try:
            decoder = getincrementaldecoder(encoding)()
        except (LookupError, TypeError):
            raise InputError(f"encoding={encoding!r}: must be an encoding Python knows, e.g. "
                             f"'utf-8', 'cp1252' or 'latin-1'; got {encoding!r}") from None
        try:
            decoder.decode(data, final=complete)
        except UnicodeDecodeError as exc:
            raise unreadable(p, fmt, exc, {"encoding": encoding}) from exc
    return detect_csv_format(data, file_format=fmt, complete=complete, stated=stated, path=p)


def _csv_kwargs(found: ReadFormat, options: Mapping[str, Any]) -> dict[str, Any]:
    """pandas.read_csv's options for a file written as ``found`` (the caller's win)."""
    kwargs: dict[str, Any] = {"sep": found.separator, "encoding": found.encoding,
                              "decimal": found.decimal}
    if found.thousands is not None and found.thousands in ".,' ":
        kwargs["thousands"] = found.thousands  # others (no-break spaces) are read afterwards
    if found.header_row > 1 and "header" not in options and "skiprows" not in options:
        kwargs["skiprows"] = found.header_row - 1
    if found.text_columns:
        dtype = options.get("dtype")
        if dtype is None or isinstance(dtype, Mapping):
            kwargs["dtype"] = {**dict.fromkeys(found.text_columns, str), **(dtype or {})}
    kwargs.update({k: v for k, v in options.items() if k not in ("dtype", "delimiter")})
    if "dtype" not in kwargs and options.get("dtype") is not None:
        kwargs["dtype"] = options["dtype"]
    return kwargs


def _read(p: Path, fmt: str, sheet: str | int | None, wanted: list[str] | None,
          options: dict[str, Any], stated: Mapping[str, Any]) -> tuple[pd.DataFrame, Header]:
    """Read the file (only the ``wanted`` columns when they can be read alone)."""
    import pandas as pd

    if fmt in ("csv", "tsv"):
        found, _ = _text_format(p, fmt, stated)
        while True:
            try:
                frame, columns = _read_csv(p, found, wanted, options)
                break
            except UnicodeDecodeError as exc:
                fallback = _FALLBACK.get(found.encoding or "")
                if "encoding" in stated or fallback is None:
                    raise unreadable(p, fmt, exc, {"encoding": found.encoding}) from exc
                found = replace(found, encoding=fallback)
            except _TEXT_ERRORS as exc:
                raise unreadable(p, fmt, exc, options) from exc
        numbers_from_text(frame, found, _stated_text(options))
        return frame, Header(tuple(str(c) for c in columns), read_format=found)
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
        found = _excel_format(p, book, header.sheet, stated)
        kwargs = dict(options)
        if "header" not in options and "skiprows" not in options:
            kwargs["header"] = found.header_row - 1
        if found.text_columns and (options.get("dtype") is None
                                   or isinstance(options.get("dtype"), Mapping)):
            kwargs["dtype"] = {**dict.fromkeys(found.text_columns, str),
                               **(options.get("dtype") or {})}
        try:
            frame = pd.read_excel(book, sheet_name=header.sheet, **kwargs)
        except (TypeError, MemoryError):
            raise
        except Exception as exc:
            raise unreadable(p, fmt, exc, options) from exc
    numbers_from_text(frame, found, _stated_text(options))
    return frame, Header(tuple(str(c) for c in frame.columns), header.sheet, header.sheets,
                         header.sheet_given, found)


_FALLBACK = {"utf-8": "cp1252", "utf-8-sig": "cp1252", "cp1252": "latin-1"}


def _stated_text(options: Mapping[str, Any]) -> list[str]:
    dtype = options.get("dtype")
    return [str(c) for c in dtype] if isinstance(dtype, Mapping) else []


def _read_csv(p: Path, found: ReadFormat, wanted: list[str] | None,
              options: dict[str, Any]) -> tuple[pd.DataFrame, Any]:
    import pandas as pd

    kwargs = _csv_kwargs(found, options)
    narrow = bool(wanted) and "usecols" not in kwargs
    if narrow:
        keep = set(wanted or ())
        kwargs["usecols"] = lambda c: c in keep
    frame = pd.read_csv(p, **kwargs)
    if narrow:  # the columns left out are not decoded: check them as a full read does
        _check_encoding(p, kwargs)
    columns = frame.columns
    if narrow and any(c not in columns for c in wanted or ()):  # name every column in errors
        kwargs.pop("usecols")
        try:
            columns = pd.read_csv(p, nrows=0, **kwargs).columns
        except _TEXT_ERRORS:
            pass
    return frame, columns


def _excel_format(p: Path, book: Any, sheet: str | None,
                  stated: Mapping[str, Any]) -> ReadFormat:
    """How the sheet is laid out: its header row (below any title block), its code columns."""
    import pandas as pd

    header_row = stated.get("header_row")
    try:
        top = pd.read_excel(book, sheet_name=sheet, header=None, nrows=max(
            _EXCEL_TOP, header_row or 0))
    except (TypeError, MemoryError):
        raise
    except Exception as exc:
        raise unreadable(p, "excel", exc) from exc
    filled = top.notna() & top.astype(str).apply(lambda c: c.str.strip() != "")
    counts = filled.sum(axis=1)
    if header_row is None:
        width = int(counts.max()) if len(counts) else 0
        full = [i for i, n in enumerate(counts) if n == width and width > 0]
        header_row = (full[0] + 1) if full else 1
    names = (tuple(str(v) for v in top.iloc[header_row - 1].dropna())
             if 0 < header_row <= len(top) else ())
    text_columns = tuple(dict.fromkeys([*code_columns(names),
                                        *stated.get("text_columns", ())]))
    return ReadFormat(file_format="excel", encoding=None, separator=None, decimal=".",
                      header_row=int(header_row), sheet=sheet,
                      missing=tuple(stated.get("missing", DEFAULT_MISSING)),
                      text_columns=text_columns,
                      stated=frozenset(k for k in stated if k in READ_KEYS))


_EXCEL_TOP = 30  # rows looked at for a title block above a sheet's header


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
        return pd.ExcelFile(p, engine="calamine")  # Rust reader: 8x openpyxl on 1M cells
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


def read_header(path: str | Path, sheet: str | int | None = None, *,
                header_row: int | None = None, missing: Sequence[str] | None = None,
                text_columns: Sequence[str] | None = None, **read_options: Any) -> Header:
    """The column names of a data file (and a workbook's sheets), reading only its header.

    CSV: the header line of its first lines (after any title lines), read as
    :func:`load_table` reads it (the same options); Parquet: its schema; Excel: the
    chosen sheet's header row (below any title block).

    Raises
    ------
    DataError
        If the extension is not supported or the file cannot be read (see
        :func:`load_table`).
    """
    p = Path(path)
    fmt = table_format(p)
    stated = _stated(header_row, missing, text_columns, read_options)
    if fmt in ("csv", "tsv"):
        found, names = _text_format(p, fmt, stated)
        if not names:
            raise cannot_read(p, fmt, "the file is empty: it has no header and no rows")
        return Header(tuple(_unique_names(p, fmt, names, found, read_options)),
                      read_format=found)
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
            found = _excel_format(p, book, header.sheet, stated)
            try:
                columns = pd.read_excel(book, sheet_name=header.sheet, nrows=0,
                                        header=found.header_row - 1).columns
            except (TypeError, MemoryError):
                raise
            except Exception as exc:
                raise unreadable(p, fmt, exc) from exc
        return Header(tuple(str(c) for c in columns), header.sheet, header.sheets,
                      header.sheet_given, found)
    raise DataError(f"Cannot read {p}: unsupported file extension; expected one of "
                    f"{', '.join(sorted(SUPPORTED_SUFFIXES))}.")


def detect_format(path: str | Path, sheet: str | int | None = None, *,
                  header_row: int | None = None, missing: Sequence[str] | None = None,
                  text_columns: Sequence[str] | None = None,
                  **read_options: Any) -> ReadFormat | None:
    """How a data file is written, from its first lines only (see :func:`load_table`).

    The options are :func:`load_table`'s: what they state is kept, the rest detected.
    ``None`` for a Parquet file (its columns are typed: there is nothing to detect).

    Raises
    ------
    DataError
        If the file cannot be read, or its decimal mark cannot be told (the message
        names the column and how to state it).
    """
    return read_header(path, sheet, header_row=header_row, missing=missing,
                       text_columns=text_columns, **read_options).read_format


def read_columns(path: str | Path, sheet: str | int | None = None, **read: Any) -> list[str]:
    """The column names of a data file, reading only its header (or its Parquet schema).

    Raises
    ------
    DataError
        If the extension is not supported or the file cannot be read.
    """
    return list(read_header(path, sheet, **read).columns)


def _unique_names(path: Path, fmt: str, names: Sequence[str], found: ReadFormat,
                  options: Mapping[str, Any]) -> list[str]:
    """The header's names as pandas gives them (repeated or blank names renamed).

    Names without repeats or blanks are the header's own, read with the standard library
    so that checking a params file does not need pandas.
    """
    names = list(names)
    if names and len(set(names)) == len(names) and all(n.strip() for n in names):
        return names
    import pandas as pd

    try:
        return [str(c) for c in pd.read_csv(path, nrows=0, **_csv_kwargs(found, options)).columns]
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
