"""Plots of a synthetic control: trajectories, gaps, placebo gaps, RMSPE ratios, leave-one-out.

The figures of Abadie, Diamond & Hainmueller (2010): figure 2 (treated vs synthetic
trajectories), figure 3 (the gap), figures 4-7 (placebo gaps, the treated unit in bold
over grey placebos) and figure 8 (the post/pre ratio of every unit); and the
leave-one-out figure of Abadie (2021).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

import numpy as np
from matplotlib.figure import Figure

from evalkit.errors import InputError
from evalkit.plots._labels import draw_literally, merge_labels

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from evalkit.results.synthetic_control import SyntheticControlResult

__all__ = ["plot_synthetic_control", "SYNTHETIC_CONTROL_PLOT_LABELS"]

#: The texts of :func:`plot_synthetic_control`, by key; pass any of them in ``labels``.
SYNTHETIC_CONTROL_PLOT_LABELS: Mapping[str, str] = {
    "treated": "Treated",
    "synthetic": "Synthetic control",
    "treatment": "Treatment starts",
    "gap": "Gap (treated - synthetic)",
    "placebos": "Placebos (donors)",
    "ratio": "Post/pre-treatment RMSPE ratio",
    "leave_one_out": "Leave one out",
    "without": "without",
    "period": "Period",
    "outcome": "",
    "p_value": "p = {rank}/{n} = {value}",
}

_TREATED = "#1f4e79"
_SYNTHETIC = "#c0504d"
_GREY = "#bfbfbf"
_KINDS = ("trajectories", "gaps", "placebo", "ratios", "leave_one_out")


def _texts(labels: Mapping[str, str] | None) -> dict[str, str]:
    return merge_labels(SYNTHETIC_CONTROL_PLOT_LABELS, labels)


def _mark_treatment(ax: Axes, result: SyntheticControlResult, text: dict[str, str]) -> None:
    periods = np.asarray(result.periods, dtype=float)
    start = (periods[result.n_pre - 1] + periods[result.n_pre]) / 2
    ax.axvline(start, color="#555555", linestyle=":", linewidth=1.0,
               label=f"{text['treatment']} ({result.treatment_start})")


def plot_synthetic_control(
    result: SyntheticControlResult,
    *,
    kind: Literal["trajectories", "gaps", "placebo", "ratios", "leave_one_out"] = "trajectories",
    ax: Axes | None = None,
    title: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """Plot a synthetic control result.

    Parameters
    ----------
    result
        A result of :func:`evalkit.synthetic.synthetic_control`.
    kind
        ``"trajectories"``: treated and synthetic outcome, treatment start marked
        (ADH 2010, figure 2). ``"gaps"``: their difference (figure 3).
        ``"placebo"``: the gap of every placebo in grey, the treated unit's in bold
        (figures 4-7; placebos left out by ``max_pre_mspe_ratio`` are not drawn).
        ``"ratios"``: the post/pre RMSPE ratio of every unit, ranked (figure 8).
        ``"leave_one_out"``: the treated and synthetic trajectories with each
        leave-one-out synthetic control in grey (Abadie 2021).
    ax
        Axes to draw on; by default a new figure is created.
    title
        Title of the plot (none by default).
    labels
        Texts to replace, by key (see :data:`SYNTHETIC_CONTROL_PLOT_LABELS`).
        ``"outcome"`` names the outcome on the vertical axis (empty: the outcome
        column); in ``"p_value"``, ``{rank}``, ``{n}`` and ``{value}`` are replaced by the
        treated unit's rank, the number of units and the p-value.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from evalkit.results.synthetic_control import SyntheticControlResult

    if not isinstance(result, SyntheticControlResult):
        raise InputError("result: must be a SyntheticControlResult (from "
                         f"evalkit.synthetic.synthetic_control); got {type(result).__name__}")
    if kind not in _KINDS:
        raise InputError(f"kind={kind!r}: must be one of {', '.join(map(repr, _KINDS))}; "
                         f"got {kind!r}")
    if kind in ("placebo", "ratios") and result.placebo is None:
        raise InputError(f"kind={kind!r}: the result has no placebo fits; run "
                         "synthetic_control(..., inference=PlaceboInSpace())")
    if kind == "leave_one_out" and result.leave_one_out is None:
        raise InputError("kind='leave_one_out': the result has no leave-one-out fits; run "
                         "synthetic_control(..., leave_one_out=True)")
    text = _texts(labels)
    if ax is None:
        fig = Figure(figsize=(7.5, 4.6), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    {"trajectories": _trajectories, "gaps": _gaps, "placebo": _placebo, "ratios": _ratios,
     "leave_one_out": _leave_one_out}[kind](ax, result, text)
    if title:
        ax.set_title(title)
    draw_literally(ax)
    return fig


def _trajectories(ax: Axes, result: SyntheticControlResult, text: dict[str, str]) -> None:
    ax.plot(result.periods, result.treated_outcome, color=_TREATED, linewidth=2,
            label=f"{text['treated']} ({result.treated_unit})")
    ax.plot(result.periods, result.synthetic_outcome, color=_SYNTHETIC, linewidth=2,
            linestyle="--", label=text["synthetic"])
    _mark_treatment(ax, result, text)
    ax.set_xlabel(text["period"])
    ax.set_ylabel(text["outcome"] or result.outcome)
    ax.legend(frameon=False, fontsize="small")


def _gaps(ax: Axes, result: SyntheticControlResult, text: dict[str, str]) -> None:
    ax.axhline(0, color="#888888", linewidth=0.8)
    ax.plot(result.periods, result.gap, color=_TREATED, linewidth=2,
            label=f"{text['treated']} ({result.treated_unit})")
    _mark_treatment(ax, result, text)
    ax.set_xlabel(text["period"])
    ax.set_ylabel(f"{text['gap']}: {text['outcome'] or result.outcome}")
    ax.legend(frameon=False, fontsize="small")


def _placebo(ax: Axes, result: SyntheticControlResult, text: dict[str, str]) -> None:
    test = result.placebo
    keep = test.included
    ax.axhline(0, color="#888888", linewidth=0.8)
    for i in np.flatnonzero(keep)[1:]:
        ax.plot(test.periods, test.gaps[i], color=_GREY, linewidth=0.8,
                label=text["placebos"] if i == np.flatnonzero(keep)[1] else None)
    ax.plot(test.periods, test.gaps[0], color="black", linewidth=2.4,
            label=f"{text['treated']} ({result.treated_unit})")
    _mark_treatment(ax, result, text)
    ax.set_xlabel(text["period"])
    ax.set_ylabel(f"{text['gap']}: {text['outcome'] or result.outcome}")
    ax.legend(frameon=False, fontsize="small")


def _ratios(ax: Axes, result: SyntheticControlResult, text: dict[str, str]) -> None:
    stats = result.placebo.statistics().sort_values()
    colours = [_TREATED if u == result.treated_unit else _GREY for u in stats.index]
    ax.barh([str(u) for u in stats.index], stats.to_numpy(), color=colours)
    ax.set_xlabel(text["ratio"])
    ax.tick_params(axis="y", labelsize="x-small" if len(stats) > 25 else "small")
    title = (text["p_value"].replace("{rank}", str(result.placebo.rank))
             .replace("{n}", str(result.placebo.n_units))
             .replace("{value}", f"{result.placebo.p_value:.3f}"))
    ax.set_title(title, fontsize="small", loc="right")


def _leave_one_out(ax: Axes, result: SyntheticControlResult, text: dict[str, str]) -> None:
    loo = result.leave_one_out
    for i in range(len(loo.dropped)):
        ax.plot(loo.periods, loo.synthetic[i], color=_GREY, linewidth=1,
                label=(f"{text['leave_one_out']} ({len(loo.dropped)}: {text['without']} "
                       f"{', '.join(map(str, loo.dropped[:3]))}"
                       f"{', ...' if len(loo.dropped) > 3 else ''})") if i == 0 else None)
    _trajectories(ax, result, text)
