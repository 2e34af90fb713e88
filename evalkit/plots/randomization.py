"""Reference distributions: permutation (randomization inference) and wild bootstrap."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from evalkit.errors import InputError
from evalkit.plots._labels import draw_literally

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from evalkit.results.randomization import RandomizationResult
    from evalkit.results.wild_bootstrap import WildBootstrapResult

__all__ = ["plot_randomization", "plot_bootstrap_distribution"]

_BARS = "#9fb6cd"
_EXTREME = "#c0504d"
_OBSERVED = "#1f4e79"


def _axes(ax: Axes | None) -> tuple[Figure, Axes]:
    if ax is not None:
        figure = ax.figure
        if not isinstance(figure, Figure):  # pragma: no cover - subfigures
            figure = figure.figure
        return figure, ax
    figure = Figure(figsize=(7.0, 4.0), layout="constrained")
    return figure, figure.add_subplot()


def _histogram(ax: Axes, values: np.ndarray, observed: float, *, xlabel: str,
               observed_label: str, share_label: str) -> None:
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    span = np.concatenate([values, [observed, -observed]])
    edges = np.histogram_bin_edges(span, bins=min(60, max(10, int(np.sqrt(values.size)))))
    extreme = np.abs(values) >= abs(observed) * (1 - 1e-9)
    ax.hist([values[~extreme], values[extreme]], bins=edges, stacked=True,
            color=[_BARS, _EXTREME], label=["", share_label], edgecolor="white", linewidth=0.4)
    for value, label in ((observed, observed_label), (-observed, None)):
        ax.axvline(value, color=_OBSERVED, linewidth=1.6, linestyle="-" if label else "--",
                   label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Count")
    handles, labels = ax.get_legend_handles_labels()
    kept = [(h, lab) for h, lab in zip(handles, labels, strict=True) if lab]
    ax.legend([h for h, _ in kept], [lab for _, lab in kept], frameon=False, fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)


def plot_randomization(result: RandomizationResult, *, ax: Axes | None = None,
                       title: str | None = None) -> Figure:
    """Histogram of the permutation distribution with the observed statistic.

    Draws the statistic under every permuted assignment; bars at least as extreme as
    the observed value in absolute terms (those counted in the two-sided p-value) are
    highlighted, and the observed value (solid) and its mirror image (dashed) are marked.

    Parameters
    ----------
    result
        A :class:`~evalkit.results.randomization.RandomizationResult`.
    ax
        Axes to draw on; by default a new figure is created.
    title
        Title; default names the statistic and the p-value.
    """
    from evalkit.results.randomization import RandomizationResult

    if not isinstance(result, RandomizationResult):
        raise InputError(f"result: must be a RandomizationResult; got {type(result).__name__}")
    figure, ax = _axes(ax)
    _histogram(ax, result.distribution, result.observed,
               xlabel=result.statistic_label, observed_label="Observed",
               share_label=f"At least as extreme (p = {result.p_value:.3f})")
    ax.set_title(title if title is not None else
                 f"Randomization inference: {result.statistic_label.lower()}")
    draw_literally(ax)
    return figure


def plot_bootstrap_distribution(result: WildBootstrapResult, *, ax: Axes | None = None,
                                title: str | None = None) -> Figure:
    """Histogram of the wild bootstrap t statistics with the observed t statistic.

    Parameters
    ----------
    result
        A :class:`~evalkit.results.wild_bootstrap.WildBootstrapResult`.
    ax
        Axes to draw on; by default a new figure is created.
    title
        Title; default names the hypothesis.
    """
    from evalkit.results.wild_bootstrap import WildBootstrapResult

    if not isinstance(result, WildBootstrapResult):
        raise InputError(f"result: must be a WildBootstrapResult; got {type(result).__name__}")
    figure, ax = _axes(ax)
    _histogram(ax, result.t_draws, result.statistic, xlabel="Bootstrap t statistic",
               observed_label="Observed t",
               share_label=f"Larger in absolute value (p = {result.p_value:.3f})")
    ax.set_title(title if title is not None else
                 f"Wild cluster bootstrap: {result.term} = {result.null:g}")
    draw_literally(ax)
    return figure
