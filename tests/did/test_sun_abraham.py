"""sun_abraham: a known identity, independent regressions, recovery of known effects, bad input.

Reference values
----------------
1. Identity (exact, 1e-10). With no covariates, never-treated controls and a balanced
   panel, the interaction-weighted estimate at event time e equals Callaway &
   Sant'Anna's event-study aggregation of group-time effects with a *universal* base
   period (the period before treatment, g - 1):

       ATT(g, t) = [mean_g(Y_t) - mean_g(Y_{g-1})] - [mean_never(Y_t) - mean_never(Y_{g-1})]
       theta(e)  = sum_g N_g ATT(g, g + e) / sum_g N_g      (cohorts observed at g + e)

   computed below from cell means with pandas, independently of evalkit. On mpdta this
   gives e-4 0.0033064, e-3 0.0250218, e-2 0.0244587, e0 -0.0199318, e+1 -0.0509574,
   e+2 -0.1372587, e+3 -0.1008114. Event times 2 and 3 involve only the 2004 cohort, so
   they are R did's ATT(2004, 2006) and ATT(2004, 2007), printed as -0.1373 and -0.1008
   by ``summary(att_gt(yname = "lemp", gname = "first.treat", idname = "countyreal",
   tname = "year", xformla = ~1, data = mpdta, est_method = "reg"))`` (RPubs
   736765_c47909c746704c79922fdc03ab352edf; post-treatment ATT(g, t) do not depend on
   the base-period choice).
2. The cohort-by-event-time regression against a statsmodels OLS/WLS on explicit
   interaction, unit and period dummies, with statsmodels' cluster covariance without
   correction rescaled by G/(G-1) (N-1)/(N-K) (K: the interactions, the covariate and
   the period levels; unit effects are nested in the clusters): 1e-8.
3. The delta-method standard errors against w' V w computed from the cohort shares
   counted with pandas: 1e-12.
4. Simulated panels with cohort-specific, growing effects (known truth): the estimates
   are within 4 standard errors of the truth while the TWFE event study is off by more
   than 10 at several event times.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from evalkit import DataError, InputError, Panel, event_study
from evalkit.data.simulate import simulate_staggered_panel
from evalkit.did.sun_abraham import ESTIMATOR, fit_interactions, sun_abraham
from evalkit.inference import Robust
from evalkit.results import EventStudyResult

MPDTA = {"unit": "countyreal", "time": "year", "outcome": "lemp", "first_treated": "first.treat"}
SIMULATED = {"unit": "unit", "time": "period", "outcome": "y", "first_treated": "first_treated"}
MPDTA_UNIVERSAL = {-4: 0.0033064, -3: 0.0250218, -2: 0.0244587, 0: -0.0199318,
                   1: -0.0509574, 2: -0.1372587, 3: -0.1008114}


def _cs_universal(frame: pd.DataFrame, *, unit: str, time: str, outcome: str,
                  first_treated: str, base: int = -1) -> pd.Series:
    """Callaway-Sant'Anna event-time aggregation with a universal base period g + base."""
    means = frame.groupby([first_treated, time])[outcome].mean().unstack()
    sizes = frame.groupby(first_treated)[unit].nunique()
    never = means.loc[0]
    rows = []
    for g in sizes.index[sizes.index > 0]:
        if g + base not in means.columns:
            continue
        for t in means.columns:
            att = (means.loc[g, t] - means.loc[g, g + base]) - (never[t] - never[g + base])
            rows.append((t - g, att, sizes[g]))
    cells = pd.DataFrame(rows, columns=["event", "att", "n"])
    cells = cells.loc[cells["event"] != base]
    totals = cells.assign(wy=cells["att"] * cells["n"]).groupby("event")[["wy", "n"]].sum()
    return totals["wy"] / totals["n"]


# --------------------------------------------------------------------------- identity
def test_mpdta_equals_callaway_santanna_with_universal_base_period(mpdta, mpdta_panel):
    result = sun_abraham(mpdta_panel)
    expected = _cs_universal(mpdta, **MPDTA)
    assert result.event_time == (-4, -3, -2, 0, 1, 2, 3) == tuple(expected.index)
    np.testing.assert_allclose(result.coefficients.estimate, expected.to_numpy(), rtol=0,
                               atol=1e-10)
    for k, value in MPDTA_UNIVERSAL.items():
        assert result.coefficients.estimate[result.event_time.index(k)] == pytest.approx(
            value, abs=5e-8)
    # R did's att_gt, as printed (4 decimals): ATT(2004, 2006) and ATT(2004, 2007)
    assert result.coefficients.estimate[result.event_time.index(2)] == pytest.approx(
        -0.1373, abs=5e-5)
    assert result.coefficients.estimate[result.event_time.index(3)] == pytest.approx(
        -0.1008, abs=5e-5)


