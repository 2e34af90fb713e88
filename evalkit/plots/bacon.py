"""The Goodman-Bacon plot: each 2x2 estimate against its weight in the TWFE coefficient."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from evalkit.errors import InputError
from evalkit.plots._labels import draw_literally, merge_labels

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from evalkit.results.bacon import BaconDecomposition

__all__ = ["plot_bacon", "BACON_PLOT_LABELS"]

#: The texts of :func:`plot_bacon`, by key; pass any of them in ``labels`` to translate.
BACON_PLOT_LABELS: Mapping[str, str] = {
    "never_treated": "Treated vs never treated",
    "later_as_control": "Earlier vs later treated (later not yet treated)",
    "earlier_as_control": "Later vs earlier treated (earlier already treated)",
    "always_treated": "Treated vs always treated",
    "twfe": "TWFE coefficient",
    "already_treated": "Weight on already-treated controls",
    "xlabel": "Weight in the TWFE coefficient",
    "ylabel": "2x2 difference-in-differences estimate",
}

_STYLE = {  # colour, marker
    "never_treated": ("#1f4e79", "o"),
    "later_as_control": ("#4f8a3c", "s"),
    "earlier_as_control": ("#c0504d", "^"),
    "always_treated": ("#7f6084", "D"),
}
_ALREADY = "#c0504d"
_OTHER = "#d9d9d9"


def _texts(labels: Mapping[str, str] | None) -> dict[str, str]:
    return merge_labels(BACON_PLOT_LABELS, labels)


def _significant(value: float, language: str, digits: int = 4) -> str:
    """``value`` to ``digits`` significant digits, written the way ``language`` writes numbers."""
    from evalkit.formatting import format_number

    if not np.isfinite(value) or value == 0:
        return format_number(value, language, 0)
    decimals = max(0, digits - 1 - int(np.floor(np.log10(abs(value)))))
    return format_number(value, language, min(decimals, 12))


def plot_bacon(
    decomposition: BaconDecomposition,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    labels: Mapping[str, str] | None = None,
    language: str = "en",
) -> Figure:
    """Plot each 2x2 difference-in-differences estimate against its weight.

    The Goodman-Bacon (2021, figure 6) picture of a two-way fixed-effects
    coefficient: one point per 2x2 comparison, placed at its weight (x) and estimate
    (y), coloured and shaped by comparison type; a dashed horizontal line marks the
    TWFE coefficient, which is the weighted average of the points. A bar at the top
    shows the share of the weight on comparisons whose controls are already treated
    (later vs earlier treated, and vs always treated), which are biased when effects
    change over time.

    Parameters
    ----------
    decomposition
        A result of :func:`evalkit.did.bacon_decomposition`.
    ax
        Axes to draw on; by default a new figure is created.
    title
        Title of the plot (none by default).
    labels
        Texts to replace, by key (see :data:`BACON_PLOT_LABELS`): the four comparison
        types ``"never_treated"``, ``"later_as_control"``, ``"earlier_as_control"``,
        ``"always_treated"``, and ``"twfe"``, ``"already_treated"``, ``"xlabel"``,
        ``"ylabel"`` (pass translations for reports in other languages).
    language
        How the TWFE coefficient in the legend is written: ``"en"`` (−0.03655) or
        ``"fr"`` (−0,03655); four significant digits.

    Returns
    -------
    matplotlib.figure.Figure

    References
    ----------
    Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment
    timing. *Journal of Econometrics*, 225(2), 254-277.
    """
    from evalkit.results.bacon import BaconDecomposition

    if not isinstance(decomposition, BaconDecomposition):
        raise InputError("decomposition: must be a BaconDecomposition (from "
                         f"evalkit.did.bacon_decomposition); got {type(decomposition).__name__}")
    text = _texts(labels)
    if ax is None:
        fig = Figure(figsize=(7.5, 4.8), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure

    kinds = np.array(decomposition.comparison, dtype=object)
    for key, (colour, marker) in _STYLE.items():
        mask = kinds == key
        if mask.any():
            ax.scatter(decomposition.weight[mask], decomposition.estimate[mask], s=46,
                       color=colour, marker=marker, label=text[key], zorder=3,
                       edgecolors="white", linewidths=0.6)
    twfe = decomposition.twfe_estimate
    ax.axhline(twfe, color="#333333", linestyle="--", linewidth=1.1,
               label=f"{text['twfe']} = {_significant(twfe, language)}", zorder=2)
    ax.axhline(0, color="#888888", linewidth=0.7, zorder=1)

    # leave the top fifth of the axes free for the already-treated bar
    low = min(float(decomposition.estimate.min()), twfe, 0.0)
    high = max(float(decomposition.estimate.max()), twfe, 0.0)
    span = (high - low) or max(abs(high), 1.0)
    ax.set_ylim(low - 0.08 * span, high + 0.35 * span)
    ax.set_xlim(0, float(decomposition.weight.max()) * 1.12 or 1.0)

    share = decomposition.already_treated_weight
    bar = ax.inset_axes((0.03, 0.875, 0.42, 0.045))
    bar.barh([0], [share], color=_ALREADY, height=1.0)
    bar.barh([0], [1 - share], left=[share], color=_OTHER, height=1.0)
    bar.set_xlim(0, 1)
    bar.set_ylim(-0.5, 0.5)
    bar.set_xticks([])
    bar.set_yticks([])
    for spine in bar.spines.values():
        spine.set_linewidth(0.5)
    from evalkit.formatting import format_percent

    bar.text(0, 1.25, f"{text['already_treated']}: {format_percent(100 * share, language, 1)}",
             transform=bar.transAxes, fontsize="small", va="bottom", ha="left")

    ax.set_xlabel(text["xlabel"])
    ax.set_ylabel(textwrap.fill(text["ylabel"], 38))
    if title:
        ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize="small",
              frameon=False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    draw_literally(ax)
    return fig
