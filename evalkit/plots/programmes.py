"""Budget execution plots: the CP consumption curve of a year with its references and
projection, and execution rates by level against the whole allocation.

The results are read by attribute (``curve.curve``, ``curve.projection``, ``rates.table``
...), as :mod:`evalkit.programmes` builds them. Every word drawn comes from ``labels``
(English defaults) so that reports can pass their translations; numbers (percentages)
and month names are written in ``language``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from babel.dates import get_month_names
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, MaxNLocator

from evalkit.errors import InputError
from evalkit.formatting import Language, format_percent, locale_of
from evalkit.plots._labels import draw_literally, merge_labels
from evalkit.plots.indicators import _axes, _legend_outside

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from evalkit.programmes import ConsumptionCurve, ExecutionRates

__all__ = ["plot_consumption_curve", "plot_execution_rates", "CURVE_LABELS", "RATES_LABELS",
           "month_abbreviations"]

#: The texts :func:`plot_consumption_curve` draws, in English; pass a mapping with some
#: keys replaced.
CURVE_LABELS: dict[str, str] = {
    "consumed": "CP paid to date",
    "linear": "Linear trajectory",
    "previous": "Average profile of the previous years",
    "projection": "Year-end projection",
    "range": "Range of the projection (previous years' profiles)",
    "unbounded": "The range has no upper bound",
    "month": "Month",
    "rate": "Share of the CP allocation",
}

#: The texts :func:`plot_execution_rates` draws, in English; pass a mapping with some keys
#: replaced.
RATES_LABELS: dict[str, str] = {
    "ae_commitment_rate": "AE committed / AE allocated",
    "ae_payment_rate": "AE paid / AE allocated",
    "cp_commitment_rate": "CP committed / CP allocated",
    "cp_consumption_rate": "CP paid / CP allocated",
    "allocation": "Whole allocation",
    "rate": "Share of the allocation, year to date",
    "whole_budget": "Whole budget",
}

_CP_COLOUR = "#1f4e79"
_AE_COLOUR = "#8c6bb1"
_LINEAR_COLOUR = "#7f7f7f"
_PREVIOUS_COLOUR = "#bf8700"
_RATE_COLOURS = {"ae_commitment_rate": _AE_COLOUR, "ae_payment_rate": "#c2a5cf",
                 "cp_commitment_rate": "#6baed6", "cp_consumption_rate": _CP_COLOUR}


def month_abbreviations(language: Language) -> list[str]:
    """The twelve months' abbreviated names in ``language`` (CLDR, as Babel has them):
    ``Jan`` ... in English, ``janv.`` ... in French, ``jan`` ... in Dutch.

    >>> month_abbreviations("fr")[:3]
    ['janv.', 'févr.', 'mars']
    """
    names = get_month_names("abbreviated", context="stand-alone", locale=locale_of(language))
    return [str(names[m]) for m in range(1, 13)]


class PercentFormatter(Formatter):
    """Ticks of shares (0.25) written as percentages in a language (``25%``, ``25 %``), with
    as many decimals as the spacing of the ticks needs."""

    def __init__(self, language: Language) -> None:
        locale_of(language)  # refuse an unknown language now, not when drawing
        self.language = language
        self.decimals = 0

    def set_locs(self, locs: Sequence[float]) -> None:
        super().set_locs(locs)
        steps = np.diff(np.sort(np.asarray(locs, dtype=float))) * 100
        steps = steps[steps > 0]
        smallest = float(steps.min()) if steps.size else 1.0
        self.decimals = max(0, min(3, -math.floor(math.log10(smallest) + 1e-9)))

    def __call__(self, x: float, pos: int | None = None) -> str:
        return format_percent(x * 100, self.language, self.decimals)


# ---------------------------------------------------------------------- consumption curve

def _level_rows(curve: Any, level: Any) -> tuple[pd.DataFrame, pd.Series, str | None]:
    """The curve's twelve months and projection of one level, and its name."""
    table, projection = curve.curve, curve.projection
    by = tuple(curve.by)
    if not by:
        if level is not None:
            raise InputError(f"level={level!r}: the curve is of the whole budget (built "
                             f"without by=), so there is no level to choose; got {level!r}")
        return table, projection.iloc[0], None
    keys = projection[list(by)].astype(str)
    shown = [" / ".join(r) for r in keys.itertuples(index=False)]
    if level is None:
        if len(projection) != 1:
            listed = ", ".join(map(repr, shown[:10])) + (" ..." if len(shown) > 10 else "")
            raise InputError(f"level=None: the curve has {len(projection)} levels of "
                             f"{', '.join(by)}; pass level= one of {listed}")
        values = tuple(keys.iloc[0])
    elif isinstance(level, Mapping):
        if set(level) != set(by):
            raise InputError(f"level={dict(level)!r}: must give a value for each of "
                             f"{', '.join(map(repr, by))}; got {dict(level)!r}")
        values = tuple(str(level[c]) for c in by)
    else:
        values = tuple(map(str, level)) if isinstance(level, tuple | list) else (str(level),)
    if len(values) != len(by):
        raise InputError(f"level={level!r}: must give {len(by)} values, one for each of "
                         f"{', '.join(map(repr, by))}; got {level!r}")
    match = np.all(keys.to_numpy() == np.array(values, dtype=object), axis=1)
    if not match.any():
        listed = ", ".join(map(repr, shown[:10])) + (" ..." if len(shown) > 10 else "")
        raise InputError(f"level={level!r}: must be a level of the curve ({listed}); got "
                         f"{level!r}")
    row = projection.loc[match].iloc[0]
    months = np.all(table[list(by)].astype(str).to_numpy() == np.array(values, dtype=object),
                    axis=1)
    return table.loc[months], row, " / ".join(values)


