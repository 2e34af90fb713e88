"""The row-level checks of credit lines: each finds the rows breaking one rule.

A check returns :class:`Broken` (the rows, the problem as raised, and for each row the
value and a sentence, as listed when the rows are set aside) or adds a problem about a
whole column to a list (a column of text where amounts are expected, codes that lost
their zeros): those are errors of declaration and always raise. The rule keys are those
of :data:`evalkit.programmes.credit_lines.EXCLUSION_RULES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from evalkit.data.checks import (
    ROWS_COUNTED,
    float_values,
    non_finite_problem,
    non_numeric_problem,
    rows_text,
)
from evalkit.errors import TerritoryError
from evalkit.programmes._readers import parse_text_dates
from evalkit.territories import FAMILIES, Referential, code_faults, normalize_codes

if TYPE_CHECKING:  # pragma: no cover
    from evalkit.programmes.credit_lines import CreditLinesSpec

__all__ = ["Broken", "level_values", "territory_codes", "months", "amount", "no_amount",
           "excluded_table", "EXCLUDED_COLUMNS"]

DATE_FORMATS = ("%Y-%m", "%Y-%m-%d", "%d/%m/%Y", "%m/%Y", "%Y%m")
FRENCH_LEVELS = ("commune", "epci", "departement", "region")
_DATE_EXPECTED = ("expected a date or a month such as '2024-03', '2024-03-15', '15/03/2024' "
                  "or '03/2024'")
#: The columns of :attr:`CreditLines.excluded`.
EXCLUDED_COLUMNS = ("row", "rule", "column", "value", "message")


@dataclass(frozen=True)
class Broken:
    """The rows of the caller's table that break one rule.

    Attributes
    ----------
    rule
        The rule's key.
    column
        The caller's column concerned.
    where
        The 0-based positions of the rows, increasing.
    values
        For each row, the offending value as text (``None`` when it is missing).
    messages
        For each row, the problem in one English sentence.
    problem
        The problem over every row, as a :class:`~evalkit.errors.DataError` lists it.
    """

    rule: str
    column: str
    where: np.ndarray
    values: np.ndarray
    messages: np.ndarray
    problem: str


def _broken(rule: str, column: str, mask: np.ndarray, raw: pd.Series | np.ndarray | None,
            sentence: Callable[[str | None], str], problem: str) -> Broken:
    """``sentence(value)`` is written once per distinct offending value."""
    where = np.flatnonzero(mask)
    if raw is None:
        values = np.full(where.size, None, dtype=object)
        messages = np.full(where.size, sentence(None), dtype=object)
    else:
        picked = raw.iloc[where] if isinstance(raw, pd.Series) else np.asarray(raw)[where]
        ids, uniques = pd.factorize(picked, use_na_sentinel=True)
        texts = [as_text(v) for v in uniques] + [None]
        values = np.array(texts, dtype=object)[ids]
        messages = np.array([sentence(t) for t in texts], dtype=object)[ids]
    return Broken(rule, column, where, values, messages, problem)


def as_text(value: object) -> str:
    """A value as text; a whole number read as a float (``59350.0``) loses its ``.0``."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def text_array(values: pd.Series, convert: Callable[[object], str]) -> np.ndarray:
    """A column as an object array of text (``convert`` applied once per distinct value),
    missing values as ``None``."""
    ids, uniques = pd.factorize(values)
    texts = np.array([convert(v) for v in uniques] + [None], dtype=object)
    return texts[ids]  # the sentinel -1 picks the trailing None


# ---------------------------------------------------------------------- hierarchy

def level_values(values: pd.Series, role: str, column: str,
                 found: list[str | Broken]) -> np.ndarray:
    """The level's values as text; lines without one break ``missing_level``."""
    missing = values.isna().to_numpy()
    if missing.any():
        what = role.replace("_", "-")
        n = len(values)
        found.append(_broken(
            "missing_level", column, missing, None,
            lambda _: f"{role}={column!r}: no value; every line must say which {what} it "
                      "belongs to",
            f"{role}={column!r}: {int(missing.sum()):,} of {n:,} lines have no value "
            f"({rows_text(np.flatnonzero(missing))}; {ROWS_COUNTED}); every line must say "
            f"which {what} it belongs to"))
    return text_array(values, str)


# ---------------------------------------------------------------------- territory

