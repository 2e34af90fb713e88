"""Trend plots: a series with its Sen line (Mann-Kendall), and an interrupted time series
with its fitted segments and the counterfactual from the policy's start.

The results are read by attribute (``lines()``, ``start``, ``start_time`` ...), so any
object with those members can be passed. Every text drawn comes from ``labels``
(English defaults) so that reports can pass translations.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from evalkit.errors import InputError
from evalkit.plots._labels import draw_literally, merge_labels
from evalkit.plots.indicators import _axes, _legend_outside

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from evalkit.indicators.trends import ITSResult, MannKendallResult

__all__ = ["plot_trend", "plot_interrupted_time_series", "TREND_LABELS"]

#: The texts the trend plots draw, in English; pass a mapping with some keys replaced.
TREND_LABELS: dict[str, str] = {
    "series": "Observed",
    "sen": "Sen's slope",
    "sen_band": "Confidence interval of the slope",
    "fitted": "Fitted (segmented regression)",
    "counterfactual": "Counterfactual (trend before the start)",
    "policy_start": "Policy start",
    "period": "Period",
    "value": "Value",
}

_SERIES_COLOUR = "#1f4e79"
_FIT_COLOUR = "#c0504d"
_COUNTERFACTUAL_COLOUR = "#7f7f7f"


def _lines(result: Any, columns: tuple[str, ...], what: str) -> pd.DataFrame:
    lines = result.lines() if hasattr(result, "lines") else None
    if not isinstance(lines, pd.DataFrame) or not set(columns) <= set(lines.columns):
        raise InputError(f"result: must be {what} (with lines() giving the columns "
                         f"{', '.join(columns)}); got {type(result).__name__}")
    return lines


def _time_axis(ax: Axes, index: pd.Index) -> np.ndarray:
    """Positions of the periods: the index when numeric, else 0, 1, 2, ... labelled."""
    if pd.api.types.is_numeric_dtype(index) and not pd.api.types.is_bool_dtype(index):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        return np.asarray(index, dtype=float)
    x = np.arange(len(index), dtype=float)
    step = max(1, int(np.ceil(len(index) / 12)))
    ax.set_xticks(x[::step], [str(p) for p in index[::step]])
    return x


def _finish(fig: Figure, ax: Axes, owned: bool, text: dict[str, str],
            title: str | None) -> Figure:
    ax.set_xlabel(text["period"])
    ax.set_ylabel(text["value"])
    if title:
        ax.set_title(title)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    _legend_outside(fig, ax, owned, ncol=3)
    draw_literally(fig if owned else ax)
    return fig


def plot_trend(
    result: MannKendallResult,
    *,
    band: bool = True,
    title: str | None = None,
    labels: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Plot a series with its Sen line and the confidence interval of the slope.

    The Sen line is :math:`a + b\\,t` (Sen's slope :math:`b` and its intercept
    :math:`a`); the interval is drawn as the region between the lines through
    :math:`(\\mathrm{median}(t), \\mathrm{median}(y))` with the interval's slopes.

    Parameters
    ----------
    result
        A :class:`~evalkit.indicators.trends.MannKendallResult`.
    band
        Shade the slope's confidence interval.
    title
        The title.
    labels
        Texts to draw, replacing the English defaults of :data:`TREND_LABELS`.
    ax
        Axes to draw on; by default a new figure is created.

    Returns
    -------
    matplotlib.figure.Figure
    """
    text = merge_labels(TREND_LABELS, labels)
    if not isinstance(band, bool):
        raise InputError(f"band={band!r}: must be True or False; got {band!r}")
    lines = _lines(result, ("observed", "sen", "sen_low", "sen_high"),
                   "a Mann-Kendall result")
    owned = ax is None
    fig, ax = _axes(ax, (7.5, 4.8))
    x = _time_axis(ax, lines.index)
    if band:
        ax.fill_between(x, lines["sen_low"], lines["sen_high"], color=_FIT_COLOUR, alpha=0.15,
                        linewidth=0, label=text["sen_band"])
    ax.plot(x, lines["observed"].to_numpy(), color=_SERIES_COLOUR, linewidth=1.5, marker="o",
            markersize=4, label=text["series"], zorder=3)
    ax.plot(x, lines["sen"].to_numpy(), color=_FIT_COLOUR, linewidth=2, label=text["sen"])
    return _finish(fig, ax, owned, text, title)


def plot_interrupted_time_series(
    result: ITSResult,
    *,
    title: str | None = None,
    labels: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Plot an interrupted time series: observed values, the fitted segments before and
    from the policy's start, the counterfactual (the trend before the start, extended)
    and a vertical line at the start.

    Parameters
    ----------
    result
        An :class:`~evalkit.indicators.trends.ITSResult`.
    title
        The title.
    labels
        Texts to draw, replacing the English defaults of :data:`TREND_LABELS`.
    ax
        Axes to draw on; by default a new figure is created.

    Returns
    -------
    matplotlib.figure.Figure
    """
    text = merge_labels(TREND_LABELS, labels)
    lines = _lines(result, ("observed", "fitted", "counterfactual"),
                   "an interrupted time series result")
    owned = ax is None
    fig, ax = _axes(ax, (7.5, 4.8))
    x = _time_axis(ax, lines.index)
    start = float(result.start_time)
    post = x >= start
    ax.plot(x, lines["observed"].to_numpy(), color=_SERIES_COLOUR, linewidth=1.2, marker="o",
            markersize=4, label=text["series"], zorder=3)
    fitted = lines["fitted"].to_numpy()
    ax.plot(x[~post], fitted[~post], color=_FIT_COLOUR, linewidth=2, label=text["fitted"])
    ax.plot(x[post], fitted[post], color=_FIT_COLOUR, linewidth=2)
    extended = x >= x[~post].max() if (~post).any() else post  # from the last period before
    ax.plot(x[extended], lines["counterfactual"].to_numpy()[extended],
            color=_COUNTERFACTUAL_COLOUR, linewidth=1.6, linestyle="--",
            label=text["counterfactual"])
    ax.axvline(start, color="#555555", linestyle=":", linewidth=1, label=text["policy_start"])
    return _finish(fig, ax, owned, text, title)
