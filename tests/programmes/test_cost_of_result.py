"""The cost of a result against hand computations and evalkit's own estimators.

With the amount spent S known, the cost set is the image of the effect's interval (in
the direction sought, g in [g_low, g_high]) by g -> S / (g E): [S / (E g_high),
S / (E g_low)] when the interval excludes zero (Fieller's set with no numerator variance;
see test_cost_fieller.py). Standard errors given as multiples of 1 / z, z = 1.959964
(R: qnorm(0.975)), make the effect's 95% interval round whatever the digits of z.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from evalkit import Classical, callaway_santanna, did_2x2
from evalkit.errors import InputError
from evalkit.programmes import COST_KINDS, CostOfResult, CostReading, cost_of_result
from evalkit.results import SingleEffectResult

Z = stats.norm.ppf(0.975)
READING_KEYS = {"kind", "cost", "low", "high", "level", "effect", "effect_low", "effect_high",
                "effect_std_error", "spent", "exposure", "desired", "effect_unit",
                "exposure_unit"}
KIELMC_CONTROLS_FULL = ("age", "agesq", "intst", "land", "area", "rooms", "baths")


@pytest.fixture(scope="module")
def kielmc_full(kielmc_did):
    """Wooldridge Example 13.3, Table 13.2 column (3): y81*nearinc -14,177.93 (4,987.27),
    OLS with 11 coefficients on 321 sales, so Student t with 310 df."""
    from evalkit.datasets import load_kielmc

    return did_2x2(load_kielmc(), outcome="rprice", treated="nearinc", post="y81",
                   covariates=KIELMC_CONTROLS_FULL, inference=Classical())


# ------------------------------------------------------------------ from numbers
def test_poverty_rate_decrease_per_thousand_household_years():
    # Effect -2.5 points of poverty rate, std. error 0.5 / z: 95% interval [-3, -2].
    # 600,000 euros spent, exposure 100 (thousand-household-years):
    # cost = 600,000 / (2.5 x 100) = 2,400 euros per point avoided per 1,000 households
    # and year; interval [600,000 / (3 x 100), 600,000 / (2 x 100)] = [2,000, 3,000].
    r = cost_of_result(-2.5, 600_000.0, std_error=0.5 / Z, exposure=100.0,
                       effect_unit="point of poverty rate",
                       exposure_unit="1,000 household-years")
    assert r.kind == "finite"
    assert r.cost == pytest.approx(2_400.0, rel=1e-12)
    assert r.effect_interval == pytest.approx((-3.0, -2.0), rel=1e-12)
    assert (r.interval.low, r.interval.high) == pytest.approx((2_000.0, 3_000.0), rel=1e-12)
    assert r.interval.kind == "bounded" and r.reason == ""
    reading = r.reading()
    assert isinstance(reading, CostReading)
    assert set(reading.as_dict()) == READING_KEYS
    assert (reading.kind, reading.low, reading.high) == ("finite", r.interval.low,
                                                          r.interval.high)
    assert reading.cost == r.cost and reading.level == 0.95
    text = r.summary()
    assert "2,400.00 per point of poverty rate avoided per 1,000 household-years" in text
    assert "2,000.00 to 3,000.00" in text
    # what it means, and what it does not
    assert "every amount spent produced this effect and nothing else" in text
    assert "not the cost of one more euro" in text
    assert "says nothing of the programme's other effects" in text


def test_increase_sought():
    # 4 more graduates, std. error 1 / z: interval [3, 5]; 40,000 spent over 2 cohorts:
    # cost 40,000 / (4 x 2) = 5,000 per graduate gained per cohort, interval
    # [40,000 / (5 x 2), 40,000 / (3 x 2)] = [4,000, 6,666.67].
    r = cost_of_result(4.0, 40_000.0, std_error=1 / Z, exposure=2.0, desired="increase",
                       effect_unit="graduate", exposure_unit="cohort")
    assert r.kind == "finite" and r.cost == pytest.approx(5_000.0, rel=1e-12)
    assert (r.interval.low, r.interval.high) == pytest.approx((4_000.0, 40_000 / 6), rel=1e-12)
    assert "per graduate gained per cohort" in r.summary()


def test_student_t_and_level_for_numbers():
    # df = 20, level 0.9: c = t(0.95; 20) = 1.724718 (R: qt(0.95, 20)).
    c = stats.t.ppf(0.95, 20)
    assert c == pytest.approx(1.724718, abs=5e-7)
    r = cost_of_result(-2.0, 100.0, std_error=0.5 / c, df=20, level=0.9)
    # effect interval [-2.5, -1.5]: cost set [100 / 2.5, 100 / 1.5] = [40, 66.67]
    assert r.critical_value == c and r.df == 20.0 and r.level == 0.9
    assert (r.interval.low, r.interval.high) == pytest.approx((40.0, 100 / 1.5), rel=1e-12)


def test_uncertain_amount_spent():
    # S = 100 with std. error 10 / z, effect -2 with std. error 0.5 / z, E = 1:
    # a = 100, b = 2, c^2 v_aa = 100, c^2 v_bb = 0.25, independent:
    # A = 4 - 0.25 = 3.75, B = 200, C = 10,000 - 100 = 9,900, D = 40,000 - 37,125 = 2,875,
    # set [(200 - sqrt(2875)) / 3.75, (200 + sqrt(2875)) / 3.75] = [39.03, 67.63].
    r = cost_of_result(-2.0, 100.0, std_error=0.5 / Z, spent_std_error=10 / Z)
    assert r.cost == pytest.approx(50.0, rel=1e-12)
    assert r.interval.low == pytest.approx((200 - math.sqrt(2875)) / 3.75, rel=1e-12)
    assert r.interval.high == pytest.approx((200 + math.sqrt(2875)) / 3.75, rel=1e-12)
    assert "of the effect and of the amount spent" in r.summary()


def test_effect_interval_including_zero_gives_no_finite_cost():
    # Effect -0.5, std. error 1 / z: interval [-1.5, 0.5] holds zero. With S = 300 known,
    # the set is the image of g in [-0.5, 1.5]: (-inf, 300 / -0.5] U [300 / 1.5, +inf)
    # = (-inf, -600] U [200, +inf): at least 200 per unit if the effect is real.
    r = cost_of_result(-0.5, 300.0, std_error=1 / Z)
    assert r.kind == "unbounded" and math.isnan(r.cost)
    assert r.interval.kind == "exclusive"
    assert (r.interval.low, r.interval.high) == pytest.approx((-600.0, 200.0), rel=1e-12)
    reading = r.reading()
    assert reading.kind == "unbounded" and math.isnan(reading.cost)
    assert reading.low == pytest.approx(200.0, rel=1e-12) and reading.high == math.inf
    text = r.summary()
    assert "includes zero" in text and "no upper bound" in text
    assert "at least 200.00" in text
    assert "600.00" not in text  # the point cost 300 / 0.5 is never shown as a number
    assert r.tidy().loc[0, "high"] == math.inf


def test_whole_line_when_the_amount_is_uncertain_too():
    # S = 1 with c^2 v_aa = 4, g = 0.5 with c^2 v_bb = 1: A = 0.25 - 1 = -0.75,
    # B = 0.5, C = 1 - 4 = -3, D = 0.25 - 2.25 = -2 <= 0: every cost is compatible, so
    # there is no smallest positive cost either (low 0).
    r = cost_of_result(-0.5, 1.0, std_error=1 / Z, spent_std_error=2 / Z)
    assert r.interval.kind == "unbounded"
    reading = r.reading()
    assert (reading.kind, reading.low, reading.high) == ("unbounded", 0.0, math.inf)
    assert "at least" not in r.summary()


def test_wrong_direction():
    # A decrease is sought and the effect is +1 (interval [0.5, 1.5]): a harm, no cost.
    r = cost_of_result(1.0, 100.0, std_error=0.5 / Z)
    assert r.kind == "wrong_direction" and math.isnan(r.cost)
    assert "wrong way (an increase where a decrease is sought)" in r.reason
    reading = r.reading()
    assert math.isnan(reading.low) and math.isnan(reading.high) and math.isnan(reading.cost)
    # Fieller's set is still computed: the ratio 100 / (-1) lies in [-200, -66.67].
    assert (r.interval.low, r.interval.high) == pytest.approx((-200.0, -100 / 1.5), rel=1e-12)
    assert "Cost of a result: none given" in r.summary()
    up = cost_of_result(-1.0, 100.0, std_error=0.5 / Z, desired="increase")
    assert "(a decrease where an increase is sought)" in up.reason


def test_zero_effect():
    r = cost_of_result(0.0, 100.0, std_error=1.0)
    assert r.kind == "no_effect" and math.isnan(r.cost)
    assert r.reading().kind == "no_effect" and "exactly zero" in r.reason
    assert set(COST_KINDS) == {"finite", "unbounded", "wrong_direction", "no_effect"}


# ------------------------------------------------------------------ from evalkit results
def test_from_a_2x2_result_matches_its_interval_and_its_numbers(kielmc_full):
    # The effect's interval is the one the result prints; spent 1,000,000:
    # cost set [1e6 / |conf_low|, 1e6 / |conf_high|] (both negative, a decrease sought).
    row = kielmc_full.tidy(terms="effect").iloc[0]
    assert row["estimate"] == pytest.approx(-14177.93, abs=0.005)  # Wooldridge Table 13.2
    r = cost_of_result(kielmc_full, 1_000_000.0)
    assert r.kind == "finite"
    assert r.effect_interval == (row["conf_low"], row["conf_high"])
    assert r.df == 310.0 and r.critical_value == pytest.approx(stats.t.ppf(0.975, 310))
    assert r.interval.low == pytest.approx(1e6 / -row["conf_low"], rel=1e-12)
    assert r.interval.high == pytest.approx(1e6 / -row["conf_high"], rel=1e-12)
    assert r.cost == pytest.approx(1e6 / 14177.934181581506, rel=1e-9)
    assert r.source == kielmc_full.estimator
    from_numbers = cost_of_result(row["estimate"], 1_000_000.0, std_error=row["std_error"],
                                  df=310)
    assert (from_numbers.interval.low, from_numbers.interval.high) == pytest.approx(
        (r.interval.low, r.interval.high), rel=1e-12)
    assert from_numbers.cost == r.cost


def test_from_a_result_whose_interval_includes_zero(kielmc_did):
    # Table 13.2 column (1): -11,863.90 (7,456.65), t with 317 df: interval holds zero.
    row = kielmc_did.tidy(terms="effect").iloc[0]
    r = cost_of_result(kielmc_did, 1_000_000.0)
    assert r.kind == "unbounded" and r.df == 317.0
    assert r.reading().low == pytest.approx(1e6 / -row["conf_low"], rel=1e-12)
    assert f"{1e6 / 11863.90:,.2f}" not in r.summary()


def test_from_twfe_with_clustered_errors(mpdta_twfe):
    # Clustered by county: Student t with G - 1 = 499 df, as the result's own interval.
    low, high = mpdta_twfe.conf_int().loc[mpdta_twfe.effect_term]
    r = cost_of_result(mpdta_twfe, 50.0)
    assert r.df == 499.0 and r.effect_interval == (low, high)
    assert (r.interval.low, r.interval.high) == pytest.approx((50 / -low, 50 / -high),
                                                              rel=1e-12)
    assert cost_of_result(mpdta_twfe, 50.0, desired="increase").kind == "wrong_direction"


def test_from_a_callaway_santanna_aggregation_uses_the_normal(mpdta_panel):
    overall = callaway_santanna(mpdta_panel).overall()
    low, high = overall.conf_int().loc["ATT"]
    r = cost_of_result(overall, 50.0)
    assert r.df is None and r.critical_value == pytest.approx(Z, abs=1e-12)
    assert r.effect_interval == (low, high)
    same = cost_of_result(overall.estimate, 50.0, std_error=overall.std_error)
    assert (same.interval.low, same.interval.high) == pytest.approx(
        (r.interval.low, r.interval.high), rel=1e-12)


def test_level_of_a_result(kielmc_full):
    low, high = kielmc_full.conf_int(0.1).loc[kielmc_full.effect_term]
    r = cost_of_result(kielmc_full, 1_000_000.0, level=0.9)
    assert r.level == pytest.approx(0.9) and r.effect_interval == (low, high)
    assert r.interval.high == pytest.approx(1e6 / -high, rel=1e-12)


def test_result_never_mutated_and_cost_frozen(kielmc_full):
    before = kielmc_full.tidy()
    r = cost_of_result(kielmc_full, 1_000_000.0)
    pd.testing.assert_frame_equal(kielmc_full.tidy(), before)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.cost = 1.0  # type: ignore[misc]
    assert isinstance(r, CostOfResult)
    # numpy numbers give the same as Python ones
    a = cost_of_result(np.float64(-2.5), np.int64(600_000), std_error=np.float64(0.5))
    b = cost_of_result(-2.5, 600_000.0, std_error=0.5)
    assert (a.cost, a.interval.low, a.interval.high) == (b.cost, b.interval.low,
                                                         b.interval.high)


def test_tidy():
    t = cost_of_result(-2.5, 600_000.0, std_error=0.5 / Z, exposure=100.0).tidy()
    assert len(t) == 1
    assert list(t.columns[:7]) == ["kind", "cost", "low", "high", "interval_kind",
                                   "interval_low", "interval_high"]
    assert t.loc[0, "cost"] == pytest.approx(2_400.0) and t.loc[0, "source"] == "given"


# ------------------------------------------------------------------ other result types
@dataclasses.dataclass(frozen=True)
class _Result:
    """A hand-made single-effect result: the protocol's members, one interval row."""

    estimate: float
    std_error: float
    alpha: float | None
    lower: float
    upper: float
    provenance: object = None
    specification: object = None

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        return pd.DataFrame({"lower": [self.lower], "upper": [self.upper]},
                            index=pd.Index(["treated"], name="term"))

    def with_alpha(self, alpha: float) -> _Result:
        return self

    def summary(self) -> str:
        return ""

    def tidy(self) -> pd.DataFrame:
        return pd.DataFrame()

    def plot(self, **kwargs: object) -> None:
        return None

    def _repr_html_(self) -> str:
        return ""