def plot_consumption_curve(
    curve: ConsumptionCurve,
    level: Any = None,
    *,
    title: str | None = None,
    labels: Mapping[str, str] | None = None,
    language: Language = "en",
    ax: Axes | None = None,
) -> Figure:
    """The CP consumption curve of a year against its references, with its projection.

    Drawn month by month (January to December), in shares of the year's CP allocation
    (the y axis in percent):

    - the CP paid to date divided by the allocation (solid, up to ``as_of_month``);
    - the linear trajectory ``month / 12`` (dashed);
    - the average profile of the previous years (dotted): their CP paid by the end of
      each month divided by their allocation;
    - the year-end projection (a point in December, joined to the last month by a thin
      line) with its range over the previous years' profiles (a shaded wedge from the
      last month followed to December, and an error bar in December). An infinite upper
      bound (a previous year had paid nothing by then) is drawn to the top of the axes
      and said in a note.

    Parameters
    ----------
    curve
        A :class:`~evalkit.programmes.ConsumptionCurve`.
    level
        Which level to draw when the curve was built with ``by=``: its value (``"parrainage"``),
        a tuple of values in the order of ``curve.by``, or a mapping column -> value. Not
        needed when the curve has a single level.
    title
        The title; by default the level's name (none for the whole budget).
    labels
        Texts to draw, replacing the English defaults of :data:`CURVE_LABELS`.
    language
        Language (or locale) of the percentages and the month names.
    ax
        Axes to draw on; by default a new figure is created.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InputError
        For an object without a curve and projection, an unknown level, or a level
        missing when the curve has several.
    """
    text = merge_labels(CURVE_LABELS, labels)
    if not (isinstance(getattr(curve, "curve", None), pd.DataFrame)
            and isinstance(getattr(curve, "projection", None), pd.DataFrame)):
        raise InputError(f"curve: must be a ConsumptionCurve (consumption_curve(...)); got "
                         f"{type(curve).__name__}")
    months_names = month_abbreviations(language)
    table, projection, name = _level_rows(curve, level)
    table = table.sort_values("month")
    as_of = int(curve.as_of_month)
    owned = ax is None
    fig, ax = _axes(ax, (7.5, 4.8))
    months = table["month"].to_numpy(dtype=float)
    rate = table["rate"].to_numpy(dtype=float)
    upto = months <= as_of
    ax.plot(months, table["linear"].to_numpy(dtype=float), color=_LINEAR_COLOUR,
            linestyle="--", linewidth=1.3, label=text["linear"])
    previous = table["previous_rate"].to_numpy(dtype=float)
    if np.isfinite(previous).any():
        ax.plot(months, previous, color=_PREVIOUS_COLOUR, linestyle=":", linewidth=2.0,
                label=text["previous"])
    ax.plot(months[upto], rate[upto], color=_CP_COLOUR, linewidth=2.2, marker="o",
            markersize=4, label=text["consumed"], zorder=4)
    finite = [v for v in (*rate[upto], *previous, 1.0, projection["projected_rate"],
                          projection["low_rate"], projection["high_rate"])
              if np.isfinite(v)]
    top = max(finite) * 1.08
    _draw_projection(ax, projection, rate[upto], as_of, top, text)
    ax.set_xlim(0.6, 12.4)
    ax.set_xticks(range(1, 13), months_names)
    ax.set_ylim(0.0, top)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_formatter(PercentFormatter(language))
    ax.set_xlabel(text["month"])
    ax.set_ylabel(text["rate"])
    heading = title if title is not None else name
    if heading:
        ax.set_title(heading)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    _legend_outside(fig, ax, owned, ncol=2)
    draw_literally(fig if owned else ax)
    return fig


