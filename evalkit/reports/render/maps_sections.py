"""The maps of a report: drawn when the data's territorial codes are those of boundaries.

The boundaries are the ``maps`` section's file (or shipped name), else the shipped
boundaries that know at least half of the codes (found from the codes themselves). A
report whose codes no boundaries know shows no map, and says nothing of it.

- Tracking: for each indicator, its latest value by territory (the territory of interest
  outlined) and the groups' gaps to the rest of the territory, the significant ones
  outlined.
- Evaluation: the treated territories, and the outcome's change by territory between the
  periods before and after the first treatment.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from evalkit.data import Panel
from evalkit.formatting import Language, format_level
from evalkit.maps import (
    SHIPPED_BOUNDARIES,
    Boundaries,
    alt_text,
    detect_boundaries,
    load_boundaries,
    map_gaps,
    map_territories,
    map_values,
    match_codes,
)
from evalkit.reports.analysis.engine_data import held_by_engine
from evalkit.reports.messages.catalogue import text, wording
from evalkit.reports.params.maps import boundaries_path, outline_column
from evalkit.reports.params.schema import PolicyParams
from evalkit.reports.render.blocks import Block, Figure, Heading, Paragraph

__all__ = ["report_boundaries", "group_boundaries", "indicator_value_map", "per_inhabitant_map",
           "indicator_gap_map", "tracking_maps_note", "evaluation_map_blocks", "UNIT_SYMBOLS"]

#: The symbol of an indicator's unit, written after its label in a legend's title.
UNIT_SYMBOLS = {"percentage": "%", "rate": "%", "per_1000": "‰", "euros": "€"}


def report_boundaries(params: PolicyParams, codes: Iterable) -> Boundaries | None:
    """The boundaries of the territories ``codes`` name, or ``None`` (no map).

    The ``maps`` section's boundaries when it names some (their errors are the user's to
    fix and are raised), else the shipped boundaries detected from the codes.
    """
    section = params.maps
    if section is not None and not section.show:
        return None
    codes = pd.Series(list(codes))
    if section is not None and section.boundaries:
        name = section.boundaries
        if name in SHIPPED_BOUNDARIES:
            boundaries = load_boundaries(name, level=section.level)
        else:
            path = boundaries_path(name, params.params_path)
            import pyogrio

            columns = list(pyogrio.read_info(path)["fields"])
            outline = outline_column(section.outline, columns) if section.outline else None
            boundaries = load_boundaries(path, key=section.key, level=section.level,
                                         outline=outline)
        match_codes(codes, boundaries, column=_code_key(params))  # none known: an error
        return boundaries
    name = detect_boundaries(codes)
    return None if name is None else load_boundaries(name)


def group_boundaries(params: PolicyParams, codes: Iterable) -> Boundaries | None:
    """The shipped boundaries of the groups' codes (departments), or ``None``."""
    if params.maps is not None and not params.maps.show:
        return None
    name = detect_boundaries(pd.Series(list(codes)))
    return None if name is None else load_boundaries(name)


def _code_key(params: PolicyParams) -> str:
    if params.indicators is not None:
        return params.indicators.territory
    return params.design.unit if params.design is not None and params.design.unit else "code"


def _level_words(boundaries: Boundaries, language: Language) -> str:
    return text(f"map_level_{boundaries.level}", language)


def _labels(boundaries: Boundaries, language: Language, **extra: str) -> dict[str, str]:
    labels = {"no_data": text("map_no_data", language)}
    if boundaries.outline:
        stem = boundaries.outline.removesuffix("_code")
        level = (text(f"map_level_{stem}", language)
                 if stem in ("commune", "epci", "departement", "region", "municipality",
                             "province") else stem)
        labels["outline"] = text("map_outline", language, level=level)
    labels.update(extra)
    return labels


def per_inhabitant_map(params: PolicyParams, table: pd.DataFrame, *, title: str,
                       language: Language, extent: str = "boundaries") -> list[Block]:
    """An amount per inhabitant by territory (``table``'s ``code`` and ``per_inhabitant``)
    on a map, when boundaries know the codes; else nothing.

    ``extent="data"`` draws only the territories of the table (a few departments);
    ``"boundaries"`` every territory of the boundaries, those without an amount as "no
    data".
    """
    boundaries = report_boundaries(params, table["code"])
    if boundaries is None:
        return []
    values = table[["code", "per_inhabitant"]].rename(columns={"per_inhabitant": "value"})
    few = extent == "data"
    fig = map_values(values, boundaries, code="code", value="value", title=title,
                     language=language, decimals=2, extent=extent,
                     n_classes=min(5, max(2, len(table) - 1)) if few else 5,
                     outline=None if few else True, labels=_labels(boundaries, language))
    return [_figure(fig, language)]


def _templates(language: Language) -> dict[str, str]:
    return {kind: wording(f"map_alt_{kind}", language)
            for kind in ("values", "gaps", "territories")}


def _capitalised(words: str) -> str:
    return words[:1].upper() + words[1:]


def _figure(fig, language: Language) -> Figure:  # noqa: ANN001
    block = Figure.of(fig, alt_text(fig, templates=_templates(language)), language)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return block


def _latest_values(data: pd.DataFrame, territory: str, period: str, numerator: str,
                   denominator: str | None, scale: float, latest: int) -> pd.Series:
    rows = data.loc[data[period] == latest]
    columns = [numerator] + ([denominator] if denominator else [])
    sums = rows.groupby(territory, sort=False)[columns].sum(min_count=1)
    if denominator:
        den = sums[denominator].where(sums[denominator] > 0)
        return scale * sums[numerator] / den
    return sums[numerator]


