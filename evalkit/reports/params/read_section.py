"""``data.read``: how the data file is written, for when detection must be told.

evalkit detects how a CSV file is written (encoding, separator, decimal mark,
thousands, title lines above the header, missing-value markers) and where a workbook's
header is; ``data.read`` states what cannot be detected or was detected wrongly. Every
key is optional; a key given replaces detection for that key only::

    data:
      file: ../data/communes.csv
      read:
        separator: ";"           # ",", ";", "|" or tab (written "\\t" or tab)
        decimal: ","             # "," or "."
        thousands: " "           # " " (or space), "." , ",", "'", nbsp, narrow nbsp
        encoding: cp1252         # utf-8, cp1252, latin-1 ...
        header_row: 5            # the line (or row) of the column names, from 1
        missing: [s, nd, secret] # markers of a missing value in numeric columns
        text_columns: [siret]    # read as text (territorial codes already are)
        # sheet: Données         # Excel: as data.sheet (give only one of the two)
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, StrictInt, StrictStr

__all__ = ["ReadSection", "read_options"]

_SEPARATORS = {",": ",", ";": ";", "|": "|", "\t": "\t", "tab": "\t"}
_THOUSANDS = {" ": " ", "space": " ", ".": ".", ",": ",", "'": "'", "\u00a0": "\u00a0",
              "nbsp": "\u00a0", "\u202f": "\u202f", "narrow nbsp": "\u202f"}


def _separator(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and value in _SEPARATORS):
        return None if value is None else _SEPARATORS[value]
    raise ValueError('must be one of ",", ";", "|" or tab (written "\\t" or tab)')


def _decimal(value: Any) -> str | None:
    if value is None or value in (",", "."):
        return value
    raise ValueError('must be "," (a decimal comma) or "." (a decimal point)')


def _thousands(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and value in _THOUSANDS):
        return None if value is None else _THOUSANDS[value]
    raise ValueError('must be " " (or space), nbsp (a no-break space), narrow nbsp, ".", "," '
                     "or \"'\"")


def _encoding(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            codecs.lookup(value)
            return value
        except LookupError:
            pass
    raise ValueError("must be an encoding such as utf-8, cp1252 (Windows-1252) or latin-1")


def _sheet(value: Any) -> str | int | None:
    if value is None or isinstance(value, str) or (isinstance(value, int)
                                                   and not isinstance(value, bool)):
        return value
    raise ValueError("must be a sheet name (text) or a sheet position (an integer, 0 = first)")


class ReadSection(BaseModel):
    """``data.read``: how the data file is written (every key optional; default: detected).

    Attributes
    ----------
    separator
        The character between columns: ``","``, ``";"``, ``"|"`` or tab.
    decimal
        The decimal mark: ``","`` or ``"."``.
    thousands
        The character between thousands: a space, a no-break space (``nbsp``), a
        narrow no-break space (``narrow nbsp``), ``"."``, ``","`` or ``"'"``.
    encoding
        The text's encoding: ``utf-8``, ``cp1252`` (Windows-1252), ``latin-1`` ...
    sheet
        Excel only: the sheet, as ``data.sheet`` (give only one of the two).
    header_row
        The line (text file) or row (workbook) of the column names, counted from 1;
        the lines above it are skipped.
    missing
        The markers of a missing value in numeric columns, instead of the default ones
        (empty, ``s``, ``nd``, ``n.d.``, ``nc``, ``ns``, ``secret``, ``-`` ...).
    text_columns
        Columns to read as text, besides those named as territorial codes
        (``commune_code``, ``CODGEO``, ``nis_code`` ...).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    separator: Annotated[str | None, PlainValidator(_separator)] = None
    decimal: Annotated[str | None, PlainValidator(_decimal)] = None
    thousands: Annotated[str | None, PlainValidator(_thousands)] = None
    encoding: Annotated[str | None, PlainValidator(_encoding)] = None
    sheet: Annotated[str | int | None, PlainValidator(_sheet)] = None
    header_row: StrictInt | None = Field(default=None, ge=1)
    missing: list[StrictStr] | None = None
    text_columns: list[StrictStr] = Field(default_factory=list)

    def load_options(self) -> dict[str, Any]:
        """The keys given, as :func:`~evalkit.data.load_table`'s options (without the sheet)."""
        return {key: value for key, value in (
            ("sep", self.separator), ("decimal", self.decimal),
            ("thousands", self.thousands), ("encoding", self.encoding),
            ("header_row", self.header_row), ("missing", self.missing),
            ("text_columns", self.text_columns or None)) if value is not None}


def read_options(data: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`~evalkit.data.load_table`'s options from a raw ``data`` section.

    Tolerates values of the wrong type (the schema check reports them): a key whose
    value is not valid is left to detection.
    """
    raw = data.get("read")
    if not isinstance(raw, Mapping):
        return {}
    valid: dict[str, Any] = {}
    for key, value in raw.items():
        try:
            valid.update(ReadSection.model_validate({key: value}).model_dump(exclude_unset=True))
        except Exception:  # noqa: BLE001 - an invalid key is reported by the schema check
            continue
    return ReadSection.model_validate(valid).load_options()
