"""How a delimited text file is written, detected from its first lines.

Administrations publish CSV files in many ways: ``;`` between columns and a decimal
comma (French and Belgian exports), Windows-1252 or Latin-1 text, thousands written
``1 234`` or ``1.234``, a few title lines above the column names, and markers such as
``s`` (secret), ``nd`` or ``-`` where a value is missing. :func:`detect_csv_format`
reads a sample of the file's first bytes (never the whole file) and says how the file
is written, in a :class:`ReadFormat`; what the caller states is kept as stated.

The rules, on the sample:

- encoding: UTF-8 with a BOM; else UTF-8 if the sample is valid UTF-8; else
  Windows-1252 (cp1252) if it decodes; else Latin-1 (which decodes any byte). A later
  byte that is not UTF-8 makes the reader fall back to cp1252, then Latin-1.
- separator: among ``,`` ``;`` tab and ``|`` (quotes respected), the one that gives
  the most lines the same number of fields (at least two); ties go to the extension's
  own (``,`` for .csv, tab for .tsv).
- header: the first line with the table's number of fields of which more than half
  are filled (title lines above it are skipped).
- decimal and thousands: from the numbers of the columns that hold only numbers and
  missing-value markers (a file whose numbers use both marks is read with the
  separator's convention, a point in comma-separated files, else with the mark of
  the most columns). ``12,5`` is a decimal comma, ``0.25`` a decimal point,
  ``1.234.567`` or ``1.234,5`` thousands dots, ``1 234`` thousands spaces (also
  no-break spaces). ``1.234`` alone (one to three digits, a dot, three digits) is
  ambiguous outside comma-separated files, where nothing else in the file says which:
  :class:`~evalkit.errors.DataError` naming the column and how to state it.
- codes: columns whose names mark territorial codes (see
  :mod:`evalkit.data.code_columns`) and the columns stated as text are read as text.

The module needs only the standard library, so that checking a params file stays cheap.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from evalkit.data.code_columns import code_columns
from evalkit.errors import DataError

__all__ = ["ReadFormat", "detect_csv_format", "DEFAULT_MISSING", "SPACES", "ENCODING_NAMES",
           "READ_KEYS", "SAMPLE_BYTES"]

#: Markers of a missing value in numeric columns (compared without regard to case).
DEFAULT_MISSING: tuple[str, ...] = ("", "s", "nd", "n.d.", "nc", "ns", "secret", "-", "–",
                                    "—", "..", "...")
#: The spaces that may separate thousands: space, no-break space, narrow no-break space.
SPACES = " \u00a0\u202f"
#: How the encodings detected are named to a reader.
ENCODING_NAMES: dict[str, str] = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8",
                                  "cp1252": "Windows-1252", "latin-1": "Latin-1 (ISO-8859-1)"}
#: The fields of a :class:`ReadFormat` a caller may state.
READ_KEYS = ("encoding", "separator", "decimal", "thousands", "header_row", "missing",
             "text_columns", "sheet")
#: How many bytes of a file are read to detect its format.
SAMPLE_BYTES = 1 << 18
_MAX_RECORDS = 2000
_SEPARATORS = {"csv": (",", ";", "\t", "|"), "tsv": ("\t", ",", ";", "|")}
_SIMPLE = re.compile(r"[+-]?(\d+)([.,])(\d+)")
_AMBIGUOUS = re.compile(r"[+-]?[1-9]\d{0,2}([.,])\d{3}")
_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}(?:([ \u00a0\u202f.,'])\d{3})(?:\1\d{3})*(?:([.,])(\d+))?")
_INTEGER = re.compile(r"[+-]?\d+")


@dataclass(frozen=True)
class ReadFormat:
    """How a table file is written: what was detected, and what the caller stated.

    Attributes
    ----------
    file_format
        ``csv``, ``tsv`` or ``excel``.
    encoding
        The text's encoding, as Python names it: ``utf-8``, ``utf-8-sig`` (UTF-8 with a
        byte-order mark), ``cp1252`` or ``latin-1`` (``None`` for a workbook).
    separator
        The character between columns (``None`` for a workbook).
    decimal
        The decimal mark, ``.`` or ``,``.
    thousands
        The character separating thousands (a space, a no-break space, ``.`` ...), or
        ``None`` when numbers are written without.
    header_row
        The line (text file) or row (workbook) of the column names, from 1; the lines
        above it are title lines, skipped.
    sheet
        The sheet read (workbook only).
    missing
        The markers read as missing values in numeric columns (compared without regard
        to case).
    text_columns
        The columns read as text: territorial codes by their names, and those stated.
    stated
        The fields the caller stated (the others were detected).
    """

    file_format: str
    encoding: str | None = "utf-8"
    separator: str | None = ","
    decimal: str = "."
    thousands: str | None = None
    header_row: int = 1
    sheet: str | None = None
    missing: tuple[str, ...] = DEFAULT_MISSING
    text_columns: tuple[str, ...] = ()
    stated: frozenset[str] = field(default_factory=frozenset)

    @property
    def title_rows(self) -> int:
        """How many lines (or rows) above the header were skipped."""
        return self.header_row - 1

    @property
    def detected(self) -> tuple[str, ...]:
        """The fields that were detected rather than stated."""
        return tuple(k for k in READ_KEYS if k not in self.stated)

    @property
    def is_plain(self) -> bool:
        """Whether the file is written the default way: nothing worth telling a reader.

        UTF-8 text with ``,`` (``.csv``) or tab (``.tsv``) between columns, a decimal
        point, no thousands separator and the header on line 1 (a workbook: on row 1).
        """
        if self.file_format == "excel":
            return self.header_row == 1
        separator = "\t" if self.file_format == "tsv" else ","
        return (self.encoding in ("utf-8", "utf-8-sig") and self.separator == separator
                and self.decimal == "." and self.thousands is None and self.header_row == 1)

    def summary(self) -> str:
        """How the file was read, in one English line (what a report's provenance says)."""
        parts = []
        if self.separator is not None:
            parts.append(f"separator {_shown(self.separator)}")
            parts.append("decimal comma" if self.decimal == "," else "decimal point")
            if self.thousands is not None:
                parts.append(f"thousands separated by {_shown(self.thousands)}")
            parts.append(f"encoding {ENCODING_NAMES.get(self.encoding or '', self.encoding)}")
            parts.append(f"header on line {self.header_row}")
        else:
            parts.append(f"sheet {self.sheet!r}, header on row {self.header_row}")
        stated = sorted(self.stated & {"encoding", "separator", "decimal", "thousands",
                                       "header_row"})
        note = f" (stated: {', '.join(stated)})" if stated else ""
        return "read as: " + ", ".join(parts) + note

    def to_dict(self) -> dict[str, Any]:
        """The format as a plain JSON-compatible dict (``stated``: a sorted list)."""
        return {"file_format": self.file_format, "encoding": self.encoding,
                "separator": self.separator, "decimal": self.decimal,
                "thousands": self.thousands, "header_row": self.header_row,
                "sheet": self.sheet, "missing": list(self.missing),
                "text_columns": list(self.text_columns), "stated": sorted(self.stated)}


def _shown(char: str) -> str:
    return {"\t": "tab", " ": "space", "\u00a0": "no-break space",
            "\u202f": "narrow no-break space"}.get(char, repr(char))


def sample_encoding(sample: bytes, complete: bool) -> str:
    """The encoding of a file's first bytes (see the module's rule)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _records(text: str, separator: str) -> list[tuple[int, list[str]]]:
    """The sample's records, each with the line it starts on (from 1); blank lines left out."""
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    out = []
    start = 1
    try:
        for row in reader:
            if row and any(cell.strip() for cell in row):
                out.append((start, row))
                if len(out) >= _MAX_RECORDS:
                    break
            start = reader.line_num + 1
    except csv.Error:  # e.g. a quote left open at the sample's end: keep what was read
        pass
    return out


def _consistency(records: list[tuple[int, list[str]]]) -> tuple[float, int]:
    """The share of records with the most common number of fields above one, and that number.

    Records of one field (title lines, or a one-column table) do not count as a width.
    """
    widths = Counter(len(r) for _, r in records if len(r) >= 2)
    if not widths:
        return 0.0, 1 if records else 0
    width, count = max(widths.items(), key=lambda item: item[1])  # ties: the first seen
    return count / len(records), width


def _header_index(records: list[tuple[int, list[str]]], width: int) -> int:
    for i, (_, row) in enumerate(records):
        if len(row) == width and 2 * sum(bool(c.strip()) for c in row) > width:
            return i
    return next((i for i, (_, row) in enumerate(records) if len(row) == width), 0)


@dataclass
class _Numbers:
    """What the numbers of the sample's numeric columns say about decimals and thousands."""

    decimal: dict[str, list[str]] = field(default_factory=lambda: {",": [], ".": []})
    thousands: Counter[str] = field(default_factory=Counter)
    ambiguous: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: {",": [], ".": []})


