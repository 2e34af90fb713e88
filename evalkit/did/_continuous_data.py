"""Reading a long panel with a continuous dose into the arrays of the estimator.

Every check collects its problems and names the columns, rows (data row 1 is the
first row of the DataFrame) or units concerned; nothing here modifies the caller's
DataFrame.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evalkit._validation import Problems
from evalkit.data.checks import (
    ROWS_COUNTED,
    SHOW,
    float_values,
    non_finite_problem,
    non_numeric_problem,
    rows_text,
)
from evalkit.did._continuous_compute import Design
from evalkit.errors import DataError

__all__ = ["Prepared", "prepare"]

_TIE = 1e-12  # relative tolerance for a dose to count as constant within a unit


def _label(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def _units_text(ids: np.ndarray) -> str:
    shown = ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in ids[:SHOW])
    more = ids.size - min(ids.size, SHOW)
    return f"{shown}{f' and {more:,} more' if more else ''}"


@dataclass
class Prepared:
    """The design, the period grid and what was done to get there."""

    design: Design
    periods: np.ndarray
    cohorts: np.ndarray  # first treated period of each cohort code
    rows: int
    all_treated_doses: np.ndarray  # doses of the units ever treated (for the knots)
    notes: list[str] = field(default_factory=list)


def prepare(data: pd.DataFrame, *, outcome: str, unit: str, time: str, dose: str,
            first_treated: str, anticipation: int) -> Prepared:
    """Check the columns and build the balanced units x periods arrays."""
    problems = Problems()
    positions = np.arange(len(data))
    values: dict[str, np.ndarray] = {}
    for role, name in (("outcome", outcome), ("time", time), ("dose", dose),
                       ("first_treated", first_treated)):
        series = data[name]
        label = f"{role}={name!r}"
        if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
            problems.add(non_numeric_problem(label, series, positions))
            continue
        x = float_values(series)
        missing = np.isnan(x) if role != "first_treated" else np.zeros(x.size, dtype=bool)
        if missing.any():
            where = np.flatnonzero(missing)
            problems.add(f"{label}: {where.size:,} of {x.size:,} rows have a missing value "
                         f"({rows_text(where)}; {ROWS_COUNTED}); drop or fill them first")
        problem = non_finite_problem(label, x, positions)
        if problem:
            problems.add(problem)
        values[role] = x
    ids = data[unit]
    missing_ids = ids.isna().to_numpy()
    if missing_ids.any():
        where = np.flatnonzero(missing_ids)
        problems.add(f"unit={unit!r}: {where.size:,} of {where.size and len(ids):,} rows have "
                     f"a missing unit ({rows_text(where)}; {ROWS_COUNTED})")
    if "dose" in values:
        negative = np.flatnonzero(values["dose"] < 0)
        if negative.size:
            problems.add(f"dose={dose!r}: must be >= 0 (0 for no treatment); got negative doses "
                         f"in {negative.size:,} rows ({rows_text(negative)}; {ROWS_COUNTED})")
    if "first_treated" in values:
        g = values["first_treated"]
        negative = np.flatnonzero(g < 0)
        if negative.size:
            problems.add(f"first_treated={first_treated!r}: must be the first treated period, "
                         f"or 0 or missing for units never treated; got negative values in "
                         f"{negative.size:,} rows ({rows_text(negative)}; {ROWS_COUNTED})")
    problems.raise_if_any(DataError, "The data cannot be used by continuous_did:")

    unit_codes, unit_ids = pd.factorize(ids, sort=False)
    t = values["time"]
    periods, period_codes = np.unique(t, return_inverse=True)
    n_units, n_periods = unit_ids.size, periods.size
    key = unit_codes.astype(np.int64) * n_periods + period_codes
    counts = np.bincount(key, minlength=n_units * n_periods)
    if counts.max(initial=0) > 1:
        twice = np.flatnonzero(counts[key] > 1)
        problems.add(f"unit={unit!r}, time={time!r}: a unit has several rows in one period "
                     f"({rows_text(twice)}; {ROWS_COUNTED}); keep one row per unit and period")
    per_unit = counts.reshape(n_units, n_periods).sum(axis=1)
    if (per_unit < n_periods).any():
        short = np.flatnonzero(per_unit < n_periods)
        problems.add(f"unit={unit!r}: the panel must be balanced (every unit observed in each "
                     f"of the {n_periods} periods); {short.size:,} units are not "
                     f"({_units_text(np.asarray(unit_ids)[short])})")
    if n_periods < 2:
        problems.add(f"time={time!r}: at least two periods are needed; got {n_periods}")
    problems.raise_if_any(DataError, "The data cannot be used by continuous_did:")

    order = None if np.all(np.diff(key) == 1) else np.argsort(key, kind="stable")

    def grid(x: np.ndarray) -> np.ndarray:
        return (x if order is None else x[order]).reshape(n_units, n_periods)

    y = grid(values["outcome"])
    g = grid(np.nan_to_num(values["first_treated"], nan=0.0))
    d = grid(values["dose"])
    if np.any(g != g[:, :1]):
        bad = np.flatnonzero(np.any(g != g[:, :1], axis=1))
        problems.add(f"first_treated={first_treated!r}: must be constant within each unit; "
                     f"it varies for {bad.size:,} units ({_units_text(np.asarray(unit_ids)[bad])})")
    cohort = g[:, 0]
    inside = (cohort > 0) & (cohort <= periods[-1])
    unknown = inside & ~np.isin(cohort, periods)
    if unknown.any():
        bad = np.flatnonzero(unknown)
        problems.add(f"first_treated={first_treated!r}: must be one of the periods of "
                     f"{time!r} (or 0 for never treated); {bad.size:,} units have other values "
                     f"({_units_text(np.asarray(unit_ids)[bad])}: "
                     f"{', '.join(map(_label, np.unique(cohort[bad])[:SHOW]))})")
    # the dose of a unit: its largest; positive doses must all be equal, and a treated
    # unit's dose must be positive from its first treated period on
    unit_dose = d.max(axis=1)
    positive = np.where(d > 0, d, np.inf).min(axis=1)
    varies = (unit_dose > 0) & (np.abs(positive - unit_dose) > _TIE * np.abs(unit_dose))
    if varies.any():
        bad = np.flatnonzero(varies)
        problems.add(f"dose={dose!r}: must be constant over time within each unit (0 before "
                     f"treatment allowed); it varies for {bad.size:,} units "
                     f"({_units_text(np.asarray(unit_ids)[bad])})")
    treated = inside & ~unknown
    after = periods[None, :] >= cohort[:, None]
    zero_after = treated & np.any(after & (d <= 0), axis=1)
    if zero_after.any():
        bad = np.flatnonzero(zero_after)
        problems.add(f"dose={dose!r}: a treated unit must have a positive dose from its "
                     f"first treated period on; {bad.size:,} units have a dose of 0 then "
                     f"({_units_text(np.asarray(unit_ids)[bad])})")
    problems.raise_if_any(DataError, "The data cannot be used by continuous_did:")

    notes: list[str] = []
    never = ~treated
    positive_never = int((never & (unit_dose > 0)).sum())
    if positive_never:
        notes.append(f"{positive_never:,} never-treated units have a positive dose; it is "
                     "set to 0 (they are comparison units)")
    all_treated_doses = unit_dose[treated]
    position = np.searchsorted(periods, cohort)
    early = treated & (position - anticipation <= 0)
    if early.any():
        notes.append(f"{int(early.sum()):,} units first treated by period "
                     f"{_label(periods[min(anticipation, n_periods - 1)])} (cohorts "
                     f"{', '.join(map(_label, np.unique(cohort[early])))}) were dropped: they "
                     "have no pre-treatment period to compare with")
    keep = ~early
    cohorts = np.unique(cohort[treated & keep])
    code = np.where(treated, np.searchsorted(cohorts, cohort), cohorts.size)
    code = code[keep]
    by_code = np.argsort(code, kind="stable")
    starts = np.searchsorted(code[by_code], np.arange(cohorts.size + 2))
    kept = np.flatnonzero(keep)[by_code]
    design = Design(y=np.ascontiguousarray(y[kept]), starts=starts,
                    dose=np.where(treated[kept], unit_dose[kept], 0.0),
                    cohort_position=np.searchsorted(periods, cohorts).astype(np.int64))
    return Prepared(design=design, periods=periods, cohorts=cohorts, rows=int(len(data)),
                    all_treated_doses=all_treated_doses, notes=notes)
