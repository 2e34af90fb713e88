"""The HonestDiD sensitivity plot: the original interval, then the robust ones against M."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from evalkit.errors import InputError
from evalkit.formatting import format_number
from evalkit.plots._labels import draw_literally, merge_labels

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from evalkit.results.honest import HonestDiDResult

def grid_decimals(values: np.ndarray, least: int = 1, most: int = 6) -> int:
    """The fewest decimals (from ``least``, at most ``most``) that write every value of a
    grid differently: ``0.5, 1, 1.5`` need 1, ``0.0038, 0.0076`` need 4."""
    values = np.unique(np.asarray(values, dtype=float))
    for decimals in range(least, most + 1):
        if np.unique(np.round(values, decimals)).size == values.size:
            return decimals
    return most


__all__ = ["plot_honest_did", "HONEST_PLOT_LABELS"]

#: The texts of :func:`plot_honest_did`, by key; pass any of them in ``labels`` to translate.
HONEST_PLOT_LABELS: Mapping[str, str] = {
    "original": "Original",
    "robust": "Robust ({method})",
    "xlabel_rm": "Mbar",
    "xlabel_sd": "M",
    "ylabel": "{level} confidence interval",
    "breakdown": "Breakdown value ({value})",
}

_ORIGINAL = "#c0504d"
_ROBUST = "#1f4e79"


def _texts(labels: Mapping[str, str] | None) -> dict[str, str]:
    return merge_labels(HONEST_PLOT_LABELS, labels)


def plot_honest_did(
    result: HonestDiDResult,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    labels: Mapping[str, str] | None = None,
    language: str = "en",
) -> Figure:
    """Plot the robust confidence intervals against M, after the original interval.

    As the reference package's ``createSensitivityPlot`` and
    ``createSensitivityPlot_relativeMagnitudes``: the original interval (exact parallel
    trends) is drawn one grid step to the left of the smallest M, then each robust
    interval at its M, with a horizontal line at zero. A dotted vertical line marks the
    breakdown value when it lies within the range plotted.

    Parameters
    ----------
    result
        A result of :func:`evalkit.robustness.honest_did`.
    ax
        Axes to draw on; by default a new figure is created.
    title
        Title of the plot (none by default).
    labels
        Texts to replace, by key (see :data:`HONEST_PLOT_LABELS`): ``"original"``,
        ``"robust"`` (``{method}`` is replaced by the method's name), ``"xlabel_rm"``,
        ``"xlabel_sd"``, ``"ylabel"`` (``{level}`` by the confidence level) and
        ``"breakdown"`` (``{value}`` by the breakdown value; a text without it is shown
        as given, e.g. with the value already formatted in another language).
    language
        How the values of M on the axis are written (``"fr"``: ``0,5``), as
        :func:`evalkit.formatting.format_number` writes them, with as many decimals as
        tell the grid's values apart.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from evalkit.results.honest import HonestDiDResult

    if not isinstance(result, HonestDiDResult):
        raise InputError("result: must be a HonestDiDResult (from "
                         "evalkit.robustness.honest_did); got "
                         f"{type(result).__name__}")
    text = _texts(labels)
    if ax is None:
        fig = Figure(figsize=(7.0, 4.5), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.get_figure()
    m = result.m_values
    gap = float(np.min(np.diff(m))) if m.size > 1 else (float(m[0]) or 1.0) / 2
    x_original = float(m.min()) - gap
    width = 0.3 * gap
    ax.axhline(0.0, color="#7f7f7f", linewidth=0.8)
    ax.errorbar([x_original], [0.5 * (result.original_conf_low + result.original_conf_high)],
                yerr=[[0.5 * (result.original_conf_high - result.original_conf_low)]],
                fmt="none", ecolor=_ORIGINAL, elinewidth=2, capsize=4, label=text["original"])
    mid = 0.5 * (result.conf_low + result.conf_high)
    half = 0.5 * (result.conf_high - result.conf_low)
    ax.errorbar(m, mid, yerr=half, fmt="none", ecolor=_ROBUST, elinewidth=2, capsize=4,
                label=text["robust"].replace("{method}", result.method_label))
    if result.breakdown_value is not None and result.breakdown_value <= m.max():
        ax.axvline(result.breakdown_value, color=_ROBUST, linestyle=":", linewidth=1,
                   label=text["breakdown"].replace("{value}",
                                                   f"{result.breakdown_value:.3g}"))
    ax.set_xlim(x_original - width * 2, float(m.max()) + width * 2)
    if m.size <= 12:  # name the original interval's position instead of a fake value of M
        decimals = grid_decimals(m)
        ax.set_xticks([x_original, *m.tolist()],
                      [text["original"], *(format_number(float(v), language, decimals)
                                           for v in m)])
        if m.size > 7:
            ax.tick_params(axis="x", labelrotation=45)
    key = "xlabel_rm" if result.restriction == "relative_magnitude" else "xlabel_sd"
    ax.set_xlabel(text[key])
    ax.set_ylabel(text["ylabel"].replace("{level}", f"{100 * (1 - result.alpha):g}%"))
    ax.legend(loc="best", frameon=False)
    if title:
        ax.set_title(title)
    draw_literally(ax)
    return fig