def _draw_projection(ax: Axes, projection: pd.Series, rate: np.ndarray, as_of: int,
                     top: float, text: dict[str, str]) -> None:
    projected = float(projection["projected_rate"])
    if not (np.isfinite(projected) and rate.size and np.isfinite(rate[-1])):
        return  # no previous year to project from, or no allocation
    low, high = float(projection["low_rate"]), float(projection["high_rate"])
    now = float(rate[-1])
    unbounded = not np.isfinite(high)
    high = top if unbounded else high
    low = low if np.isfinite(low) else projected
    ax.fill_between([as_of, 12], [now, low], [now, high], color=_CP_COLOUR, alpha=0.15,
                    linewidth=0, label=text["range"])
    ax.plot([as_of, 12], [now, projected], color=_CP_COLOUR, linestyle="-", linewidth=0.9,
            alpha=0.7)
    ax.errorbar([12], [projected], yerr=[[projected - low], [high - projected]],
                color=_CP_COLOUR, marker="D", markersize=6, capsize=4, linestyle="none",
                label=text["projection"], zorder=5)
    if unbounded:
        ax.annotate(text["unbounded"], xy=(12, top), xytext=(-6, -4),
                    textcoords="offset points", ha="right", va="top", fontsize="small",
                    color=_CP_COLOUR)


# ---------------------------------------------------------------------- execution rates

def _rates_frame(rates_table: Any) -> tuple[pd.DataFrame, tuple[str, ...], str]:
    if isinstance(rates_table, pd.DataFrame):
        table = rates_table
        period = next((p for p in ("month", "quarter") if p in table.columns), "year")
        known = {"year", "quarter", "month"} | {f for f in table.columns
                                                if f.endswith(("_rate", "_to_date"))}
        amounts = {r for r in ("ae_allocated", "ae_committed", "ae_paid", "cp_allocated",
                               "cp_committed", "cp_paid")}
        by = tuple(c for c in table.columns if c not in known and c not in amounts)
        return table, by, period
    table = getattr(rates_table, "table", None)
    if not isinstance(table, pd.DataFrame):
        raise InputError(f"rates_table: must be an ExecutionRates (execution_rates(...)) or "
                         f"its table; got {type(rates_table).__name__}")
    return table, tuple(rates_table.by), str(rates_table.period)