def test_result_without_a_coefficient_table_uses_its_interval_half_width():
    # Estimate -2, std. error 0.5, interval [-2.8, -1.2] at alpha 0.1: c = 0.8 / 0.5 = 1.6.
    # Spent 840: cost 420, set [840 / 2.8, 840 / 1.2] = [300, 700].
    fake = _Result(-2.0, 0.5, 0.1, -2.8, -1.2)
    assert isinstance(fake, SingleEffectResult)
    r = cost_of_result(fake, 840.0)
    assert r.critical_value == pytest.approx(1.6) and r.level == pytest.approx(0.9)
    assert r.cost == pytest.approx(420.0)
    assert (r.interval.low, r.interval.high) == pytest.approx((300.0, 700.0), rel=1e-12)


def test_results_that_cannot_give_a_cost_interval(mpdta_panel):
    with pytest.raises(InputError, match=r"effect=<_Result>: its interval .* is not the "):
        cost_of_result(_Result(-2.0, 0.5, 0.05, -3.0, -1.5), 100.0)  # asymmetric
    with pytest.raises(InputError, match=r"effect=<_Result>: must have a standard error"):
        cost_of_result(_Result(-2.0, math.nan, None, math.nan, math.nan), 100.0)
    with pytest.raises(InputError, match=r"effect=<GroupTimeResult>: must have one headline "
                                         r"effect.*result.overall\(\)"):
        cost_of_result(callaway_santanna(mpdta_panel), 100.0)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(("args", "kwargs", "names"), [
    ((-2.0, -5.0), {"std_error": 1.0}, ["spent=-5.0"]),
    ((-2.0, 0), {"std_error": 1.0}, ["spent=0"]),
    ((-2.0, math.nan), {"std_error": 1.0}, ["spent=nan"]),
    ((-2.0, 100.0), {"std_error": 1.0, "exposure": 0.0}, ["exposure=0.0"]),
    ((-2.0, 100.0), {"std_error": 1.0, "exposure": -3}, ["exposure=-3"]),
    ((math.nan, 100.0), {"std_error": 1.0}, ["effect=nan"]),
    ((-2.0, 100.0), {}, ["std_error=None"]),
    ((-2.0, 100.0), {"std_error": 0.0}, ["std_error=0.0"]),
    ((-2.0, 100.0), {"std_error": math.inf}, ["std_error=inf"]),
    ((-2.0, 100.0), {"std_error": 1.0, "spent_std_error": -1.0}, ["spent_std_error=-1.0"]),
    ((-2.0, 100.0), {"std_error": 1.0, "desired": "down"}, ["desired='down'"]),
    ((-2.0, 100.0), {"std_error": 1.0, "level": 95}, ["level=95"]),
    ((-2.0, 100.0), {"std_error": 1.0, "df": -1}, ["df=-1"]),
    ((-2.0, 100.0), {"std_error": 1.0, "effect_unit": 3}, ["effect_unit=3"]),
    (("big", 100.0), {}, ["effect='big'"]),
    ((-2.0, -1.0), {"std_error": 1.0, "exposure": 0}, ["spent=-1.0", "exposure=0"]),
])
def test_bad_input_names_the_argument(args, kwargs, names):
    with pytest.raises(InputError) as caught:
        cost_of_result(*args, **kwargs)
    problems = caught.value.problems
    assert len(problems) == len(names)
    for name, problem in zip(names, problems, strict=True):
        assert problem.startswith(name)


def test_result_with_numbers_it_already_has(kielmc_full):
    with pytest.raises(InputError) as caught:
        cost_of_result(kielmc_full, 100.0, std_error=1.0, df=3)
    assert [p.split(":")[0] for p in caught.value.problems] == ["std_error=1.0", "df=3"]