def _classify(token: str) -> tuple[str, str | None, str | None] | None:
    """``(kind, decimal, thousands)`` of a number written as ``token``, or ``None``.

    kind is ``integer``, ``decimal`` (the decimal mark is known), ``ambiguous``
    (``1.234``: the mark is the decimal or the thousands separator) or ``grouped``.
    """
    if _INTEGER.fullmatch(token):
        return ("integer", None, None)
    simple = _SIMPLE.fullmatch(token)
    if simple:
        if _AMBIGUOUS.fullmatch(token):
            return ("ambiguous", simple.group(2), None)
        return ("decimal", simple.group(2), None)
    grouped = _GROUPED.fullmatch(token)
    if grouped and grouped.group(1) != grouped.group(2):
        return ("grouped", grouped.group(2), grouped.group(1))
    return None


def _read_numbers(names: Sequence[str], rows: list[list[str]], skip: set[str],
                  markers: set[str]) -> _Numbers:
    found = _Numbers()
    for j, name in enumerate(names):
        if name in skip:
            continue
        kinds = []
        for row in rows:
            token = row[j].strip() if j < len(row) else ""
            if token.lower() in markers or not token:
                continue
            kind = _classify(token)
            if kind is None:
                break
            kinds.append((token, kind))
        else:
            for token, (kind, decimal, thousands) in kinds:
                if kind == "ambiguous" and decimal is not None:
                    if name not in (n for n, _ in found.ambiguous[decimal]):
                        found.ambiguous[decimal].append((name, token))
                if kind in ("decimal", "grouped") and decimal is not None:
                    if name not in found.decimal[decimal]:
                        found.decimal[decimal].append(name)
                if thousands is not None:
                    found.thousands[thousands] += 1
    return found


