"""Mann-Kendall, Sen's slope and interrupted time series.

Reference values and their sources
----------------------------------
1. pyMannKendall's own test suite (Hussain & Mahmud 2019, JOSS 4(39), 1556;
   github.com/mmhs013/pyMannKendall, tests/test_pymannkendall.py), on the Bogra column
   of its "Monthly Rainfall.csv" (monthly rainfall, 1981-2010, 7 missing months),
   reproduced below as ``BOGRA``:
   original_test            s=-1959, var_s=4889800.333333333, z=-0.8854562842589916,
                            p=0.37591058740506833
   hamed_rao (all lags)     var_s=257403.38678462413, z=-3.859273515045842,
                            p=0.00011372459883540742 ("decreasing")
   hamed_rao (lag=3)        var_s=14226812.425138814, z=-0.5191093899188985,
                            p=0.603684460662274
   yue_wang (all lags)      var_s=550988.7079774942, z=-2.6377968071103193
   yue_wang (lag=1)         var_s=10377301.691383107, z=-0.6078136738097195
   The Yue & Wang values differ from ours in the 5th digit because pyMannKendall
   detrends the series by the observation number once missing months are dropped,
   whereas evalkit detrends by the actual time; on a complete series they agree
   exactly (item 2).
2. The Nile series (annual flow at Aswan, 1871-1970; Cobb 1978, shipped as
   ``statsmodels.datasets.nile``), values from pymannkendall 1.4.3:
   ``mk.original_test(y)``: s=-1387, var_s=112728.33333333333, z=-4.128066522844101,
   p=3.658262921657496e-05, slope=-2.6;
   ``mk.hamed_rao_modification_test(y)``: var_s=241565.3569166269,
   z=-2.8199791956451388; ``mk.yue_wang_modification_test(y)``:
   var_s=112149.66644163335, z=-4.138702764743744.
3. scipy: ``kendalltau`` (tau-b and its asymptotic p-value without continuity
   correction) and ``theilslopes`` (Sen's slope, its Gilbert interval and the
   intercept) must agree exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from evalkit.errors import InputError
from evalkit.indicators.trends import (
    ITSResult,
    MannKendallResult,
    default_hac_lags,
    interrupted_time_series,
    mann_kendall,
)

nan = np.nan
BOGRA = [  # pyMannKendall tests/data/Monthly Rainfall.csv, column "Bogra", 1981-01 .. 2010-12
    32, 20, 25, 189, 240, 193, 379, 278, 301, 0, 0, 82,
    0, 4, nan, nan, 121, 234, 360, 262, 120, 30, 11, 1,
    7, 3, 31, 31, 355, 102, 248, 274, 308, nan, 5, 26,
    11, 16, 6, 48, 388, 539, 431, 272, 404, 186, 0, 2,
    0, 4, 1, 54, 272, 459, 235, 164, 365, 135, 2, nan,
    nan, 4, 0, 128, 210, 163, 446, 225, 462, 467, 19, 13,
    0, 3, 17, 132, 178, 338, 525, 623, 145, 31, 19, 3,
    0, 29, 25, 87, 259, 756, 486, 180, 292, 43, 92, 1,
    0, 16, 2, 0, 130, 253, 594, 111, 273, 30, 0, 4,
    0, 27, 24, 41, 292, 378, 499, 265, 320, 227, 4, 0,
    4, 14, 8, 48, 416, 240, 404, 207, 733, 105, 0, 112,
    0, 14, 0, 30, 140, 202, 289, 159, 424, 106, 3, 0,
    65, 3, 14, 58, 268, 466, 432, 266, 240, 95, 1, 0,
    10, 26, 4, 114, 94, 289, 173, 208, 263, 156, 5, 0,
    16, 16, 14, 0, 111, 475, 534, 432, 471, 117, 70, 1,
    3, 28, 7, 401, 184, 283, 338, 171, 335, 176, 0, 0,
    10, 11, 9, 140, 102, 208, 298, 245, 220, 29, 2, 27,
    10, 13, 26, 84, 143, 367, 749, 563, 283, 353, 10, 0,
    0, 0, 0, 9, 246, 265, 343, 429, 168, 133, 17, 0,
    18, 35, 76, 158, 272, 250, 190, 289, 466, 84, 0, 0,
    0, 0, 0, 22, 217, 299, 185, 115, 344, 203, 8, nan,
    nan, 0, 5, 284, 123, 254, 476, 496, 326, 27, 20, 0,
    4, 53, 72, 113, 214, 364, 219, 220, 156, 264, 0, 13,
    0, 0, 45, 90, 137, 638, 529, 261, 206, 251, 0, 0,
    5, 9, 58, 72, 138, 130, 471, 328, 356, 523, 0, 1,
    0, 0, 12, 143, 193, 184, 192, 138, 174, 69, 1, 0,
    0, 18, 25, 28, 92, 732, 320, 256, 302, 131, 15, 0,
    27, 0, 22, 20, 213, 393, 474, 374, 109, 159, 0, 0,
    0, 3, 3, 49, 205, 128, 194, 570, 169, 89, 0, 0,
    0, 0, 0, 26, 185, 286, 92, 225, 244, 190, 3, 20,
]


@pytest.fixture(scope="module")
def nile() -> pd.Series:
    data = sm.datasets.nile.load_pandas().data
    return pd.Series(data["volume"].to_numpy(), index=data["year"].astype(int).to_numpy())


def test_original_test_matches_pymannkendall_suite():
    r = mann_kendall(BOGRA)
    assert r.n == 353 and r.s == -1959
    assert r.variance == pytest.approx(4889800.333333333, rel=1e-12)
    assert r.z == pytest.approx(-0.8854562842589916, rel=1e-12)
    assert r.p_value == pytest.approx(0.37591058740506833, rel=1e-10)
    assert r.trend == "no trend"


@pytest.mark.parametrize(("lags", "var_s", "z", "trend"), [
    (None, 257403.38678462413, -3.859273515045842, "decreasing"),
    (3, 14226812.425138814, -0.5191093899188985, "no trend"),
])
def test_hamed_rao_matches_pymannkendall_suite(lags, var_s, z, trend):
    r = mann_kendall(BOGRA, correction="hamed_rao", lags=lags)
    assert r.variance == pytest.approx(var_s, rel=1e-10)
    assert r.z == pytest.approx(z, rel=1e-10)
    assert r.trend == trend


@pytest.mark.parametrize(("lags", "var_s", "z"), [
    (None, 550988.7079774942, -2.6377968071103193),
    (1, 10377301.691383107, -0.6078136738097195),
])
def test_yue_wang_close_to_pymannkendall_suite_with_gaps(lags, var_s, z):
    r = mann_kendall(BOGRA, correction="yue_wang", lags=lags)
    assert r.variance == pytest.approx(var_s, rel=1e-4)  # detrending by time, see docstring
    assert r.z == pytest.approx(z, rel=1e-4)


@pytest.mark.parametrize(("correction", "var_s", "z"), [
    ("none", 112728.33333333333, -4.128066522844101),
    ("hamed_rao", 241565.3569166269, -2.8199791956451388),
    ("yue_wang", 112149.66644163335, -4.138702764743744),
])
def test_nile_matches_pymannkendall(nile, correction, var_s, z):
    r = mann_kendall(nile, correction=correction)
    assert r.s == -1387
    assert r.variance == pytest.approx(var_s, rel=1e-10)
    assert r.z == pytest.approx(z, rel=1e-10)
    assert r.slope == pytest.approx(-2.6)  # per year
    assert r.trend == "decreasing"


def test_agrees_with_scipy(nile):
    r = mann_kendall(nile)
    kt = stats.kendalltau(nile.index, nile.to_numpy())
    assert r.tau == pytest.approx(kt.statistic, rel=1e-12)
    # scipy's asymptotic p-value uses the same ties-corrected variance, without continuity
    assert 2 * stats.norm.sf(abs(r.s) / np.sqrt(r.variance)) == pytest.approx(kt.pvalue,
                                                                             rel=1e-8)
    ts = stats.theilslopes(nile.to_numpy(), nile.index.to_numpy())
    assert r.slope == ts.slope and r.intercept == pytest.approx(ts.intercept)
    assert (r.slope_low, r.slope_high) == (ts.low_slope, ts.high_slope)
    for alpha in (0.1, 0.01):
        r, ts = mann_kendall(nile, alpha=alpha), stats.theilslopes(
            nile.to_numpy(), nile.index.to_numpy(), alpha=1 - alpha)
        assert (r.slope_low, r.slope_high) == (ts.low_slope, ts.high_slope)


def test_result_renders_and_is_frozen(nile):
    r = mann_kendall(nile, correction="hamed_rao")
    assert isinstance(r, MannKendallResult)
    assert r.tidy().loc[0, "trend"] == "decreasing"
    assert "Hamed & Rao (1998)" in str(r) and "<table>" in r._repr_html_()
    with pytest.raises(AttributeError):
        r.slope = 0  # type: ignore[misc]


def test_mann_kendall_errors():
    with pytest.raises(InputError) as info:
        mann_kendall([1.0, 2.0], correction="pre_whitening", alpha=2)  # type: ignore[arg-type]
    assert "correction='pre_whitening'" in str(info.value) and "alpha=2" in str(info.value)


def _simulated(seed: int = 1) -> pd.Series:
    rng = np.random.default_rng(seed)
    n, start = 60, 30
    t = np.arange(n)
    e = np.zeros(n)
    shocks = rng.normal(0, 1.0, n)
    for i in range(n):
        e[i] = (0.4 * e[i - 1] if i else 0) + shocks[i]
    post = (t >= start).astype(float)
    y = 50 + 0.3 * t - 5 * post - 0.5 * (t - start) * post + e
    return pd.Series(y, index=2000 + t)


def test_its_recovers_a_simulated_break():
    # level -5 and slope -0.5 at 2030, AR(1) noise (rho 0.4), n = 60: over 200 simulated
    # series the estimates are unbiased and the break is always detected. Newey-West
    # intervals under-cover in short autocorrelated series: measured over 400 series,
    # 95% intervals cover the level change 78.5% and the slope change 81% of the time
    # (L = 3; more lags make it worse). The floor below records that known limitation.
    fits = [interrupted_time_series(_simulated(seed), 2030) for seed in range(200)]
    level = pd.DataFrame([f.level_change for f in fits])
    slope = pd.DataFrame([f.slope_change for f in fits])
    assert level["estimate"].mean() == pytest.approx(-5, abs=0.2)
    assert slope["estimate"].mean() == pytest.approx(-0.5, abs=0.02)
    for table, truth in ((level, -5), (slope, -0.5)):
        covered = ((table["conf_low"] < truth) & (truth < table["conf_high"])).mean()
        assert 0.72 <= covered <= 0.99
        assert (table["p_value"] < 0.05).mean() > 0.9  # the break is detected
    r = fits[0]
    assert r.hac_lags == default_hac_lags(60) == 3
    assert r.post_slope == pytest.approx(r.pre_slope["estimate"] + r.slope_change["estimate"])


def test_its_equals_hand_built_statsmodels_regression():
    y = _simulated(7)
    t = y.index.to_numpy(dtype=float)
    post = (t >= 2030).astype(float)
    X = np.column_stack([np.ones_like(t), t, post, (t - 2030) * post])
    fit = sm.OLS(y.to_numpy(), X).fit(cov_type="HAC", cov_kwds={"maxlags": 2})
    r = interrupted_time_series(y, 2030, hac_lags=2)
    table = r.tidy()
    np.testing.assert_allclose(table["estimate"], fit.params, rtol=1e-10)
    np.testing.assert_allclose(table["std_error"], fit.bse, rtol=1e-10)
    np.testing.assert_allclose(table["p_value"], fit.pvalues, rtol=1e-8)
    np.testing.assert_allclose(table[["conf_low", "conf_high"]], fit.conf_int(), rtol=1e-10)
    np.testing.assert_allclose(r.counterfactual, fit.params[0] + fit.params[1] * t)
    np.testing.assert_allclose(r.fitted, fit.fittedvalues)
    assert isinstance(r, ITSResult) and "Newey-West" in str(r)


def test_its_with_period_labels_and_errors():
    y = _simulated()
    labelled = pd.Series(y.to_numpy(), index=[f"T{i:02d}" for i in range(60)])
    r = interrupted_time_series(labelled, "T30")
    assert r.start_time == 30 and r.n_pre == 30
    with pytest.raises(InputError, match="at least 3 observations before"):
        interrupted_time_series(y, 2058)
    with pytest.raises(InputError, match="must be one of the series' periods"):
        interrupted_time_series(labelled, "T99")


# --------------------------------------------------------------------------- the contract
#: A series whose trend is significant at 10% but not at 5% (p = 0.0739).
BORDERLINE = pd.Series([-0.4, -1.1, 0.8, -0.9, 2.3, 1.3, 0.1, 1.1, 2.3, 3.6, -0.1, 1.9],
                       index=range(2010, 2022))


@pytest.mark.parametrize("correction, lags", [("none", None), ("hamed_rao", None),
                                              ("hamed_rao", 3), ("yue_wang", 1)])
def test_mann_kendall_with_alpha_is_a_fresh_computation(nile, correction, lags):
    r = mann_kendall(nile, correction=correction, lags=lags)
    fresh = mann_kendall(nile, correction=correction, lags=lags, alpha=0.1)
    moved = r.with_alpha(0.1)
    assert moved == fresh  # every number and verdict, exactly
    pd.testing.assert_frame_equal(moved.tidy(), fresh.tidy())
    pd.testing.assert_frame_equal(r.conf_int(alpha=0.1), fresh.conf_int())
    assert moved.provenance.specification == fresh.provenance.specification
    assert moved.provenance.data_fingerprint == r.provenance.data_fingerprint
    assert r.alpha == 0.05 and r == mann_kendall(nile, correction=correction, lags=lags)


def test_mann_kendall_with_alpha_moves_the_verdict():
    r = mann_kendall(BORDERLINE)
    assert 0.05 < r.p_value < 0.10 and r.trend == "no trend"
    assert r.with_alpha(0.10).trend == "increasing" == mann_kendall(BORDERLINE, alpha=0.1).trend
    assert r.trend == "no trend"  # the original is untouched


def test_mann_kendall_on_the_contract(nile):
    r = mann_kendall(nile)
    assert (r.estimate, r.slope) == (r.slope, -2.6) and np.isnan(r.std_error)
    row = r.tidy().iloc[0]
    assert row["term"] == "sen_slope" and row["statistic"] == r.z
    assert (row["conf_low"], row["conf_high"]) == (r.slope_low, r.slope_high)
    assert r.provenance.function == "evalkit.indicators.mann_kendall"
    assert r.provenance.n_obs == r.n == 100
    with pytest.raises(InputError, match=r"alpha=0: must be a number strictly between"):
        r.with_alpha(0)


def test_the_caller_series_is_never_mutated():
    series = pd.Series([3.0, np.nan, 1.0, 4.0, 1.5, 5.0, 9.0, 2.0, 6.0, 5.5],
                       index=[2009, 2001, 2003, 2002, 2004, 2005, 2006, 2007, 2008, 2000])
    before = series.copy()
    r = mann_kendall(series)
    r.with_alpha(0.1).conf_int(alpha=0.2)
    its = interrupted_time_series(series, 2005)
    its.with_alpha(0.1)
    pd.testing.assert_series_equal(series, before)
    series.iloc[0] = 100.0  # nor does a later change to it reach the results
    assert r.with_alpha(0.05) == r and r.series.loc[2009] == 3.0
    assert its.observed.loc[2009] == 3.0


def test_its_with_alpha_is_a_fresh_computation():
    y = _simulated(3)
    r = interrupted_time_series(y, 2030)
    fresh = interrupted_time_series(y, 2030, alpha=0.1)
    moved = r.with_alpha(0.1)
    pd.testing.assert_frame_equal(moved.tidy(), fresh.tidy())
    pd.testing.assert_frame_equal(moved.conf_int(), fresh.conf_int())
    pd.testing.assert_frame_equal(r.conf_int(alpha=0.1), fresh.conf_int())
    assert moved.level_change == fresh.level_change
    assert moved.alpha == 0.1 and r.alpha == 0.05
    assert dict(moved.provenance.specification) == dict(fresh.provenance.specification) == {
        "start": 2030, "hac_lags": None, "alpha": 0.1}
    assert "90%" in str(moved) and "95%" in str(r)


def test_its_on_the_contract():
    r = interrupted_time_series(_simulated(5), 2030)
    terms = ["intercept", "pre_slope", "level_change", "slope_change"]
    assert r.estimates.index.tolist() == r.std_errors.index.tolist() == terms
    assert r.estimates["level_change"] == r.level_change["estimate"]
    assert r.conf_int().loc["slope_change", "lower"] == r.slope_change["conf_low"]
    assert r.provenance.function == "evalkit.indicators.interrupted_time_series"
    assert r.provenance.n_obs == r.n == 60


def test_trend_plots_read_the_results():
    from matplotlib.figure import Figure

    labelled = pd.Series(_simulated().to_numpy(), index=[f"T{i:02d}" for i in range(60)])
    its = interrupted_time_series(labelled, "T30")
    figure = its.plot(title="Break", labels={"fitted": "Ajusté"})
    assert isinstance(figure, Figure)
    (ax,) = figure.axes
    assert ax.get_title() == "Break"
    assert ax.get_xticklabels()[0].get_text() == "T00"
    assert "Ajusté" in [t.get_text() for t in figure.legends[0].get_texts()]
    mk = mann_kendall(labelled)
    assert isinstance(mk.plot(band=False), Figure)
    lines = mk.lines()
    np.testing.assert_allclose(lines["sen"], mk.intercept + mk.slope * np.arange(60))
    with pytest.raises(InputError, match="keys must be among"):
        mk.plot(labels={"nonsense": "x"})
