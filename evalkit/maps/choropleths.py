"""Choropleth maps as matplotlib figures, ready for a report.

Four maps: :func:`map_values` (an indicator's value by territory), :func:`map_gaps` (each
territory's gap to a reference, the gaps distinguishable from zero outlined),
:func:`map_estimates` (estimates by territory, likewise) and :func:`map_territories`
(a programme's territories over the base map). Every figure is north-up, without a
frame or title (a report writes the caption), its legend beside the map, and carries a
:class:`MapDescription` (``figure.evalkit_map``) from which :func:`alt_text` describes
it in words.

Texts drawn (the legend's entries) come in English; give ``labels`` to write them in
another language. Numbers are written in ``language`` (decimal comma, true minus sign).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from evalkit.errors import InputError
from evalkit.formatting import Language, format_number, language_of
from evalkit.maps import _draw
from evalkit.maps.boundaries import Boundaries, load_boundaries
from evalkit.maps.classes import NO_DATA_COLOUR, NO_DATA_HATCH, Classes, classify
from evalkit.maps.codes import match_codes

__all__ = ["MapDescription", "map_values", "map_gaps", "map_estimates", "map_territories",
           "alt_text", "DEFAULT_LABELS", "DEFAULT_ALT", "LABELS", "ALT"]

#: The texts a map draws, in English; ``labels=`` replaces any of them.
DEFAULT_LABELS = {
    "no_data": "No data",
    "marked": "Distinguishable from zero",
    "selected": "Programme territories",
    "others": "Other territories",
    "highlight": "Programme territories (outline)",
    "outline": "Higher-level boundary",
}

#: The sentences :func:`alt_text` writes, in English, by kind of map; ``templates=``
#: replaces any of them. Placeholders: ``{what}``, ``{n}`` (territories drawn),
#: ``{with_value}``, ``{missing}``, ``{low}``, ``{high}``, ``{lowest}``, ``{highest}``,
#: ``{classes}``, ``{marked}``, ``{selected}``.
DEFAULT_ALT = {
    "values": "Map of {what}: {with_value} of {n} territories have a value, from {low} "
              "({lowest}) to {high} ({highest}), in {classes} classes; {missing} without "
              "data.",
    "gaps": "Map of {what}: from {low} ({lowest}) to {high} ({highest}) across {with_value} "
            "territories; {marked} distinguishable from zero, outlined.",
    "territories": "Map of {what}: {selected} of {n} territories, filled and outlined.",
}

#: The texts and sentences by language (English for a language not listed); the reports
#: pass their own, from their message catalogues.
LABELS: dict[str, dict[str, str]] = {
    "en": DEFAULT_LABELS,
    "fr": {
        "no_data": "Donnée manquante",
        "marked": "Différent de zéro",
        "selected": "Territoires du programme",
        "others": "Autres territoires",
        "highlight": "Territoires du programme (contour)",
        "outline": "Limite du niveau supérieur",
    },
    "nl": {
        "no_data": "Geen gegevens",
        "marked": "Verschillend van nul",
        "selected": "Gebieden van het programma",
        "others": "Andere gebieden",
        "highlight": "Gebieden van het programma (omtrek)",
        "outline": "Grens van het hogere niveau",
    },
}
ALT: dict[str, dict[str, str]] = {
    "en": DEFAULT_ALT,
    "fr": {
        "values": "Carte « {what} » : {with_value} territoires sur {n} ont une valeur, de "
                  "{low} ({lowest}) à {high} ({highest}), en {classes} classes ; {missing} "
                  "sans donnée.",
        "gaps": "Carte « {what} » : de {low} ({lowest}) à {high} ({highest}) sur {with_value} "
                "territoires ; {marked} différents de zéro, entourés.",
        "territories": "Carte « {what} » : {selected} territoires sur {n}, colorés et "
                       "entourés.",
    },
    "nl": {
        "values": "Kaart “{what}”: {with_value} van de {n} gebieden hebben een waarde, van "
                  "{low} ({lowest}) tot {high} ({highest}), in {classes} klassen; {missing} "
                  "zonder gegevens.",
        "gaps": "Kaart “{what}”: van {low} ({lowest}) tot {high} ({highest}) over "
                "{with_value} gebieden; {marked} verschillend van nul, omlijnd.",
        "territories": "Kaart “{what}”: {selected} van de {n} gebieden, gekleurd en omlijnd.",
    },
}


@dataclass(frozen=True)
class MapDescription:
    """What a map shows, for its text alternative.

    Attributes
    ----------
    kind
        ``values``, ``gaps`` (also estimates) or ``territories``.
    what
        The legend's title (what is mapped).
    n
        Territories drawn.
    with_value
        Territories drawn with a value (selected, for a map of territories).
    classes
        The classes (``None`` for a map of territories).
    lowest, highest
        The name (or code) and value of the lowest and highest territory.
    marked
        Territories marked as distinguishable from zero (gaps, estimates).
    unknown
        The table's codes the boundaries do not have (not drawn).
    language
        The language of the numbers.
    """

    kind: Literal["values", "gaps", "territories"]
    what: str
    n: int
    with_value: int
    classes: Classes | None
    lowest: tuple[str, float] | None
    highest: tuple[str, float] | None
    marked: int
    unknown: tuple[str, ...]
    language: str


def _labels(labels: Mapping[str, str] | None, language: str = "en") -> dict[str, str]:
    text = dict(LABELS.get(language_of(language), DEFAULT_LABELS))
    if labels is None:
        return text
    unknown = sorted(set(labels) - set(text))
    if unknown:
        raise InputError(f"labels: keys must be among {', '.join(map(repr, text))}; got "
                         f"{', '.join(map(repr, unknown))}")
    text.update({k: str(v) for k, v in labels.items()})
    return text


def _boundaries(boundaries: Boundaries | str) -> Boundaries:
    if isinstance(boundaries, Boundaries):
        return boundaries
    if isinstance(boundaries, str):
        return load_boundaries(boundaries)
    raise InputError(f"boundaries: must be Boundaries (load_boundaries) or a shipped name; "
                     f"got {type(boundaries).__name__}")


def _as_series(values: pd.Series | pd.DataFrame, code: str | None, value: str | None,
               what: str) -> pd.Series:
    if isinstance(values, pd.Series):
        return values
    if not isinstance(values, pd.DataFrame):
        raise InputError(f"{what}: must be a Series indexed by territorial code or a "
                         f"DataFrame; got {type(values).__name__}")
    missing = [c for c in (code, value) if c is None or c not in values.columns]
    if missing:
        raise InputError(f"{what}: the columns of the codes and values (code=, value=) must "
                         f"be columns of the frame {list(values.columns)}; got code={code!r}, "
                         f"value={value!r}")
    return pd.Series(values[value].to_numpy(), index=values[code].to_numpy(), name=value)


def _joined(series: pd.Series, b: Boundaries, column: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """The values in the order of the boundaries' rows (NaN where none), and the unknown
    codes."""
    match = match_codes(pd.Series(series.index), b, column=column)
    codes = match.codes.to_numpy()
    numbers = pd.to_numeric(pd.Series(series.to_numpy()), errors="coerce").to_numpy(dtype=float)
    frame = pd.DataFrame({"code": codes, "value": numbers})
    frame = frame.loc[match.known]
    duplicated = frame["code"].duplicated(keep=False)
    if duplicated.any():
        raise InputError(f"{column}: must hold one value per territory; repeated codes: "
                         f"{', '.join(sorted(set(frame.loc[duplicated, 'code'])))[:200]}")
    by_code = frame.set_index("code")["value"]
    return by_code.reindex(b.frame["code"]).to_numpy(dtype=float), match.unknown


def _drawn(b: Boundaries, values: np.ndarray, extent: str) -> tuple[pd.DataFrame, np.ndarray]:
    if extent == "boundaries":
        return b.frame, values
    if extent == "data":
        keep = np.isfinite(values)
        return b.frame.loc[keep], values[keep]
    raise InputError(f"extent={extent!r}: must be 'boundaries' (every territory of the "
                     "file) or 'data' (those with a value)")


def _extremes(frame: pd.DataFrame, values: np.ndarray,
              key: str) -> tuple[tuple[str, float] | None, tuple[str, float] | None]:
    finite = np.isfinite(values)
    if not finite.any():
        return None, None
    names = _draw.names_of(frame, key)
    label = (names if names is not None else frame["code"]).to_numpy()
    idx = np.flatnonzero(finite)
    lo, hi = idx[np.argmin(values[idx])], idx[np.argmax(values[idx])]
    return (str(label[lo]), float(values[lo])), (str(label[hi]), float(values[hi]))


def _outlines(ax, frame: pd.DataFrame, b: Boundaries, outline: str | None | bool,  # noqa: ANN001
              text: dict[str, str], extra: list) -> None:
    column = b.outline if outline is True else (outline or None)
    if not column:
        return
    if column not in frame.columns:
        raise InputError(f"outline={column!r}: must be a column of the boundaries "
                         f"({', '.join(c for c in frame.columns if c != 'geometry')})")
    _draw.draw_outline(ax, _draw.dissolve(frame, column), colour=_draw.OUTLINE, linewidth=0.7,
                       zorder=3)
    extra.append((_draw.legend_line(_draw.OUTLINE, 0.9), text["outline"]))


def _highlight(ax, frame: pd.DataFrame, b: Boundaries, highlight: Iterable | None,  # noqa: ANN001
               text: dict[str, str], extra: list) -> int:
    if highlight is None:
        return 0
    codes = match_codes(pd.Series(list(highlight)), b, column="highlight").codes
    chosen = frame.loc[frame["code"].isin(set(codes))]
    if chosen.empty:
        return 0
    union = _draw.dissolve(chosen)
    # a white casing keeps the black outline visible over the darkest class
    _draw.draw_outline(ax, union, colour="#ffffff", linewidth=3.4, zorder=4)
    _draw.draw_outline(ax, union, colour=_draw.HIGHLIGHT, linewidth=1.6, zorder=4.1)
    extra.append((_draw.legend_line(_draw.HIGHLIGHT, 1.8), text["highlight"]))
    return len(chosen)


def _fill_classes(ax, frame: pd.DataFrame, values: np.ndarray,  # noqa: ANN001
                  classes: Classes, edge: str, linewidth: float) -> np.ndarray:
    index = classes.assign(values)
    for i, (colour, hatch) in enumerate(zip(classes.colours, classes.hatches, strict=True)):
        _draw.draw_polygons(ax, frame.geometry[index == i], facecolor=colour, hatch=hatch,
                            edgecolor=edge, linewidth=linewidth)
    _draw.draw_polygons(ax, frame.geometry[index < 0], facecolor=NO_DATA_COLOUR,
                        hatch=NO_DATA_HATCH, hatchcolor="#a6a6a6", edgecolor=edge,
                        linewidth=linewidth)
    return index


def _class_entries(classes: Classes, missing: int, text: dict[str, str]) -> list:
    entries = [(_draw.legend_patch(c, h), label) for c, h, label
               in zip(classes.colours, classes.hatches, classes.labels, strict=True)]
    # the highest values at the top, as on a scale
    entries = entries[::-1]
    if missing:
        entries.append((_draw.legend_patch(NO_DATA_COLOUR, NO_DATA_HATCH,
                                           hatchcolor="#a6a6a6"), text["no_data"]))
    return entries


def _edge(n: int) -> tuple[str, float]:
    """Territory borders: hairlines for many small territories, thin for a few."""
    return ("#ffffff", 0.12) if n > 400 else ("#ffffff", 0.5)


def map_values(values: pd.Series | pd.DataFrame, boundaries: Boundaries | str, *,
               code: str | None = None, value: str | None = None, title: str = "",
               n_classes: int = 5, language: Language = "en", decimals: int | None = None,
               highlight: Iterable | None = None, outline: str | bool | None = True,
               extent: Literal["boundaries", "data"] = "boundaries",
               labels: Mapping[str, str] | None = None) -> Figure:
    """A choropleth of a value by territory, in quantile classes of one blue ramp (cut
    at zero, blue and hatched orange, when the values have both signs).

    Parameters
    ----------
    values
        A Series indexed by territorial code, or a DataFrame with the columns ``code``
        and ``value``. Codes may be numbers that lost their leading zeros.
    boundaries
        :func:`load_boundaries`'s result or a shipped name.
    title
        The legend's title: what is mapped, with its unit and period.
    n_classes
        How many classes (2 to 7).
    language
        The language of the numbers.
    decimals
        The decimals of the class labels (default: those of the rounded breaks).
    highlight
        Codes of territories whose union is outlined in black (a programme's).
    outline
        A column of the boundaries whose groups are outlined (``departement_code``),
        ``True`` for the boundaries' default, ``None``/``False`` for none.
    extent
        ``boundaries`` draws every territory (those without a value as "no data"),
        ``data`` only those with a value.
    labels
        Texts of the legend, replacing :data:`DEFAULT_LABELS`.

    Returns
    -------
    matplotlib.figure.Figure
        With ``evalkit_map``, its :class:`MapDescription`.

    Raises
    ------
    BoundaryError
        When no code of ``values`` is among the boundaries' codes.
    """
    text = _labels(labels, language)
    b = _boundaries(boundaries)
    series = _as_series(values, code, value, "values")
    joined, unknown = _joined(series, b, code or "values")
    frame, shown = _drawn(b, joined, extent)
    if not np.isfinite(shown).any():
        raise InputError("values: no territory drawn has a value (all missing)")
    classes = classify(shown, n_classes=n_classes, language=language, decimals=decimals)
    fig, ax, legend_ax = _draw.map_figure(frame.total_bounds, projected=True)
    edge, width = _edge(len(frame))
    _fill_classes(ax, frame, shown, classes, edge, width)
    extra: list = []
    _outlines(ax, frame, b, outline, text, extra)
    _highlight(ax, frame, b, highlight, text, extra)
    _draw.label_territories(ax, frame, b.key)
    missing = int((~np.isfinite(shown)).sum())
    _draw.draw_legend(legend_ax, title, _class_entries(classes, missing, text), extra)
    lowest, highest = _extremes(frame, shown, b.key)
    what = title or str(series.name or "values")
    fig.evalkit_map = MapDescription("values", what, len(frame), int(np.isfinite(shown).sum()),
                                     classes, lowest, highest, 0, unknown, language)
    return fig


def map_gaps(gaps: pd.DataFrame, boundaries: Boundaries | str, *, code: str = "area",
             difference: str = "difference", conf_low: str = "conf_low",
             conf_high: str = "conf_high", distinguishable: str | None = "distinguishable",
             title: str = "", n_classes: int = 6, language: Language = "en",
             decimals: int | None = None, outline: str | bool | None = None,
             extent: Literal["boundaries", "data"] = "data",
             labels: Mapping[str, str] | None = None) -> Figure:
    """Each territory's gap to a reference, cut at zero, the gaps distinguishable from
    zero outlined in black.

    Negative gaps are blue, positive ones orange and hatched (so that the two sides stay
    apart in grey), both darker further from zero.

    Parameters
    ----------
    gaps
        One row per territory: its code, its gap and the gap's confidence interval,
        such as the ``group_gaps`` of an indicator tracking or
        ``compare_to_reference(...).tidy()`` with a code column.
    code, difference, conf_low, conf_high
        The columns of the code, the gap and its interval.
    distinguishable
        A column of booleans saying which gaps are distinguishable from zero; when the
        frame has no such column, those whose interval excludes zero.
    title, n_classes, language, decimals, outline, extent, labels
        As in :func:`map_values` (``labels["marked"]`` names the outlined gaps).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(gaps, pd.DataFrame):
        raise InputError(f"gaps: must be a DataFrame; got {type(gaps).__name__}")
    needed = [c for c in (code, difference, conf_low, conf_high) if c not in gaps.columns]
    if needed:
        raise InputError(f"gaps: must have the columns {needed}; its columns are "
                         f"{list(gaps.columns)}")
    if distinguishable and distinguishable in gaps.columns:
        marked = gaps[distinguishable].astype(bool).to_numpy()
    else:
        low, high = gaps[conf_low].to_numpy(float), gaps[conf_high].to_numpy(float)
        marked = (low > 0) | (high < 0)
    text = _labels(labels, language)
    b = _boundaries(boundaries)
    series = pd.Series(gaps[difference].to_numpy(float), index=gaps[code].to_numpy())
    joined, unknown = _joined(series, b, code)
    flags = pd.Series(marked, index=match_codes(pd.Series(gaps[code].to_numpy()), b,
                                                column=code).codes.to_numpy())
    flags = flags[~flags.index.duplicated()]
    is_marked = flags.reindex(b.frame["code"]).fillna(False).to_numpy(dtype=bool)
    frame, shown = _drawn(b, joined, extent)
    shown_marked = is_marked[np.isfinite(joined)] if extent == "data" else is_marked
    classes = classify(shown, n_classes=n_classes, kind="signed", language=language,
                       decimals=decimals)
    fig, ax, legend_ax = _draw.map_figure(frame.total_bounds, projected=True)
    edge, width = _edge(len(frame))
    _fill_classes(ax, frame, shown, classes, edge, width)
    extra: list = []
    _outlines(ax, frame, b, outline, text, extra)
    if shown_marked.any():
        _draw.draw_outline(ax, frame.geometry[shown_marked], colour=_draw.HIGHLIGHT,
                           linewidth=2.2 if len(frame) <= 400 else 1.0, zorder=5)
    extra.append((_draw.legend_patch("#ffffff", edge=_draw.HIGHLIGHT, linewidth=2.0),
                  text["marked"]))
    _draw.label_territories(ax, frame, b.key)
    missing = int((~np.isfinite(shown)).sum())
    _draw.draw_legend(legend_ax, title, _class_entries(classes, missing, text), extra)
    lowest, highest = _extremes(frame, shown, b.key)
    fig.evalkit_map = MapDescription("gaps", title or difference, len(frame),
                                     int(np.isfinite(shown).sum()), classes, lowest, highest,
                                     int(shown_marked.sum()), unknown, language)
    return fig


def map_estimates(estimates: pd.DataFrame, boundaries: Boundaries | str, *,
                  code: str = "unit", estimate: str = "estimate", conf_low: str = "conf_low",
                  conf_high: str = "conf_high", **options: object) -> Figure:
    """Estimates by territory (e.g. unit-level effects), cut at zero, those whose
    confidence interval excludes zero outlined.

    The same map as :func:`map_gaps` (see it for ``options``), read from an estimate's
    columns.
    """
    return map_gaps(estimates, boundaries, code=code, difference=estimate, conf_low=conf_low,
                    conf_high=conf_high, distinguishable=None, **options)  # type: ignore[arg-type]


def map_territories(selected: Iterable, boundaries: Boundaries | str, *, title: str = "",
                    outline: str | bool | None = True, language: Language = "en",
                    labels: Mapping[str, str] | None = None) -> Figure:
    """A programme's territories filled and outlined over the base map of all territories.

    Parameters
    ----------
    selected
        The codes of the programme's territories.
    boundaries, title, outline, language, labels
        As in :func:`map_values` (``labels["selected"]`` and ``labels["others"]`` name
        the two kinds of territory).

    Returns
    -------
    matplotlib.figure.Figure
    """
    text = _labels(labels, language)
    b = _boundaries(boundaries)
    match = match_codes(pd.Series(list(selected)), b, column="selected")
    frame = b.frame
    chosen = frame["code"].isin(set(match.codes.dropna())).to_numpy()
    fig, ax, legend_ax = _draw.map_figure(frame.total_bounds, projected=True)
    edge, width = _edge(len(frame))
    base, fill = "#e3e3e3", "#4a8bc2"
    _draw.draw_polygons(ax, frame.geometry[~chosen], facecolor=base, edgecolor=edge,
                        linewidth=width)
    _draw.draw_polygons(ax, frame.geometry[chosen], facecolor=fill, edgecolor=edge,
                        linewidth=width)
    extra: list = []
    _outlines(ax, frame, b, outline, text, extra)
    _draw.draw_outline(ax, _draw.dissolve(frame.loc[chosen]), colour=_draw.HIGHLIGHT,
                       linewidth=1.4, zorder=4)
    n = int(chosen.sum())
    entries = [(_draw.legend_patch(fill, edge=_draw.HIGHLIGHT, linewidth=1.4),
                f"{text['selected']} ({format_number(n, language, 0)})"),
               (_draw.legend_patch(base), f"{text['others']} "
                                          f"({format_number(len(frame) - n, language, 0)})")]
    _draw.draw_legend(legend_ax, title, entries, extra)
    fig.evalkit_map = MapDescription("territories", title or text["selected"], len(frame), n,
                                     None, None, None, 0, match.unknown, language)
    return fig


def alt_text(figure: Figure | MapDescription, *, decimals: int | None = None,
             templates: Mapping[str, str] | None = None) -> str:
    """The text alternative of a map: what it shows, in words.

    Parameters
    ----------
    figure
        A figure made by this module's functions, or its ``evalkit_map``.
    decimals
        The decimals of the lowest and highest values (default: the classes').
    templates
        Sentences by kind of map (``values``, ``gaps``, ``territories``), replacing
        :data:`DEFAULT_ALT`; each may use its placeholders.
    """
    d = figure if isinstance(figure, MapDescription) else getattr(figure, "evalkit_map", None)
    if not isinstance(d, MapDescription):
        raise InputError("figure: must be a map made by evalkit.maps (it has no evalkit_map)")
    words = {**ALT.get(language_of(d.language), DEFAULT_ALT), **(templates or {})}
    places = decimals if decimals is not None else (d.classes.decimals if d.classes else 0)

    def number(value: float) -> str:
        return format_number(value, d.language, places, signed=d.kind == "gaps")  # type: ignore[arg-type]

    values = {"what": d.what, "n": format_number(d.n, d.language, 0),  # type: ignore[arg-type]
              "with_value": format_number(d.with_value, d.language, 0),  # type: ignore[arg-type]
              "missing": format_number(d.n - d.with_value, d.language, 0),  # type: ignore[arg-type]
              "classes": len(d.classes) if d.classes else 0,
              "low": number(d.lowest[1]) if d.lowest else "",
              "high": number(d.highest[1]) if d.highest else "",
              "lowest": d.lowest[0] if d.lowest else "",
              "highest": d.highest[0] if d.highest else "",
              "marked": d.marked, "selected": format_number(d.with_value, d.language, 0)}  # type: ignore[arg-type]
    return words[d.kind].format(**values)
