"""The consumption curve of the payment credits over a year, and its year-end projection.

The curve is the share of the year's CP allocation paid by the end of each month. It is
read against two references: the linear trajectory (``m / 12`` by the end of month
``m``) and the average profile of the previous years (their own cumulative share of
allocation paid by the end of month ``m``). The year-end projection assumes that this
year pays, by the end of the current month, the same share of its year's payments as
the previous years did by the same month.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evalkit.errors import InputError
from evalkit.programmes.credit_lines import CreditLines

__all__ = ["ConsumptionCurve", "consumption_curve"]

_MONTHS = list(range(1, 13))
_ALL = "__all__"


@dataclass(frozen=True)
class ConsumptionCurve:
    """The CP consumption curve of a year and its projection. Build it with
    :func:`consumption_curve`.

    Attributes
    ----------
    year, as_of_month
        The year followed and the last month counted.
    by
        The levels grouped by (the table's own column names).
    previous_years
        The previous years whose profiles were used.
    curve
        One row per level and month 1 to 12: the ``by`` columns, ``month``, ``cp_paid``
        (paid in the month), ``cp_paid_to_date``, ``rate`` (= ``cp_paid_to_date /
        cp_allocated``; missing after ``as_of_month``), ``linear`` (= ``month / 12``),
        ``previous_rate`` (mean over the previous years of their CP paid by the end of
        the month / their CP allocated) and ``previous_share`` (mean over the previous
        years of their CP paid by the end of the month / their CP paid in the year).
    projection
        One row per level: the ``by`` columns, ``cp_allocated`` (the year's allocation
        up to ``as_of_month``), ``cp_paid_to_date``, ``years`` (how many previous years had
        payments and gave a share), ``share_mean``, ``share_min``, ``share_max`` (of the
        previous years' shares at ``as_of_month``), ``projected``, ``low``, ``high`` (year-end
        CP paid) and ``projected_rate``, ``low_rate``, ``high_rate`` (the same divided by
        ``cp_allocated``). See :func:`consumption_curve` for the method.
    """

    year: int
    as_of_month: int
    by: tuple[str, ...]
    previous_years: tuple[int, ...]
    curve: pd.DataFrame = field(repr=False)
    projection: pd.DataFrame = field(repr=False)

    def tidy(self) -> pd.DataFrame:
        """The curve in long form: the ``by`` columns, ``month``, ``series`` (``rate``,
        ``linear``, ``previous_rate``) and ``value``."""
        return self.curve.melt(id_vars=[*self.by, "month"],
                               value_vars=["rate", "linear", "previous_rate"],
                               var_name="series", value_name="value")

    def summary(self) -> str:
        """The rate to date and the projection, for each level (the first ten)."""
        years = ", ".join(map(str, self.previous_years)) or "none"
        lines = [f"CP consumption {self.year} at the end of month {self.as_of_month} "
                 f"(linear trajectory {self.as_of_month / 12:.1%}; previous years: {years})."]
        for _, row in self.projection.head(10).iterrows():
            where = ", ".join(str(row[k]) for k in self.by) or "whole budget"
            rate = row["cp_paid_to_date"] / row["cp_allocated"] if row["cp_allocated"] > 0 \
                else np.nan
            lines.append(f"{where}: {rate:.1%} paid to date; projected year end "
                         f"{row['projected_rate']:.1%} (range {row['low_rate']:.1%} to "
                         f"{row['high_rate']:.1%} over {int(row['years'])} previous years).")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def consumption_curve(lines: CreditLines, *, year: int, as_of_month: int | None = None,
                      by: Sequence[str] | str = (),
                      previous_years: int | None = None) -> ConsumptionCurve:
    """The CP consumption curve of ``year``, its references and its year-end projection.

    Method. For a level (a group of ``by``) write ``A`` for the CP allocated in ``year``
    (lines dated up to ``as_of_month``), ``P(m)`` for the CP paid from January to the end
    of month ``m`` and ``M`` for ``as_of_month``. For each previous year ``y`` with CP paid
    in the year (``P_y(12) > 0``), its share paid by month ``M`` is
    ``s_y = P_y(M) / P_y(12)``. Then

    - ``projected = P(M) / mean_y(s_y)``: the year-end payments if this year pays by
      month ``M`` the average share the previous years paid by then;
    - ``low = P(M) / max_y(s_y)`` and ``high = P(M) / min_y(s_y)``: the projections had this
      year followed the earliest-paying and the latest-paying of the previous years
      (``high`` is infinite when a previous year had paid nothing by month ``M`` and
      this year has paid something; an amount divided by a share of zero is infinite
      when the amount is positive and missing when it is zero too, since nothing can
      then be said);
    - the rates are these amounts divided by ``A``.

    Why this interval. A budget has few comparable previous years (three to five), too
    few for empirical quantiles or a normal approximation to mean anything; the range
    over the previous years is what the data can say and is read directly ("had we paid
    as in 2022 ... as in 2023"). It is not a confidence interval: if the years' profiles
    were exchangeable, this year's share would fall outside the range of ``k`` previous
    years with probability ``2 / (k + 1)`` (0.5 with three years, 0.33 with five). The
    projection is missing when no previous year had payments.

    Parameters
    ----------
    lines
        The credit lines; ``cp_allocated`` and ``cp_paid`` must be declared.
    year
        The year followed.
    as_of_month
        The last month counted (default: the latest month of ``year`` in the lines).
    by
        Levels to group by (none: the whole budget); each level's projection uses its
        own previous years.
    previous_years
        How many previous years to use, the most recent first (default: every year
        before ``year`` in the lines).

    Returns
    -------
    ConsumptionCurve

    Raises
    ------
    InputError
        When ``cp_allocated`` or ``cp_paid`` is not declared, ``year`` has no line,
        ``as_of_month`` is not a month, or a level is not declared.
    """
    missing = [r for r in ("cp_allocated", "cp_paid") if r not in lines.amounts]
    if missing:
        raise InputError(f"consumption_curve needs the amounts {', '.join(missing)}: declare "
                         f"their columns when building the CreditLines; declared: "
                         f"{', '.join(lines.amounts)}")
    if year not in lines.years:
        raise InputError(f"year={year!r}: must be a year of the credit lines "
                         f"({', '.join(map(str, lines.years))}); got {year!r}")
    roles = list(lines.level_columns(by))
    frame = lines.data
    current = frame.loc[frame["year"] == year]
    if as_of_month is None:
        as_of_month = int(current["month"].max())
    if isinstance(as_of_month, bool) or not isinstance(as_of_month, int | np.integer) \
            or not 1 <= as_of_month <= 12:
        raise InputError(f"as_of_month={as_of_month!r}: must be a month from 1 to 12; got "
                         f"{as_of_month!r}")
    before = sorted(y for y in lines.years if y < year)
    if previous_years is not None:
        if isinstance(previous_years, bool) or not isinstance(previous_years, int) \
                or previous_years < 1:
            raise InputError(f"previous_years={previous_years!r}: must be a whole number of "
                             f"years, 1 or more; got {previous_years!r}")
        before = before[-previous_years:]
    keys = roles or [_ALL]
    frame = frame.loc[frame["year"].isin([*before, year])
                      & ((frame["year"] != year) | (frame["month"] <= as_of_month))].copy()
    if not roles:
        frame[_ALL] = _ALL
    groups = frame.loc[frame["year"] == year, keys].drop_duplicates()

    paid = (frame.groupby([*keys, "year", "month"], dropna=False)["cp_paid"].sum()
            .unstack("month", fill_value=0.0).reindex(columns=_MONTHS, fill_value=0.0))
    cumulated = paid.cumsum(axis=1)
    allocated = frame.groupby([*keys, "year"], dropna=False)["cp_allocated"].sum()
    allocated = allocated.reindex(cumulated.index)
    years = cumulated.index.get_level_values("year").to_numpy()

    past = cumulated.loc[years != year]
    past_total = past[12].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = past.div(np.where(past_total > 0, past_total, np.nan), axis=0)
        past_alloc = allocated.loc[years != year].to_numpy()
        past_rates = past.div(np.where(past_alloc > 0, past_alloc, np.nan), axis=0)
    group_levels = list(range(len(keys)))
    share_mean = shares.groupby(level=group_levels, dropna=False).mean()
    rate_mean = past_rates.groupby(level=group_levels, dropna=False).mean()
    share_at = shares[as_of_month].groupby(level=group_levels, dropna=False)
    stats = pd.DataFrame({"years": share_at.count(), "share_mean": share_at.mean(),
                          "share_min": share_at.min(), "share_max": share_at.max()})

    now = cumulated.loc[years == year].droplevel("year")
    now_paid = paid.loc[years == year].droplevel("year")
    now_alloc = allocated.loc[years == year].droplevel("year")
    index = pd.MultiIndex.from_frame(groups) if len(keys) > 1 else pd.Index(groups[keys[0]])
    index = index.sort_values()
    now, now_paid, now_alloc = now.reindex(index), now_paid.reindex(index), now_alloc.reindex(index)

    curve = _curve(index, keys, now, now_paid, now_alloc, rate_mean, share_mean, as_of_month)
    projection = _projection(index, keys, now[as_of_month], now_alloc, stats)
    labels = dict(zip(roles, [lines.column_names()[r] for r in roles], strict=True))
    if not roles:
        curve, projection = curve.drop(columns=_ALL), projection.drop(columns=_ALL)
    return ConsumptionCurve(year=int(year), as_of_month=int(as_of_month),
                            by=tuple(labels.values()), previous_years=tuple(before),
                            curve=curve.rename(columns=labels),
                            projection=projection.rename(columns=labels))


def _long(index: pd.Index, keys: list[str], wide: pd.DataFrame, name: str) -> pd.Series:
    values = wide.reindex(index).reindex(columns=_MONTHS).to_numpy().ravel()
    return pd.Series(values, name=name)


def _curve(index: pd.Index, keys: list[str], now: pd.DataFrame, now_paid: pd.DataFrame,
           now_alloc: pd.Series, rate_mean: pd.DataFrame, share_mean: pd.DataFrame,
           as_of_month: int) -> pd.DataFrame:
    n = len(index)
    key_frame = index.to_frame(index=False, name=keys) if len(keys) > 1 else \
        pd.DataFrame({keys[0]: np.asarray(index)})
    out = key_frame.loc[np.repeat(np.arange(n), 12)].reset_index(drop=True)
    out["month"] = np.tile(_MONTHS, n)
    out["cp_paid"] = now_paid.to_numpy().ravel()
    out["cp_paid_to_date"] = now.to_numpy().ravel()
    alloc = np.repeat(now_alloc.to_numpy(dtype=float), 12)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate"] = np.where(alloc > 0, out["cp_paid_to_date"] / np.where(alloc > 0, alloc, 1),
                               np.nan)
    after = out["month"].to_numpy() > as_of_month
    out.loc[after, ["cp_paid", "cp_paid_to_date", "rate"]] = np.nan
    out["linear"] = out["month"] / 12
    out["previous_rate"] = _long(index, keys, rate_mean, "previous_rate").to_numpy()
    out["previous_share"] = _long(index, keys, share_mean, "previous_share").to_numpy()
    return out


def _projection(index: pd.Index, keys: list[str], paid: pd.Series, allocated: pd.Series,
                stats: pd.DataFrame) -> pd.DataFrame:
    key_frame = index.to_frame(index=False, name=keys) if len(keys) > 1 else \
        pd.DataFrame({keys[0]: np.asarray(index)})
    stats = stats.reindex(index)
    out = key_frame.copy()
    out["cp_allocated"] = allocated.to_numpy(dtype=float)
    out["cp_paid_to_date"] = paid.to_numpy(dtype=float)
    out["years"] = stats["years"].fillna(0).to_numpy(dtype=np.int64)
    for column in ("share_mean", "share_min", "share_max"):
        out[column] = stats[column].to_numpy(dtype=float)
    p = out["cp_paid_to_date"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        for name, share in (("projected", "share_mean"), ("low", "share_max"),
                            ("high", "share_min")):
            s = out[share].to_numpy()
            out[name] = np.where(s > 0, p / np.where(s > 0, s, 1.0),
                                 np.where((s == 0) & (p > 0), np.inf, np.nan))
        a = out["cp_allocated"].to_numpy()
        for name in ("projected", "low", "high"):
            out[f"{name}_rate"] = np.where(a > 0, out[name].to_numpy() / np.where(a > 0, a, 1),
                                           np.nan)
    return out
