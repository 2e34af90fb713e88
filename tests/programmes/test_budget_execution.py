"""Execution rates and amounts remaining to be paid, against hand computations.

The table (budget year 2024):

====  ========  ======  ============  ============  ============  =======
row   month     scheme  ae_allocated  ae_committed  cp_allocated  cp_paid
====  ========  ======  ============  ============  ============  =======
1     2024-01   a       100                         80
2     2024-01   b       50                          50
3     2024-02   a                     40                          20
4     2024-04   a                     20                          30
5     2024-05   b                     50                          10
6     2024-05   a                                   20 (amending)
====  ========  ======  ============  ============  ============  =======
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit.errors import InputError
from evalkit.programmes import CreditLines, execution_rates, remaining_to_pay


def table() -> pd.DataFrame:
    return pd.DataFrame({
        "mois": ["2024-01", "2024-01", "2024-02", "2024-04", "2024-05", "2024-05"],
        "programme": ["147"] * 6,
        "dispositif": ["a", "b", "a", "a", "b", "a"],
        "ae_o": [100, 50, None, None, None, None],
        "ae_e": [None, None, 40, 20, 50, None],
        "cp_o": [80, 50, None, None, None, 20],
        "cp_m": [None, None, 20, 30, 10, None],
    })


def lines(data: pd.DataFrame | None = None) -> CreditLines:
    return CreditLines(table() if data is None else data, month="mois", programme="programme",
                       scheme="dispositif", ae_allocated="ae_o", ae_committed="ae_e",
                       cp_allocated="cp_o", cp_paid="cp_m", budget_year=2024)


def test_yearly_rates_by_scheme():
    result = execution_rates(lines(), by="scheme")
    t = result.table.set_index("dispositif")
    assert result.by == ("dispositif",)
    # a: AE 60 committed (40 + 20) / 100 allocated = 0.6; CP 50 paid (20 + 30) /
    #    100 allocated (80 + 20 amending) = 0.5
    assert t.loc["a", "ae_commitment_rate"] == pytest.approx(0.6)
    assert t.loc["a", "cp_consumption_rate"] == pytest.approx(0.5)
    # b: AE 50 / 50 = 1.0; CP 10 / 50 = 0.2
    assert t.loc["b", "ae_commitment_rate"] == pytest.approx(1.0)
    assert t.loc["b", "cp_consumption_rate"] == pytest.approx(0.2)
    assert t["year"].tolist() == [2024, 2024]
    # only the rates whose two amounts are declared
    assert [r[0] for r in result.rates] == ["ae_commitment_rate", "cp_consumption_rate"]


def test_whole_budget_rate_is_a_ratio_of_sums():
    t = execution_rates(lines()).table
    # AE 110 / 150 = 0.7333...; CP 60 / 150 = 0.4 (not the mean of the schemes' 0.5 and 0.2)
    assert t["ae_commitment_rate"].tolist() == pytest.approx([110 / 150])
    assert t["cp_consumption_rate"].tolist() == pytest.approx([0.4])


def test_quarterly_rates_are_year_to_date():
    t = execution_rates(lines(), by="scheme", period="quarter").table
    # the last month found is May, so quarters 1 and 2 for each scheme: 4 rows
    assert list(zip(t["dispositif"], t["quarter"], strict=True)) == [
        ("a", 1), ("a", 2), ("b", 1), ("b", 2)]
    # a Q1: AE 40 / 100 = 0.4, CP 20 / 80 = 0.25; a Q2 (to date): AE 60 / 100, CP 50 / 100
    # b Q1: AE 0 / 50 = 0, CP 0 / 50 = 0; b Q2: AE 50 / 50, CP 10 / 50
    assert t["ae_commitment_rate"].tolist() == pytest.approx([0.4, 0.6, 0.0, 1.0])
    assert t["cp_consumption_rate"].tolist() == pytest.approx([0.25, 0.5, 0.0, 0.2])
    # flows of the quarter: a's CP paid 20 in Q1, 30 in Q2
    assert t["cp_paid"].tolist() == [20.0, 30.0, 0.0, 10.0]
    assert t["cp_paid_to_date"].tolist() == [20.0, 50.0, 0.0, 10.0]


def test_monthly_rates_fill_the_months_without_movement():
    t = execution_rates(lines(), by="dispositif", period="month").table
    # months 1 to 5 for each scheme: 10 rows
    assert len(t) == 10
    a3 = t[(t["dispositif"] == "a") & (t["month"] == 3)].iloc[0]
    # March for a: nothing moves; to date CP 20 paid / 80 allocated = 0.25
    assert a3["cp_paid"] == 0.0 and a3["cp_paid_to_date"] == 20.0
    assert a3["cp_consumption_rate"] == pytest.approx(0.25)


def test_rates_do_not_depend_on_row_order_and_input_is_not_mutated():
    data = table()
    before = data.copy()
    shuffled = data.sample(frac=1.0, random_state=3)
    for period in ("year", "quarter", "month"):
        pd.testing.assert_frame_equal(
            execution_rates(lines(data), by=["scheme"], period=period).table,
            execution_rates(lines(shuffled), by=["scheme"], period=period).table)
    pd.testing.assert_frame_equal(data, before)


def test_zero_allocation_gives_a_missing_rate():
    data = table()
    data["ae_o"] = [100, 0, None, None, None, None]
    t = execution_rates(lines(data), by="scheme").table.set_index("dispositif")
    assert np.isnan(t.loc["b", "ae_commitment_rate"])


def test_tidy_and_summary():
    result = execution_rates(lines(), by="scheme")
    tidy = result.tidy()
    assert len(tidy) == 4  # 2 schemes x 2 rates
    row = tidy[(tidy["dispositif"] == "a") & (tidy["rate"] == "cp_consumption_rate")].iloc[0]
    assert (row["numerator"], row["denominator"], row["value"]) == (50.0, 100.0, 0.5)
    assert "cp_consumption_rate (cp_paid / cp_allocated, year to date): from 20.0% to 50.0%" \
        in result.summary()


def test_unknown_period_and_level():
    with pytest.raises(InputError, match="period='week': must be one of"):
        execution_rates(lines(), period="week")
    with pytest.raises(InputError, match="by='bop'"):
        execution_rates(lines(), by="bop")


def test_remaining_to_pay_by_scheme_and_as_of():
    t = remaining_to_pay(lines(), by="scheme").table.set_index("dispositif")
    # a: AE committed 60 - CP paid 50 = 10; b: 50 - 10 = 40
    assert t["remaining"].to_dict() == {"a": 10.0, "b": 40.0}
    early = remaining_to_pay(lines(), by="scheme", as_of=(2024, 2))
    # up to February: a 40 - 20 = 20; b 0 - 0 = 0
    assert early.table.set_index("dispositif")["remaining"].to_dict() == {"a": 20.0, "b": 0.0}
    whole = remaining_to_pay(lines())
    assert whole.table["remaining"].tolist() == [50.0]  # 110 - 60
    assert whole.as_of == (2024, 5)
    assert "50.00 in all" in whole.summary()


def test_remaining_to_pay_counts_previous_years():
    data = pd.concat([table(), pd.DataFrame({"mois": ["2023-11"], "programme": ["147"],
                                             "dispositif": ["a"], "ae_e": [15.0]})],
                     ignore_index=True)
    result = remaining_to_pay(CreditLines(data, month="mois", scheme="dispositif",
                                          ae_allocated="ae_o", ae_committed="ae_e",
                                          cp_allocated="cp_o", cp_paid="cp_m"), by="scheme")
    # a: 15 committed in 2023 + 60 in 2024 - 50 paid = 25
    assert result.table.set_index("dispositif").loc["a", "remaining"] == 25.0


def test_remaining_to_pay_needs_its_amounts_and_a_valid_date():
    only_cp = CreditLines(table(), month="mois", cp_paid="cp_m", cp_allocated="cp_o")
    with pytest.raises(InputError, match="needs the amounts ae_committed"):
        remaining_to_pay(only_cp)
    with pytest.raises(InputError, match="as_of=\\(2024, 13\\)"):
        remaining_to_pay(lines(), as_of=(2024, 13))
