"""Alerts on a budget's execution, each rule triggered and not triggered by hand-built lines.

Scheme ``a`` repeats the profile of test_consumption_curve (projected rate 0.75 at the end
of June 2024). Scheme ``b`` pays more CP than it commits AE. One line has no commune.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit.errors import InputError
from evalkit.programmes import ALERTS, CreditLines, budget_alerts


def table() -> pd.DataFrame:
    rows = [  # month, scheme, commune, AE committed, CP allocated, CP paid
        ("2023-01", "a", "59350", 0, 120, 0),
        ("2023-03", "a", "59350", 120, 0, 30),
        ("2023-12", "a", "59350", 0, 0, 90),
        ("2024-01", "a", "59350", 240, 240, 0),
        ("2024-02", "a", "59350", 0, 0, 40),
        ("2024-05", "a", None, 0, 0, 20),
        ("2023-01", "b", "02691", 50, 100, 0),
        ("2023-03", "b", "02691", 0, 0, 50),
        ("2023-12", "b", "02691", 0, 0, 50),
        ("2024-01", "b", "02691", 10, 100, 0),
        ("2024-06", "b", "02691", 0, 0, 50),
    ]
    return pd.DataFrame(rows, columns=["month", "scheme", "commune", "ae_e", "cp_o", "cp_m"])


def lines(data: pd.DataFrame | None = None, **roles) -> CreditLines:
    declared = dict(month="month", scheme="scheme", territory="commune",
                    territory_family="commune", ae_committed="ae_e", cp_allocated="cp_o",
                    cp_paid="cp_m")
    declared.update(roles)
    return CreditLines(table() if data is None else data,
                       **{k: v for k, v in declared.items() if v is not None})


def test_each_rule_names_the_levels_and_lines():
    alerts = budget_alerts(lines(), year=2024, as_of_month=5, by="scheme",
                           under_consumption=0.9)
    t = alerts.table
    assert t["alert"].tolist() == list(ALERTS)
    assert t["level"].tolist() == ["scheme=b", "scheme=b", ""]
    assert t["where"].tolist() == [("b",), ("b",), ()]
    # b at May 2024: 0 paid; 2023 had paid 50 of its 100 by May (share 0.5): projected
    # 0 / 0.5 = 0, below 0.9; with one previous year its range is that single year: 0 to 0
    assert (t.iloc[0]["value"], t.iloc[0]["low"], t.iloc[0]["high"]) == (0.0, 0.0, 0.0)
    assert np.isnan(t.iloc[1]["low"]) and np.isnan(t.iloc[2]["high"])  # other rules: none
    # b up to May 2024: AE committed 50 + 10 = 60, CP paid 50 + 50 = 100: excess 40 on
    # rows 7 to 10 (row 11 is dated June)
    assert t.iloc[1]["value"] == 40.0 and t.iloc[1]["rows"] == (7, 8, 9, 10)
    assert t.iloc[2]["rows"] == (6,)
    assert "scheme=b: CP paid 100.00 above AE committed 60.00 by 40.00 (rows 7, 8, 9 and 10)" \
        in alerts.summary()


def test_under_consumption_threshold():
    # a at June 2024: projected 60 / 0.25 = 240 of 240 = 1.0; b: 2023 paid 50 of 100 by June
    # (share 0.5), 2024 50 -> 50 / 0.5 = 100 of 100 = 1.0
    quiet = budget_alerts(lines(), year=2024, as_of_month=6, by="scheme",
                          under_consumption=0.9)
    assert "projected_under_consumption" not in quiet.table["alert"].tolist()
    # at May 2024 b has paid 0 and 2023 had paid half by May (share 0.5): projected
    # 0 / 0.5 = 0 < 0.9 -> alert naming b and its lines of 2024 up to May (row 10)
    may = budget_alerts(lines(), year=2024, as_of_month=5, by="scheme", under_consumption=0.9)
    row = may.table[may.table["alert"] == "projected_under_consumption"].iloc[0]
    assert row["level"] == "scheme=b" and row["value"] == 0.0 and row["rows"] == (10,)
    assert row["threshold"] == 0.9
    # a at May: 60 / 0.25 = 240 -> 1.0, not flagged
    assert (may.table["level"] == "scheme=a").sum() == 0


def test_cp_paid_above_ae_committed_over_all_years_and_tolerance():
    # b: AE committed 50 + 10 = 60; CP paid 50 + 50 + 50 = 150: excess 90, rows 7 to 11
    alerts = budget_alerts(lines(), year=2024, as_of_month=6, by="scheme")
    row = alerts.table[alerts.table["alert"] == "cp_paid_above_ae_committed"].iloc[0]
    assert row["level"] == "scheme=b" and row["value"] == 90.0
    assert row["rows"] == (7, 8, 9, 10, 11)
    # a tolerance of 1.5 (150% of the 60 committed, i.e. 90) is not exceeded by 90
    tolerant = budget_alerts(lines(), year=2024, as_of_month=6, by="scheme",
                             cp_over_ae_tolerance=1.5)
    assert "cp_paid_above_ae_committed" not in tolerant.table["alert"].tolist()


def test_lines_without_territory():
    alerts = budget_alerts(lines(), year=2024, as_of_month=6)
    row = alerts.table[alerts.table["alert"] == "lines_without_territory"].iloc[0]
    assert row["rows"] == (6,) and row["lines"] == 1
    assert "1 lines without a territory in column 'commune' (row 6)" in alerts.summary()


def test_rules_that_cannot_be_checked_are_said():
    alerts = budget_alerts(lines(territory=None, territory_family=None, ae_committed=None),
                           year=2024, as_of_month=6)
    assert any(n.startswith("cp_paid_above_ae_committed") for n in alerts.not_checked)
    assert any(n.startswith("lines_without_territory") for n in alerts.not_checked)


def test_levels_without_previous_years_are_not_judged_but_listed():
    data = table()
    data.loc[len(data)] = ("2024-03", "c", "59350", 10, 10, 0)
    alerts = budget_alerts(lines(data), year=2024, as_of_month=6, by="scheme")
    assert "scheme=c" not in alerts.table["level"].tolist()
    assert any("1 levels without previous years" in n and "scheme=c" in n
               for n in alerts.not_checked)


def test_input_not_mutated_and_bad_thresholds():
    data = table()
    before = data.copy()
    budget_alerts(lines(data), year=2024, by="scheme")
    pd.testing.assert_frame_equal(data, before)
    with pytest.raises(InputError, match="under_consumption=-0.1"):
        budget_alerts(lines(), year=2024, under_consumption=-0.1)