@pytest.mark.parametrize(("seed", "cohorts", "shares"), [
    (0, (3, 5, 7), None),
    (1, (2, 4, 6, 8), (0.1, 0.3, 0.2, 0.1, 0.3)),
    (2, (5,), (0.6, 0.4)),
])
def test_simulated_panels_equal_callaway_santanna_with_universal_base_period(seed, cohorts,
                                                                            shares):
    sim = simulate_staggered_panel(240, 8, cohorts=cohorts, shares=shares, seed=seed)
    result = sun_abraham(Panel(sim.data, **SIMULATED))
    expected = _cs_universal(sim.data, **SIMULATED)
    assert result.event_time == tuple(expected.index)
    np.testing.assert_allclose(result.coefficients.estimate, expected.to_numpy(), rtol=0,
                               atol=1e-10)


def test_another_reference_period_uses_that_base_and_leaves_out_cohorts_without_it(mpdta):
    """reference=-2: base period g - 2; cohort 2004 (2002 unobserved) cannot be normalised."""
    result = sun_abraham(Panel(mpdta, **MPDTA), reference=-2)
    expected = _cs_universal(mpdta, **MPDTA, base=-2)
    assert result.reference_period == -2
    assert result.event_time == tuple(expected.index)
    np.testing.assert_allclose(result.coefficients.estimate, expected.to_numpy(), atol=1e-10)
    assert result.provenance.specification["cohorts_left_out"] == (2004.0,)
    assert result.sample["treated_units"] == 191 - 20  # cohort 2004 has 20 counties


# --------------------------------------------------------------------------- regressions
def _small_panel(weighted: bool) -> pd.DataFrame:
    rng = np.random.default_rng(8)
    n_units, n_periods = 30, 6
    cohort = np.repeat([0, 3, 4, 5, 0, 4], 5)
    frame = pd.DataFrame({"unit": np.repeat(np.arange(n_units) + 100, n_periods),
                          "time": np.tile(np.arange(2001, 2001 + n_periods), n_units),
                          "g": np.repeat(np.where(cohort > 0, cohort + 2000, 0), n_periods)})
    frame["x"] = rng.normal(size=len(frame))
    frame["w"] = np.repeat(rng.uniform(0.5, 2.0, n_units), n_periods) if weighted else 1.0
    treated = (frame["g"] > 0) & (frame["time"] >= frame["g"])
    frame["y"] = (np.repeat(rng.normal(size=n_units), n_periods) + 0.2 * frame["time"]
                  + treated * (frame["g"] - 2000) * 0.3 + 0.4 * frame["x"]
                  + rng.normal(size=len(frame)))
    return frame.drop(index=[7, 40, 95, 130]).reset_index(drop=True)  # unbalanced