def indicator_value_map(params: PolicyParams, data: pd.DataFrame, boundaries: Boundaries,
                        *, code: str, label: str, unit: str, numerator: str,
                        denominator: str | None, scale: float, latest: int,
                        focus: np.ndarray | None, focus_label: str) -> list[Block]:
    """The latest value of an indicator by territory, the territory of interest outlined."""
    language: Language = params.locale  # words and numbers
    section = params.indicators
    values = _latest_values(data, section.territory, section.period, numerator, denominator,
                            scale, latest)
    symbol = UNIT_SYMBOLS.get(unit)
    title = f"{label} ({symbol}), {latest}" if symbol else f"{label}, {latest}"
    highlight = (data.loc[focus, section.territory].unique() if focus is not None else None)
    labels = _labels(boundaries, language, highlight=_capitalised(focus_label))
    fig = map_values(values, boundaries, title=title, language=language, highlight=highlight,
                     labels=labels)
    level = _level_words(boundaries, language)
    caption = text("map_value_caption", language, label=label.lower(), level=level,
                   period=latest)
    return [_figure(fig, language), Paragraph(caption, "caption")]


def indicator_gap_map(params: PolicyParams, gaps: pd.DataFrame, boundaries: Boundaries, *,
                      unit: str, period: int) -> list[Block]:
    """The groups' gaps to the rest of the territory, the significant ones outlined."""
    language: Language = params.locale  # words and numbers
    level = format_level(1 - params.inference.confidence_level, language)
    points = unit in ("percentage", "rate")
    title = text("map_gap_title_points" if points else "map_gap_title", language,
                 period=period)
    labels = _labels(boundaries, language, marked=text("map_marked", language, level=level))
    fig = map_gaps(gaps, boundaries, code="area", title=title, language=language,
                   labels=labels, outline=None)
    return [_figure(fig, language)]


def tracking_maps_note(params: PolicyParams, *, focus_label: str | None,
                       gaps: bool) -> str:
    """How to read every map of a tracking report, said once before the indicators."""
    language: Language = params.locale  # words and numbers
    note = text("map_reading_note", language)
    if focus_label:
        note += " " + text("map_focus_caption", language, focus=focus_label)
    if gaps:
        level = format_level(1 - params.inference.confidence_level, language)
        note += " " + text("map_gap_caption", language, level=level)
    return note


def _change(panel: Panel, start: float) -> pd.Series:
    """Each unit's mean outcome from ``start`` on minus its mean before (weighted by the
    panel's weights, if any)."""
    frame = panel.data
    y = frame[panel.outcome].to_numpy(dtype=float)
    w = (frame[panel.weights].to_numpy(dtype=float) if panel.weights
         else np.ones(len(frame)))
    after = frame[panel.time].to_numpy(dtype=float) >= start
    table = pd.DataFrame({"unit": frame[panel.unit].to_numpy(), "after": after,
                          "wy": w * y, "w": w}).dropna()
    sums = table.groupby(["unit", "after"])[["wy", "w"]].sum()
    means = (sums["wy"] / sums["w"].where(sums["w"] > 0)).unstack("after")
    if True not in means.columns or False not in means.columns:
        return pd.Series(dtype=float)
    return means[True] - means[False]


def evaluation_map_blocks(params: PolicyParams, panel: Panel | None,
                          outcome_label: str) -> list[Block]:
    """The maps of an evaluation: the treated territories and the outcome's change by
    territory; nothing when the design's units are not territories the boundaries know."""
    if panel is None or params.design is None or not params.design.unit or (
            held_by_engine(panel)):  # maps need each unit's rows in memory
        return []
    language: Language = params.locale  # words and numbers
    cohorts = panel.unit_cohorts
    boundaries = report_boundaries(params, cohorts.index)
    if boundaries is None:
        return []
    treated = cohorts.index[cohorts.notna().to_numpy()]
    level = _level_words(boundaries, language)
    labels = _labels(boundaries, language, selected=text("map_treated", language),
                     others=text("map_untreated", language),
                     highlight=text("map_treated", language))
    fig = map_territories(treated, boundaries, title=_capitalised(level), language=language,
                          labels={k: v for k, v in labels.items() if k != "highlight"})
    out: list[Block] = [Heading(text("maps", language)), _figure(fig, language),
                        Paragraph(text("map_treated_caption", language, level=level),
                                  "caption")]
    start = float(np.nanmin(cohorts.to_numpy(dtype=float))) if len(treated) else None
    times = panel.data[panel.time].to_numpy(dtype=float)
    if start is None or not (times < start).any():
        return out
    change = _change(panel, start)
    if change.notna().sum() == 0:
        return out
    first, last = int(np.nanmin(times)), int(np.nanmax(times))
    title = text("map_change_title", language, outcome=_capitalised(outcome_label), first=first,
                 before=int(start) - 1, start=int(start), last=last)
    fig = map_values(change, boundaries, title=title, language=language, highlight=treated,
                     labels=labels, n_classes=6)
    caption = text("map_change_caption", language, level=level)
    if fig.evalkit_map.classes is not None and fig.evalkit_map.classes.signed:
        caption += " " + text("map_signed_note", language)
    return out + [_figure(fig, language), Paragraph(caption, "caption")]