def territory_codes(data: pd.DataFrame, spec: CreditLinesSpec, pad: bool, exclude: bool,
                    found: list[str | Broken]) -> np.ndarray:
    """The territorial codes as text (``None`` where missing or refused).

    Codes that lost their leading zeros or Corsican codes read as numbers are a fault of
    the whole column (it must be read as text, or padded) and always raise. Otherwise,
    when ``exclude``, malformed codes break ``malformed_code`` and well-formed codes
    unknown to the referential ``unknown_code``; when not, the problems are those of
    :meth:`Referential.check` (with the closest known codes).
    """
    column = spec.territory or ""
    family = spec.territory_family
    raw = data[column]
    if family is None:
        return text_array(raw, as_text)
    n = len(raw)
    counted = raw.set_axis(pd.RangeIndex(1, n + 1))  # rows in messages counted from 1
    french = family in FRENCH_LEVELS
    try:
        if french and not exclude:
            codes = Referential.france().check(counted.to_frame(column), column, family, pad=pad)
        else:
            codes = normalize_codes(counted, family, column=column, pad=pad)
    except TerritoryError as error:
        if not exclude:
            found.append(error.message.rstrip(":"))
            found.extend(error.problems)
            return np.full(n, None, dtype=object)
        faults = code_faults(counted, family, pad=pad).to_numpy(dtype=object, na_value=None)
        if np.isin(faults, ["lost_zeros", "corsica"]).any():  # the column was read wrongly
            found.append(error.message.rstrip(":"))
            found.extend(error.problems)
            return np.full(n, None, dtype=object)
        malformed = faults == "malformed"
        label = FAMILIES[family].label
        found.append(_broken(
            "malformed_code", column, malformed, raw,
            lambda v: f"territory={column!r}: {v!r} is not {label}",
            f"territory={column!r}: {int(malformed.sum()):,} of {n:,} lines have a code that "
            f"is not {label} ({_examples(raw, malformed)}; "
            f"{rows_text(np.flatnonzero(malformed))}; {ROWS_COUNTED})"))
        codes = normalize_codes(counted.where(~malformed), family, column=column, pad=pad)
    if french and exclude:
        referential = Referential.france()
        ids, uniques = pd.factorize(codes)
        unknown = (referential.codes(family).get_indexer(pd.Index(uniques, dtype="str")) < 0)
        unknown = np.append(unknown, False)[ids]  # a missing code is not unknown
        if unknown.any():
            source = referential.source
            found.append(_broken(
                "unknown_code", column, unknown, codes,
                lambda v: f"territory={column!r}: {v!r} is not a {family} code of the {source}",
                f"territory={column!r}: {int(unknown.sum()):,} of {n:,} lines have a "
                f"{family} code unknown to the {source} ({_examples(codes, unknown)}; "
                f"{rows_text(np.flatnonzero(unknown))}; {ROWS_COUNTED})"))
            codes = codes.where(~unknown)
    return codes.to_numpy(dtype=object, na_value=None)


def _examples(values: pd.Series, mask: np.ndarray, limit: int = 5) -> str:
    distinct = pd.unique(values[mask].map(as_text))
    more = f" and {len(distinct) - limit:,} more" if len(distinct) > limit else ""
    return ", ".join(repr(v) for v in distinct[:limit]) + more


# ---------------------------------------------------------------------- dates

def months(values: pd.Series, spec: CreditLinesSpec,
           found: list[str | Broken]) -> tuple[np.ndarray, np.ndarray]:
    """Years and months of the dates (0 where missing or unreadable)."""
    label = f"month={spec.month!r}"
    column = spec.month
    n = len(values)
    if isinstance(values.dtype, pd.PeriodDtype):
        dates = values.dt.to_timestamp()
    elif pd.api.types.is_datetime64_any_dtype(values.dtype):
        dates = values
    else:
        dates = pd.Series(parse_text_dates(values, DATE_FORMATS)[0], index=values.index)
    missing = values.isna().to_numpy()
    unreadable = dates.isna().to_numpy() & ~missing
    if missing.any():
        found.append(_broken(
            "missing_date", column, missing, None,
            lambda _: f"{label}: no date; every movement needs its month",
            f"{label}: {int(missing.sum()):,} of {n:,} lines have no date "
            f"({rows_text(np.flatnonzero(missing))}; {ROWS_COUNTED}); every movement needs "
            "its month"))
    if unreadable.any():
        shown = ", ".join(repr(str(v)) for v in pd.unique(values[unreadable].astype(str))[:5])
        found.append(_broken(
            "unreadable_date", column, unreadable, values,
            lambda v: f"{label}: the date {v!r} cannot be read; {_DATE_EXPECTED}",
            f"{label}: {int(unreadable.sum()):,} of {n:,} lines have a date that cannot be "
            f"read ({shown}; {rows_text(np.flatnonzero(unreadable))}; {ROWS_COUNTED}); "
            f"{_DATE_EXPECTED}"))
    years = dates.dt.year.to_numpy(dtype=float, na_value=np.nan)
    month = dates.dt.month.to_numpy(dtype=float, na_value=np.nan)
    if spec.budget_year is not None:
        outside = ~np.isnan(years) & (years != spec.budget_year)
        if outside.any():
            found_years = sorted({int(y) for y in years[outside]})
            budget = spec.budget_year
            found.append(_broken(
                "outside_budget_year", column, outside, values,
                lambda v: f"{label}: {v!r} is outside the budget year {budget}",
                f"{label}: {int(outside.sum()):,} of {n:,} lines are dated outside the "
                f"budget year {budget} (years {', '.join(map(str, found_years))}; "
                f"{rows_text(np.flatnonzero(outside))}; {ROWS_COUNTED})"))
    return np.nan_to_num(years), np.nan_to_num(month)


