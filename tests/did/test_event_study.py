"""event_study: checked against independent least-squares-dummy-variable fits, and bad input.

There is no published reference for the TWFE event study on mpdta that prints these
coefficients, so the reference is an independent computation: a statsmodels OLS of
``lemp`` on the event-time dummies plus county and year dummies, with statsmodels'
cluster-robust covariance by county taken *without* its small-sample correction
(``use_correction=False``) and rescaled by G/(G-1) (N-1)/(N-K), where K counts the
event-time dummies and the 5 year levels (county effects, nested in the clusters, are
not counted: the fixest / reghdfe convention). Agreement is required to 1e-8. The other
designs (binned, windowed, another reference, classical errors) are checked against the
same dummy-variable regression solved by hand through the normal equations, which the
first test shows to agree with statsmodels.

For orientation, that computation gives (estimate, std. error):
e-4 0.0035493 (0.0228286), e-3 0.0246235 (0.0176794), e-2 0.0233548 (0.0134367),
e0 -0.0181439 (0.0109822), e+1 -0.0434724 (0.0175769), e+2 -0.1317949 (0.0288374),
e+3 -0.0922468 (0.0323362).
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from evalkit import DataError, EstimationError, InputError, Panel, event_study
from evalkit.inference import Classical, Robust
from evalkit.results import event_term

MPDTA = {"unit": "countyreal", "time": "year", "outcome": "lemp", "first_treated": "first.treat"}

ORIENTATION = {  # the independent computation above, 7 decimals
    -4: (0.0035493, 0.0228286), -3: (0.0246235, 0.0176794), -2: (0.0233548, 0.0134367),
    0: (-0.0181439, 0.0109822), 1: (-0.0434724, 0.0175769), 2: (-0.1317949, 0.0288374),
    3: (-0.0922468, 0.0323362),
}


def _event_times(frame: pd.DataFrame) -> np.ndarray:
    g = frame["first.treat"].to_numpy(float)
    return np.where(g > 0, frame["year"].to_numpy(float) - g, np.nan)


def _dummy_design(frame: pd.DataFrame, rel: np.ndarray, event_times: list[int]) -> np.ndarray:
    """Event-time dummies, then one dummy per county, then year dummies (first year dropped)."""
    dummies = np.column_stack([(rel == k).astype(float) for k in event_times])
    units = pd.get_dummies(frame["countyreal"], dtype=float).to_numpy()
    years = pd.get_dummies(frame["year"], drop_first=True, dtype=float).to_numpy()
    return np.column_stack([dummies, units, years])


def _fixest_factor(n: int, g: int, m: int) -> float:
    """G/(G-1) (N-1)/(N-K) with K = m event-time dummies + the 5 year levels."""
    return g / (g - 1) * (n - 1) / (n - (m + 5))


def _statsmodels_event_study(frame: pd.DataFrame, rel: np.ndarray, event_times: list[int]):
    """statsmodels OLS on the dummy design; its cluster covariance without correction, rescaled."""
    x = _dummy_design(frame, rel, event_times)
    groups = pd.factorize(frame["countyreal"])[0]
    fit = sm.OLS(frame["lemp"].to_numpy(float), x).fit(
        cov_type="cluster", cov_kwds={"groups": groups, "use_correction": False})
    m = len(event_times)
    factor = _fixest_factor(len(frame), np.unique(groups).size, m)
    return fit.params[:m], fit.cov_params()[:m, :m] * factor


def _normal_equations_event_study(frame: pd.DataFrame, rel: np.ndarray, event_times: list[int]):
    """The same regression solved by hand: (X'X)^-1 X'y and the clustered sandwich."""
    x = _dummy_design(frame, rel, event_times)
    y = frame["lemp"].to_numpy(float)
    bread = np.linalg.inv(x.T @ x)
    beta = bread @ (x.T @ y)
    e = y - x @ beta
    groups = pd.factorize(frame["countyreal"])[0]
    scores = np.zeros((np.unique(groups).size, x.shape[1]))
    np.add.at(scores, groups, x * e[:, None])
    m = len(event_times)
    cov = bread @ scores.T @ scores @ bread * _fixest_factor(len(y), scores.shape[0], m)
    return beta[:m], cov[:m, :m]


def test_event_times_and_terms(mpdta_event_study):
    assert mpdta_event_study.event_time == (-4, -3, -2, 0, 1, 2, 3)
    assert mpdta_event_study.coefficients.terms == ("e-4", "e-3", "e-2", "e0", "e+1", "e+2",
                                                    "e+3")
    assert mpdta_event_study.reference_period == -1
    assert mpdta_event_study.pre_periods == (-4, -3, -2)
    assert mpdta_event_study.post_periods == (0, 1, 2, 3)
    assert not mpdta_event_study.binned
    assert mpdta_event_study.coefficients.df == 499
    assert mpdta_event_study.n_obs == 2500


@pytest.mark.slow
def test_mpdta_event_study_matches_statsmodels_dummy_regression(mpdta, mpdta_event_study):
    event_times = [-4, -3, -2, 0, 1, 2, 3]
    # K = 7 event-time dummies + 5 year levels = 12
    beta, cov = _statsmodels_event_study(mpdta, _event_times(mpdta), event_times)
    # the faster hand-solved version used by the tests below agrees with statsmodels
    by_hand = _normal_equations_event_study(mpdta, _event_times(mpdta), event_times)
    np.testing.assert_allclose(by_hand[0], beta, rtol=0, atol=1e-10)
    np.testing.assert_allclose(by_hand[1], cov, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(mpdta_event_study.coefficients.estimate, beta, rtol=0, atol=1e-8)
    np.testing.assert_allclose(mpdta_event_study.coefficients.vcov, cov, rtol=1e-8, atol=1e-12)
    for i, k in enumerate(event_times):
        estimate, std_error = ORIENTATION[k]
        assert mpdta_event_study.coefficients.estimate[i] == pytest.approx(estimate, abs=5e-8)
        assert mpdta_event_study.coefficients.std_error[i] == pytest.approx(std_error, abs=5e-8)


def test_pretrend_f_test_is_the_wald_statistic_over_three(mpdta_event_study):
    coefficients = mpdta_event_study.coefficients
    b = coefficients.estimate[:3]  # e-4, e-3, e-2
    v = coefficients.vcov[:3, :3]
    wald = float(b @ np.linalg.solve(v, b))
    test = mpdta_event_study.pretrend
    assert test.distribution == "F"
    assert test.df == (3, 499)
    assert test.terms == ("e-4", "e-3", "e-2")
    assert test.statistic == pytest.approx(wald / 3, rel=1e-10)
    assert test.p_value == pytest.approx(stats.f.sf(wald / 3, 3, 499), rel=1e-10)
    assert test.rank == 3


def test_binned_window_matches_a_manual_dummy_construction(mpdta):
    """window=(-2, 2), bin_endpoints=True: e-2 pools k <= -2, e+2 pools k >= 2."""
    result = event_study(Panel(mpdta, **MPDTA), window=(-2, 2), bin_endpoints=True)
    rel = np.clip(_event_times(mpdta), -2, 2)  # NaN (never treated) stays NaN
    beta, cov = _normal_equations_event_study(mpdta, rel, [-2, 0, 1, 2])
    assert result.event_time == (-2, 0, 1, 2)
    assert result.binned
    np.testing.assert_allclose(result.coefficients.estimate, beta, rtol=0, atol=1e-8)
    np.testing.assert_allclose(result.coefficients.vcov, cov, rtol=1e-8, atol=1e-12)
    assert result.n_obs == 2500


def test_unbinned_window_drops_treated_rows_outside_it(mpdta):
    result = event_study(Panel(mpdta, **MPDTA), window=(-2, 2))
    rel = _event_times(mpdta)
    keep = np.isnan(rel) | ((rel >= -2) & (rel <= 2))
    beta, cov = _normal_equations_event_study(mpdta.loc[keep], rel[keep], [-2, 0, 1, 2])
    assert result.n_obs == int(keep.sum())
    np.testing.assert_allclose(result.coefficients.estimate, beta, rtol=0, atol=1e-8)
    np.testing.assert_allclose(result.coefficients.vcov, cov, rtol=1e-8, atol=1e-12)


def test_other_reference_period(mpdta):
    result = event_study(Panel(mpdta, **MPDTA), reference=-2)
    event_times = [-4, -3, -1, 0, 1, 2, 3]
    beta, cov = _normal_equations_event_study(mpdta, _event_times(mpdta), event_times)
    assert result.event_time == tuple(event_times)
    assert result.reference_period == -2
    np.testing.assert_allclose(result.coefficients.estimate, beta, rtol=0, atol=1e-8)
    np.testing.assert_allclose(result.coefficients.vcov, cov, rtol=1e-8, atol=1e-12)


def test_single_cohort_event_study_is_the_difference_of_means_relative_to_the_reference(mpdta):
    data = mpdta.loc[mpdta["first.treat"].isin([0, 2006])]
    result = event_study(Panel(data, **MPDTA))
    treated = data["first.treat"] == 2006
    means = data.groupby([treated, data["year"]])["lemp"].mean()
    gap = means.loc[True] - means.loc[False]
    for k, estimate in zip(result.event_time, result.coefficients.estimate, strict=True):
        assert estimate == pytest.approx(gap.loc[2006 + k] - gap.loc[2005], rel=1e-9)


def test_classical_standard_errors(mpdta):
    result = event_study(Panel(mpdta, **MPDTA), inference=Classical())
    x = _dummy_design(mpdta, _event_times(mpdta), [-4, -3, -2, 0, 1, 2, 3])
    y = mpdta["lemp"].to_numpy(float)
    bread = np.linalg.inv(x.T @ x)
    beta = bread @ (x.T @ y)
    e = y - x @ beta
    n, k = x.shape  # 7 event-time dummies + 500 counties + 4 years = 511 parameters
    np.testing.assert_allclose(result.coefficients.estimate, beta[:7], rtol=0, atol=1e-8)
    np.testing.assert_allclose(result.coefficients.std_error,
                               np.sqrt(np.diag(bread)[:7] * (e @ e) / (n - k)), rtol=1e-8)
    assert result.coefficients.df == n - k == 1989


def test_treatment_column_gives_the_same_event_study(mpdta, mpdta_event_study):
    g = mpdta["first.treat"]
    mpdta["D"] = ((g > 0) & (mpdta["year"] >= g)).astype(int)
    panel = Panel(mpdta, unit="countyreal", time="year", outcome="lemp", treatment="D")
    result = event_study(panel)
    assert result.event_time == mpdta_event_study.event_time
    np.testing.assert_allclose(result.coefficients.estimate,
                               mpdta_event_study.coefficients.estimate, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(result.coefficients.vcov, mpdta_event_study.coefficients.vcov,
                               rtol=1e-12, atol=1e-16)


def test_not_yet_treated_only_needs_binning(mpdta):
    treated_only = mpdta.loc[mpdta["first.treat"] > 0]
    panel = Panel(treated_only, **MPDTA)
    with pytest.raises(EstimationError) as info:
        event_study(panel)
    assert "not identified without never-treated units" in str(info.value)
    assert "bin_endpoints=True" in str(info.value)
    result = event_study(panel, window=(-3, 2), bin_endpoints=True)
    assert result.event_time == (-3, -2, 0, 1, 2)
    assert np.all(np.isfinite(result.coefficients.std_error))


def test_average_effect_is_the_mean_of_post_coefficients(mpdta_event_study):
    average = mpdta_event_study.average_effect()
    coefficients = mpdta_event_study.coefficients
    w = np.array([0, 0, 0, 0.25, 0.25, 0.25, 0.25])
    assert average["estimate"] == pytest.approx(float(w @ coefficients.estimate), rel=1e-12)
    assert average["std_error"] == pytest.approx(float(np.sqrt(w @ coefficients.vcov @ w)),
                                                 rel=1e-12)
    with pytest.raises(InputError, match=r"event_times=\(7,\): must be event times"):
        mpdta_event_study.average_effect((7,))


def test_caller_data_is_not_mutated(mpdta):
    before = copy.deepcopy(mpdta)
    panel = Panel(mpdta, **MPDTA)
    event_study(panel, window=(-2, 2), bin_endpoints=True)
    event_study(panel, window=(-3, 1))
    pd.testing.assert_frame_equal(mpdta, before)


def test_event_term_names():
    assert [event_term(k) for k in (-2, -1, 0, 1, 10)] == ["e-2", "e-1", "e0", "e+1", "e+10"]


# --------------------------------------------------------------------------- bad input
def test_window_must_contain_the_reference(mpdta_panel):
    with pytest.raises(InputError) as info:
        event_study(mpdta_panel, window=(-2, 2), reference=-3)
    assert "reference=-3: must lie in the window (-2, 2)" in str(info.value)


def test_reference_outside_the_observed_event_times(mpdta_panel):
    with pytest.raises(InputError, match=r"reference=-5: must lie in the window \(-4, 3\)"):
        event_study(mpdta_panel, reference=-5)


@pytest.mark.parametrize("reference", [0, 1, -1.0, "-1"])
def test_reference_must_be_a_negative_integer(mpdta_panel, reference):
    with pytest.raises(InputError) as info:
        event_study(mpdta_panel, reference=reference)
    assert f"reference={reference!r}: must be a negative integer" in str(info.value)


@pytest.mark.parametrize("window", [(0, 2), (-2, -1), (-2.0, 2), (-2, 1, 3), "(-2, 2)"])
def test_window_shape(mpdta_panel, window):
    with pytest.raises(InputError) as info:
        event_study(mpdta_panel, window=window)
    assert f"window={window!r}: must be two integers (first, last) with first <= -1 and " \
           "last >= 0" in str(info.value)


def test_bin_endpoints_needs_a_window(mpdta_panel):
    with pytest.raises(InputError, match=r"bin_endpoints=True: needs a window"):
        event_study(mpdta_panel, bin_endpoints=True)


@pytest.mark.parametrize("hc", ["HC2", "HC3"])
def test_hc2_hc3_with_fixed_effects_are_refused(mpdta_panel, hc):
    with pytest.raises(InputError, match=rf"inference=Robust\(hc='{hc}'\): with fixed effects"):
        event_study(mpdta_panel, inference=Robust(hc))


def test_alpha_out_of_range(mpdta_panel):
    with pytest.raises(InputError, match=r"Invalid arguments to event_study:"):
        event_study(mpdta_panel, alpha=1.0)


def test_reference_period_without_a_treated_observation(mpdta):
    # cohorts 2004 (event times -1..3) and 2007 (-4..0); without the 2007 cohort's 2004
    # rows, no treated unit is observed at event time -3, which lies inside (-4, 3)
    data = mpdta.loc[mpdta["first.treat"].isin([0, 2004, 2007])]
    data = data.loc[~((data["first.treat"] == 2007) & (data["year"] == 2004))]
    panel = Panel(data, **MPDTA)
    assert event_study(panel).event_time == (-4, -2, 0, 1, 2, 3)
    with pytest.raises(DataError) as info:
        event_study(panel, reference=-3)
    assert "reference=-3: no treated unit is observed at event time -3" in str(info.value)


def test_units_treated_after_the_panel_ends_serve_as_never_treated(mpdta):
    data = mpdta.loc[mpdta["first.treat"] > 0].copy()
    data.loc[data["first.treat"] == 2007, "first.treat"] = 2010
    recoded = data.assign(**{"first.treat": data["first.treat"].where(
        data["first.treat"] != 2010, 0)})
    expected = event_study(Panel(recoded, **MPDTA))
    result = event_study(Panel(data, **MPDTA))
    np.testing.assert_allclose(result.coefficients.estimate, expected.coefficients.estimate,
                               rtol=1e-12)
