"""Synthetic difference-in-differences plots, in the style of Arkhangelsky et al. (2021, Figure 1).

- :func:`plot_synthetic_did`: the treated mean and the synthetic control over time,
  the time weights drawn under the pre-treatment periods, and the estimate as a
  parallelogram: from the time-weighted pre-period averages to the post-period means,
  the treated unit's counterfactual change copied from the synthetic control (dashed),
  and an arrow from that counterfactual to what the treated units did (the effect).
- :func:`plot_synthetic_did_units`: each comparison unit's own double difference
  against the treated, sized by its weight, with the estimate and its interval.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

from evalkit.errors import InputError
from evalkit.plots._labels import draw_literally

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from evalkit.results.synthetic_did import SyntheticDiDResult

__all__ = ["plot_synthetic_did", "plot_synthetic_did_units"]

_TREATED = "#1f4e79"
_CONTROL = "#c0504d"
_WEIGHTS = "#7f6084"
_EFFECT = "#222222"
_MAX_LABELLED_UNITS = 50


def _check(result: object, function: str) -> SyntheticDiDResult:
    from evalkit.results.synthetic_did import SyntheticDiDResult

    if not isinstance(result, SyntheticDiDResult):
        raise InputError(f"result: must be a SyntheticDiDResult (from evalkit synthetic_did); "
                         f"got {type(result).__name__} in {function}")
    return result


def _axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is None:
        fig = Figure(figsize=size, layout="constrained")
        return fig, fig.add_subplot()
    return ax.figure, ax  # type: ignore[return-value]


def plot_synthetic_did(
    result: SyntheticDiDResult,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    treated_label: str | None = None,
    control_label: str = "Synthetic control",
    xlabel: str | None = None,
    ylabel: str | None = None,
    effect_label: str = "Estimated effect: {value}",
    weights_label: str = "Time weights",
    show_effect: bool = True,
) -> Figure:
    """Plot the treated and synthetic trajectories, the time weights and the effect.

    Parameters
    ----------
    result
        A :class:`~evalkit.results.synthetic_did.SyntheticDiDResult`.
    ax
        Axes to draw on; by default a new figure.
    title, xlabel, ylabel
        Texts (``xlabel`` and ``ylabel`` default to the time and outcome columns).
    treated_label
        Legend of the treated mean (default: the treated unit's name, or "Treated
        (mean of n units)").
    control_label, effect_label, weights_label
        Legend texts (pass translations for reports in other languages). In
        ``effect_label``, ``{value}`` is replaced by the estimate; a text without it is
        shown as given (e.g. with the estimate already formatted for another language).
    show_effect
        Draw the parallelogram and the effect arrow.

    Returns
    -------
    matplotlib.figure.Figure
    """
    res = _check(result, "plot_synthetic_did")
    fig, ax = _axes(ax, (7.5, 4.4))
    periods = np.asarray(res.periods, dtype=float)
    if treated_label is None:
        treated_label = (str(res.treated_units[0]) if res.n_treated == 1
                         else f"Treated (mean of {res.n_treated} units)")
    ax.plot(periods, res.treated_path, color=_TREATED, linewidth=1.6, label=treated_label)
    ax.plot(periods, res.synthetic_path, color=_CONTROL, linewidth=1.6, label=control_label)
    onset = (periods[res.n_pre - 1] + periods[res.n_pre]) / 2
    ax.axvline(onset, color="#888888", linewidth=0.8, linestyle="--")

    lam = np.asarray(res.lam)
    if lam.sum() > 0:  # time weights as a ribbon under the pre-period (none for SC)
        under = blended_transform_factory(ax.transData, ax.transAxes)
        width = np.min(np.diff(periods)) * 0.8 if periods.size > 1 else 0.8
        ax.bar(periods[:res.n_pre], 0.15 * lam / lam.max(), width=width, bottom=0.0,
               transform=under, color=_WEIGHTS, alpha=0.45, label=weights_label)

    if show_effect:
        post_x = periods[res.n_pre:].mean()
        treated_post = res.treated_path[res.n_pre:].mean()
        synthetic_post = res.synthetic_path[res.n_pre:].mean()
        if lam.sum() > 0:
            pre_x = lam @ periods[:res.n_pre]
            treated_pre = lam @ res.treated_path[:res.n_pre]
            synthetic_pre = lam @ res.synthetic_path[:res.n_pre]
            counterfactual = treated_pre + synthetic_post - synthetic_pre
            ax.plot([pre_x, post_x], [synthetic_pre, synthetic_post], color=_CONTROL,
                    linewidth=1.0, alpha=0.8)
            ax.plot([pre_x, post_x], [treated_pre, treated_post], color=_TREATED,
                    linewidth=1.0, alpha=0.8)
            ax.plot([pre_x, post_x], [treated_pre, counterfactual], color=_TREATED,
                    linewidth=1.0, linestyle="--", alpha=0.8)
            ax.plot([pre_x, pre_x, post_x, post_x],
                    [treated_pre, synthetic_pre, synthetic_post, treated_post],
                    linestyle="none", marker="o", markersize=3.5, color=_EFFECT)
        else:  # synthetic control: the counterfactual is the synthetic control itself
            counterfactual = synthetic_post
        ax.annotate("", xy=(post_x, treated_post), xytext=(post_x, counterfactual),
                    arrowprops={"arrowstyle": "->", "color": _EFFECT, "linewidth": 1.4})
        ax.plot([], [], color=_EFFECT, marker=r"$\rightarrow$", linestyle="none",
                label=effect_label.replace("{value}", f"{res.estimate:,.2f}"))

    ax.set_xlabel(xlabel if xlabel is not None else res.time)
    ax.set_ylabel(ylabel if ylabel is not None else res.outcome)
    if title:
        ax.set_title(title)
    ax.legend(loc="best", fontsize="small", frameon=False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    draw_literally(ax)
    return fig


def plot_synthetic_did_units(
    result: SyntheticDiDResult,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str = "Difference with the treated",
    effect_label: str = "Estimated effect: {value}",
    interval_label: str | None = None,
    show_unweighted: bool = True,
) -> Figure:
    """Plot each comparison unit's double difference, sized by its weight.

    Each point is the estimate obtained with that comparison unit alone (and the
    time weights); the estimate is their :math:`\\hat\\omega`-weighted mean, drawn as
    a horizontal line with its confidence interval (when there is a standard error).
    Comparison units are ordered by their effect; with at most 50 of them, they are
    named on the axis.

    Parameters
    ----------
    result
        A :class:`~evalkit.results.synthetic_did.SyntheticDiDResult`.
    ax
        Axes to draw on; by default a new figure.
    title, xlabel, ylabel, effect_label, interval_label
        Texts (``xlabel`` defaults to the unit column; ``interval_label`` to
        "95% confidence interval" at the result's level).
    show_unweighted
        Also draw the units with zero weight (as small hollow points).

    Returns
    -------
    matplotlib.figure.Figure
    """
    res = _check(result, "plot_synthetic_did_units")
    n = res.n_control
    fig, ax = _axes(ax, (max(7.5, min(16.0, 0.22 * n + 2)), 4.4))
    order = np.argsort(res.unit_effects, kind="stable")
    effects = res.unit_effects[order]
    omega = res.omega[order]
    x = np.arange(n)
    positive = omega > 0
    sizes = 400 * omega / omega.max()
    ax.scatter(x[positive], effects[positive], s=sizes[positive], color=_TREATED, alpha=0.6,
               edgecolors="white", linewidths=0.5, zorder=3)
    if show_unweighted and (~positive).any():
        ax.scatter(x[~positive], effects[~positive], s=10, facecolors="none",
                   edgecolors="#888888", linewidths=0.6, zorder=2)
    ax.axhline(res.estimate, color=_EFFECT, linewidth=1.2,
               label=effect_label.replace("{value}", f"{res.estimate:,.2f}"))
    low, high = res.conf_int().iloc[0]
    if np.isfinite(low) and np.isfinite(high):
        label = interval_label or f"{100 * (1 - res.alpha):g}% confidence interval"
        ax.axhline(low, color="#888888", linewidth=0.9, linestyle="--", label=label)
        ax.axhline(high, color="#888888", linewidth=0.9, linestyle="--")
    if n <= _MAX_LABELLED_UNITS:
        ax.set_xticks(x)
        ax.set_xticklabels([str(u) for u in res.control_units[order]], rotation=90,
                           fontsize="small")
    else:
        ax.set_xticks([])
    ax.set_xlabel(xlabel if xlabel is not None else res.unit)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(loc="best", fontsize="small", frameon=False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    draw_literally(ax)
    return fig