def plot_execution_rates(
    rates_table: ExecutionRates | pd.DataFrame,
    *,
    rates: Sequence[str] = ("ae_commitment_rate", "cp_consumption_rate"),
    year: int | None = None,
    sort_by: str | None = None,
    names: Mapping[str, str] | None = None,
    title: str | None = None,
    labels: Mapping[str, str] | None = None,
    language: Language = "en",
    ax: Axes | None = None,
) -> Figure:
    """Execution rates by level as horizontal bars, sorted, against the whole allocation.

    One group of bars per level (a scheme, a department ...), one bar per rate (by
    default the AE commitment rate and the CP consumption rate), read over the year to
    date: for a table by quarter or month, the last period of ``year`` in the table. A
    vertical line marks 100% of the allocation.

    Parameters
    ----------
    rates_table
        An :class:`~evalkit.programmes.ExecutionRates`, or its ``table``.
    rates
        The rates to draw, among those of the table (see
        :data:`~evalkit.programmes.RATES`); those the table does not have are skipped.
    year
        The year drawn (default: the latest of the table).
    sort_by
        The rate the levels are sorted by, lowest at the bottom (default: the last
        rate of ``rates`` the table has).
    names
        Names to show instead of the levels' values (e.g. department code -> name);
        values not in it are shown as they are.
    title
        The title.
    labels
        Texts to draw, replacing the English defaults of :data:`RATES_LABELS`.
    language
        Language (or locale) of the percentages.
    ax
        Axes to draw on; by default a new figure is created.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InputError
        For a table without any of the rates, a year it does not have, or a ``sort_by``
        that is not drawn.
    """
    text = merge_labels(RATES_LABELS, labels)
    table, by, period = _rates_frame(rates_table)
    drawn = [r for r in dict.fromkeys(rates) if r in table.columns]
    if not drawn:
        raise InputError(f"rates={list(rates)!r}: the table has none of these rates; it has "
                         f"{', '.join(c for c in table.columns if c.endswith('_rate'))}")
    PercentFormatter(language)  # an unknown language is refused before anything is drawn
    if "year" in table.columns and len(table):
        years = sorted(int(y) for y in table["year"].unique())
        year = years[-1] if year is None else year
        if year not in years:
            raise InputError(f"year={year!r}: must be a year of the table "
                             f"({', '.join(map(str, years))}); got {year!r}")
        table = table.loc[table["year"] == year]
        if period in table.columns:
            table = table.loc[table[period] == table[period].max()]
    sort_by = drawn[-1] if sort_by is None else sort_by
    if sort_by not in drawn:
        raise InputError(f"sort_by={sort_by!r}: must be one of the rates drawn "
                         f"({', '.join(map(repr, drawn))}); got {sort_by!r}")
    table = table.sort_values(sort_by, na_position="first", kind="stable").reset_index(drop=True)
    shown = dict(names or {})
    if by:
        levels = [" / ".join(shown.get(str(v), str(v)) for v in row)
                  for row in table[list(by)].itertuples(index=False)]
    else:
        levels = [text["whole_budget"]] * len(table)
    owned = ax is None
    fig, ax = _axes(ax, (7.5, max(2.6, 0.28 * len(table) * len(drawn) + 1.8)))
    y = np.arange(len(table), dtype=float)
    height = 0.8 / len(drawn)
    for i, rate in enumerate(drawn):  # the first rate on top within each group
        offset = (len(drawn) - 1 - 2 * i) * height / 2
        ax.barh(y + offset, table[rate].to_numpy(dtype=float), height=height * 0.92,
                color=_RATE_COLOURS.get(rate, _LINEAR_COLOUR), label=text.get(rate, rate))
    ax.axvline(1.0, color="#333333", linewidth=1.0, linestyle="--", label=text["allocation"])
    ax.set_yticks(y, levels)
    ax.set_ylim(-0.6, len(table) - 0.4)
    ax.set_xlim(0.0, max(1.05, float(np.nanmax(table[drawn].to_numpy(dtype=float),
                                               initial=0.0)) * 1.05))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(PercentFormatter(language))
    ax.set_xlabel(text["rate"])
    if title:
        ax.set_title(title)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    _legend_outside(fig, ax, owned, ncol=3)
    draw_literally(fig if owned else ax)
    return fig
