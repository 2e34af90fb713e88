"""Execution rates of a budget by any level and period, and the amounts remaining to be paid.

The rates are those a budget officer reads: the commitment rate of the AE (AE
committed / AE allocated) and the consumption rate of the CP (CP paid / CP allocated),
each over the year to date; the amounts remaining to be paid (*restes à payer*) are the
AE committed minus the CP paid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from evalkit._validation import Problems, check_choice
from evalkit.errors import InputError
from evalkit.programmes.credit_lines import CreditLines

__all__ = ["RATES", "ExecutionRates", "execution_rates", "RemainingToPay", "remaining_to_pay"]

Period = Literal["year", "quarter", "month"]
#: Each rate: (name, numerator role, denominator role).
RATES: tuple[tuple[str, str, str], ...] = (
    ("ae_commitment_rate", "ae_committed", "ae_allocated"),
    ("ae_payment_rate", "ae_paid", "ae_allocated"),
    ("cp_commitment_rate", "cp_committed", "cp_allocated"),
    ("cp_consumption_rate", "cp_paid", "cp_allocated"),
)


def _keys_label(lines: CreditLines, by: Sequence[str]) -> list[str]:
    names = lines.column_names()
    return [names[r] for r in by]


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


@dataclass(frozen=True)
class ExecutionRates:
    """Execution of a budget by level and period. Build it with :func:`execution_rates`.

    Attributes
    ----------
    by
        The levels grouped by, as the table's own column names.
    period
        ``"year"``, ``"quarter"`` or ``"month"``.
    amounts
        The amount roles summed.
    rates
        The rates computed: ``(name, numerator, denominator)`` for each pair of amounts
        declared (see :data:`RATES`).
    table
        One row per level and period: the ``by`` columns, ``year``, then ``quarter`` or
        ``month`` (1 to 4 or 1 to 12; every period from the first to the last period of
        that year found in the lines, even those without a movement), each amount of the
        period under its role name, each amount of the year to date (``<role>_to_date``:
        from January to the end of the period), each rate over the year to date (a share:
        0.42 is 42%; missing where the allocation to date is zero).
    """

    by: tuple[str, ...]
    period: str
    amounts: tuple[str, ...]
    rates: tuple[tuple[str, str, str], ...]
    table: pd.DataFrame = field(repr=False)

    @property
    def keys(self) -> list[str]:
        """The columns that identify a row of :attr:`table`."""
        return [*self.by, "year", *([self.period] if self.period != "year" else [])]

    def tidy(self) -> pd.DataFrame:
        """One row per level, period and rate: the keys, ``rate``, ``numerator``,
        ``denominator`` (year to date) and ``value``."""
        frames = []
        for name, num, den in self.rates:
            part = self.table[self.keys].copy()
            part["rate"] = name
            part["numerator"] = self.table[f"{num}_to_date"].to_numpy()
            part["denominator"] = self.table[f"{den}_to_date"].to_numpy()
            part["value"] = self.table[name].to_numpy()
            frames.append(part)
        if not frames:
            return pd.DataFrame(columns=[*self.keys, "rate", "numerator", "denominator",
                                         "value"])
        return pd.concat(frames, ignore_index=True)

    def summary(self) -> str:
        """A few lines: what was grouped, and each rate's range over the rows."""
        head = (f"Execution by {', '.join(self.by) or 'the whole budget'} and {self.period}: "
                f"{len(self.table)} rows.")
        lines = [head]
        for name, num, den in self.rates:
            values = self.table[name].dropna()
            if len(values):
                lines.append(f"{name} ({num} / {den}, year to date): from {values.min():.1%} "
                             f"to {values.max():.1%}.")
            else:
                lines.append(f"{name}: no row with a {den} above zero.")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _group_sum(frame: pd.DataFrame, keys: list[str], amounts: Sequence[str]) -> pd.DataFrame:
    return frame.groupby(keys, sort=True, dropna=False)[list(amounts)].sum()


def execution_rates(lines: CreditLines, *, by: Sequence[str] | str = (),
                    period: Period = "year") -> ExecutionRates:
    """Execution rates of a budget by any levels and period.

    For each group of ``by`` (roles such as ``"bop"``, ``"scheme"``, ``"territory"``, or
    the table's own column names) and each period, the amounts of the period are summed
    and accumulated from January; each rate is the ratio of the year-to-date sums:

    - ``ae_commitment_rate`` = AE committed / AE allocated,
    - ``ae_payment_rate`` = AE paid / AE allocated,
    - ``cp_commitment_rate`` = CP committed / CP allocated,
    - ``cp_consumption_rate`` = CP paid / CP allocated,

    each computed when both of its amounts are declared. The year-to-date allocation
    includes every allocation movement (initial and amending) dated up to the period.
    A rate is a ratio of sums over the lines of the group, never a mean of the lines'
    rates. Lines without a territory form their own group (territory missing) when
    grouping by territory.

    Parameters
    ----------
    lines
        The credit lines.
    by
        Levels to group by (none: the whole budget).
    period
        ``"year"``, ``"quarter"`` or ``"month"``.

    Returns
    -------
    ExecutionRates

    Raises
    ------
    InputError
        For a level not declared or an unknown period.
    """
    problems = Problems()
    check_choice("period", period, ("year", "quarter", "month"), problems)
    problems.raise_if_any(InputError, "Cannot compute execution rates:")
    roles = lines.level_columns(by)
    amounts = list(lines.amounts)
    frame = lines.data
    if period == "quarter":
        frame["quarter"] = (frame["month"] - 1) // 3 + 1
    keys = [*roles, "year"]
    if period == "year":
        table = _group_sum(frame, keys, amounts).reset_index()
        for role in amounts:
            table[f"{role}_to_date"] = table[role]
    else:
        table = _by_period(frame, keys, period, amounts)
    rates = tuple(r for r in RATES if lines.has(r[1], r[2]))
    for name, num, den in rates:
        table[name] = _ratio(table[f"{num}_to_date"].to_numpy(),
                             table[f"{den}_to_date"].to_numpy())
    labels = dict(zip(roles, _keys_label(lines, roles), strict=True))
    table = table.rename(columns=labels)
    return ExecutionRates(by=tuple(labels.values()), period=period, amounts=tuple(amounts),
                          rates=rates, table=table)


