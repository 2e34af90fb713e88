"""The target attainment table for readers: its columns and values in words, and as HTML.

:func:`evalkit.indicators.attainment_table` returns codes and numbers
(``realised_2023``, ``target_2024``, ``attainment="reached"`` ...). Here they become the
table of the French budget performance reports ("Réalisation 2023 | Cible 2024 |
Atteinte de la cible"), in English or French.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from evalkit.errors import InputError
from evalkit.formatting import Language, format_number, language_of
from evalkit.indicators.attainment import Attainment
from evalkit.indicators.status import ProgressStatus
from evalkit.plots.indicators import STATUS_COLOURS
from evalkit.reports.messages.catalogue import text
from evalkit.reports.render.blocks import Cell, Shaded, Table, render
from evalkit.reports.render.indicator_wording import check_language, unit_name

__all__ = ["worded_attainment_table", "attainment_html", "attainment_table_block"]

_REALISED = re.compile(r"realised_(-?\d+)")
_TARGET = re.compile(r"target_(-?\d+)")
_NEUTRAL = ("code", "label_fr", "label_en", "unit", "attainment", "next_target_period",
            "next_target_value")


def _periods(table: pd.DataFrame, pattern: re.Pattern[str]) -> list[tuple[str, int]]:
    return [(str(c), int(m.group(1))) for c in table.columns
            if (m := pattern.fullmatch(str(c))) is not None]


def _check_table(table: object) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise InputError(f"table: must be a DataFrame from attainment_table; got "
                         f"{type(table).__name__}")
    missing = [c for c in _NEUTRAL if c not in table.columns]
    if missing or not _periods(table, _TARGET):
        missing += [] if _periods(table, _TARGET) else ["target_<period>"]
        raise InputError(f"table: must be a DataFrame from attainment_table; missing the "
                         f"columns {', '.join(map(repr, missing))}")
    return table


def _labels(table: pd.DataFrame, language: str) -> pd.Series:
    """The labels in ``language`` (a language or a locale), else French, else English."""
    for column in (f"label_{language_of(language)}", "label_fr", "label_en"):
        if column in table.columns:
            return table[column]
    raise InputError("table: must be a DataFrame from attainment_table; it has no label column")


def worded_attainment_table(table: pd.DataFrame, language: Language = "fr") -> pd.DataFrame:
    """The attainment table with its columns and values in ``language``.

    Parameters
    ----------
    table
        The result of :func:`evalkit.indicators.attainment_table`.
    language
        A language with a message catalogue (``"fr"``, ``"en"``, ``"nl"``) or one of its
        locales (``"nl-BE"``).

    Returns
    -------
    pandas.DataFrame
        Columns: the code ("Code"), the label in ``language`` ("Indicateur"), the unit
        in words ("Unité": "%", "nombre" ...), one "Réalisation <p>" per period, "Cible
        <last>", the attainment ("Atteinte de la cible": "atteinte", "non atteinte",
        "sans cible" or "non renseignée"), the next target's period and value; English
        wording with ``language="en"``.
    """
    check_language(language)
    table = _check_table(table)

    def t(key: str, **values: object) -> str:
        return text(f"attainment_{key}", language, **values)

    worded = pd.DataFrame({
        t("code"): table["code"],
        t("label"): _labels(table, language),
        t("unit"): [unit_name(u, language) for u in table["unit"]],
    })
    for column, period in _periods(table, _REALISED):
        worded[t("realised", period=period)] = table[column]
    for column, period in _periods(table, _TARGET):
        worded[t("target", period=period)] = table[column]
    worded[t("column")] = [t(Attainment(a).value) for a in table["attainment"]]
    worded[t("next_period")] = table["next_target_period"].astype("Int64")
    worded[t("next_value")] = table["next_target_value"]
    return worded.reset_index(drop=True)


def attainment_html(table: pd.DataFrame, language: Language = "fr", *,
                    show_code: bool = False) -> str:
    """The attainment table as an HTML ``<table>``, every cell escaped (see
    :func:`attainment_table_block`)."""
    return render([attainment_table_block(table, language, show_code=show_code)])


def attainment_table_block(table: pd.DataFrame, language: Language = "fr", *,
                           show_code: bool = False) -> Table:
    """The attainment table as a report table.

    Reached targets are shown on green, missed ones on red (the colours of
    :data:`evalkit.plots.indicators.STATUS_COLOURS`); numbers use the language's
    decimal mark. The indicators' codes (identifiers in the data, not words for a
    reader) are left out unless ``show_code`` is true; the unit is written after the
    label ("Taux de pauvreté (%)") and the next target with its year ("17,0 (2027)"),
    so that the table fits a page.

    Parameters
    ----------
    table
        The result of :func:`evalkit.indicators.attainment_table`.
    language
        ``"fr"`` or ``"en"``.
    show_code
        Keep the column of the indicators' codes.
    """
    check_language(language)
    worded = worded_attainment_table(table, language)

    def t(key: str) -> str:
        return text(f"attainment_{key}", language)

    if not show_code:
        worded = worded.drop(columns=t("code"))
    worded[t("label")] = [f"{label} ({unit})" for label, unit
                          in zip(worded[t("label")], worded[t("unit")], strict=True)]
    worded = worded.drop(columns=t("unit"))
    years = worded.pop(t("next_period"))
    values = worded.pop(t("next_value"))
    worded[t("next_value")] = [
        None if pd.isna(year) else f"{format_number(float(value), language, 1)} ({int(year)})"
        for year, value in zip(years, values, strict=True)]
    colours = {t("reached"): STATUS_COLOURS[ProgressStatus.TARGET_ACHIEVED],
               t("not_reached"): STATUS_COLOURS[ProgressStatus.DETERIORATION]}

    def cell(value: object) -> str:
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            return "—"
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            return format_number(value, language, 0 if value.is_integer() and abs(value) >= 1000
                                 else 1)
        return str(value)

    rows = []
    for _, row in worded.iterrows():
        cells: list[Cell] = []
        for column, value in row.items():
            if column == t("column") and value in colours:
                cells.append(Shaded(cell(value), colours[value]))
            else:
                cells.append(cell(value))
        rows.append(cells)
    return Table.of([str(c) for c in worded.columns], rows, style="attainment")
