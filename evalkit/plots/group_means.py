"""The 2x2 picture: mean outcome of each group before and after the change."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from evalkit.errors import InputError
from evalkit.plots._labels import draw_literally

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from evalkit.results import DiDResult

__all__ = ["plot_group_means"]


def plot_group_means(
    result: DiDResult,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    labels: dict[str, str] | None = None,
    ylabel: str | None = None,
) -> Figure:
    """Plot the four cell means of a 2x2 design and the counterfactual path.

    The dashed line starts from the treated group's mean before the change and moves
    parallel to the comparison group: the treated group's expected outcome without
    the policy under parallel trends. The gap to the treated group's actual mean
    after the change is the (unadjusted) difference-in-differences.

    Parameters
    ----------
    result
        A result of :func:`evalkit.did.did_2x2` (it carries ``group_means``).
    labels
        Texts for ``"treated"``, ``"comparison"``, ``"counterfactual"``, ``"before"``,
        ``"after"`` (pass translations for reports in other languages).
    """
    means = getattr(result, "group_means", None)
    if means is None:
        raise InputError("result: must carry group means (a 2x2 result from did_2x2); got "
                         f"{type(result).__name__} without them")
    text = {"treated": "Treated group", "comparison": "Comparison group",
            "counterfactual": "Treated without the policy (parallel trends)",
            "before": "Before", "after": "After"}
    text.update(labels or {})
    if ax is None:
        fig = Figure(figsize=(6.5, 4.0), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    x = [0, 1]
    t = means.loc["treated", ["before", "after"]].to_numpy(dtype=float)
    c = means.loc["comparison", ["before", "after"]].to_numpy(dtype=float)
    ax.plot(x, t, "o-", color="#c0504d", label=text["treated"], linewidth=2)
    ax.plot(x, c, "o-", color="#1f4e79", label=text["comparison"], linewidth=2)
    ax.plot(x, [t[0], t[0] + (c[1] - c[0])], "o--", color="#c0504d", alpha=0.5,
            markerfacecolor="white", label=text["counterfactual"])
    ax.annotate("", xy=(1.03, t[1]), xytext=(1.03, t[0] + c[1] - c[0]),
                arrowprops={"arrowstyle": "<->", "color": "#333333"})
    ax.set_xticks(x, [text["before"], text["after"]])
    ax.set_xlim(-0.3, 1.3)
    ax.set_ylabel(textwrap.fill(ylabel or result.outcome, 38))
    if title:
        ax.set_title(title)
    ax.legend(loc="best", fontsize="small", frameon=False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    draw_literally(ax)
    return fig
