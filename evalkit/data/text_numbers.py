"""Numbers written as text, read as numbers: missing-value markers, decimal commas, thousands.

pandas reads a column as text as soon as one value is not a number its options know:
a ``s`` (secret) or ``nd`` among the figures, thousands written with no-break spaces
(which its parser cannot skip), or a workbook column mixing numbers and markers.
:func:`numbers_from_text` turns such columns into numbers when every value is a number
written as the file's format says or a missing-value marker; any other column is left
as it is (a numeric column then names its bad values where it is used).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING

from evalkit.data.csv_format import SPACES, ReadFormat

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["numbers_from_text"]

_PROBE = 200  # values looked at before converting a whole column


def _pattern(decimal: str, thousands: str | None) -> tuple[re.Pattern[str], str]:
    groups = SPACES + (thousands if thousands and thousands != decimal else "")
    group = "[" + re.escape(groups) + "]"
    number = (rf"[+-]?(?:\d+|\d{{1,3}}(?:{group}\d{{3}})+)(?:{re.escape(decimal)}\d+)?"
              rf"|[+-]?{re.escape(decimal)}\d+")
    return re.compile(number), group


def _as_numbers(series: pd.Series, read: ReadFormat) -> pd.Series | None:
    import numpy as np
    import pandas as pd

    present = series.notna()
    if not present.any():
        return None
    markers = {m.lower() for m in read.missing}
    pattern, group = _pattern(read.decimal, read.thousands)
    head = series[present].head(_PROBE)
    probe = head[head.map(lambda v: isinstance(v, str))].astype(str).str.strip()
    if not (probe.str.lower().isin(markers) | probe.str.fullmatch(pattern.pattern)).all():
        return None
    if isinstance(series.dtype, pd.StringDtype) or series.dtype == object and \
            series[present].map(type).eq(str).all():
        is_text = present
    else:
        is_text = series.map(lambda v: isinstance(v, str)).astype(bool)
    text = series[is_text].astype(str).str.strip()
    number = text.str.fullmatch(pattern.pattern)
    marker = text.str.lower().isin(markers) & ~number
    if not (number | marker).all():
        return None
    others = series[present & ~is_text]
    other_numbers = pd.to_numeric(others, errors="coerce")
    if other_numbers.isna().any() or (not number.any() and others.empty):
        return None
    cleaned = (text[number].str.replace(group, "", regex=True)
               .str.replace(read.decimal, ".", regex=False))
    out = pd.Series(np.nan, index=series.index, dtype=float, name=series.name)
    out.loc[cleaned.index] = pd.to_numeric(cleaned).astype(float)
    out.loc[others.index] = other_numbers.astype(float)
    if not out.isna().any() and (out == np.round(out)).all() and out.abs().max() < 2 ** 53:
        return out.astype("int64")
    return out


def numbers_from_text(frame: pd.DataFrame, read: ReadFormat,
                      keep: Collection[str] = ()) -> pd.DataFrame:
    """``frame`` with its text columns of numbers (and missing markers) made numeric.

    Parameters
    ----------
    frame
        A table as read; it is changed in place and returned.
    read
        How the file writes numbers (decimal mark, thousands, missing markers).
    keep
        Columns to leave as text whatever they hold (codes, columns stated as text).
    """
    import pandas as pd

    kept = set(keep) | set(read.text_columns)
    for column in frame.columns:
        if column in kept:
            continue
        series = frame[column]
        if not (series.dtype == object or isinstance(series.dtype, pd.StringDtype)):
            continue
        converted = _as_numbers(series, read)
        if converted is not None:
            frame[column] = converted
    return frame
