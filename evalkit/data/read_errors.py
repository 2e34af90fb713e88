"""Why a data file could not be read, in words: the wording of :mod:`evalkit.data.io`'s errors.

A reader's exception (``EOFError`` from a truncated gzip file, ``UnicodeDecodeError``
from a Windows-1252 file, ``BadZipFile`` from a damaged workbook ...) becomes a
:class:`~evalkit.errors.DataError` that names the file, the format expected and what
is wrong with the file, with what to do about it. Only the file's name and the
offending byte or line number are shown, never its content.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evalkit.errors import DataError

__all__ = ["unreadable", "cannot_read", "header_hint", "sheet_note", "EXCEL_PACKAGES"]

EXCEL_PACKAGES = {".xls": "xlrd", ".xlsx": "openpyxl", ".xlsm": "openpyxl"}
_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def cannot_read(path: Path, fmt: str, reason: str) -> DataError:
    """``Cannot read <file> as <format>: <reason>``."""
    return DataError(f"Cannot read {path} as {fmt}: {reason}")


def _detail(exc: BaseException, path: Path) -> str:
    """The exception's text, with the file's full path shortened to its name."""
    text = str(exc).strip() or type(exc).__name__
    for spelling in {str(path), str(path.resolve())}:
        text = text.replace(spelling, path.name)
    return text.splitlines()[0] if text else text


def _suffix(path: Path) -> str:
    name = path.name.lower()
    return ".csv.gz" if name.endswith(".csv.gz") else path.suffix.lower()


def _encoding_reason(exc: UnicodeDecodeError, options: Mapping[str, Any]) -> str:
    encoding = exc.encoding.replace("-sig", "")
    byte = exc.object[exc.start:exc.start + 1].hex() if exc.object else ""
    which = f" (e.g. the byte 0x{byte})" if byte else ""
    if options.get("encoding"):
        return (f"it is not {encoding} text: it holds bytes that are not valid {encoding}"
                f"{which}; check the encoding the file was saved with and pass it as "
                "encoding=...")
    return (f"it is not UTF-8 text: it holds bytes that are not valid UTF-8{which}. Files "
            "saved by Excel or older software on Windows are often in Windows-1252 (cp1252): "
            "save it again as 'CSV UTF-8', or read it with encoding='cp1252'")


def _parser_reason(exc: Exception, path: Path) -> str:
    match = _FIELDS.search(str(exc))
    if match:
        expected, line, saw = match.groups()
        return (f"line {line} has {saw} fields where the header has {expected}: a value "
                "holding the separator without quotes, or a title or notes above or below the "
                "table? (with load_table, skip such lines with skiprows= or skipfooter=)")
    return f"it cannot be parsed ({_detail(exc, path)})"


def unreadable(path: Path, fmt: str, exc: BaseException,
               options: Mapping[str, Any] | None = None) -> DataError:
    """The :class:`DataError` for a reader's exception ``exc`` on ``path``."""
    import pandas as pd

    options = options or {}
    suffix = _suffix(path)
    if isinstance(exc, ImportError):
        package = getattr(exc, "name", None) or EXCEL_PACKAGES.get(suffix, "pyarrow")
        package = EXCEL_PACKAGES.get(suffix, package) if fmt == "excel" else package
        extra = " or save the workbook as .xlsx" if suffix == ".xls" else ""
        reason = (f"reading {suffix} files needs the optional package {package!r}: install it "
                  f"(pip install {package}){extra}")
    elif isinstance(exc, EOFError):
        reason = ("the file is truncated: its gzip-compressed data end before the end of the "
                  "compressed stream (was it copied or downloaded completely?); copy it again"
                  if suffix.endswith(".gz") else "the file ends unexpectedly (truncated?)")
    elif isinstance(exc, gzip.BadGzipFile):
        reason = ("it is not a valid gzip file: its name ends in .gz but its content is not "
                  "gzip-compressed (decompress it, or give it the name of what it holds)")
    elif isinstance(exc, zlib.error):
        reason = ("it is a damaged gzip file: its compressed data cannot be decompressed "
                  f"({_detail(exc, path)}); copy or download it again")
    elif isinstance(exc, UnicodeDecodeError):
        reason = _encoding_reason(exc, options)
    elif isinstance(exc, pd.errors.EmptyDataError):
        reason = "the file is empty: it has no header and no rows"
    elif isinstance(exc, pd.errors.ParserError):
        reason = _parser_reason(exc, path)
    elif fmt in ("parquet", "excel") and not isinstance(exc, FileNotFoundError | PermissionError):
        kind = "Parquet file" if fmt == "parquet" else "Excel workbook"
        detail = _detail(exc, path)
        detail = "" if "specify an engine" in detail else f" ({detail})"
        reason = (f"it is not a valid {kind}: it may be damaged or truncated, or be another "
                  f"kind of file with a {suffix} name{detail}")
    elif isinstance(exc, OSError) and exc.strerror:
        reason = f"the file cannot be opened ({exc.strerror})"
    else:
        reason = _detail(exc, path)
    return cannot_read(path, fmt, reason)


def header_hint(columns: Sequence[str], fmt: str | None, for_params: bool = False) -> str:
    """Why the columns read may not be the table's, when the header looks wrong ('' if not).

    ``for_params``: say what to do with the file, for a params file's user (who cannot
    pass reading options), instead of which option of :func:`~evalkit.data.load_table`.
    """
    names = [str(c) for c in columns]
    if fmt in ("csv", "tsv") and len(names) == 1:
        expected = "," if fmt == "csv" else "\t"
        for separator in (";", "\t", "|", ","):
            if separator != expected and separator in names[0]:
                shown = "tab" if separator == "\t" else f'"{separator}"'
                fix = (f"in the params, data.read.separator: {shown}"
                       if for_params else f"with load_table, pass sep={separator!r}")
                return (f". The file seems to separate its columns with {separator!r}, not "
                        f"{expected!r} ({fix})")
    unnamed = sum(name.startswith("Unnamed: ") for name in names)
    if names and unnamed * 2 >= len(names):
        fix = ("in the params, give the line of the column names as data.read.header_row"
               if for_params else
               "with load_table, give the line of the column names as header_row=<line>")
        return (f". Most columns have no name: is there a title or notes above the column "
                f"names? ({fix})")
    return ""


def sheet_note(chosen: str, sheets: Sequence[str], given: bool,
               params_key: str | None = None) -> str:
    """Which sheet of a workbook was read and which others exist, for a missing column.

    ``params_key`` names the params key that chooses the sheet (``data.sheet``); without
    it, the note names :func:`~evalkit.data.load_table`'s ``sheet`` argument.
    """
    which = "" if given else ", the first, as no sheet was chosen"
    others = [s for s in sheets if s != chosen]
    if not others:
        return f" (read from sheet {chosen!r}{which}; the workbook has no other sheet)"
    example = others[0]
    position = list(sheets).index(example)
    if params_key:
        how = f"{params_key}: {example} or {params_key}: {position}"
    else:
        how = f"sheet={example!r} or sheet={position}"
    return (f" (read from sheet {chosen!r}{which}; the workbook's other sheets are "
            f"{', '.join(map(repr, others))}: to read another, give its name or its position "
            f"from 0, e.g. {how})")
