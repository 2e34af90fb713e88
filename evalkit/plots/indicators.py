"""Indicator plots: a series against its baseline and target, small multiples by territory,
and territories ranked by their gap to the reference.

The indicator and the assessment are read by attribute (``indicator.baseline.period``,
``indicator.targets``, ``assessment.status`` ...), so any object with those attributes
can be passed. Every text drawn comes from ``labels`` (English defaults) so that
reports can pass translations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from evalkit.errors import InputError
from evalkit.formatting import Language, colon, language_of
from evalkit.indicators.status import ProgressStatus
from evalkit.plots._labels import draw_literally, merge_labels

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["plot_indicator", "plot_small_multiples", "plot_gap_ranking", "DEFAULT_LABELS",
           "UNIT_NAMES", "STATUS_NAMES", "STATUS_COLOURS", "NEUTRAL_COLOUR"]

#: The texts the plots draw, in English; pass a mapping with some keys replaced.
DEFAULT_LABELS: dict[str, str] = {
    "series": "Observed",
    "baseline": "Baseline",
    "target": "Target",
    "policy_start": "Policy start",
    "band": "Confidence interval",
    "reference": "Reference",
    "period": "Period",
    "value": "Value",
    "difference": "Difference from the reference",
    "distinguishable": "Interval excludes zero",
    "not_distinguishable": "Interval includes zero",
    "status": "Status",
    "status_name": "",  # the status in words; empty: from STATUS_NAMES in ``language``
    "unit": "",  # the unit in words; empty: from UNIT_NAMES in ``language``
}

#: The colour of every status without a target (no green or red verdict without an objective).
NEUTRAL_COLOUR = "#57606a"

#: Colour of each status in tables and plots: green to red against a target, one neutral
#: slate without a target, grey without data.
STATUS_COLOURS: dict[ProgressStatus, str] = {
    ProgressStatus.TARGET_ACHIEVED: "#1a7f37",
    ProgressStatus.ON_TRACK: "#2da44e",
    ProgressStatus.ACCELERATION_NEEDED: "#bf8700",
    ProgressStatus.LIMITED_PROGRESS: "#d4600f",
    ProgressStatus.DETERIORATION: "#cf222e",
    ProgressStatus.SIGNIFICANT_PROGRESS: NEUTRAL_COLOUR,
    ProgressStatus.MODERATE_PROGRESS: NEUTRAL_COLOUR,
    ProgressStatus.INSUFFICIENT_PROGRESS: NEUTRAL_COLOUR,
    ProgressStatus.MOVING_AWAY: NEUTRAL_COLOUR,
    ProgressStatus.INSUFFICIENT_DATA: "#8c959f",
}

#: How each status is named in a figure's legend, by language (the reports word statuses
#: the same way: the report catalogues (`evalkit/reports/messages/locales/`)).
STATUS_NAMES: dict[ProgressStatus, dict[str, str]] = {
    ProgressStatus.TARGET_ACHIEVED: {"en": "Target achieved", "fr": "Cible atteinte",
                                     "nl": "Streefwaarde bereikt"},
    ProgressStatus.ON_TRACK: {"en": "On track", "fr": "En bonne voie",
                              "nl": "Op schema"},
    ProgressStatus.ACCELERATION_NEEDED: {"en": "Progress, but acceleration needed",
                                         "fr": "Progrès, mais accélération nécessaire",
                                         "nl": "Vooruitgang, maar versnelling nodig"},
    ProgressStatus.LIMITED_PROGRESS: {"en": "Limited progress", "fr": "Progrès limités",
                                      "nl": "Beperkte vooruitgang"},
    ProgressStatus.DETERIORATION: {"en": "Deterioration", "fr": "Dégradation",
                                   "nl": "Achteruitgang"},
    ProgressStatus.SIGNIFICANT_PROGRESS: {"en": "Clear improvement (no target)",
                                          "fr": "Nette amélioration (sans cible)",
                                          "nl": "Duidelijke verbetering (zonder streefwaarde)"},
    ProgressStatus.MODERATE_PROGRESS: {"en": "Moderate improvement (no target)",
                                       "fr": "Amélioration modérée (sans cible)",
                                       "nl": "Matige verbetering (zonder streefwaarde)"},
    ProgressStatus.INSUFFICIENT_PROGRESS: {"en": "Slight improvement (no target)",
                                           "fr": "Faible amélioration (sans cible)",
                                           "nl": "Lichte verbetering (zonder streefwaarde)"},
    ProgressStatus.MOVING_AWAY: {"en": "Unfavourable trend (no target)",
                                 "fr": "Évolution défavorable (sans cible)",
                                 "nl": "Ongunstige evolutie (zonder streefwaarde)"},
    ProgressStatus.INSUFFICIENT_DATA: {"en": "Insufficient data", "fr": "Données insuffisantes",
                                       "nl": "Onvoldoende gegevens"},
}

_SERIES_COLOUR = "#1f4e79"
_REFERENCE_COLOUR = "#7f7f7f"
_TARGET_COLOUR = "#1a7f37"


def _labels(labels: Mapping[str, str] | None) -> dict[str, str]:
    return merge_labels(DEFAULT_LABELS, labels)


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is None:
        fig = Figure(figsize=figsize, layout="constrained")
        return fig, fig.add_subplot()
    return ax.figure, ax


def _legend_outside(fig: Figure, ax: Axes, owned: bool, ncol: int) -> None:
    """The legend beside the plotting area, never over the curves.

    Below the plot (in ``ncol`` columns) when the figure is the plot's own, to the right
    of the axes when they were the caller's (its other axes are left alone).
    """
    handles, names = ax.get_legend_handles_labels()
    if not handles:
        return
    if owned:
        fig.legend(handles, names, loc="outside lower center", ncol=min(ncol, len(handles)),
                   fontsize="small", frameon=False)
    else:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small",
                  frameon=False)


def _as_series(series: Any, name: str) -> pd.Series:
    if isinstance(series, pd.DataFrame):
        if "value" in series.columns and "period" in series.columns:
            return series.set_index("period")["value"].sort_index()
        raise InputError(f"{name}: must be a Series indexed by period (or a frame with "
                         f"'period' and 'value' columns); got columns {list(series.columns)}")
    try:
        return pd.Series(series, dtype=float).sort_index()
    except (TypeError, ValueError):
        raise InputError(f"{name}: must be a Series of numbers indexed by period; got "
                         f"{type(series).__name__}") from None


def _status(assessment: Any) -> ProgressStatus | None:
    status = getattr(assessment, "status", None) if assessment is not None else None
    if status is None:
        return None
    try:
        return ProgressStatus(getattr(status, "value", status))
    except ValueError:
        return None


def _draw_targets(ax: Axes, indicator: Any, text: dict[str, str], *, legend: bool) -> None:
    """The baseline point and the target(s) of a duck-typed indicator."""
    if indicator is None:
        return
    baseline = getattr(indicator, "baseline", None)
    if baseline is not None and getattr(baseline, "value", None) is not None:
        ax.plot([baseline.period], [baseline.value], marker="s", markersize=7, color="#444444",
                linestyle="none", label=text["baseline"] if legend else None, zorder=4)
    targets = tuple(getattr(indicator, "targets", ()) or ())
    if targets:
        periods = [t.period for t in targets]
        values = [t.value for t in targets]
        ax.plot(periods, values, marker="*", markersize=12, color=_TARGET_COLOUR,
                linestyle="none", label=text["target"] if legend else None, zorder=4)
        ax.axhline(values[-1], color=_TARGET_COLOUR, linestyle=":", linewidth=1.0)
        if baseline is not None and getattr(baseline, "value", None) is not None:
            ax.plot([baseline.period, *periods], [baseline.value, *values],
                    color=_TARGET_COLOUR, linestyle="--", linewidth=0.9, alpha=0.7)


#: How each unit of an indicator definition is written on an axis, by language.
UNIT_NAMES: dict[str, dict[str, str]] = {
    "percentage": {"en": "%", "fr": "%", "nl": "%"},
    "rate": {"en": "%", "fr": "%", "nl": "%"},
    "per_1000": {"en": "‰", "fr": "‰", "nl": "‰"},
    "euros": {"en": "euros", "fr": "euros", "nl": "euro"},
    "count": {"en": "number", "fr": "nombre", "nl": "aantal"},
    "index": {"en": "index", "fr": "indice", "nl": "index"},
    "ratio": {"en": "ratio", "fr": "ratio", "nl": "verhouding"},
    "years": {"en": "years", "fr": "années", "nl": "jaren"},
}


def _unit_label(indicator: Any, text: dict[str, str], language: str) -> str:
    unit = getattr(indicator, "unit", None) if indicator is not None else None
    if not unit:
        return text["value"]
    name = text["unit"] or UNIT_NAMES.get(str(unit), {}).get(language_of(language), str(unit))
    return f"{text['value']} ({name})"


def _title(indicator: Any, title: str | None, language: str) -> str | None:
    if title is not None:
        return title
    label = getattr(indicator, "label", None) if indicator is not None else None
    if isinstance(label, Mapping):  # the report's language, else French, else English
        found = (label.get(language_of(language)), label.get("fr"), label.get("en"))
        return next((x for x in found if x), next(iter(label.values()), None))
    return label if isinstance(label, str) else None


def plot_indicator(
    series: pd.Series,
    *,
    indicator: Any = None,
    assessment: Any = None,
    band: pd.DataFrame | None = None,
    policy_start: Any = None,
    reference: pd.Series | None = None,
    title: str | None = None,
    labels: Mapping[str, str] | None = None,
    language: Language = "en",
    ax: Axes | None = None,
) -> Figure:
    """Plot an indicator's series with its baseline, target, policy start and status.

    Parameters
    ----------
    series
        Values indexed by period.
    indicator
        Anything with ``baseline`` (``period``, ``value``, or ``None``), ``targets`` (a
        sequence of objects with ``period`` and ``value``), ``unit`` and ``label``
        (``{"fr": ..., "en": ...}``): draws the baseline point, the target points, a
        dashed path from baseline to target and a dotted line at the final target.
    assessment
        Anything with a ``status`` (a :class:`~evalkit.indicators.status.ProgressStatus`
        or its value): the series is drawn in the status colour (:data:`STATUS_COLOURS`)
        and the status named in the legend (:data:`STATUS_NAMES`, in ``language``).
    band
        Confidence band: a DataFrame with ``conf_low`` and ``conf_high`` indexed by period.
    policy_start
        Period at which the policy started: a vertical line.
    reference
        Another series (e.g. the region or France) drawn in grey for comparison.
    title
        The title; by default the indicator's label in ``language``.
    labels
        Texts to draw, replacing the English defaults of :data:`DEFAULT_LABELS`.
    language
        Language of the status label and the indicator's label.
    ax
        Axes to draw on; by default a new figure is created.

    Returns
    -------
    matplotlib.figure.Figure
    """
    text = _labels(labels)
    values = _as_series(series, "series")
    owned = ax is None
    fig, ax = _axes(ax, (7.5, 4.8))
    status = _status(assessment)
    colour = STATUS_COLOURS[status] if status is not None else _SERIES_COLOUR
    if band is not None:
        missing = {"conf_low", "conf_high"} - set(getattr(band, "columns", ()))
        if missing:
            raise InputError(f"band: must be a DataFrame with columns 'conf_low' and "
                             f"'conf_high' indexed by period; missing {sorted(missing)}")
        b = band.sort_index()
        ax.fill_between(b.index, b["conf_low"], b["conf_high"], color=colour, alpha=0.18,
                        linewidth=0, label=text["band"])
    if reference is not None:
        ref = _as_series(reference, "reference")
        ax.plot(ref.index, ref.to_numpy(), color=_REFERENCE_COLOUR, linewidth=1.3,
                linestyle="-", marker=".", label=text["reference"])
    legend = text["series"]
    if status is not None:
        name = text["status_name"] or STATUS_NAMES[status].get(language_of(language),
                                                               STATUS_NAMES[status]["en"])
        legend += f" ({text['status']}{colon(language)} {name})"
    ax.plot(values.index, values.to_numpy(), color=colour, linewidth=2, marker="o",
            markersize=4, label=legend, zorder=3)
    _draw_targets(ax, indicator, text, legend=True)
    if policy_start is not None:
        ax.axvline(policy_start, color="#555555", linestyle="--", linewidth=1,
                   label=text["policy_start"])
    ax.set_xlabel(text["period"])
    ax.set_ylabel(_unit_label(indicator, text, language))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    heading = _title(indicator, title, language)
    if heading:
        ax.set_title(heading)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    _legend_outside(fig, ax, owned, ncol=2)
    draw_literally(fig if owned else ax)
    return fig


def plot_small_multiples(
    data: pd.DataFrame,
    *,
    indicator: Any = None,
    ncols: int = 3,
    policy_start: Any = None,
    title: str | None = None,
    labels: Mapping[str, str] | None = None,
    language: Language = "en",
    targets: bool = True,
) -> Figure:
    """One panel per territory, on a shared y axis, with the target line.

    Parameters
    ----------
    data
        Long frame with columns ``territory``, ``period`` and ``value``, and optionally
        ``conf_low`` and ``conf_high`` (a shaded band).
    indicator
        As in :func:`plot_indicator`: its baseline and targets are drawn in each panel.
    ncols
        Number of panels per row.
    policy_start
        Period at which the policy started: a vertical line in each panel.
    title
        The figure title; by default the indicator's label in ``language``.
    labels
        Texts to draw, replacing the English defaults of :data:`DEFAULT_LABELS`.
    language
        Language of the indicator's label.
    targets
        Draw the indicator's baseline and targets in each panel. Leave them out
        (``False``) when they belong to another territory than the panels' (e.g. a
        region's targets over its departments).

    Returns
    -------
    matplotlib.figure.Figure
    """
    text = _labels(labels)
    if not isinstance(targets, bool):
        raise InputError(f"targets={targets!r}: must be True or False; got {targets!r}")
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data: must be a DataFrame with columns 'territory', 'period' and "
                         f"'value'; got {type(data).__name__}")
    missing = {"territory", "period", "value"} - set(data.columns)
    if missing:
        raise InputError(f"data: must have columns 'territory', 'period' and 'value'; "
                         f"missing {sorted(missing)}")
    if isinstance(ncols, bool) or not isinstance(ncols, int) or ncols < 1:
        raise InputError(f"ncols={ncols!r}: must be a positive integer; got {ncols!r}")
    territories = list(pd.unique(data["territory"]))
    if not territories:
        raise InputError("data: must have at least one row; got an empty frame")
    ncols = min(ncols, len(territories))
    nrows = math.ceil(len(territories) / ncols)
    fig = Figure(figsize=(3.2 * ncols, 2.5 * nrows + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharey=True, sharex=True, squeeze=False)
                         ).ravel()
    band = {"conf_low", "conf_high"} <= set(data.columns)
    for i, territory in enumerate(territories):
        ax = axes[i]
        part = data[data["territory"] == territory].sort_values("period")
        if band:
            ax.fill_between(part["period"], part["conf_low"], part["conf_high"],
                            color=_SERIES_COLOUR, alpha=0.18, linewidth=0,
                            label=text["band"] if i == 0 else None)
        ax.plot(part["period"], part["value"], color=_SERIES_COLOUR, marker="o", markersize=3,
                linewidth=1.5, label=text["series"] if i == 0 else None)
        if targets:
            _draw_targets(ax, indicator, text, legend=i == 0)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if policy_start is not None:
            ax.axvline(policy_start, color="#555555", linestyle="--", linewidth=0.9,
                       label=text["policy_start"] if i == 0 else None)
        ax.set_title(str(territory), fontsize="medium")
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    spare = list(axes[len(territories):])
    for ax in spare:
        ax.set_visible(False)
    heading = _title(indicator, title, language)
    if heading:
        fig.suptitle(heading)
    fig.supylabel(_unit_label(indicator, text, language))
    handles, names = axes[0].get_legend_handles_labels()
    if handles and spare:  # in an empty panel: never over a curve, a title or a label
        spare[0].set_visible(True)
        spare[0].axis("off")
        spare[0].legend(handles, names, loc="center", fontsize="small", frameon=False)
    elif handles:  # beside the panels (above or below, it would meet the titles)
        fig.legend(handles, names, loc="outside right upper", fontsize="small",
                   frameon=False)
    fig.supxlabel(text["period"])
    draw_literally(fig)
    return fig


def plot_gap_ranking(
    gap_table: pd.DataFrame,
    *,
    title: str | None = None,
    labels: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Territories ranked by their gap to the reference, with confidence intervals.

    Territories whose interval excludes zero (a gap distinguishable from noise) are
    drawn in colour, the others in grey.

    Parameters
    ----------
    gap_table
        A frame with columns ``territory``, ``difference``, ``conf_low`` and
        ``conf_high``, such as ``compare_to_reference(...).tidy()``.
    title
        The title.
    labels
        Texts to draw, replacing the English defaults of :data:`DEFAULT_LABELS`.
    ax
        Axes to draw on; by default a new figure is created.

    Returns
    -------
    matplotlib.figure.Figure
    """
    text = _labels(labels)
    if hasattr(gap_table, "tidy") and not isinstance(gap_table, pd.DataFrame):
        gap_table = gap_table.tidy()
    if not isinstance(gap_table, pd.DataFrame):
        raise InputError(f"gap_table: must be a DataFrame; got {type(gap_table).__name__}")
    missing = {"territory", "difference", "conf_low", "conf_high"} - set(gap_table.columns)
    if missing:
        raise InputError(f"gap_table: must have columns 'territory', 'difference', "
                         f"'conf_low' and 'conf_high'; missing {sorted(missing)}")
    table = gap_table.sort_values("difference").reset_index(drop=True)
    owned = ax is None
    fig, ax = _axes(ax, (7.0, max(2.5, 0.32 * len(table) + 1.6)))
    y = np.arange(len(table))
    real = ((table["conf_low"] > 0) | (table["conf_high"] < 0)).to_numpy()
    for mask, colour, name in ((real, "#c0504d", text["distinguishable"]),
                               (~real, "#9a9a9a", text["not_distinguishable"])):
        if mask.any():
            part = table[mask]
            ax.hlines(y[mask], part["conf_low"], part["conf_high"], color=colour, linewidth=2)
            ax.plot(part["difference"], y[mask], "o", color=colour, markersize=5, label=name)
    ax.axvline(0, color="#333333", linewidth=0.9)
    ax.set_yticks(y)
    ax.set_yticklabels([str(t) for t in table["territory"]])
    ax.set_xlabel(text["difference"])
    if title:
        ax.set_title(title)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    _legend_outside(fig, ax, owned, ncol=2)
    draw_literally(fig if owned else ax)
    return fig
