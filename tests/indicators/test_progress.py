"""Progress toward targets (Eurostat SDG method, Open SDG conventions).

Every expected value is worked out by hand from the formulas of the method,
written beside the test:

    CAGR_actual   = (x_t / x_t0) ** (1 / (t - t0)) - 1
    CAGR_required = (x_target / x_t0) ** (1 / (t_target - t0)) - 1
    ratio         = sign * direction * CAGR_actual / |CAGR_required|

with thresholds 0.95 / 0.60 / 0 on the ratio and 1.5% / 0.5% / 0 on the
direction-adjusted growth rate without a target.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from evalkit.errors import DataError, InputError
from evalkit.indicators.definitions import Baseline, Indicator, Target
from evalkit.indicators.progress import (
    ProgressThresholds,
    assess_all,
    assess_progress,
    bounded_coefficient,
)
from evalkit.indicators.status import ProgressStatus as S


def make(direction="higher_is_better", *, baseline=(2020, 100.0), targets=(), unit="index",
         bounded=None, label=None):
    return Indicator(
        code="x",
        label=label or {"fr": "l'indicateur", "en": "the indicator"},
        unit=unit,
        direction=direction,
        baseline=Baseline(*baseline) if baseline else None,
        targets=tuple(Target(*t) for t in targets),
        bounded=bounded,
    )


def series(**values):
    return pd.Series({int(k[1:]): v for k, v in values.items()})


# ------------------------------------------------------------------ with a target

# Higher is better: baseline 100 in 2020, target 121 in 2022.
# required = (121/100)**(1/2) - 1 = 1.1 - 1 = 0.10 a year.
# Latest value in 2021 (one year): actual = x_2021/100 - 1.
HIGHER = [
    # x_2021, actual, ratio = actual / 0.10, status
    (125.0, 0.25, None, S.TARGET_ACHIEVED),   # 125 >= 121: achieved before the deadline
    (110.0, 0.10, 1.00, S.ON_TRACK),          # 1.00 >= 0.95
    (107.0, 0.07, 0.70, S.ACCELERATION_NEEDED),  # 0.60 <= 0.70 < 0.95
    (103.0, 0.03, 0.30, S.LIMITED_PROGRESS),  # 0 <= 0.30 < 0.60
    (95.0, -0.05, -0.50, S.DETERIORATION),    # -0.50 < 0
]

# Lower is better: baseline 100 in 2020, target 81 in 2022.
# required = (81/100)**(1/2) - 1 = 0.9 - 1 = -0.10 a year;
# ratio = (+1 sign) * (-1 direction) * actual / |-0.10| = -actual / 0.10.
LOWER = [
    (80.0, -0.20, None, S.TARGET_ACHIEVED),   # 80 <= 81
    (90.0, -0.10, 1.00, S.ON_TRACK),
    (93.0, -0.07, 0.70, S.ACCELERATION_NEEDED),
    (97.0, -0.03, 0.30, S.LIMITED_PROGRESS),
    (105.0, 0.05, -0.50, S.DETERIORATION),
]


@pytest.mark.parametrize("latest, actual, ratio, status", HIGHER)
def test_target_categories_higher_is_better(latest, actual, ratio, status):
    ind = make(targets=[(2022, 121.0)])
    a = assess_progress(ind, series(y2020=100.0, y2021=latest))
    assert a.status is status
    assert a.actual_growth == pytest.approx(actual, abs=1e-12)
    assert a.required_growth == pytest.approx(0.10, abs=1e-12) or status is S.TARGET_ACHIEVED
    if ratio is not None:
        assert a.ratio == pytest.approx(ratio, abs=1e-9)


@pytest.mark.parametrize("latest, actual, ratio, status", LOWER)
def test_target_categories_lower_is_better(latest, actual, ratio, status):
    ind = make("lower_is_better", targets=[(2022, 81.0)])
    a = assess_progress(ind, series(y2020=100.0, y2021=latest))
    assert a.status is status
    assert a.actual_growth == pytest.approx(actual, abs=1e-12)
    if ratio is not None:
        assert a.required_growth == pytest.approx(-0.10, abs=1e-12)
        assert a.ratio == pytest.approx(ratio, abs=1e-9)


def test_fifteen_year_target_worked_example():
    # Lower is better, baseline 200 in 2015, target 100 in 2030, latest 180 in 2020.
    # required = 0.5**(1/15) - 1 = exp(ln 0.5 / 15) - 1 = exp(-0.0462098) - 1 = -0.0451583
    # actual   = 0.9**(1/5)  - 1 = exp(ln 0.9 / 5)  - 1 = exp(-0.0210721) - 1 = -0.0208516
    # ratio    = 0.0208516 / 0.0451583 = 0.461745 -> limited progress (0 <= r < 0.60)
    ind = make("lower_is_better", baseline=(2015, 200.0), targets=[(2030, 100.0)])
    a = assess_progress(ind, series(y2015=200.0, y2020=180.0))
    assert a.required_growth == pytest.approx(-0.0451583, abs=1e-7)
    assert a.actual_growth == pytest.approx(-0.0208516, abs=1e-7)
    assert a.ratio == pytest.approx(0.461745, abs=1e-6)
    assert a.status is S.LIMITED_PROGRESS


def test_next_target_is_the_one_after_the_latest_observation():
    # Targets 2021 (105) and 2024 (133.1). Latest 2022 = 110 > 105 but the 2021
    # milestone is past: the target used is 2024, required = 1.331**(1/4) - 1.
    ind = make(targets=[(2021, 105.0), (2024, 133.1)])
    a = assess_progress(ind, series(y2020=100.0, y2022=110.0))
    assert a.target == Target(2024, 133.1)
    assert a.required_growth == pytest.approx(1.331 ** 0.25 - 1, abs=1e-12)


# ------------------------------------------------------------------ without a target

# Baseline 100 in 2020, latest in 2022: actual = (x/100)**(1/2) - 1.
NO_TARGET = [
    # direction, x_2022, adjusted growth, status
    ("higher_is_better", 104.04, 0.02, S.SIGNIFICANT_PROGRESS),     # 1.02**2 = 1.0404; 2% >= 1.5%
    ("higher_is_better", 102.01, 0.01, S.MODERATE_PROGRESS),        # 1.01**2; 0.5% <= 1% < 1.5%
    ("higher_is_better", 100.4004, 0.002, S.INSUFFICIENT_PROGRESS),  # 1.002**2; 0 <= 0.2% < 0.5%
    ("higher_is_better", 98.01, -0.01, S.MOVING_AWAY),              # 0.99**2; -1% < 0
    ("lower_is_better", 96.04, 0.02, S.SIGNIFICANT_PROGRESS),       # 0.98**2; -(-2%) = 2%
    ("lower_is_better", 98.01, 0.01, S.MODERATE_PROGRESS),          # 0.99**2
    ("lower_is_better", 99.6004, 0.002, S.INSUFFICIENT_PROGRESS),   # 0.998**2
    ("lower_is_better", 102.01, -0.01, S.MOVING_AWAY),              # 1.01**2; -(+1%) = -1%
]


@pytest.mark.parametrize("direction, latest, adjusted, status", NO_TARGET)
def test_no_target_categories(direction, latest, adjusted, status):
    a = assess_progress(make(direction), series(y2020=100.0, y2022=latest))
    assert a.status is status
    assert a.progress_value == pytest.approx(adjusted, abs=1e-12)
    assert a.required_growth is None and a.ratio is None


def test_bounded_scaling_lowers_the_thresholds_near_100():
    # Percentage, higher is better, 90 in 2020 -> 90.9 in 2022:
    # actual = 1.01**(1/2) - 1 = 0.0049876 (below 0.5%: insufficient without scaling).
    # coefficient c = 1 - (90/100)**4.44 = 1 - exp(4.44 * ln 0.9) = 1 - exp(-0.4678006)
    #               = 1 - 0.6263784 = 0.3736216
    # scaled thresholds: 1.5% * c = 0.5604%, 0.5% * c = 0.1868% -> moderate progress.
    data = series(y2020=90.0, y2022=90.9)
    bounded = assess_progress(make(baseline=(2020, 90.0), unit="percentage"), data)
    assert bounded.scaling == pytest.approx(0.3736216, abs=1e-7)
    assert bounded.actual_growth == pytest.approx(0.0049876, abs=1e-7)
    assert bounded.status is S.MODERATE_PROGRESS
    plain = assess_progress(make(baseline=(2020, 90.0), unit="index"), data)
    assert plain.scaling == 1.0
    assert plain.status is S.INSUFFICIENT_PROGRESS


def test_bounded_coefficient_branches():
    # b <= L: 1 - (b/L)**a ; L < b < 2L: 1 - ((2L - b)/L)**a ; b >= 2L: 1 (Open SDG)
    assert bounded_coefficient(90, 100) == pytest.approx(1 - 0.9 ** 4.44)
    assert bounded_coefficient(150, 100) == pytest.approx(1 - 0.5 ** 4.44)  # 0.9539...
    assert bounded_coefficient(250, 100) == 1.0
    assert bounded_coefficient(100, 100) == 0.0
    assert bounded_coefficient(12, 0) == 1.0  # lower is better: bound 0, no scaling
    lower = assess_progress(make("lower_is_better", unit="percentage", baseline=(2020, 20.0)),
                            series(y2020=20.0, y2022=19.0))
    assert lower.scaling == 1.0


# ------------------------------------------------------------------ windows and data

def test_short_and_long_term_use_different_windows():
    # 2010: 100, 2015: 150, 2020: 135, no baseline.
    # long:  (135/100)**(1/10) - 1 = exp(0.3001046 / 10) - 1 = 0.0304653 -> significant progress
    # short: window [2015, 2020]: (135/150)**(1/5) - 1 = 0.9**0.2 - 1 = -0.0208516 -> moving away
    ind = make(baseline=None)
    data = series(y2010=100.0, y2015=150.0, y2020=135.0)
    long = assess_progress(ind, data, horizon="long")
    short = assess_progress(ind, data, horizon="short")
    assert (long.start_period, short.start_period) == (2010, 2015)
    assert long.actual_growth == pytest.approx(0.0304653, abs=1e-7)
    assert short.actual_growth == pytest.approx(-0.0208516, abs=1e-7)
    assert long.status is S.SIGNIFICANT_PROGRESS and short.status is S.MOVING_AWAY


def test_missing_years_use_the_actual_gap():
    # 2015: 100, (2016 missing), 2017: 105, (2018 missing), 2019: 121.550625 = 100 * 1.05**4
    # actual = 1.21550625**(1/4) - 1 = 0.05 over a 4-year gap.
    a = assess_progress(make(baseline=None), series(y2015=100.0, y2017=105.0, y2019=121.550625))
    assert a.actual_growth == pytest.approx(0.05, abs=1e-12)
    assert (a.start_period, a.end_period) == (2015, 2019)


def test_unobserved_baseline_uses_the_definition_value():
    # Baseline 100 in 2015 is not in the data; latest 2017 = 121: (1.21)**(1/2) - 1 = 0.10
    a = assess_progress(make(baseline=(2015, 100.0)), series(y2017=121.0))
    assert (a.start_period, a.start_value) == (2015, 100.0)
    assert a.actual_growth == pytest.approx(0.10, abs=1e-12)


def test_single_observation_is_insufficient_data():
    a = assess_progress(make(baseline=None), series(y2020=5.0))
    assert a.status is S.INSUFFICIENT_DATA
    assert "fewer than 2 observations" in a.reason


def test_short_window_with_one_observation_is_insufficient_data():
    a = assess_progress(make(baseline=None), series(y2000=5.0, y2020=6.0), horizon="short")
    assert a.status is S.INSUFFICIENT_DATA


def test_zero_start_value_is_insufficient_data_with_reason():
    a = assess_progress(make(baseline=None), series(y2020=0.0, y2022=3.0))
    assert a.status is S.INSUFFICIENT_DATA
    assert "undefined" in a.reason and "zero" in a.reason


def test_change_of_sign_is_insufficient_data():
    a = assess_progress(make(baseline=None), series(y2020=-10.0, y2022=5.0))
    assert a.status is S.INSUFFICIENT_DATA
    assert "change of sign" in a.reason


def test_negative_values_reverse_the_sign():
    # Higher is better, -100 (2020) -> -81 (2022): the value rises.
    # CAGR on the ratio: (0.81)**(1/2) - 1 = -0.10; sign = -1 (negative start)
    # adjusted = (-1) * (+1) * (-0.10) = +0.10 -> significant progress.
    a = assess_progress(make(baseline=None), series(y2020=-100.0, y2022=-81.0))
    assert a.actual_growth == pytest.approx(-0.10, abs=1e-12)
    assert a.progress_value == pytest.approx(0.10, abs=1e-12)
    assert a.status is S.SIGNIFICANT_PROGRESS


def test_latest_value_zero_is_defined():
    # Lower is better, 10 -> 0: CAGR = 0**(1/2) - 1 = -1, adjusted +1: significant progress.
    a = assess_progress(make("lower_is_better", baseline=None), series(y2020=10.0, y2022=0.0))
    assert a.actual_growth == -1.0
    assert a.status is S.SIGNIFICANT_PROGRESS


def test_as_of_ignores_later_observations():
    ind = make(baseline=None)
    a = assess_progress(ind, series(y2020=100.0, y2021=110.0, y2022=50.0), as_of=2021)
    assert a.end_period == 2021 and a.status is S.SIGNIFICANT_PROGRESS


def test_thresholds_are_parameters():
    # ratio 0.70 (see HIGHER) becomes on track with on_track=0.65
    ind = make(targets=[(2022, 121.0)])
    th = ProgressThresholds(on_track=0.65)
    a = assess_progress(ind, series(y2020=100.0, y2021=107.0), thresholds=th)
    assert a.status is S.ON_TRACK and a.thresholds is th
    with pytest.raises(InputError, match="on_track > acceleration"):
        ProgressThresholds(on_track=0.5)


def test_invalid_arguments_are_all_reported():
    with pytest.raises(InputError) as info:
        assess_progress(make(), series(y2020=1.0), horizon="medium", short_years=0)
    text = str(info.value)
    assert "horizon='medium'" in text and "short_years=0" in text


def test_duplicate_periods_are_a_data_error():
    data = pd.Series([1.0, 2.0], index=[2020, 2020])
    with pytest.raises(DataError, match="each period must appear once"):
        assess_progress(make(), data)


def test_input_series_is_not_mutated():
    data = series(y2021=110.0, y2020=100.0)
    before = data.copy()
    assess_progress(make(targets=[(2022, 121.0)]), data)
    pd.testing.assert_series_equal(data, before)


# ------------------------------------------------------------------ worked example, tables
# (the sentences the reports write from these numbers: tests/reports/test_indicator_wording.py)

POVERTY = Indicator(
    code="pauvrete",
    label={"fr": "le taux de pauvreté", "en": "the poverty rate"},
    unit="percentage",
    direction="lower_is_better",
    baseline=Baseline(2015, 16.25),
    targets=(Target(2030, 12.0),),
)


def test_poverty_worked_example():
    # required = (12/16.25)**(1/15) - 1 = exp(-0.3031863 / 15) - 1 = -0.0200095 -> "−2,0 %"
    # actual   = (14.7/16.25)**(1/8) - 1 = exp(-0.1002454 / 8) - 1 = -0.0124525 -> "1,2 %"
    # ratio    = 0.0124525 / 0.0200095 = 0.62233 -> progress, acceleration needed
    # needed from the latest value, what the sentence states:
    #   (12/14.7)**(1/7) - 1 = exp(-0.2029408 / 7) - 1 = -0.0285753 -> "−2,9 %"
    a = assess_progress(POVERTY, series(y2015=16.25, y2023=14.7))
    assert a.needed_growth == pytest.approx(-0.0285753, abs=1e-7)
    assert a.required_growth == pytest.approx(-0.0200095, abs=1e-7)
    assert a.actual_growth == pytest.approx(-0.0124525, abs=1e-7)
    assert a.ratio == pytest.approx(0.62233, abs=1e-5)
    assert a.status is S.ACCELERATION_NEEDED


def test_an_assessment_holds_no_wording():
    a = assess_progress(POVERTY, series(y2015=16.25, y2023=14.7))
    assert not hasattr(a, "sentence") and not hasattr(a, "label")
    record = a.record()
    assert record["status"] == "acceleration_needed"
    assert not any(isinstance(v, str) and " " in v
                   for k, v in record.items() if k != "reason")


def test_an_assessments_tidy_is_a_one_row_table_like_assess_alls():
    a = assess_progress(POVERTY, series(y2015=16.25, y2023=14.7))
    table = a.tidy()
    assert isinstance(table, pd.DataFrame) and len(table) == 1
    whole = assess_all([POVERTY], pd.DataFrame({"indicator": "pauvrete", "period": [2015, 2023],
                                                "value": [16.25, 14.7]}), horizons=("long",))
    pd.testing.assert_frame_equal(table, whole)
    assert table.iloc[0].to_dict() == a.record()


ASSESS_ALL_DATA = pd.DataFrame({
    "indicator": ["pauvrete", "pauvrete", "x", "x"],
    "period": [2015, 2023, 2020, 2022],
    "value": [16.25, 14.7, 100.0, 104.04],
})


def test_assess_all_one_row_per_indicator_and_horizon():
    other = make(baseline=None)
    data = ASSESS_ALL_DATA
    table = assess_all([POVERTY, other], data)
    assert list(table.columns) == ["code", "horizon", "status", "start_period", "start_value",
                                   "end_period", "end_value", "actual_growth",
                                   "required_growth", "needed_growth", "ratio",
                                   "target_period", "target_value", "reason"]
    assert list(table["code"]) == ["pauvrete", "pauvrete", "x", "x"]
    assert list(table["horizon"]) == ["long", "short", "long", "short"]
    assert list(table["status"]) == ["acceleration_needed", "insufficient_data",
                                     "significant_progress", "significant_progress"]
    assert math.isclose(table.loc[2, "actual_growth"], 0.02, abs_tol=1e-12)
    with pytest.raises(DataError, match="'value'"):
        assess_all([POVERTY], data.drop(columns="value"))