# ---------------------------------------------------------------------- amounts

def amount(series: pd.Series, role: str, column: str, spec: CreditLinesSpec,
           found: list[str | Broken]) -> np.ndarray | None:
    """The amounts as floats (NaN where missing), or ``None`` for a column that is not
    numeric (a fault of the whole column)."""
    label = f"{role}={column!r}"
    positions = np.arange(len(series))
    if not (pd.api.types.is_numeric_dtype(series.dtype)
            and not pd.api.types.is_bool_dtype(series.dtype)):
        found.append(non_numeric_problem(label, series, positions))
        return None
    values = float_values(series)
    infinite = np.isinf(values)
    if infinite.any():
        found.append(_broken(
            "non_finite_amount", column, infinite, values,
            lambda v: f"{label}: must be a finite number; got {v}",
            non_finite_problem(label, values, positions) or ""))
    if role not in spec.negative:
        negative = (values < 0) & ~infinite  # -inf breaks non_finite_amount
        if negative.any():
            hint = f"if they are withdrawals or cancellations, pass negative=[{role!r}]"
            found.append(_broken(
                "negative_amount", column, negative, values,
                lambda v: f"{label}: must be zero or more; got {v}; if such amounts are "
                          f"withdrawals or cancellations, pass negative=[{role!r}]",
                f"{label}: must be zero or more; got {int(negative.sum()):,} negative amounts "
                f"(down to {float(values[negative].min()):,.2f}; "
                f"{rows_text(np.flatnonzero(negative))}; {ROWS_COUNTED}); {hint}"))
    return values


def no_amount(empty: np.ndarray, spec: CreditLinesSpec, found: list[str | Broken]) -> None:
    """Lines with no amount in any amount column break ``no_amount``."""
    if not empty.any():
        return
    columns = ", ".join(repr(c) for _, c in spec.amounts)
    found.append(_broken(
        "no_amount", ", ".join(c for _, c in spec.amounts), empty, None,
        lambda _: f"no amount in any of the columns {columns}",
        f"{int(empty.sum()):,} lines have no amount in any of the columns {columns} "
        f"({rows_text(np.flatnonzero(empty))}; {ROWS_COUNTED}); drop them or give their "
        "amounts"))


# ---------------------------------------------------------------------- the list

def excluded_table(broken: list[Broken], order: tuple[str, ...]) -> pd.DataFrame:
    """One row per (row, rule broken): row (from 1), rule, column, value, message; by row,
    then in the order of the rules."""
    if not broken:
        return pd.DataFrame({"row": pd.Series(dtype=np.int64),
                             **{c: pd.Series(dtype="str") for c in EXCLUDED_COLUMNS[1:]}})
    rank = {rule: i for i, rule in enumerate(order)}
    rows = np.concatenate([b.where for b in broken]) + 1
    ranks = np.concatenate([np.full(b.where.size, rank[b.rule]) for b in broken])
    sort = np.lexsort((ranks, rows))
    table = pd.DataFrame({
        "row": rows.astype(np.int64),
        "rule": np.concatenate([np.full(b.where.size, b.rule, dtype=object) for b in broken]),
        "column": np.concatenate([np.full(b.where.size, b.column, dtype=object)
                                  for b in broken]),
        "value": np.concatenate([b.values for b in broken]),
        "message": np.concatenate([b.messages for b in broken]),
    })
    table = table.iloc[sort].reset_index(drop=True)
    return table.astype({c: "str" for c in EXCLUDED_COLUMNS[1:]})