def _ambiguity(path: Any, column: str, token: str) -> DataError:
    """The error for ``1.234`` where nothing tells a decimal point from a thousands dot."""
    return DataError(
        f"Cannot read {path}: the decimal mark is ambiguous. The column {column!r} writes "
        f"numbers such as {token!r}, which is {token.lstrip('+')} with a decimal point or "
        f"{token.lstrip('+').replace('.', '')} with a dot between thousands, and no other "
        "number in the file's first lines says which. State the decimal mark: in the "
        "params, data.read.decimal: \".\" (a decimal point) or data.read.decimal: \",\" (a "
        "decimal comma, the dots separating thousands); with load_table, decimal='.' or "
        "decimal=','.")


def _decimal_and_thousands(path: Any, separator: str, numbers: _Numbers,
                           stated: Mapping[str, Any]) -> tuple[str, str | None]:
    decimal = stated.get("decimal")
    thousands = stated.get("thousands")
    if decimal is None:
        commas, points = numbers.decimal[","], numbers.decimal["."]
        if commas and points:  # written both ways: the convention of the separator, else
            # the more common; the values written the other way stay text, and are named
            # where the column is used
            decimal = "." if separator == "," or len(points) > len(commas) else ","
        elif commas or points:
            decimal = "," if commas else "."
        elif thousands in (",", "."):
            decimal = "." if thousands == "," else ","
        elif numbers.thousands["."] or numbers.thousands[","]:
            decimal = "," if numbers.thousands["."] >= numbers.thousands[","] else "."
        elif separator == ",":
            decimal = "."
        elif numbers.ambiguous["."] and thousands is None:
            column, token = numbers.ambiguous["."][0]
            raise _ambiguity(path, column, token)
        else:
            decimal = "," if separator == ";" or numbers.ambiguous[","] else "."
    if thousands is None and "thousands" not in stated:
        kinds = Counter({k: n for k, n in numbers.thousands.items() if k != decimal})
        other = "," if decimal == "." else "."
        if numbers.ambiguous[other]:
            kinds[other] += len(numbers.ambiguous[other])
        thousands = kinds.most_common(1)[0][0] if kinds else None
    return decimal, thousands


