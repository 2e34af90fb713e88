"""Target attainment table in the style of the French annual performance reports."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from evalkit.errors import DataError
from evalkit.indicators.attainment import attainment_html, attainment_table, interpolated_target
from evalkit.indicators.definitions import Baseline, Indicator, Target
from evalkit.indicators.status import STATUS_COLOURS, ProgressStatus

DELAI = Indicator(  # lower is better: a duration
    code="delai", label={"fr": "Délai moyen de traitement", "en": "Average processing time"},
    unit="years", direction="lower_is_better", baseline=Baseline(2020, 10.0),
    targets=(Target(2023, 8.0), Target(2027, 6.0)),
)
TAUX = Indicator(  # higher is better, targets for 2022 and 2027 only
    code="taux", label={"fr": "Taux d'insertion <à 6 mois>", "en": "Placement rate"},
    unit="percentage", direction="higher_is_better", baseline=Baseline(2020, 60.0),
    targets=(Target(2022, 64.0), Target(2027, 74.0)),
)
SANS = Indicator(
    code="sans", label={"fr": "Sans cible", "en": "No target"}, unit="count",
    direction="higher_is_better",
)
DATA = pd.DataFrame({
    "indicator": ["delai"] * 4 + ["taux"] * 4 + ["sans"] * 2,
    "period": [2020, 2021, 2022, 2023] * 2 + [2022, 2023],
    "value": [10.0, 9.5, 9.0, 7.9, 60.0, 61.0, 63.0, 65.0, 120.0, 130.0],
})


def test_table_french_defaults_to_last_three_periods():
    table = attainment_table([DELAI, TAUX, SANS], DATA)
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


def test_interpolated_target():
    # taux: 64 in 2022, 74 in 2027: 2023 lies 1/5 of the way: 64 + (74 - 64) * 1/5 = 66.0
    assert interpolated_target(TAUX, 2023) == pytest.approx(66.0)
    # between the baseline (60 in 2020) and the first target (64 in 2022): 2021 -> 62.0
    assert interpolated_target(TAUX, 2021) == pytest.approx(62.0)
    assert interpolated_target(TAUX, 2022) == 64.0
    assert interpolated_target(TAUX, 2019) is None and interpolated_target(TAUX, 2028) is None
    table = attainment_table([TAUX], DATA, interpolate=True, language="en")
    row = table.iloc[0]
    # 65.0 realised in 2023 against 66.0 interpolated (higher is better) -> not reached
    assert row["Target 2023"] == pytest.approx(66.0)
    assert row["Target reached"] == "not reached"


def test_explicit_periods_and_missing_value():
    table = attainment_table([DELAI], DATA, periods=[2022, 2024])
    row = table.iloc[0]
    assert math.isnan(row["Réalisation 2024"])
    # no target defined for 2024; with interpolation 8 + (6 - 8) * 1/4 = 7.5, but no value
    table = attainment_table([DELAI], DATA, periods=[2022, 2024], interpolate=True)
    assert table.iloc[0]["Cible 2024"] == pytest.approx(7.5)
    assert table.iloc[0]["Atteinte de la cible"] == "non renseignée"


def test_missing_columns_are_reported():
    with pytest.raises(DataError, match="'period'"):
        attainment_table([DELAI], DATA.drop(columns="period"))


def test_html_is_escaped_and_coloured():
    table = attainment_table([DELAI, TAUX], DATA, periods=[2022])
    page = attainment_html(table, "fr")
    assert "Taux d&#x27;insertion &lt;à 6 mois&gt;" in page
    assert "<à 6 mois>" not in page
    reached = STATUS_COLOURS[ProgressStatus.TARGET_ACHIEVED]
    missed = STATUS_COLOURS[ProgressStatus.DETERIORATION]
    # 2022: délai 9.0 has no target for 2022 -> sans cible; taux 63 < 64 -> non atteinte
    assert f'style="background:{missed};color:#ffffff">non atteinte' in page
    assert reached not in page
    assert "63,0" in page  # French decimal comma
    assert page.startswith('<table class="evalkit-attainment">')
    # for a reader: no internal code, the unit with the label, the next target with its year
    assert ">taux<" not in page and "<th>Code</th>" not in page and "<th>Unité</th>" not in page
    assert "(%)</td>" in page and "<th>Année de la prochaine cible</th>" not in page
    assert "Code" in attainment_html(table, "fr", show_code=True)
