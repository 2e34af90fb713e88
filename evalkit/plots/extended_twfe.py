"""The ATT(g,t) of the extended TWFE estimator by period, one series per cohort."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from evalkit.errors import InputError
from evalkit.plots._labels import draw_literally

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from evalkit.results.extended_twfe import ExtendedTWFEResult

__all__ = ["plot_extended_twfe"]

_COLOURS = ("#1f4e79", "#c0504d", "#4f8a3c", "#7f6084", "#d28b26", "#3c8d93")


def plot_extended_twfe(
    result: ExtendedTWFEResult,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str = "Period",
    ylabel: str = "Estimated effect, ATT(g,t)",
    cohort_label: str = "cohort",
) -> Figure:
    """Plot each cohort's ATT(g,t) against the period, with confidence intervals.

    Post-treatment cells are filled points, placebo cells (before treatment, with
    never-treated controls) hollow ones.

    Parameters
    ----------
    result
        An :class:`~evalkit.results.extended_twfe.ExtendedTWFEResult`.
    ax
        Axes to draw on; by default a new figure is created.
    title, xlabel, ylabel, cohort_label
        Texts (pass translations for reports in other languages).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from evalkit.results.extended_twfe import ExtendedTWFEResult

    if not isinstance(result, ExtendedTWFEResult):
        raise InputError(f"result: must be an ExtendedTWFEResult; got {type(result).__name__}")
    if ax is None:
        fig = Figure(figsize=(7.5, 4.5), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    table = result.tidy()
    cohorts = np.unique(table["cohort"])
    width = 0.3 / max(len(cohorts), 1)
    for i, cohort in enumerate(cohorts):
        rows = table[table["cohort"] == cohort]
        x = rows["period"].to_numpy(float) + (i - (len(cohorts) - 1) / 2) * width
        y = rows["estimate"].to_numpy(float)
        colour = _COLOURS[i % len(_COLOURS)]
        errors = np.vstack([y - rows["conf_low"].to_numpy(float),
                            rows["conf_high"].to_numpy(float) - y])
        ax.errorbar(x, y, yerr=errors, fmt="none", ecolor=colour, elinewidth=1.2, capsize=2)
        post = rows["event_time"].to_numpy() >= 0
        ax.scatter(x[post], y[post], color=colour, zorder=3,
                   label=f"{cohort_label} {cohort:g}")
        ax.scatter(x[~post], y[~post], facecolor="white", edgecolor=colour, zorder=3)
    ax.axhline(0.0, color="grey", linewidth=0.8, linestyle="--")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(frameon=False)
    draw_literally(fig)
    return fig
