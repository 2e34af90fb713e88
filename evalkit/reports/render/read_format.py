"""How the data file was read, in a report's provenance: ``séparateur « ; », virgule décimale,
encodage Windows-1252, en-tête ligne 5``.

Said when there is something to say: the file is not written the default way (UTF-8,
``,`` between columns, a decimal point, the header on the first line), or the params
state part of its format in ``data.read``.
"""

from __future__ import annotations

from evalkit._formatting import Language
from evalkit.data.csv_format import ENCODING_NAMES, SPACES, ReadFormat
from evalkit.reports.messages.catalogue import text

__all__ = ["read_format_text"]

_SHOWN_STATED = ("separator", "decimal", "thousands", "encoding", "header_row", "missing",
                 "text_columns", "sheet")


def read_format_text(read: ReadFormat | None, language: Language) -> str | None:
    """How the file was read, in ``language``; ``None`` when there is nothing to say."""
    stated = [k for k in _SHOWN_STATED if k in read.stated] if read is not None else []
    if read is None or (read.is_plain and not stated):
        return None
    parts = []
    if read.separator is not None:
        parts.append(text("read_separator_tab", language) if read.separator == "\t"
                     else text("read_separator", language, char=read.separator))
        parts.append(text("read_decimal_comma" if read.decimal == "," else
                          "read_decimal_point", language))
        if read.thousands is not None:
            parts.append(text("read_thousands_spaces", language) if read.thousands in SPACES
                         else text("read_thousands_char", language, char=read.thousands))
        name = ENCODING_NAMES.get(read.encoding or "", read.encoding or "")
        parts.append(text("read_encoding", language, name=name))
        parts.append(text("read_header_line", language, line=read.header_row))
    else:
        parts.append(text("read_header_row", language, row=read.header_row,
                          sheet=read.sheet or ""))
    shown = ", ".join(parts)
    if stated:
        shown += " (" + text("read_stated", language, keys=", ".join(stated)) + ")"
    return shown
