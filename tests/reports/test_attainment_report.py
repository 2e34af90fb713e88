"""The target attainment table for readers: French and English words, and its HTML.

The definitions and data are those of tests/indicators/test_attainment.py, where the
neutral table (codes and numbers) is checked.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from evalkit.errors import InputError
from evalkit.indicators.attainment import attainment_table
from evalkit.indicators.status import ProgressStatus
from evalkit.plots.indicators import STATUS_COLOURS
from evalkit.reports.render.attainment import attainment_html, worded_attainment_table
from tests.indicators.test_attainment import DATA, DELAI, SANS, TAUX


def test_table_french_defaults_to_last_three_periods():
    table = worded_attainment_table(attainment_table([DELAI, TAUX, SANS], DATA))
    assert list(table.columns) == [
        "Code", "Indicateur", "Unité", "Réalisation 2021", "Réalisation 2022",
        "Réalisation 2023", "Cible 2023", "Atteinte de la cible",
        "Année de la prochaine cible", "Prochaine cible",
    ]
    delai, taux, sans = (table.iloc[i] for i in range(3))
    # délai: 7.9 <= 8.0 in 2023 (lower is better) -> reached; next target 6.0 in 2027
    assert list(delai[["Réalisation 2021", "Réalisation 2022", "Réalisation 2023"]]) == [
        9.5, 9.0, 7.9]
    assert delai["Cible 2023"] == 8.0
    assert delai["Atteinte de la cible"] == "atteinte"
    assert (delai["Année de la prochaine cible"], delai["Prochaine cible"]) == (2027, 6.0)
    # taux: no target defined for 2023 and no interpolation -> "sans cible"
    assert math.isnan(taux["Cible 2023"])
    assert taux["Atteinte de la cible"] == "sans cible"
    assert sans["Atteinte de la cible"] == "sans cible"
    assert math.isnan(sans["Réalisation 2021"])
    assert pd.isna(sans["Année de la prochaine cible"])
    assert taux["Unité"] == "%" and sans["Unité"] == "nombre"
    assert delai["Indicateur"] == "Délai moyen de traitement"


def test_english_words():
    table = worded_attainment_table(attainment_table([TAUX], DATA, interpolate=True), "en")
    row = table.iloc[0]
    # 65.0 realised in 2023 against 66.0 interpolated (higher is better) -> not reached
    assert row["Target 2023"] == pytest.approx(66.0)
    assert row["Target reached"] == "not reached"
    assert row["Indicator"] == "Placement rate" and row["Unit"] == "%"
    missing = worded_attainment_table(
        attainment_table([DELAI], DATA, periods=[2022, 2024], interpolate=True), "fr")
    assert missing.iloc[0]["Atteinte de la cible"] == "non renseignée"


def test_html_is_escaped_and_coloured():
    table = attainment_table([DELAI, TAUX], DATA, periods=[2022])
    page = attainment_html(table, "fr")
    assert "Taux d&#39;insertion &lt;à 6 mois&gt;" in page
    assert "<à 6 mois>" not in page
    reached = STATUS_COLOURS[ProgressStatus.TARGET_ACHIEVED]
    missed = STATUS_COLOURS[ProgressStatus.DETERIORATION]
    # 2022: délai 9.0 has no target for 2022 -> sans cible; taux 63 < 64 -> non atteinte
    assert f"style='background:{missed};color:#ffffff'>non atteinte" in page
    assert reached not in page
    assert "63,0" in page  # French decimal comma
    assert page.startswith("<table class='evalkit-attainment'>")
    # for a reader: no internal code, the unit with the label, the next target with its year
    assert ">taux<" not in page and "<th>Code</th>" not in page and "<th>Unité</th>" not in page
    assert "(%)</td>" in page and "<th>Année de la prochaine cible</th>" not in page
    assert "Code" in attainment_html(table, "fr", show_code=True)


def test_html_whole_row():
    page = attainment_html(attainment_table([DELAI], DATA), "en")
    assert ("<tr><td>Average processing time (years)</td><td>9.5</td><td>9.0</td><td>7.9</td>"
            "<td>8.0</td><td style='background:#1a7f37;color:#ffffff'>reached</td>"
            "<td>6.0 (2027)</td></tr>") in page


def test_a_table_that_is_not_an_attainment_table_is_refused():
    with pytest.raises(InputError, match="must be a DataFrame from attainment_table"):
        attainment_html("table", "fr")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="'attainment'"):
        attainment_html(attainment_table([DELAI], DATA).drop(columns="attainment"), "fr")
    with pytest.raises(InputError, match="language='de'"):
        attainment_html(attainment_table([DELAI], DATA), "de")  # type: ignore[arg-type]
