"""The checks of a table's numeric columns, and their wording, shared by every design.

A design reads some columns as numbers (an outcome, covariates, weights, a 0/1
treatment). Each check here returns the problem with one column as a complete
sentence that names the column (``label``, e.g. ``"outcome='lemp'"``), says what was
expected and shows only the offending values and the rows that hold them. Rows are
counted as in the file: data row 1 is the first row after the header (the first row
of a DataFrame).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["SHOW", "ROWS_COUNTED", "rows_text", "float_values", "missing_problem",
           "non_numeric_problem", "non_finite_problem", "too_large_problem", "too_large_limit",
           "numbers_read_as_codes", "missing_text", "non_numeric_text", "non_finite_text",
           "too_large_text"]

SHOW = 5  # how many offending values, rows or units a message lists
ROWS_COUNTED = "data row 1 is the first row after the header"
_VALUE_WIDTH = 40  # longest offending value shown, in characters
_FLOAT_MAX = float(np.finfo(np.float64).max)
_DECIMAL_COMMA = re.compile(r"^\s*[+-]?[\d\s\u00a0\u202f.]*\d,\d+\s*%?\s*$")
_THOUSANDS = re.compile(r"^\s*[+-]?\d{1,3}([\s\u00a0\u202f]\d{3})+([.,]\d+)?\s*$")


def rows_text(positions: np.ndarray, limit: int = SHOW, total: int | None = None) -> str:
    """The rows at 0-based ``positions`` as a user counts them: ``"rows 4, 8 and 12"``.

    At most ``limit`` rows are listed, then how many more there are: ``total`` rows in
    all when given (``positions`` then holds only the first of them), else
    ``len(positions)``.
    """
    numbers = [str(int(p) + 1) for p in np.asarray(positions)[:limit]]
    more = (len(positions) if total is None else int(total)) - len(numbers)
    if len(numbers) == 1 and not more:
        return f"row {numbers[0]}"
    if more:
        return f"rows {', '.join(numbers)} and {more:,} more"
    return f"rows {', '.join(numbers[:-1])} and {numbers[-1]}"


def float_values(series: pd.Series) -> np.ndarray:
    """A numeric (or boolean) column as floats, missing values as NaN."""
    return np.asarray(series.to_numpy(dtype=float, na_value=np.nan), dtype=float)


def _shown(value: object) -> str:
    text = str(value)
    if len(text) > _VALUE_WIDTH:
        text = text[:_VALUE_WIDTH - 3] + "..."
    return repr(text)


def missing_problem(label: str, missing: np.ndarray, positions: np.ndarray) -> str:
    """``label`` has missing values in the rows where ``missing`` is true."""
    where = np.flatnonzero(missing)
    return missing_text(label, where.size, missing.size,
                        f"{rows_text(positions[where])}; {ROWS_COUNTED}")


def missing_text(label: str, count: int, total: int, where: str) -> str:
    """``label`` has missing values in ``count`` of ``total`` rows; ``where`` says which
    (``"rows 2 and 6; data row 1 is the first row after the header"``)."""
    return (f"{label}: {count} of {total} rows have a missing value ({where}; drop them "
            "first, or pass missing='drop')")


def non_numeric_problem(label: str, series: pd.Series, positions: np.ndarray) -> str:
    """``label`` must be numeric but ``series`` is not: the values that are not numbers.

    Lists the first few distinct values that cannot be read as numbers, each with the
    rows that hold it; when every value is a number stored as text, says so.
    """
    try:
        converted = pd.to_numeric(series, errors="coerce")
        bad = (series.notna() & converted.isna()).to_numpy()
    except (TypeError, ValueError):
        bad = series.notna().to_numpy()
    dates = pd.api.types.is_datetime64_any_dtype(series)
    if not bad.any():
        return non_numeric_text(label, series.dtype, [], count=0, total=series.size,
                                distinct=0, samples=series.dropna().astype(str).head(3).tolist(),
                                dates=dates)
    where = np.flatnonzero(bad)
    values = series.to_numpy()[where]
    texts = pd.Series(values).astype(str)
    shown = []
    for value in pd.unique(texts)[:SHOW]:
        at = where[(texts == value).to_numpy()]
        shown.append((value, rows_text(positions[at], 3)))
    return non_numeric_text(label, series.dtype, shown, count=where.size, total=series.size,
                            distinct=int(texts.nunique()), samples=texts.head(1000).tolist())


def non_numeric_text(label: str, dtype: object, shown: Sequence[tuple[object, str]], *,
                     count: int, total: int, distinct: int, samples: Sequence[str],
                     counted: str = ROWS_COUNTED, dates: bool = False) -> str:
    """``label`` must be numeric but its type is ``dtype``.

    ``count`` of the ``total`` rows hold one of ``distinct`` values that are not numbers;
    ``shown`` gives the first few of them, each with where it is (``"rows 3, 9 and
    12"``), and ``samples`` some of them as text (to recognise decimal commas). With no
    such row (``count`` 0), ``samples`` are the column's first values: numbers stored as
    text, or dates when ``dates``. ``counted`` says how rows are counted.
    """
    head = f"{label}: must be a numeric column; got dtype {dtype}"
    if not count:
        example = list(samples[:3])
        if dates:
            return f"{head} (dates, values such as {example}); use a number such as the year"
        return (f"{head} (numbers stored as text, values such as {example}); convert the "
                "column to numbers first (pandas.to_numeric)")
    listed = [f"{_shown(value)} ({rows})" for value, rows in list(shown)[:SHOW]]
    more = f" and {distinct - SHOW:,} other values" if distinct > SHOW else ""
    message = (f"{head}, with {count:,} of {total:,} rows holding values that are "
               f"not numbers: {', '.join(listed)}{more} ({counted})")
    if any(_DECIMAL_COMMA.match(v) for v in samples[:1000]):
        message += ("; values such as '1,5' are written with a decimal comma: read the file "
                    "with decimal=',' (load_table(path, decimal=','))")
    elif any(_THOUSANDS.match(v) for v in samples[:1000]):
        message += ("; values such as '1 234' are written with a thousands separator: read "
                    "the file with thousands=' ' (load_table(path, thousands=' '))")
    return message


def non_finite_problem(label: str, values: np.ndarray, positions: np.ndarray) -> str | None:
    """``label`` holds ``inf`` or ``-inf`` (``None`` when it does not)."""
    where = np.flatnonzero(np.isinf(values))
    if not where.size:
        return None
    return non_finite_text(label, where.size, values.size,
                           f"{rows_text(positions[where])}; {ROWS_COUNTED}")


def non_finite_text(label: str, count: int, total: int, where: str) -> str:
    """``label`` holds ``inf`` or ``-inf`` in ``count`` of ``total`` rows, ``where``."""
    return (f"{label}: must hold finite numbers; got inf or -inf in {count:,} of "
            f"{total:,} rows ({where}); replace them (they often come from a division by "
            "zero) or drop these rows")


def too_large_limit(n_rows: int) -> float:
    """The largest magnitude whose squares, summed over ``n_rows`` rows, stay finite.

    ``sqrt(max float64 / n_rows)``: about ``1.3e154`` for one row, ``2.7e152`` for 2,500.
    """
    return float(np.sqrt(_FLOAT_MAX / max(int(n_rows), 1)))


def too_large_problem(label: str, values: np.ndarray, positions: np.ndarray) -> str | None:
    """``label`` holds values too large to estimate with (``None`` when it does not)."""
    limit = too_large_limit(values.size)
    if values.size and max(values.max(), -values.min()) <= limit:  # false with nan or inf
        return None
    with np.errstate(invalid="ignore"):
        huge = np.isfinite(values) & (np.abs(values) > limit)
    where = np.flatnonzero(huge)
    if not where.size:
        return None
    largest = float(np.max(np.abs(values[where])))
    return too_large_text(label, limit, largest, where.size, values.size,
                          f"{rows_text(positions[where])}; {ROWS_COUNTED}")


def too_large_text(label: str, limit: float, largest: float, count: int, total: int,
                   where: str) -> str:
    """``label`` holds values up to ``largest``, above ``limit``, in ``count`` of ``total``
    rows, ``where``."""
    return (f"{label}: must be at most {limit:.3g} in absolute value; got values up to "
            f"{largest:.3g} in {count:,} of {total:,} rows ({where}), too large to estimate "
            "with (their squares overflow): rescale the column (e.g. in thousands or "
            "millions, or take its logarithm) or correct these values")


def numbers_read_as_codes(column: str, series: pd.Series | str) -> str:
    """The remark added when codes read as numbers collide (``01`` and ``1``).

    ``series`` is the column, or the name of its type.
    """
    dtype = series if isinstance(series, str) else series.dtype
    return (f"The column {column!r} was read as numbers (dtype {dtype}), so codes like "
            "01 and 1, if the file writes both, became equal: territorial codes must be read "
            "as text (evalkit reads a CSV or Excel column as numbers whenever all its values "
            f"look like numbers; with load_table, pass dtype={{{column!r}: str}})")
