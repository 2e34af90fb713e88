"""Dose-response plot: ATT(d) or ACRT(d) over the dose, with intervals and uniform band."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from matplotlib.figure import Figure

from evalkit._validation import Problems, check_choice
from evalkit.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from evalkit.results.dose_response import DoseResponseResult

__all__ = ["plot_dose_response"]

_COLOUR = "#1f4e79"


def plot_dose_response(result: DoseResponseResult, *,
                       kind: Literal["att", "acrt", "event_study"] | None = None,
                       ax: Axes | None = None, title: str | None = None,
                       xlabel: str = "Dose", ylabel: str | None = None,
                       band_label: str | None = None, interval_label: str | None = None,
                       **options: Any) -> Figure:
    """Draw a dose-response curve (or, for kind ``"event_study"``, the event study).

    Parameters
    ----------
    result
        A :class:`~evalkit.results.dose_response.DoseResponseResult`.
    kind
        ``"att"`` (ATT(d)), ``"acrt"`` (ACRT(d)) or ``"event_study"``; default the
        event study when the result has one, else the curve of its target.
    ax
        Axes to draw on (default: a new figure).
    title
        The title (default: the curve's name).
    xlabel, ylabel, band_label, interval_label
        The axis labels and the legend's names of the uniform band and of the pointwise
        intervals (defaults in English; pass translations for reports in other
        languages). Curve plots only.
    options
        Passed to :func:`evalkit.plots.plot_event_study` for the event study.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from evalkit.results.dose_response import DoseResponseResult

    if not isinstance(result, DoseResponseResult):
        raise InputError(f"result: must be a DoseResponseResult; got {type(result).__name__}")
    default = ("event_study" if result.event_study_result is not None else
               ("att" if result.target == "level" else "acrt"))
    kind = kind or default
    problems = Problems()
    check_choice("kind", kind, ("att", "acrt", "event_study"), problems)
    problems.raise_if_any(InputError, "Invalid arguments to plot_dose_response:")
    if kind == "event_study":
        from evalkit.plots.event_study import plot_event_study

        return plot_event_study(result.event_study(), ax=ax, **options)
    table = result.curve(kind)
    if not np.isfinite(table["estimate"]).any():
        raise InputError(f"kind={kind!r}: this curve is not estimated (every treated unit "
                         "has the same dose); got kind={kind!r}")
    if ax is None:
        figure = Figure(figsize=(7, 4.2))
        ax = figure.add_subplot()
    else:
        figure = ax.figure
    level = f"{100 * (1 - result.alpha):g}%"
    if np.isfinite(table["band_low"]).any():
        ax.fill_between(table["dose"], table["band_low"], table["band_high"], color=_COLOUR,
                        alpha=0.15, linewidth=0,
                        label=band_label or f"{level} uniform band")
    ax.fill_between(table["dose"], table["conf_low"], table["conf_high"], color=_COLOUR,
                    alpha=0.3, linewidth=0,
                    label=interval_label or f"{level} pointwise intervals")
    name = "ATT(d)" if kind == "att" else "ACRT(d)"
    ax.plot(table["dose"], table["estimate"], color=_COLOUR, linewidth=1.8, label=name)
    ax.axhline(0.0, color="0.4", linewidth=0.8, linestyle="--")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel if ylabel is not None else
                  f"{name}: effect on {result.outcome}" if kind == "att" else
                  f"{name}: slope of the effect on {result.outcome}")
    ax.set_title(title if title is not None else
                 ("Average effect of the dose on the treated" if kind == "att" else
                  "Average causal response on the treated"))
    ax.legend(frameon=False, fontsize="small")
    return figure
