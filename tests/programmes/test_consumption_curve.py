"""The CP consumption curve and its year-end projection, against hand computations.

One BOP; CP allocated 120 in January of each previous year, 240 in January 2024.

=====  ===================================  ==================  ========================
year   CP paid                              P(6) / P(12)        P(6) / allocated
=====  ===================================  ==================  ========================
2021   30 in March, 90 in December          30 / 120 = 0.25     30 / 120 = 0.25
2022   60 in March, 60 in November          60 / 120 = 0.5      60 / 120 = 0.5
2023   20 in June, 60 in December           20 / 80 = 0.25      20 / 120 = 1/6
2024   40 in February, 20 in May (and 100   P(6) = 60
       in September, after the month
       followed)
=====  ===================================  ==================  ========================

At the end of June 2024: mean share 1/3, min 0.25, max 0.5, so projected = 60 / (1/3) = 180,
low = 60 / 0.5 = 120, high = 60 / 0.25 = 240; rates 180/240 = 0.75, 0.5, 1.0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit.errors import InputError
from evalkit.programmes import CreditLines, consumption_curve


def table() -> pd.DataFrame:
    rows = [("2021-01", 120, 0), ("2021-03", 0, 30), ("2021-12", 0, 90),
            ("2022-01", 120, 0), ("2022-03", 0, 60), ("2022-11", 0, 60),
            ("2023-01", 120, 0), ("2023-06", 0, 20), ("2023-12", 0, 60),
            ("2024-01", 240, 0), ("2024-02", 0, 40), ("2024-05", 0, 20), ("2024-09", 0, 100)]
    frame = pd.DataFrame(rows, columns=["month", "cp_ouverts", "cp_mandates"])
    frame["bop"] = "0147-HDF"
    return frame


def lines(data: pd.DataFrame | None = None) -> CreditLines:
    return CreditLines(table() if data is None else data, month="month", bop="bop",
                       cp_allocated="cp_ouverts", cp_paid="cp_mandates")


def test_projection_and_its_range():
    result = consumption_curve(lines(), year=2024, as_of_month=6)
    assert result.previous_years == (2021, 2022, 2023)
    (row,) = result.projection.to_dict("records")
    assert row["cp_allocated"] == 240.0 and row["cp_paid_to_date"] == 60.0
    assert row["years"] == 3
    assert row["share_mean"] == pytest.approx(1 / 3)  # (0.25 + 0.5 + 0.25) / 3
    assert (row["share_min"], row["share_max"]) == (0.25, 0.5)
    assert row["projected"] == pytest.approx(180.0)  # 60 / (1/3)
    assert row["low"] == pytest.approx(120.0)  # 60 / 0.5
    assert row["high"] == pytest.approx(240.0)  # 60 / 0.25
    assert [row["projected_rate"], row["low_rate"], row["high_rate"]] == pytest.approx(
        [0.75, 0.5, 1.0])


def test_curve_against_linear_and_previous_profiles():
    curve = consumption_curve(lines(), year=2024, as_of_month=6).curve.set_index("month")
    assert list(curve.index) == list(range(1, 13))
    # to date: February 40 / 240 = 1/6; May and June 60 / 240 = 0.25; after June: missing
    assert curve.loc[2, "rate"] == pytest.approx(1 / 6)
    assert curve.loc[6, "rate"] == pytest.approx(0.25)
    assert curve.loc[[7, 9, 12], "rate"].isna().all()  # the September line is not counted
    assert curve.loc[5, "cp_paid"] == 20.0
    assert curve.loc[6, "linear"] == 0.5  # 6 / 12
    # previous years' paid-to-allocated at June: (0.25 + 0.5 + 1/6) / 3 = 11/36
    assert curve.loc[6, "previous_rate"] == pytest.approx(11 / 36)
    # at December: (120/120 + 120/120 + 80/120) / 3 = 8/9
    assert curve.loc[12, "previous_rate"] == pytest.approx(8 / 9)
    # share of the year's payments made by March: (30/120 + 60/120 + 0/80) / 3 = 0.25
    assert curve.loc[3, "previous_share"] == pytest.approx(0.25)
    assert curve.loc[12, "previous_share"] == pytest.approx(1.0)


def test_previous_years_limits_the_profile_to_the_latest():
    row = consumption_curve(lines(), year=2024, as_of_month=6,
                            previous_years=2).projection.iloc[0]
    # 2022 and 2023: shares 0.5 and 0.25, mean 0.375: projected 60 / 0.375 = 160
    assert row["projected"] == pytest.approx(160.0)
    assert row["years"] == 2


def test_a_previous_year_that_paid_nothing_yet_makes_the_high_bound_infinite():
    row = consumption_curve(lines(), year=2024, as_of_month=2).projection.iloc[0]
    # by February the three previous years had paid 0: every share is 0, the projection of
    # 40 paid is unbounded
    assert row["share_max"] == 0.0
    assert np.isinf(row["projected"]) and np.isinf(row["high"])


def test_nothing_paid_when_previous_years_had_paid_nothing_either_is_not_judged():
    row = consumption_curve(lines(), year=2024, as_of_month=1).projection.iloc[0]
    # January: 0 paid in 2024 and shares of 0 in 2021-2023: 0 / 0, missing rather than 0
    assert row["cp_paid_to_date"] == 0.0 and row["share_max"] == 0.0
    assert np.isnan(row["projected"]) and np.isnan(row["low"]) and np.isnan(row["high"])


def test_without_previous_years_the_projection_is_missing():
    data = table()
    data = data[data["month"].str.startswith("2024")]
    row = consumption_curve(lines(data), year=2024, as_of_month=6).projection.iloc[0]
    assert row["years"] == 0 and np.isnan(row["projected"]) and np.isnan(row["high_rate"])


def test_default_month_is_the_latest_of_the_year():
    assert consumption_curve(lines(), year=2024).as_of_month == 9


def test_by_level_uses_each_levels_own_profile():
    other = table()
    other["bop"] = "0147-IDF"
    other["cp_mandates"] = other["cp_mandates"] / 2
    other["cp_ouverts"] = other["cp_ouverts"] / 2  # the same shares, half the amounts
    data = pd.concat([table(), other], ignore_index=True)
    projection = consumption_curve(lines(data), year=2024, as_of_month=6, by="bop").projection
    assert projection["bop"].tolist() == ["0147-HDF", "0147-IDF"]
    assert projection["projected"].tolist() == pytest.approx([180.0, 90.0])
    assert projection["projected_rate"].tolist() == pytest.approx([0.75, 0.75])


def test_row_order_does_not_matter_and_input_is_not_mutated():
    data = table()
    before = data.copy()
    a = consumption_curve(lines(data), year=2024, as_of_month=6)
    b = consumption_curve(lines(data.sample(frac=1.0, random_state=1)), year=2024, as_of_month=6)
    pd.testing.assert_frame_equal(a.curve, b.curve)
    pd.testing.assert_frame_equal(a.projection, b.projection)
    pd.testing.assert_frame_equal(data, before)


def test_tidy_and_summary():
    result = consumption_curve(lines(), year=2024, as_of_month=6)
    tidy = result.tidy()
    assert len(tidy) == 36  # 12 months x (rate, linear, previous_rate)
    assert set(tidy["series"]) == {"rate", "linear", "previous_rate"}
    assert "projected year end 75.0% (range 50.0% to 100.0% over 3 previous years)" in \
        result.summary()


def test_bad_arguments():
    with pytest.raises(InputError, match="year=2030: must be a year of the credit lines"):
        consumption_curve(lines(), year=2030)
    with pytest.raises(InputError, match="as_of_month=13"):
        consumption_curve(lines(), year=2024, as_of_month=13)
    with pytest.raises(InputError, match="previous_years=0"):
        consumption_curve(lines(), year=2024, previous_years=0)
    no_allocation = CreditLines(table(), month="month", cp_paid="cp_mandates")
    with pytest.raises(InputError, match="needs the amounts cp_allocated"):
        consumption_curve(no_allocation, year=2024)
