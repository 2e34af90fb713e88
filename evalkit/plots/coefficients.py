"""Coefficient plots: estimates with their confidence intervals, one row per term."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from evalkit.errors import InputError
from evalkit.plots._labels import draw_literally

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["plot_coefficients", "plot_group_time"]

_COLOUR = "#1f4e79"
_COLOURS = ("#1f4e79", "#c0504d", "#4f8a3c", "#7f6084", "#d28b26", "#3c8d93")


def _table(result: Any) -> pd.DataFrame:
    table = result.tidy() if hasattr(result, "tidy") else result
    needed = {"term", "estimate", "conf_low", "conf_high"}
    if not isinstance(table, pd.DataFrame) or not needed <= set(table.columns):
        raise InputError(f"result: must be an evalkit result or a tidy DataFrame with columns "
                         f"{sorted(needed)}; got {type(result).__name__}")
    return table


def plot_coefficients(
    result: Any,
    *,
    terms: Sequence[str] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str = "Estimate",
) -> Figure:
    """Plot estimates as points with their confidence intervals, one row per term.

    Parameters
    ----------
    result
        Any evalkit result (its ``tidy()`` is drawn) or a tidy DataFrame with columns
        ``term``, ``estimate``, ``conf_low`` and ``conf_high``.
    terms
        The terms to draw, in this order (default: every term, as in ``tidy()``).
    ax
        Axes to draw on; by default a new figure is created.
    title, xlabel
        Texts (pass translations for reports in other languages).

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = _table(result)
    if terms is not None:
        missing = [t for t in terms if t not in set(table["term"])]
        if missing or not terms:
            raise InputError(f"terms={terms!r}: must name terms of the result "
                             f"({', '.join(map(str, table['term']))}); got {missing or terms!r}")
        table = table.set_index("term").loc[list(terms)].reset_index()
    n = len(table)
    if ax is None:
        fig = Figure(figsize=(7.0, 1.2 + 0.45 * max(n, 1)), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    y = np.arange(n)[::-1]
    x = table["estimate"].to_numpy(dtype=float)
    low = table["conf_low"].to_numpy(dtype=float)
    high = table["conf_high"].to_numpy(dtype=float)
    err = np.vstack([x - low, high - x])
    ax.errorbar(x, y, xerr=np.where(np.isfinite(err), err, 0.0), fmt="o", color=_COLOUR,
                capsize=3, markersize=5, linewidth=1.2)
    ax.axvline(0, color="#555555", linewidth=0.8)
    ax.set_yticks(y, [str(t) for t in table["term"]])
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    draw_literally(ax)
    return fig


def plot_group_time(
    result: Any,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str = "Period",
    ylabel: str = "ATT(g,t)",
    cohort_label: str = "Cohort",
) -> Figure:
    """Plot group-time effects ATT(g,t) by period, one series per cohort.

    Pre-treatment cells (t < g) are drawn hollow: they are pseudo-effects that
    should be close to zero under parallel trends.

    Parameters
    ----------
    result
        A :class:`~evalkit.results.GroupTimeResult` (or its ``tidy()`` frame).
    ax
        Axes to draw on; by default a new figure is created.
    title, xlabel, ylabel, cohort_label
        Texts (pass translations for reports in other languages).

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = _table(result)
    if not {"cohort", "period", "event_time"} <= set(table.columns):
        raise InputError("result: must be a GroupTimeResult or its tidy() frame (with columns "
                         f"cohort, period and event_time); got {type(result).__name__}")
    table = table.loc[table["std_error"].notna()] if "std_error" in table else table
    if ax is None:
        fig = Figure(figsize=(7.5, 4.2), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    cohorts = sorted(table["cohort"].unique())
    offsets = np.linspace(-0.15, 0.15, len(cohorts)) if len(cohorts) > 1 else np.zeros(1)
    for i, cohort in enumerate(cohorts):
        part = table.loc[table["cohort"] == cohort]
        colour = _COLOURS[i % len(_COLOURS)]
        x = part["period"].to_numpy(dtype=float) + offsets[i]
        y = part["estimate"].to_numpy(dtype=float)
        err = np.vstack([y - part["conf_low"].to_numpy(dtype=float),
                         part["conf_high"].to_numpy(dtype=float) - y])
        pre = part["event_time"].to_numpy() < 0
        ax.errorbar(x, y, yerr=err, fmt="none", ecolor=colour, capsize=3, linewidth=1.2)
        ax.plot(x[~pre], y[~pre], "o", color=colour, markersize=5,
                label=f"{cohort_label} {cohort:g}")
        ax.plot(x[pre], y[pre], "o", markerfacecolor="white", markeredgecolor=colour,
                markersize=5)
    ax.axhline(0, color="#555555", linewidth=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(textwrap.fill(ylabel, 38))
    if title:
        ax.set_title(title)
    ax.legend(loc="best", fontsize="small", frameon=False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    draw_literally(ax)
    return fig
