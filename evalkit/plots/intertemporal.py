"""The event-study plot of de Chaisemartin & D'Haultfoeuille's effects and placebos."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evalkit.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from evalkit.results.intertemporal import IntertemporalEffectsResult

__all__ = ["plot_intertemporal_effects"]


def plot_intertemporal_effects(result: IntertemporalEffectsResult, *, ax: Axes | None = None,
                               title: str | None = None,
                               xlabel: str = "Periods since the first treatment change",
                               ylabel: str = "Estimated effect",
                               **options: Any) -> Figure:
    """Plot effects (event times 0, 1, ...) and placebos (-2, -3, ...) with their intervals.

    The period before the first treatment change (-1) is the reference, drawn at zero.
    The legend carries the p-value of the test that all placebos are zero.

    Parameters
    ----------
    result
        An :class:`~evalkit.results.intertemporal.IntertemporalEffectsResult`.
    ax
        Axes to draw on; by default a new figure is created.
    title, xlabel, ylabel
        Texts (pass translations for reports in other languages).
    **options
        Passed on to :func:`~evalkit.plots.event_study.plot_event_study`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from evalkit.plots.event_study import plot_event_study
    from evalkit.results.intertemporal import IntertemporalEffectsResult

    if not isinstance(result, IntertemporalEffectsResult):
        raise InputError("result: must be an IntertemporalEffectsResult (from "
                         "evalkit.did.chaisemartin_dhaultfoeuille); got "
                         f"{type(result).__name__}")
    return plot_event_study(result.event_study(), ax=ax, title=title, xlabel=xlabel,
                            ylabel=ylabel, **options)