def _by_period(frame: pd.DataFrame, keys: list[str], period: str,
               amounts: list[str]) -> pd.DataFrame:
    """Sums per period with every period up to the year's last one, and their cumulation."""
    n_periods = 12 if period == "month" else 4
    sums = _group_sum(frame, [*keys, period], amounts)
    last = frame.groupby("year")[period].max()  # the year's last period found in the lines
    wide = sums.unstack(period, fill_value=0.0)
    columns = pd.MultiIndex.from_product([amounts, range(1, n_periods + 1)],
                                         names=[None, period])
    wide = wide.reindex(columns=columns, fill_value=0.0)
    cumulated = wide.T.groupby(level=0, sort=False).cumsum().T
    flows = wide.stack(period, future_stack=True).reset_index()
    to_date = cumulated.stack(period, future_stack=True).reset_index()
    table = flows.copy()
    for role in amounts:
        table[f"{role}_to_date"] = to_date[role].to_numpy()
    keep = table[period].to_numpy() <= last.reindex(table["year"]).to_numpy()
    table = table.loc[keep].reset_index(drop=True)
    table[period] = table[period].astype(np.int64)
    return table


@dataclass(frozen=True)
class RemainingToPay:
    """Amounts remaining to be paid by level. Build it with :func:`remaining_to_pay`.

    Attributes
    ----------
    by
        The levels grouped by (the table's own column names).
    as_of
        ``(year, month)``: the lines counted are those dated up to the end of that month.
    table
        One row per level: the ``by`` columns, ``ae_committed``, ``cp_paid`` (sums over
        every line up to ``as_of``, previous years included) and ``remaining``
        (= ``ae_committed - cp_paid``; negative where more CP were paid than AE committed).
    """

    by: tuple[str, ...]
    as_of: tuple[int, int]
    table: pd.DataFrame = field(repr=False)

    def tidy(self) -> pd.DataFrame:
        """The table with ``year`` and ``month`` of :attr:`as_of` added."""
        out = self.table.copy()
        out["year"], out["month"] = self.as_of
        return out

    def summary(self) -> str:
        """One line: the total remaining and how many levels paid more than committed."""
        total = float(self.table["remaining"].sum())
        over = int((self.table["remaining"] < 0).sum())
        return (f"Remaining to be paid at {self.as_of[1]:02d}/{self.as_of[0]} by "
                f"{', '.join(self.by) or 'the whole budget'}: {total:,.2f} in all, over "
                f"{len(self.table)} rows; {over} rows with more CP paid than AE committed.")

    def __str__(self) -> str:
        return self.summary()


def remaining_to_pay(lines: CreditLines, *, by: Sequence[str] | str = (),
                     as_of: tuple[int, int] | None = None) -> RemainingToPay:
    """Amounts remaining to be paid (*restes à payer*): AE committed minus CP paid.

    Both sums run over every line dated up to the end of ``as_of``, previous years
    included: a commitment made in a previous year and not yet paid is still to be paid.

    Parameters
    ----------
    lines
        The credit lines; ``ae_committed`` and ``cp_paid`` must be declared.
    by
        Levels to group by.
    as_of
        ``(year, month)``; default: the month of the latest line.

    Raises
    ------
    InputError
        When ``ae_committed`` or ``cp_paid`` is not declared, or for an unknown level.
    """
    missing = [r for r in ("ae_committed", "cp_paid") if r not in lines.amounts]
    if missing:
        raise InputError(f"remaining_to_pay needs the amounts {', '.join(missing)}: declare "
                         f"their columns when building the CreditLines; declared: "
                         f"{', '.join(lines.amounts)}")
    roles = lines.level_columns(by)
    frame = lines.data
    as_of = _as_of(frame, as_of)
    stamp = frame["year"].to_numpy() * 12 + frame["month"].to_numpy()
    frame = frame.loc[stamp <= as_of[0] * 12 + as_of[1]]
    if roles:
        table = _group_sum(frame, list(roles), ["ae_committed", "cp_paid"]).reset_index()
    else:
        table = pd.DataFrame({"ae_committed": [float(frame["ae_committed"].sum())],
                              "cp_paid": [float(frame["cp_paid"].sum())]})
    table["remaining"] = table["ae_committed"] - table["cp_paid"]
    labels = dict(zip(roles, _keys_label(lines, roles), strict=True))
    return RemainingToPay(by=tuple(labels.values()), as_of=as_of,
                          table=table.rename(columns=labels))


def _as_of(frame: pd.DataFrame, as_of: tuple[int, int] | None) -> tuple[int, int]:
    if as_of is None:
        stamp = int((frame["year"] * 12 + frame["month"] - 1).max())
        return stamp // 12, stamp % 12 + 1
    ok = (isinstance(as_of, tuple) and len(as_of) == 2
          and all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in as_of)
          and 1 <= as_of[1] <= 12)
    if not ok:
        raise InputError(f"as_of={as_of!r}: must be a (year, month) pair of integers, month "
                         f"from 1 to 12; got {as_of!r}")
    return int(as_of[0]), int(as_of[1])