def detect_csv_format(sample: bytes, *, file_format: str = "csv", complete: bool = True,
                      stated: Mapping[str, Any] | None = None, path: Any = "the file",
                      ) -> tuple[ReadFormat, tuple[str, ...]]:
    """How a delimited file is written, from its first bytes.

    Parameters
    ----------
    sample
        The file's first bytes (decompressed), at most :data:`SAMPLE_BYTES` of them.
    file_format
        ``csv`` or ``tsv``: the extension's own separator wins ties.
    complete
        Whether ``sample`` is the whole file (else its last, partial line is left out).
    stated
        What the caller states, by :data:`READ_KEYS` name (``None`` values are not
        stated); stated values are kept, the others detected.
    path
        The file, to name in errors.

    Returns
    -------
    tuple
        The :class:`ReadFormat` and the column names on the header line.

    Raises
    ------
    DataError
        If the decimal mark cannot be told (``1.234`` everywhere); the message names
        the column and how to state the mark.
    """
    given = {k: v for k, v in (stated or {}).items() if v is not None}
    encoding = given.get("encoding") or sample_encoding(sample, complete)
    text = sample.decode(encoding, errors="replace")
    if not complete:
        text = text[:text.rfind("\n") + 1] if "\n" in text else text
    text = text.removeprefix("\ufeff")
    candidates = _SEPARATORS.get(file_format, _SEPARATORS["csv"])
    if given.get("separator"):
        separator = given["separator"]
        records = _records(text, separator)
        width = _consistency(records)[1]
    else:
        best: tuple[float, str, list[tuple[int, list[str]]], int] = (-1.0, "", [], 0)
        for candidate in candidates:
            records_c = _records(text, candidate)
            score, width_c = _consistency(records_c)
            if score > best[0]:
                best = (score, candidate, records_c, width_c)
        _, separator, records, width = best
    if given.get("header_row"):
        index = next((i for i, (line, _) in enumerate(records) if line >= given["header_row"]),
                     len(records))
        header_row = int(given["header_row"])
    elif records:
        index = _header_index(records, width)
        header_row = records[index][0]
    else:
        index, header_row = 0, 1
    names = tuple(records[index][1]) if index < len(records) else ()
    markers = tuple(given["missing"]) if "missing" in given else DEFAULT_MISSING
    stated_text = tuple(given.get("text_columns", ()))
    text_columns = tuple(dict.fromkeys([*code_columns(names), *stated_text]))
    rows = [row for _, row in records[index + 1:] if len(row) == len(names)]
    numbers = _read_numbers(names, rows, set(text_columns), {m.lower() for m in markers})
    decimal, thousands = _decimal_and_thousands(path, separator, numbers, given)
    found = ReadFormat(file_format=file_format, encoding=encoding, separator=separator,
                       decimal=decimal, thousands=thousands, header_row=header_row,
                       missing=markers, text_columns=text_columns,
                       stated=frozenset(k for k in given if k in READ_KEYS))
    return found, names


def with_encoding(found: ReadFormat, encoding: str) -> ReadFormat:
    """The same format with another (detected) encoding."""
    return replace(found, encoding=encoding)
