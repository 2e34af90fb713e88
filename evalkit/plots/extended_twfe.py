"""The ATT(g,t) of the extended TWFE estimator by period, one series per cohort."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evalkit.errors import InputError
from evalkit.plots.coefficients import plot_group_time

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from evalkit.results.extended_twfe import ExtendedTWFEResult

__all__ = ["plot_extended_twfe"]


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
    never-treated controls) hollow ones, as :func:`~evalkit.plots.plot_group_time` draws
    every estimator's ATT(g,t).

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
    return plot_group_time(result, ax=ax, title=title, xlabel=xlabel, ylabel=ylabel,
                           cohort_label=cohort_label)
