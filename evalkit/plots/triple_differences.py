"""Plot of a triple-difference result: ATT(g,t) by period, one series per enabling group."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evalkit.plots.coefficients import plot_group_time

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_triple_differences"]


def plot_triple_differences(
    result: Any,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str = "Period",
    ylabel: str = "ATT(g,t), eligible units",
    cohort_label: str = "Enabling group",
) -> Figure:
    """Plot the ATT(g,t) of a :class:`~evalkit.results.triple_differences.
    TripleDifferencesResult` (or its ``tidy()`` frame) by period, one series per enabling
    group; pre-treatment cells are drawn hollow.

    Parameters
    ----------
    result
        The result of :func:`~evalkit.did.triple_differences`, or its ``tidy()`` frame.
    ax
        Axes to draw on; by default a new figure is created.
    title, xlabel, ylabel, cohort_label
        Texts (pass translations for reports in other languages).

    Returns
    -------
    matplotlib.figure.Figure
    """
    return plot_group_time(result, ax=ax, title=title, xlabel=xlabel, ylabel=ylabel,
                           cohort_label=cohort_label)
