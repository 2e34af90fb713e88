"""Target attainment table in the style of the French annual performance reports.

The table holds codes and numbers; its words and HTML, in French and English, are
tested in tests/reports/test_attainment_report.py.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from evalkit.errors import DataError
from evalkit.indicators.attainment import Attainment, attainment_table, interpolated_target
from evalkit.indicators.definitions import Baseline, Indicator, Target

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


def test_table_defaults_to_last_three_periods():
    table = attainment_table([DELAI, TAUX, SANS], DATA)
    assert list(table.columns) == [
        "code", "label_fr", "label_en", "label_nl", "unit", "direction", "baseline_period",
        "baseline_value", "realised_2021", "realised_2022", "realised_2023", "target_2023",
        "attainment", "next_target_period", "next_target_value",
    ]
    delai, taux, sans = (table.iloc[i] for i in range(3))
    # délai: 7.9 <= 8.0 in 2023 (lower is better) -> reached; next target 6.0 in 2027
    assert list(delai[["realised_2021", "realised_2022", "realised_2023"]]) == [9.5, 9.0, 7.9]
    assert delai["target_2023"] == 8.0
    assert delai["attainment"] == Attainment.REACHED == "reached"
    assert (delai["next_target_period"], delai["next_target_value"]) == (2027, 6.0)
    # taux: no target defined for 2023 and no interpolation -> no target
    assert math.isnan(taux["target_2023"])
    assert taux["attainment"] == "no_target"
    assert sans["attainment"] == "no_target"
    assert math.isnan(sans["realised_2021"])
    assert pd.isna(sans["next_target_period"])
    # the definitions' own codes and labels, in both languages
    assert (taux["unit"], sans["unit"]) == ("percentage", "count")
    assert delai["direction"] == "lower_is_better"
    assert (delai["label_fr"], delai["label_en"]) == ("Délai moyen de traitement",
                                                      "Average processing time")
    assert (delai["baseline_period"], delai["baseline_value"]) == (2020, 10.0)
    assert pd.isna(sans["baseline_period"]) and math.isnan(sans["baseline_value"])
    assert str(table["next_target_period"].dtype) == "Int64"


def test_interpolated_target():
    # taux: 64 in 2022, 74 in 2027: 2023 lies 1/5 of the way: 64 + (74 - 64) * 1/5 = 66.0
    assert interpolated_target(TAUX, 2023) == pytest.approx(66.0)
    # between the baseline (60 in 2020) and the first target (64 in 2022): 2021 -> 62.0
    assert interpolated_target(TAUX, 2021) == pytest.approx(62.0)
    assert interpolated_target(TAUX, 2022) == 64.0
    assert interpolated_target(TAUX, 2019) is None and interpolated_target(TAUX, 2028) is None
    table = attainment_table([TAUX], DATA, interpolate=True)
    row = table.iloc[0]
    # 65.0 realised in 2023 against 66.0 interpolated (higher is better) -> not reached
    assert row["target_2023"] == pytest.approx(66.0)
    assert row["attainment"] == "not_reached"


def test_explicit_periods_and_missing_value():
    table = attainment_table([DELAI], DATA, periods=[2022, 2024])
    row = table.iloc[0]
    assert math.isnan(row["realised_2024"])
    # no target defined for 2024; with interpolation 8 + (6 - 8) * 1/4 = 7.5, but no value
    table = attainment_table([DELAI], DATA, periods=[2022, 2024], interpolate=True)
    assert table.iloc[0]["target_2024"] == pytest.approx(7.5)
    assert table.iloc[0]["attainment"] == "no_data"


def test_missing_columns_are_reported():
    with pytest.raises(DataError, match="'period'"):
        attainment_table([DELAI], DATA.drop(columns="period"))


def test_presentation_left_the_library():
    import evalkit.indicators as ind
    import evalkit.indicators.attainment as module
    import evalkit.indicators.status as status
    import evalkit.plots.indicators as plots

    for old in (ind, status):
        with pytest.warns(FutureWarning, match=r"import it from evalkit\.plots\.indicators"):
            assert old.STATUS_COLOURS is plots.STATUS_COLOURS
    with pytest.warns(FutureWarning):
        assert status.NEUTRAL_COLOUR == plots.NEUTRAL_COLOUR == "#57606a"
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        status.nothing  # noqa: B018

    for name in ("attainment_html", "status_label"):
        with pytest.raises(AttributeError, match=r"was removed.*evalkit\.reports\.render"):
            getattr(ind, name)
    with pytest.raises(AttributeError, match=r"evalkit\.reports\.render\.attainment"):
        module.attainment_html  # noqa: B018
    with pytest.raises(TypeError, match="language"):
        attainment_table([DELAI], DATA, language="fr")  # type: ignore[call-arg]