@pytest.mark.parametrize("weighted", [False, True])
def test_interaction_coefficients_match_a_statsmodels_dummy_regression(weighted):
    frame = _small_panel(weighted)
    panel = Panel(frame, unit="unit", time="time", outcome="y", first_treated="g",
                  covariates=["x"], weights="w" if weighted else None)
    interactions = fit_interactions(panel)
    rel = np.where(frame["g"] > 0, frame["time"] - frame["g"], np.nan)
    cells = sorted({(g, int(e)) for g, e in zip(frame["g"], rel, strict=True)
                    if g > 0 and e != -1})
    dummies = np.column_stack([((frame["g"] == g) & (rel == e)).to_numpy(float)
                               for g, e in cells])
    units = pd.get_dummies(frame["unit"], dtype=float).to_numpy()
    periods = pd.get_dummies(frame["time"], drop_first=True, dtype=float).to_numpy()
    x = np.column_stack([dummies, frame["x"].to_numpy(), units, periods])
    groups = pd.factorize(frame["unit"])[0]
    model = (sm.WLS(frame["y"].to_numpy(), x, weights=frame["w"].to_numpy()) if weighted
             else sm.OLS(frame["y"].to_numpy(), x))
    fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups, "use_correction": False})
    m = len(cells)
    # K: the interactions, x and all 6 period levels (fixest counts every level of a
    # fixed effect not nested in the clusters; the unit effects are nested)
    n, g, k = len(frame), np.unique(groups).size, m + 1 + periods.shape[1] + 1
    factor = g / (g - 1) * (n - 1) / (n - k)
    assert [(float(c), int(e)) for c, e in zip(interactions.cohorts, interactions.event_times,
                                               strict=True)] == [(float(c), e) for c, e in cells]
    np.testing.assert_allclose(interactions.fit.params, fit.params[:m + 1], rtol=0, atol=1e-8)
    np.testing.assert_allclose(interactions.fit.vcov, fit.cov_params()[:m + 1, :m + 1] * factor,
                               rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_delta_method_standard_errors_use_the_cohort_shares(weighted):
    frame = _small_panel(weighted)
    panel = Panel(frame, unit="unit", time="time", outcome="y", first_treated="g",
                  covariates=["x"], weights="w" if weighted else None)
    result = sun_abraham(panel)
    interactions = fit_interactions(panel)
    treated = frame.loc[frame["g"] > 0].assign(e=lambda f: f["time"] - f["g"])
    treated = treated.loc[treated["e"] != -1]
    size = treated.groupby(["e", "g"])["w"].sum()  # rows (or weight) per cell
    m = interactions.n_interactions
    v = interactions.fit.vcov[:m, :m]
    b = interactions.fit.params[:m]
    cells = list(zip(interactions.event_times, interactions.cohorts, strict=True))
    for i, e in enumerate(result.event_time):
        share = size.loc[e] / size.loc[e].sum()
        w = np.array([share.get(g, 0.0) if ce == e else 0.0 for ce, g in cells])
        assert result.coefficients.estimate[i] == pytest.approx(w @ b, rel=1e-12, abs=1e-15)
        assert result.coefficients.std_error[i] == pytest.approx(np.sqrt(w @ v @ w), rel=1e-12)
    text = result.inference_text
    assert "delta method" in text and "shares treated as fixed" in text


def test_pretrend_wald_test_over_the_aggregated_leads(mpdta_panel):
    result = sun_abraham(mpdta_panel)
    b = result.coefficients.estimate[:3]
    v = result.coefficients.vcov[:3, :3]
    assert result.pretrend.terms == ("e-4", "e-3", "e-2")
    assert result.pretrend.df == (3, 499)
    assert result.pretrend.statistic == pytest.approx(b @ np.linalg.solve(v, b) / 3, rel=1e-10)


# --------------------------------------------------------------------------- known truth
def test_recovers_heterogeneous_effects_where_the_twfe_event_study_is_biased():
    sim = simulate_staggered_panel(20_000, 10, seed=3)
    panel = Panel(sim.data, **SIMULATED)
    truth = sim.true_event_effects()
    result = sun_abraham(panel)
    twfe = event_study(panel)
    expected = np.array([truth.get(e, 0.0) for e in result.event_time])  # leads: 0
    z_sa = (result.coefficients.estimate - expected) / result.coefficients.std_error
    z_twfe = (twfe.coefficients.estimate - expected) / twfe.coefficients.std_error
    assert np.all(np.abs(z_sa) < 4)
    assert np.sum(np.abs(z_twfe) > 10) >= 4


# --------------------------------------------------------------------------- options
def test_last_treated_control_is_the_never_treated_design_on_the_trimmed_panel(mpdta):
    """Drop the never-treated and the years from 2007 on, call cohort 2007 untreated."""
    result = sun_abraham(Panel(mpdta, **MPDTA), control_group="last_treated")
    trimmed = mpdta.loc[(mpdta["first.treat"] > 0) & (mpdta["year"] < 2007)].copy()
    trimmed.loc[trimmed["first.treat"] == 2007, "first.treat"] = 0
    expected = sun_abraham(Panel(trimmed, **MPDTA))
    assert result.event_time == expected.event_time == (-3, -2, 0, 1, 2)
    np.testing.assert_allclose(result.coefficients.estimate, expected.coefficients.estimate,
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(result.coefficients.vcov, expected.coefficients.vcov,
                               rtol=1e-12, atol=1e-18)
    assert result.sample["control_units"] == 131  # the 2007 cohort
    assert result.sample["rows"] == 191 * 4


def test_window_drops_outside_rows_and_keeps_the_other_estimates(mpdta, mpdta_panel):
    full = sun_abraham(mpdta_panel)
    windowed = sun_abraham(mpdta_panel, window=(-2, 2))
    assert windowed.event_time == (-2, 0, 1, 2)
    for k, estimate in zip(windowed.event_time, windowed.coefficients.estimate, strict=True):
        assert estimate == pytest.approx(full.coefficients.estimate[full.event_time.index(k)],
                                         abs=1e-10)
    outside = (mpdta["first.treat"] > 0) & ~(mpdta["year"] - mpdta["first.treat"]).between(-2, 2)
    assert windowed.n_obs == 2500 - int(outside.sum())


def test_result_type_and_description(mpdta_panel):
    result = sun_abraham(mpdta_panel, alpha=0.1)
    assert isinstance(result, EventStudyResult)
    assert result.estimator == ESTIMATOR == "Sun-Abraham interaction-weighted event study"
    assert result.reference_period == -1
    assert result.alpha == 0.1
    assert result.provenance.function == "evalkit.did.sun_abraham"
    assert result.sample["clusters"] == 500
    assert "Sun-Abraham" in result.summary().as_text()
    assert -1 in result.tidy()["event_time"].tolist()


def test_several_reference_periods(mpdta_panel):
    result = sun_abraham(mpdta_panel, reference=(-1, -4))
    assert result.event_time == (-3, -2, 0, 1, 2, 3)
    assert result.reference_period == -1


# --------------------------------------------------------------------------- invariances
def test_row_order_unit_labels_and_outcome_shift_do_not_matter(mpdta, mpdta_panel):
    reference = sun_abraham(mpdta_panel)
    shuffled = mpdta.sample(frac=1.0, random_state=5)
    shuffled["countyreal"] = "county-" + shuffled["countyreal"].astype(str)
    shuffled["lemp"] = shuffled["lemp"] + 1000.0
    result = sun_abraham(Panel(shuffled, **MPDTA))
    np.testing.assert_allclose(result.coefficients.estimate, reference.coefficients.estimate,
                               rtol=0, atol=1e-10)
    np.testing.assert_allclose(result.coefficients.std_error,
                               reference.coefficients.std_error, rtol=1e-8)


def test_caller_data_is_not_mutated(mpdta):
    before = copy.deepcopy(mpdta)
    panel = Panel(mpdta, **MPDTA)
    sun_abraham(panel)
    sun_abraham(panel, control_group="last_treated", window=(-2, 1), inference=Robust("HC1"))
    pd.testing.assert_frame_equal(mpdta, before)


# --------------------------------------------------------------------------- bad input
def test_no_never_treated_units_suggests_last_treated(mpdta):
    panel = Panel(mpdta.loc[mpdta["first.treat"] > 0], **MPDTA)
    with pytest.raises(DataError) as info:
        sun_abraham(panel)
    assert "control_group='never_treated': the panel has no never-treated units" in str(
        info.value)
    assert "control_group='last_treated'" in str(info.value)
    assert sun_abraham(panel, control_group="last_treated").event_time == (-3, -2, 0, 1, 2)


@pytest.mark.parametrize("reference", [0, 2, -1.0, "-1", True, (), (-1, 1)])
def test_reference_must_be_negative_integers(mpdta_panel, reference):
    with pytest.raises(InputError) as info:
        sun_abraham(mpdta_panel, reference=reference)
    assert f"reference={reference!r}: must be a negative integer" in str(info.value)


def test_no_pre_period_at_the_reference(mpdta_panel):
    with pytest.raises(DataError) as info:
        sun_abraham(mpdta_panel, reference=-5)
    assert "no treated cohort is observed at event time -5 (no pre-period" in str(info.value)


def test_every_problem_is_reported_at_once(mpdta_panel):
    with pytest.raises(InputError) as info:
        sun_abraham(mpdta_panel, control_group="not_yet_treated", reference=1,
                    window=(0, 2))
    problems = info.value.problems
    assert any(p.startswith("control_group='not_yet_treated': must be one of "
                            "'never_treated', 'last_treated'") for p in problems)
    assert any(p.startswith("reference=1: must be a negative integer") for p in problems)
    assert any(p.startswith("window=(0, 2): must be two integers") for p in problems)


def test_reference_outside_the_window(mpdta_panel):
    with pytest.raises(InputError, match=r"reference=-3: must lie in the window \(-2, 2\)"):
        sun_abraham(mpdta_panel, window=(-2, 2), reference=-3)


def test_last_treated_needs_two_cohorts(mpdta):
    panel = Panel(mpdta.loc[mpdta["first.treat"].isin([0, 2006])], **MPDTA)
    with pytest.raises(DataError, match="needs at least two treated cohorts"):
        sun_abraham(panel, control_group="last_treated")


@pytest.mark.parametrize(("argument", "value", "message"), [
    ("alpha", 1.5, "alpha=1.5: must be a number strictly between 0 and 1"),
    ("inference", Robust("HC3"), r"inference=Robust\(hc='HC3'\): with fixed effects"),
    ("vcov", "bootstrap", "vcov='bootstrap': must be one of"),
])
def test_other_arguments(mpdta_panel, argument, value, message):
    with pytest.raises(InputError, match=message):
        sun_abraham(mpdta_panel, **{argument: value})


def test_panel_argument_must_be_a_panel(mpdta):
    with pytest.raises(InputError, match="panel: must be an evalkit.Panel"):
        sun_abraham(mpdta)
