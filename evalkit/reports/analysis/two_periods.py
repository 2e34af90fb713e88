"""The after-the-change column of a 2x2 design, given or read from its two periods.

``design.post`` names a 0/1 column. A two-period panel (``design.unit`` with each unit
observed before and after, as the doubly robust estimators use it) often has only its
period column instead: ``design.time`` then gives it, the later of its two periods being
"after".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.errors import DataError
from evalkit.reports.params.schema import PolicyParams

__all__ = ["with_post_column"]


def _label(value: object) -> str:
    number = float(value)  # type: ignore[arg-type]
    return str(int(number)) if number.is_integer() else f"{number:g}"


def with_post_column(params: PolicyParams, data: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The rows with the design's after-the-change column, and its name.

    With ``design.post``, the rows unchanged and that column. With ``design.time``, a new
    frame (the caller's is never modified) with a 0/1 column named ``"<time> = <later
    period>"``.

    Raises
    ------
    DataError
        When ``design.time`` does not have exactly two periods (naming those found).
    """
    d = params.design
    if d.post is not None or d.time is None:
        return data, d.post  # type: ignore[return-value]
    values = pd.to_numeric(data[d.time], errors="coerce")
    periods = np.sort(pd.unique(values.dropna()))
    if periods.size != 2 or values.isna().any():
        found = ", ".join(_label(p) for p in periods[:8]) + (" ..." if periods.size > 8 else "")
        missing = int(values.isna().sum())
        raise DataError(
            f"design.time={d.time!r}: the 2x2 design reads the period after the change from "
            f"a column with exactly two numeric periods; got {periods.size} ({found})"
            + (f" and {missing} rows without a numeric period" if missing else "")
            + "; give design.post, a 0/1 column, instead")
    name = f"{d.time} = {_label(periods[1])}"
    return data.assign(**{name: (values == periods[1]).astype(int)}), name
