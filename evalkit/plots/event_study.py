"""Event-study plot: coefficients by event time with confidence intervals."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from evalkit.errors import InputError
from evalkit.plots._labels import draw_literally

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from evalkit.results import EventStudyResult

__all__ = ["plot_event_study"]

_COLOURS = ("#1f4e79", "#c0504d", "#4f8a3c", "#7f6084", "#d28b26", "#3c8d93")


def _as_mapping(results: object) -> dict[str, EventStudyResult]:
    from evalkit.results import EventStudyResult

    if isinstance(results, EventStudyResult):
        return {results.estimator: results}
    if isinstance(results, Mapping):
        items = dict(results)
    elif isinstance(results, Sequence) and not isinstance(results, str):
        items = {}
        for r in results:
            name = getattr(r, "estimator", "result")
            items[name if name not in items else f"{name} ({len(items) + 1})"] = r
    else:
        items = {}
    if not items or not all(isinstance(r, EventStudyResult) for r in items.values()):
        raise InputError("results: must be an EventStudyResult, a list of them or a mapping "
                         f"from label to EventStudyResult; got {type(results).__name__}")
    return items


def plot_event_study(
    results: EventStudyResult | Sequence[EventStudyResult] | Mapping[str, EventStudyResult],
    *,
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str = "Periods relative to first treatment",
    ylabel: str = "Estimated effect",
    show_pretrend: bool = True,
    pretrend_label: str = "Pre-trend test p-value",
    band_label: str = "simultaneous confidence band",
) -> Figure:
    """Plot event-study coefficients with their confidence intervals.

    Several results (e.g. different estimators) can be drawn on one plot: pass a
    list, or a mapping from legend label to result; points are dodged sideways.
    The reference period is drawn as a hollow point at zero and a dashed line
    separates the pre-treatment periods from the post-treatment ones. Results with a
    simultaneous (uniform) confidence band show it as a wide light bar behind the
    pointwise interval.

    Parameters
    ----------
    results
        One result, a list of results, or ``{label: result}``.
    ax
        Axes to draw on; by default a new figure is created.
    title, xlabel, ylabel
        Texts (pass translations for reports in other languages).
    show_pretrend
        Add the pre-trend test's p-value of each result to its legend entry.
    pretrend_label
        The wording of that p-value.
    band_label
        Legend text of the simultaneous confidence band.

    Returns
    -------
    matplotlib.figure.Figure
    """
    items = _as_mapping(results)
    n = len(items)
    if ax is None:
        fig = Figure(figsize=(7.5, 4.2 if n == 1 else 5.2), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    offsets = np.linspace(-0.12, 0.12, n) if n > 1 else np.zeros(1)
    for i, (label, res) in enumerate(items.items()):
        colour = _COLOURS[i % len(_COLOURS)]
        table = res.tidy(include_reference=False)
        x = table["event_time"].to_numpy(dtype=float) + offsets[i]
        y = table["estimate"].to_numpy()
        err = np.vstack([y - table["conf_low"].to_numpy(), table["conf_high"].to_numpy() - y])
        if "band_low" in table.columns:
            ax.vlines(x, table["band_low"], table["band_high"], color=colour, alpha=0.3,
                      linewidth=6, label=f"{label}: {band_label}" if n > 1 else band_label)
        legend = label
        if show_pretrend and res.pretrend is not None:
            legend += f" ({pretrend_label} {res.pretrend.p_value:.3f})"
        ax.errorbar(x, y, yerr=err, fmt="o", color=colour, capsize=3, markersize=5,
                    linewidth=1.2, label=legend)
        if res.reference_period is not None:
            ax.plot([res.reference_period + offsets[i]], [0.0], marker="o", markersize=5,
                    markerfacecolor="white", markeredgecolor=colour, linestyle="none")
    ax.axhline(0, color="#555555", linewidth=0.8)
    ax.axvline(-0.5, color="#888888", linewidth=0.8, linestyle="--")
    ticks = sorted({k for r in items.values() for k in r.event_time}
                   | {r.reference_period for r in items.values() if r.reference_period is not None})
    if len(ticks) > 20:  # long windows: every few periods, always through 0
        step = -(-len(ticks) // 15)
        ticks = [k for k in ticks if k % step == 0]
    ax.set_xticks(ticks)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(textwrap.fill(ylabel, 38))
    if title:
        ax.set_title(title)
    if n > 1:  # several estimators: the legend goes below the plot, clear of the points
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize="small",
                  frameon=False)
    else:
        ax.legend(loc="best", fontsize="small", frameon=False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    draw_literally(ax)
    return fig
