"""Alerts on a budget's execution, each naming the levels or lines concerned.

Three rules, each with its threshold as an argument:

- ``projected_under_consumption``: a level whose projected year-end CP consumption
  (:func:`~evalkit.programmes.consumption.consumption_curve`) is below a share of its
  CP allocation;
- ``cp_paid_above_ae_committed``: a level where more CP were paid than AE committed
  (over every line up to the month followed, beyond a tolerance);
- ``lines_without_territory``: lines whose territorial code is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evalkit.data.checks import rows_text
from evalkit.errors import InputError
from evalkit.programmes.consumption import consumption_curve
from evalkit.programmes.credit_lines import CreditLines
from evalkit.programmes.execution import remaining_to_pay

__all__ = ["ALERTS", "BudgetAlerts", "budget_alerts"]

#: The alert rules, in the order they are listed.
ALERTS: tuple[str, ...] = ("projected_under_consumption", "cp_paid_above_ae_committed",
                           "lines_without_territory")
_COLUMNS = ["alert", "level", "where", "value", "low", "high", "threshold", "lines", "rows",
            "message"]


@dataclass(frozen=True)
class BudgetAlerts:
    """The alerts raised on a budget. Build them with :func:`budget_alerts`.

    Attributes
    ----------
    year, as_of_month
        The year and the last month followed.
    thresholds
        Each rule's threshold, by rule name.
    table
        One row per alert: ``alert`` (the rule), ``level`` (``"bop=X, scheme=Y"``, or
        ``""`` for the whole budget or for a line-level alert), ``where`` (the level's
        values, in the order of ``by``, as a tuple: ``()`` for the whole budget or a
        line-level alert), ``low`` and ``high`` (the range of the projected rate; missing for
        the other alerts), ``value`` (the projected
        rate; the CP paid minus AE committed; the number of lines), ``threshold``,
        ``lines`` (how many lines are concerned), ``rows`` (their 1-based rows in the
        caller's table, as a tuple) and ``message`` (a sentence naming them).
    not_checked
        Rules that could not be checked, each with the reason (an amount or the
        territory not declared; levels without previous years to project from).
    """

    year: int
    as_of_month: int
    thresholds: dict[str, float]
    table: pd.DataFrame = field(repr=False)
    not_checked: tuple[str, ...] = ()

    def tidy(self) -> pd.DataFrame:
        """The alerts table (a copy)."""
        return self.table.copy()

    def summary(self) -> str:
        """One line per alert, then the rules not checked."""
        if not len(self.table):
            lines = [f"No alert at the end of month {self.as_of_month} of {self.year}."]
        else:
            lines = [f"{len(self.table)} alerts at the end of month {self.as_of_month} of "
                     f"{self.year}:"]
            lines += [f"- {m}" for m in self.table["message"]]
        lines += [f"Not checked: {n}" for n in self.not_checked]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _level_text(row: pd.Series, by: Sequence[str]) -> str:
    return ", ".join(f"{k}={row[k]}" for k in by)


def _rows_of(frame: pd.DataFrame, by_roles: Sequence[str], row: pd.Series,
             by: Sequence[str]) -> np.ndarray:
    mask = np.ones(len(frame), dtype=bool)
    for role, name in zip(by_roles, by, strict=True):
        value = row[name]
        column = frame[role]
        mask &= column.isna().to_numpy() if pd.isna(value) else (column == value).to_numpy()
    return frame["row"].to_numpy()[mask]


def budget_alerts(lines: CreditLines, *, year: int, as_of_month: int | None = None,
                  by: Sequence[str] | str = (), under_consumption: float = 0.9,
                  cp_over_ae_tolerance: float = 0.0,
                  previous_years: int | None = None) -> BudgetAlerts:
    """Alerts on a budget's execution at the end of a month, by level.

    Parameters
    ----------
    lines
        The credit lines.
    year, as_of_month
        The year and the last month followed (default: the latest month of ``year``).
    by
        Levels at which the projection and the CP/AE comparison are made.
    under_consumption
        Alert when the projected year-end CP consumption rate (``projected_rate`` of
        :func:`~evalkit.programmes.consumption.consumption_curve`) is below this share of
        the allocation (0.9: under 90%).
    cp_over_ae_tolerance
        Alert when CP paid exceed AE committed by more than this share of the AE
        committed (0: any excess). Both are summed over every line up to the month
        followed, previous years included.
    previous_years
        Passed to :func:`~evalkit.programmes.consumption.consumption_curve`.

    Raises
    ------
    InputError
        For thresholds that are not shares, or the errors of the functions used.
    """
    for name, value in (("under_consumption", under_consumption),
                        ("cp_over_ae_tolerance", cp_over_ae_tolerance)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value:
            raise InputError(f"{name}={value!r}: must be a share, 0 or more (0.9 for 90%); got "
                             f"{value!r}")
    roles = lines.level_columns(by)
    frame = lines.data
    if as_of_month is None and year in lines.years:
        as_of_month = int(frame.loc[frame["year"] == year, "month"].max())
    rows: list[dict[str, object]] = []
    not_checked: list[str] = []

    if lines.has("cp_allocated", "cp_paid"):
        curve = consumption_curve(lines, year=year, as_of_month=as_of_month, by=roles,
                                  previous_years=previous_years)
        as_of_month = curve.as_of_month
        projection = curve.projection
        unknown = projection["projected_rate"].isna()
        if unknown.any():
            names = "; ".join(_level_text(r, curve.by) or "whole budget"
                              for _, r in projection.loc[unknown].head(5).iterrows())
            not_checked.append(f"projected_under_consumption for {int(unknown.sum())} levels "
                               f"without previous years or allocation to project from ({names})")
        current = frame.loc[(frame["year"] == year) & (frame["month"] <= curve.as_of_month)]
        for _, r in projection.loc[~unknown & (projection["projected_rate"]
                                               < under_consumption)].iterrows():
            level = _level_text(r, curve.by)
            at = _rows_of(current, roles, r, curve.by)
            rows.append({"alert": "projected_under_consumption", "level": level,
                         "where": tuple(r[k] for k in curve.by),
                         "value": float(r["projected_rate"]), "low": float(r["low_rate"]),
                         "high": float(r["high_rate"]), "threshold": under_consumption,
                         "lines": len(at), "rows": tuple(int(p) + 1 for p in at),
                         "message": f"{level or 'Whole budget'}: projected year-end CP "
                         f"consumption {r['projected_rate']:.1%} (range {r['low_rate']:.1%} to "
                         f"{r['high_rate']:.1%}), below {under_consumption:.0%} of the "
                         f"allocation"})
    else:
        not_checked.append("projected_under_consumption: cp_allocated and cp_paid must both "
                           "be declared")
    if as_of_month is None:
        raise InputError(f"year={year!r}: must be a year of the credit lines "
                         f"({', '.join(map(str, lines.years))}); got {year!r}")

    if lines.has("ae_committed", "cp_paid"):
        remaining = remaining_to_pay(lines, by=roles, as_of=(year, as_of_month))
        table = remaining.table
        excess = table["cp_paid"] - table["ae_committed"]
        over = excess > cp_over_ae_tolerance * table["ae_committed"]
        stamp = frame["year"] * 12 + frame["month"]
        upto = frame.loc[stamp <= year * 12 + as_of_month]
        for index in np.flatnonzero(over.to_numpy()):
            r = table.iloc[index]
            level = _level_text(r, remaining.by)
            at = _rows_of(upto, roles, r, remaining.by)
            rows.append({"alert": "cp_paid_above_ae_committed", "level": level,
                         "where": tuple(r[k] for k in remaining.by),
                         "value": float(excess.iloc[index]),
                         "threshold": cp_over_ae_tolerance, "lines": len(at),
                         "rows": tuple(int(p) + 1 for p in at),
                         "message": f"{level or 'Whole budget'}: CP paid {r['cp_paid']:,.2f} "
                         f"above AE committed {r['ae_committed']:,.2f} by "
                         f"{excess.iloc[index]:,.2f} ({rows_text(at)})"})
    else:
        not_checked.append("cp_paid_above_ae_committed: ae_committed and cp_paid must both "
                           "be declared")

    if lines.spec.territory:
        missing = frame["territory"].isna().to_numpy()
        if missing.any():
            at = frame["row"].to_numpy()[missing]
            rows.append({"alert": "lines_without_territory", "level": "", "where": (),
                         "value": float(len(at)), "threshold": 0.0, "lines": len(at),
                         "rows": tuple(int(p) + 1 for p in at),
                         "message": f"{len(at)} lines without a territory in column "
                         f"{lines.spec.territory!r} ({rows_text(at)})"})
    else:
        not_checked.append("lines_without_territory: no territory column declared")
    table = pd.DataFrame(rows, columns=_COLUMNS)
    return BudgetAlerts(year=int(year), as_of_month=int(as_of_month),
                        thresholds={"projected_under_consumption": float(under_consumption),
                                    "cp_paid_above_ae_committed": float(cp_over_ae_tolerance),
                                    "lines_without_territory": 0.0},
                        table=table, not_checked=tuple(not_checked))
