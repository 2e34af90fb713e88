"""Target attainment tables, in the style of the French budget performance reports.

The annual performance reports (projets et rapports annuels de performances) show,
for each indicator, the values realised in recent years, the target for the year
under review, and the later target: "Réalisation 2022 | Réalisation 2023 | Cible
2024 | Cible 2027". :func:`attainment_table` builds that table from indicator
definitions and a long data table; :func:`attainment_html` renders it.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Literal

import pandas as pd

from evalkit.errors import DataError, InputError
from evalkit.indicators.definitions import Indicator, _as_sequence
from evalkit.indicators.status import STATUS_COLOURS, ProgressStatus

__all__ = ["attainment_table", "attainment_html", "interpolated_target"]

Language = Literal["en", "fr"]

_WORDS = {
    "fr": {"code": "Code", "label": "Indicateur", "unit": "Unité", "realised": "Réalisation",
           "target": "Cible", "reached": "Atteinte de la cible",
           "next_period": "Année de la prochaine cible",
           "next_value": "Prochaine cible", "yes": "atteinte", "no": "non atteinte",
           "none": "sans cible", "no_data": "non renseignée"},
    "en": {"code": "Code", "label": "Indicator", "unit": "Unit", "realised": "Actual",
           "target": "Target", "reached": "Target reached", "next_period": "Next target year",
           "next_value": "Next target", "yes": "reached", "no": "not reached",
           "none": "no target", "no_data": "no data"},
}
_UNITS = {
    "fr": {"rate": "taux", "percentage": "%", "count": "nombre", "euros": "€",
           "per_1000": "‰", "index": "indice", "ratio": "ratio", "years": "années"},
    "en": {"rate": "rate", "percentage": "%", "count": "number", "euros": "euros",
           "per_1000": "per 1,000", "index": "index", "ratio": "ratio", "years": "years"},
}


def _check_language(language: object) -> None:
    if language not in ("en", "fr"):
        raise InputError(f"language={language!r}: must be one of 'en', 'fr'; got {language!r}")


def interpolated_target(indicator: Indicator, period: int) -> float | None:
    """The target for ``period``, interpolated linearly between defined points.

    The points are the baseline and the targets. A target defined for ``period``
    is returned as is; between two points the value lies on the straight line
    joining them; before the baseline (or the first target without a baseline)
    and after the last target there is none.
    """
    exact = indicator.target_for(period)
    if exact is not None:
        return exact.value
    points = [(t.period, t.value) for t in indicator.targets]
    if indicator.baseline is not None:
        points.insert(0, (indicator.baseline.period, indicator.baseline.value))
    for (p0, v0), (p1, v1) in zip(points, points[1:], strict=False):
        if p0 < period < p1:
            return v0 + (v1 - v0) * (period - p0) / (p1 - p0)
    return None


def attainment_table(
    indicators: Indicator | Sequence[Indicator],
    data: pd.DataFrame,
    *,
    periods: Sequence[int] | None = None,
    language: Language = "fr",
    interpolate: bool = False,
) -> pd.DataFrame:
    """One row per indicator: realised values, the target for the last period, and attainment.

    Parameters
    ----------
    indicators
        The definitions.
    data
        Long table with columns ``indicator`` (the code), ``period`` and ``value``.
    periods
        The periods whose realised values are shown; the last one is the period
        under review. Default: the last three periods observed in ``data``.
    language
        ``"fr"`` (column names "Réalisation 2023", "Cible 2024" ...) or ``"en"``.
    interpolate
        When no target is defined for the period under review, take the value on
        the straight line between the surrounding points (the baseline and the
        targets; see :func:`interpolated_target`) instead of leaving it empty.

    Returns
    -------
    pandas.DataFrame
        Columns: code, label, unit, one "Réalisation <p>" per period, "Cible
        <last>", the attainment ("atteinte", "non atteinte", "sans cible" or
        "non renseignée" when the value for the last period is missing; English
        wording with ``language="en"``), the next target's period and value (the
        first target after the last period). The attainment respects each
        indicator's direction.
    """
    _check_language(language)
    defs = _as_sequence(indicators)
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data: must be a pandas DataFrame; got {type(data).__name__}")
    missing = [c for c in ("indicator", "period", "value") if c not in data.columns]
    if missing:
        raise DataError(f"data: must have the columns 'indicator', 'period', 'value'; "
                        f"missing {', '.join(map(repr, missing))}")
    if periods is None:
        observed = sorted(pd.unique(data["period"].dropna()).tolist())
        if not observed:
            raise DataError("data: holds no period; give periods=[...] explicitly")
        periods = [int(p) for p in observed[-3:]]
    else:
        periods = list(periods)
        bad = [p for p in periods if isinstance(p, bool) or not isinstance(p, int)]
        if not periods or bad:
            raise InputError(f"periods={periods!r}: must be a non-empty list of integer periods; "
                             f"got {periods!r}")
        periods = sorted(periods)
    w = _WORDS[language]
    last = periods[-1]
    target_col = f"{w['target']} {last}"
    rows = []
    for ind in defs:
        subset = data[data["indicator"] == ind.code]
        observed = dict(zip(subset["period"].astype(int), subset["value"].astype(float),
                            strict=True))
        row: dict[str, object] = {w["code"]: ind.code, w["label"]: ind.label_in(language),
                                  w["unit"]: _UNITS[language][ind.unit]}
        for p in periods:
            value = observed.get(p, math.nan)
            row[f"{w['realised']} {p}"] = value
        exact = ind.target_for(last)
        target = exact.value if exact else (interpolated_target(ind, last) if interpolate
                                            else None)
        row[target_col] = math.nan if target is None else target
        realised = observed.get(last, math.nan)
        if target is None:
            row[w["reached"]] = w["none"]
        elif math.isnan(realised):
            row[w["reached"]] = w["no_data"]
        else:
            row[w["reached"]] = w["yes"] if ind.is_reached(realised, target) else w["no"]
        nxt = ind.next_target(last)
        row[w["next_period"]] = nxt.period if nxt else pd.NA
        row[w["next_value"]] = nxt.value if nxt else math.nan
        rows.append(row)
    columns = [w["code"], w["label"], w["unit"], *[f"{w['realised']} {p}" for p in periods],
               target_col, w["reached"], w["next_period"], w["next_value"]]
    table = pd.DataFrame(rows, columns=columns)
    table[w["next_period"]] = table[w["next_period"]].astype("Int64")
    return table


def attainment_html(table: pd.DataFrame, language: Language = "fr", *,
                    show_code: bool = False) -> str:
    """The attainment table as an HTML ``<table>``, every cell escaped.

    Reached targets are shown on green, missed ones on red (the colours of
    :data:`evalkit.indicators.status.STATUS_COLOURS`); numbers use the language's
    decimal mark. The indicators' codes (identifiers in the data, not words for a
    reader) are left out unless ``show_code`` is true; the unit is written after the
    label ("Taux de pauvreté (%)") and the next target with its year ("17,0 (2027)"),
    so that the table fits a page.
    """
    from evalkit.formatting import format_number

    _check_language(language)
    if not isinstance(table, pd.DataFrame):
        raise InputError(f"table: must be a DataFrame from attainment_table; got "
                         f"{type(table).__name__}")
    w = _WORDS[language]
    table = table.copy()
    if not show_code and w["code"] in table.columns:
        table = table.drop(columns=w["code"])
    if w["unit"] in table.columns and w["label"] in table.columns:
        table[w["label"]] = [f"{label} ({unit})" for label, unit
                             in zip(table[w["label"]], table[w["unit"]], strict=True)]
        table = table.drop(columns=w["unit"])
    if w["next_period"] in table.columns and w["next_value"] in table.columns:
        years = table.pop(w["next_period"])
        values = table.pop(w["next_value"])
        table[w["next_value"]] = [
            None if pd.isna(year) else
            f"{format_number(float(value), language, 1)} ({int(year)})"
            for year, value in zip(years, values, strict=True)]
    colours = {w["yes"]: STATUS_COLOURS[ProgressStatus.TARGET_ACHIEVED],
               w["no"]: STATUS_COLOURS[ProgressStatus.DETERIORATION]}

    def cell(value: object) -> str:
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            return "—"
        if isinstance(value, bool):
            return html.escape(str(value))
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            return format_number(value, language, 0 if value.is_integer() and abs(value) >= 1000
                                 else 1)
        return html.escape(str(value))

    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    body = []
    for _, row in table.iterrows():
        cells = []
        for column, value in row.items():
            style = ""
            if column == w["reached"] and value in colours:
                style = f' style="background:{colours[value]};color:#ffffff"'
            cells.append(f"<td{style}>{cell(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="evalkit-attainment">\n<thead><tr>{head}</tr></thead>\n<tbody>\n'
            + "\n".join(body) + "\n</tbody>\n</table>")
