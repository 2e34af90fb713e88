"""imputation / imputation_overall: Borusyak, Jaravel & Spiess (2024).

What is checked, and against what:

- step 1 and step 2 against statsmodels: the imputed untreated outcomes are the
  predictions of an OLS (or WLS) of the outcome on unit and period dummies (and the
  covariates) fitted on the untreated observations only (1e-8);
- exactness: with a constant effect and no noise, every imputed effect equals it;
- the point estimates and the whole covariance matrix against a brute-force computation
  of the same formulas with dense matrices (``_dense_reference`` below: dummies, a
  pseudo-inverse for the implicit weights ``v = -W0 Z0 (Z0'W0 Z0)^+ Z1'w``, and the
  residual formulas of Stata's ``did_imputation`` with ``leaveout``, written row by row),
  on balanced and unbalanced panels, with weights, covariates, anticipation, clusters
  that group units and clusters that cut across units (1e-10);
- the pre-trend test against a statsmodels OLS of the outcome on the leads and unit and
  period dummies on untreated observations, with its cluster-robust covariance rescaled
  by G/(G-1) (N-1)/(N-K) and ``f_test`` (1e-8);
- recovery of known heterogeneous effects in simulated panels (where the TWFE event
  study fails), and the coverage of 95% intervals over 200 simulated panels;
- invariances, the caller's data never mutated, and broken inputs.

No published imputation estimates on ``mpdta`` were found (searched: the ``did_imputation``
and ``didimputation`` documentation and tests, the ``did2s`` documentation and Kyle Butts's
comparisons, the ``did`` package's documentation). The ``mpdta`` values in ``MPDTA`` are
therefore regression values computed by this implementation; the same run is checked
against the dense-matrix formula and statsmodels in this module. During development, the
conventions were also checked against the goldens that the diff-diff project publishes for
Stata ``did_imputation`` (version of 22 November 2023, ``leaveout``; ATT, horizons 0-5,
both ``avgeffectsby(Ei t)`` and ``avgeffectsby(K)``, balanced and unbalanced panel):
agreement to 1e-8 (Stata iterates its weights to a tolerance of 1e-6); that panel is not
shipped with evalkit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from evalkit import Clustered, DataError, EstimationError, InputError, Panel, event_study
from evalkit.data.simulate import simulate_staggered_panel
from evalkit.did import _imputation_compute as compute
from evalkit.did.imputation import ESTIMATOR, _grid_data, imputation, imputation_overall
from evalkit.results import DiDResult, EventStudyResult

MPDTA = {"unit": "countyreal", "time": "year", "outcome": "lemp", "first_treated": "first.treat"}
SIM = {"unit": "unit", "time": "period", "outcome": "y", "first_treated": "first_treated"}

# imputation(mpdta panel): (estimate, std. error) by event time; computed by this
# implementation (evalkit 0.1.0), cross-checked in this module by the dense formula.
MPDTA_VALUES = {
    -3: (0.0252364, 0.0147834), -2: (0.0230776, 0.0193102), -1: (0.0013954, 0.0231965),
    0: (-0.0310669, 0.0136814), 1: (-0.0522349, 0.0193400), 2: (-0.1360781, 0.0370055),
    3: (-0.1047075, 0.0352757),
}
MPDTA_ATT = (-0.0477099, 0.0134691)
MPDTA_PRETREND_F = 1.8380922


# ---------------------------------------------------------------------------- helpers
def _small_panel(seed: int = 3, drop: int = 40) -> pd.DataFrame:
    """An unbalanced staggered panel with a time-varying covariate and weights, and two
    cluster columns: one grouping whole units, one cutting across units."""
    frame = simulate_staggered_panel(80, 6, cohorts=(3, 5), seed=seed).data.copy()
    rng = np.random.default_rng(seed)
    frame["x2"] = rng.normal(size=len(frame))
    frame["w"] = frame["weight"] * (1 + 0.1 * frame["period"])
    frame["state"] = frame["unit"] % 7
    frame["block"] = (frame["unit"] % 5) * 10 + frame["period"] % 3
    if drop:
        frame = frame.drop(index=rng.choice(len(frame), drop, replace=False))
    return frame.reset_index(drop=True)


def _dense_reference(frame, *, y, unit, time, g, weights=None, covariates=(), cluster=None,
                     anticipation=0, targets, grouping="cohort_event_time"):
    """The estimator and its variance with dense matrices, row by row (for small panels).

    ``targets`` lists event times, or ``"all"`` for the overall ATT. Returns the
    estimates, their covariance matrix sum_c S_c S_c' and the cluster scores S (clusters
    sorted by label).
    """
    periods = np.sort(frame[time].unique())
    tpos = np.searchsorted(periods, frame[time].to_numpy())
    first = frame[g].to_numpy(float)
    never = np.isnan(first) | (first == 0)
    gpos = np.where(never, np.nan, np.searchsorted(periods, np.where(never, periods[0], first)))
    k = tpos - gpos
    d0 = never | (k < -anticipation)
    units, ucode = np.unique(frame[unit].to_numpy(), return_inverse=True)
    z = np.column_stack([np.eye(len(units))[ucode], np.eye(len(periods))[tpos]]
                        + [frame[c].to_numpy(float) for c in covariates])
    w = frame[weights].to_numpy(float) if weights else np.ones(len(frame))
    outcome = frame[y].to_numpy(float)
    has_unit = np.bincount(ucode, d0, minlength=len(units)) > 0
    has_period = np.bincount(tpos, d0, minlength=len(periods)) > 0
    d1 = ~d0 & has_unit[ucode] & has_period[tpos]
    z0, w0 = z[d0], w[d0]
    inverse = np.linalg.pinv(z0.T @ (w0[:, None] * z0))
    tau = outcome - z @ (inverse @ (z0.T @ (w0 * outcome[d0])))
    _, ccode = np.unique(frame[cluster or unit].to_numpy(), return_inverse=True)
    keys = list(zip(gpos, tpos, strict=True)) if grouping == "cohort_event_time" else list(k)
    group = pd.factorize(pd.Series(keys))[0]
    estimates, scores = [], []
    t1 = np.flatnonzero(d1)
    for target in targets:
        w1 = np.where(d1 & ((k == target) if target != "all" else True), w, 0.0)
        w1 /= w1.sum()
        estimates.append(float(w1 @ tau))
        v = np.zeros(len(frame))
        v[d0] = -w0 * (z0 @ (inverse @ (z[d1].T @ w1[d1])))
        v[d1] = w1[d1]
        # did_imputation: clusterweight, smartdenom, smartweight, avgtau, leaveout
        key = pd.factorize(pd.Series(list(zip(ccode[t1], group[t1], strict=True))))[0]
        cluster_weight = np.bincount(key, w1[t1])[key]
        denom = pd.Series(cluster_weight * w1[t1]).groupby(group[t1]).transform("sum").to_numpy()
        positive = denom > 0
        smart = np.where(positive, cluster_weight * w1[t1] / np.where(positive, denom, 1), 0)
        average = pd.Series(tau[t1] * smart).groupby(group[t1]).transform("sum").to_numpy()
        resid = np.where(d0, tau, 0.0)
        rest = np.where(positive, denom - cluster_weight ** 2, 1)
        leave_out = np.where(positive, denom / rest, 1)
        resid[t1] = (tau[t1] - average) * leave_out
        scores.append(np.bincount(ccode, v * resid))
    s = np.column_stack(scores)
    return np.array(estimates), s.T @ s, s


def _dense_for(frame, panel_kw, **options):
    return dict(y=panel_kw["outcome"], unit=panel_kw["unit"], time=panel_kw["time"],
                g=panel_kw["first_treated"], weights=panel_kw.get("weights"),
                covariates=panel_kw.get("covariates", ()), **options)


# ---------------------------------------------------------------------------- (a) steps 1-2
@pytest.mark.parametrize("options", [{}, {"weights": "w", "covariates": ["x2"]}],
                         ids=["plain", "weights+covariate"])
def test_imputed_untreated_outcomes_are_statsmodels_predictions(options):
    frame = _small_panel()
    panel = Panel(frame, **SIM, **options)
    design = compute.prepare(_grid_data(panel, panel.unit), 0)
    g = frame["first_treated"].to_numpy()
    untreated = (g == 0) | (frame["period"].to_numpy() < g)
    dummies = pd.concat([pd.get_dummies(frame["unit"], prefix="u", dtype=float),
                         pd.get_dummies(frame["period"], prefix="t", drop_first=True, dtype=float)]
                        + [frame[c] for c in options.get("covariates", [])], axis=1)
    model = (sm.WLS(frame["y"][untreated], dummies[untreated], weights=frame["w"][untreated])
             if "weights" in options else sm.OLS(frame["y"][untreated], dummies[untreated]))
    predicted = model.fit().predict(dummies[~untreated])
    treated = frame.loc[~untreated]
    imputed = design.data.outcome - design.residual
    ours = imputed[treated["unit"].to_numpy() - 1, treated["period"].to_numpy() - 1]
    np.testing.assert_allclose(ours, predicted.to_numpy(), rtol=0, atol=1e-8)


def test_constant_effect_without_noise_is_recovered_exactly():
    sim = simulate_staggered_panel(60, 8, cohorts=(3, 5, 7), cohort_effects={3: 2, 5: 2, 7: 2},
                                   dynamic_slope=0.0, noise_sd=0.0, seed=1)
    panel = Panel(sim.data, **SIM)
    design = compute.prepare(_grid_data(panel, panel.unit), 0)
    effects = design.residual[design.w1 > 0]
    assert effects.size == (sim.data["treated"] == 1).sum()
    np.testing.assert_allclose(effects, 2.0, rtol=0, atol=1e-10)
    result = imputation(panel)
    post = np.array(result.post_periods)
    np.testing.assert_allclose(result.coefficients.estimate[-post.size:], 2.0, atol=1e-10)
    np.testing.assert_allclose(result.coefficients.estimate[:-post.size], 0.0, atol=1e-10)
    assert imputation_overall(panel).estimate == pytest.approx(2.0, abs=1e-10)


# ---------------------------------------------------------------------------- (c) recovery
def test_recovers_heterogeneous_dynamic_effects_where_twfe_does_not():
    sim = simulate_staggered_panel(12000, 8, cohorts=(3, 5, 7), dynamic_slope=1.0, seed=12)
    panel = Panel(sim.data, **SIM)
    truth = sim.true_event_effects()
    ours = imputation(panel, pretrend_periods=0).tidy().set_index("event_time")
    z = (ours["estimate"] - truth.reindex(ours.index)) / ours["std_error"]
    assert list(ours.index) == list(truth.index)
    assert z.abs().max() < 4
    twfe = event_study(panel).tidy(include_reference=False).set_index("event_time")
    twfe = twfe.loc[twfe.index >= 0]
    z_twfe = (twfe["estimate"] - truth.reindex(twfe.index)) / twfe["std_error"]
    assert z_twfe.abs().max() > 6
    overall = imputation_overall(panel)
    assert abs(overall.estimate - sim.true_overall_effect()) < 4 * overall.std_error


# ---------------------------------------------------------------------------- (d) variance
CONFIGURATIONS = {
    "balanced": ({}, {}, 0),
    "unbalanced": ({}, {}, 40),
    "weights+covariate": ({"weights": "w", "covariates": ["x2"]}, {}, 40),
    "clusters-of-units": ({"weights": "w", "covariates": ["x2"], "cluster": "state"},
                          {"cluster": "state"}, 40),
    "clusters-across-units": ({"covariates": ["x2"], "cluster": "block"},
                              {"cluster": "block"}, 40),
    "anticipation": ({"covariates": ["x2"]}, {"anticipation": 1}, 40),
    "event-time-cells": ({"weights": "w"}, {"average_effects_by": "event_time"}, 40),
}


@pytest.mark.parametrize("name", list(CONFIGURATIONS))
def test_estimates_and_covariance_match_the_dense_formula(name):
    panel_kw, options, drop = CONFIGURATIONS[name]
    frame = _small_panel(drop=drop)
    panel = Panel(frame, **SIM, **panel_kw)
    given = {k: v for k, v in options.items() if k != "cluster"}
    if "cluster" in options:
        given["inference"] = Clustered(options["cluster"])
    result = imputation(panel, pretrend_periods=0, **given)
    dense_options = {"cluster": options.get("cluster"),
                     "anticipation": options.get("anticipation", 0),
                     "grouping": options.get("average_effects_by", "cohort_event_time")}
    spec = _dense_for(frame, {**SIM, **panel_kw}, **dense_options)
    estimates, vcov, _ = _dense_reference(frame, targets=list(result.event_time), **spec)
    np.testing.assert_allclose(result.coefficients.estimate, estimates, rtol=0, atol=1e-10)
    np.testing.assert_allclose(result.coefficients.vcov, vcov, rtol=0,
                               atol=1e-10 * np.abs(vcov).max())
    overall = imputation_overall(panel, **given)
    att, att_var, _ = _dense_reference(frame, targets=["all"], **spec)
    assert overall.estimate == pytest.approx(att[0], abs=1e-10)
    assert overall.std_error == pytest.approx(np.sqrt(att_var[0, 0]), rel=1e-10)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n_units=st.integers(10, 30), n_periods=st.integers(3, 7),
       weighted=st.booleans(), anticipation=st.integers(0, 1), drop=st.floats(0.0, 0.3))
def test_random_panels_match_the_dense_formula(seed, n_units, n_periods, weighted, anticipation,
                                               drop):
    rng = np.random.default_rng(seed)
    cohort = rng.choice([0, *range(2, n_periods + 1)], size=n_units)
    sizes = pd.Series(cohort).value_counts()
    cohort[np.isin(cohort, sizes.index[sizes < 2])] = 0  # leave-out needs 2 units per cohort
    frame = pd.DataFrame({"unit": np.repeat(np.arange(n_units), n_periods),
                          "period": np.tile(np.arange(1, n_periods + 1), n_units),
                          "first_treated": np.repeat(cohort, n_periods)})
    frame["y"] = rng.normal(size=len(frame)) + 0.3 * frame["period"]
    frame["w"] = np.repeat(rng.uniform(0.5, 2.0, n_units), n_periods)
    frame = frame.loc[(rng.random(len(frame)) >= drop) | (frame["period"] == 1)]
    assume(frame["first_treated"].gt(0).any() and frame["first_treated"].eq(0).any())
    panel_kw = {**SIM, **({"weights": "w"} if weighted else {})}
    try:
        result = imputation(Panel(frame, **panel_kw), pretrend_periods=0, anticipation=anticipation)
    except (DataError, EstimationError):
        assume(False)
    spec = _dense_for(frame, panel_kw, anticipation=anticipation)
    estimates, vcov, _ = _dense_reference(frame, targets=list(result.event_time), **spec)
    np.testing.assert_allclose(result.coefficients.estimate, estimates, rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.coefficients.vcov, vcov, rtol=0,
                               atol=1e-9 * np.abs(vcov).max())


def test_mpdta_matches_the_dense_formula(mpdta_panel, mpdta):
    result = imputation(mpdta_panel, pretrend_periods=0)
    estimates, vcov, _ = _dense_reference(mpdta, targets=list(result.event_time),
                                          **_dense_for(mpdta, MPDTA))
    np.testing.assert_allclose(result.coefficients.estimate, estimates, rtol=0, atol=1e-10)
    np.testing.assert_allclose(result.coefficients.vcov, vcov, rtol=0,
                               atol=1e-10 * np.abs(vcov).max())
    overall = imputation_overall(mpdta_panel)
    att, att_var, _ = _dense_reference(mpdta, targets=["all"], **_dense_for(mpdta, MPDTA))
    assert overall.estimate == pytest.approx(att[0], abs=1e-10)
    assert overall.std_error == pytest.approx(np.sqrt(att_var[0, 0]), rel=1e-10)


@pytest.mark.slow
def test_confidence_intervals_cover_the_truth_in_repeated_samples():
    """200 simulated panels: 95% intervals are (conservatively) valid."""
    covered, covered_att = [], []
    for seed in range(200):
        sim = simulate_staggered_panel(150, 6, cohorts=(3, 5), seed=1000 + seed)
        panel = Panel(sim.data, **SIM)
        table = imputation(panel, pretrend_periods=0).tidy().set_index("event_time")
        truth = sim.true_event_effects().reindex(table.index)
        covered.append(((table["conf_low"] <= truth) & (truth <= table["conf_high"])).to_numpy())
        overall = imputation_overall(panel)
        low, high = overall.conf_int().loc[overall.effect_term]
        covered_att.append(low <= sim.true_overall_effect() <= high)
    coverage = np.mean(covered, axis=0)
    assert np.all((coverage >= 0.9) & (coverage <= 1.0)), coverage
    assert 0.9 <= np.mean(covered_att) <= 1.0


# ---------------------------------------------------------------------------- (e) pre-trends
@pytest.mark.parametrize("covariates", [(), ("x2",)], ids=["plain", "covariate"])
def test_pretrend_test_matches_statsmodels(covariates):
    frame = simulate_staggered_panel(150, 7, cohorts=(3, 5, 7), seed=5).data.copy()
    frame["x2"] = np.random.default_rng(5).normal(size=len(frame))
    panel = Panel(frame, **SIM, covariates=list(covariates))
    result = imputation(panel)
    leads = result.pre_periods
    assert leads == (-5, -4, -3, -2, -1)  # all but the earliest pre-period of cohort 7
    g, t = frame["first_treated"].to_numpy(), frame["period"].to_numpy()
    k = np.where(g > 0, t - g, np.nan)
    untreated = (g == 0) | (k < 0)
    rows = frame.loc[untreated].reset_index(drop=True)
    design = np.column_stack([(k[untreated] == e).astype(float) for e in leads]
                             + [pd.get_dummies(rows["unit"], dtype=float).to_numpy(),
                                pd.get_dummies(rows["period"], drop_first=True,
                                               dtype=float).to_numpy()]
                             + [rows[c].to_numpy() for c in covariates])
    fit = sm.OLS(rows["y"].to_numpy(), design).fit(
        cov_type="cluster", cov_kwds={"groups": rows["unit"].to_numpy(), "use_correction": False},
        use_t=True)
    n, clusters, p = len(rows), rows["unit"].nunique(), len(leads)
    k_params = p + len(covariates) + 7  # leads, slopes, 7 periods (unit effects nested)
    cov = fit.cov_params() * clusters / (clusters - 1) * (n - 1) / (n - k_params)
    m = len(leads)
    np.testing.assert_allclose(result.coefficients.estimate[:m], fit.params[:m], atol=1e-8)
    np.testing.assert_allclose(result.coefficients.vcov[:m, :m], cov[:m, :m], atol=1e-10)
    f_test = fit.f_test(np.eye(design.shape[1])[:m], cov_p=cov)
    assert result.pretrend.distribution == "F"
    assert result.pretrend.df == (float(m), float(clusters - 1)) == (f_test.df_num, f_test.df_denom)
    assert result.pretrend.statistic == pytest.approx(float(f_test.fvalue), rel=1e-8)
    assert result.pretrend.p_value == pytest.approx(float(f_test.pvalue), rel=1e-8)
    assert result.pretrend.terms == tuple(f"e{e}" for e in leads)
    # covariance of leads and effects: lead influence functions (X'X)^-1 sum_c x e, scaled
    # like the leads' covariance, against the dense effect scores
    influence = np.linalg.inv(design.T @ design)[:m] @ np.column_stack(
        [design[rows["unit"].to_numpy() == u].T @ fit.resid[rows["unit"].to_numpy() == u]
         for u in np.unique(rows["unit"])])
    factor = clusters / (clusters - 1) * (n - 1) / (n - k_params)
    _, _, effect_scores = _dense_reference(
        frame, targets=list(result.post_periods),
        **_dense_for(frame, {**SIM, "covariates": list(covariates)}))
    cross = np.sqrt(factor) * influence @ effect_scores
    np.testing.assert_allclose(result.coefficients.vcov[:m, m:], cross, rtol=0,
                               atol=1e-10 * np.abs(cross).max())


def test_pretrend_test_with_more_leads_than_clusters():
    """The leads' covariance has rank at most G - 1: the F test keeps that many constraints."""
    frame = simulate_staggered_panel(40, 12, cohorts=(11,), seed=8).data
    panel = Panel(frame.assign(state=frame["unit"] % 4), **SIM, cluster="state")
    result = imputation(panel)
    assert len(result.pre_periods) == 9
    assert result.pretrend.df == (3.0, 3.0)
    assert result.pretrend.rank == 3


def test_fewer_leads_and_no_test():
    panel = Panel(simulate_staggered_panel(150, 7, cohorts=(3, 5, 7), seed=5).data, **SIM)
    full = imputation(panel)
    two = imputation(panel, pretrend_periods=2)
    assert two.pre_periods == (-2, -1)
    assert two.pretrend.df[0] == 2
    none = imputation(panel, pretrend_periods=0)
    assert none.pre_periods == () and none.pretrend is None
    # the post-treatment estimates do not depend on the test
    for result in (two, none):
        np.testing.assert_allclose(result.coefficients.estimate[-len(result.post_periods):],
                                   full.coefficients.estimate[-len(full.post_periods):])


# ---------------------------------------------------------------------------- (g) mpdta
def test_mpdta_values(mpdta_panel):
    result = imputation(mpdta_panel)
    assert isinstance(result, EventStudyResult)
    assert result.estimator == ESTIMATOR == "Imputation (Borusyak, Jaravel & Spiess)"
    assert result.event_time == tuple(MPDTA_VALUES)
    assert result.reference_period is None
    expected = np.array(list(MPDTA_VALUES.values()))
    np.testing.assert_allclose(result.coefficients.estimate, expected[:, 0], atol=5e-8)
    np.testing.assert_allclose(result.coefficients.std_error, expected[:, 1], atol=5e-8)
    assert result.coefficients.df is None  # normal critical values, as did_imputation
    assert result.pretrend.statistic == pytest.approx(MPDTA_PRETREND_F, abs=5e-7)
    assert result.pretrend.df == (3.0, 499.0)
    assert dict(result.sample) == {
        "rows": 2500, "units": 500, "periods": 5, "treated_units": 191, "control_units": 309,
        "clusters": 500, "treated_rows": 291, "control_rows": 2209,
        "always_treated_units_dropped": 0, "treated_rows_without_untreated_period": 0}
    overall = imputation_overall(mpdta_panel)
    assert isinstance(overall, DiDResult)
    assert (overall.estimate, overall.std_error) == pytest.approx(MPDTA_ATT, abs=5e-8)
    # the overall ATT is the treated-count-weighted mean of the event-time effects
    counts = mpdta_panel.event_time()
    weights = np.array([(counts == k).sum() for k in result.post_periods], dtype=float)
    post = result.coefficients.estimate[-len(weights):]
    assert overall.estimate == pytest.approx(weights @ post / weights.sum(), abs=1e-12)
    text = str(result)
    assert "Theorem 3" in text and "countyreal" in text and "F(3, 499)" in text


def test_horizons_are_estimated_independently(mpdta_panel):
    full = imputation(mpdta_panel, pretrend_periods=0)
    some = imputation(mpdta_panel, horizons=[2, 0], pretrend_periods=0)
    assert some.event_time == (0, 2)
    index = [full.event_time.index(k) for k in (0, 2)]
    np.testing.assert_allclose(some.coefficients.estimate, full.coefficients.estimate[index])
    np.testing.assert_allclose(some.coefficients.vcov, full.coefficients.vcov[np.ix_(index, index)])


def test_anticipation_moves_the_untreated_window(mpdta_panel):
    result = imputation(mpdta_panel, anticipation=1)
    # the 2004 cohort (20 counties) has no untreated year left: dropped, and with it the
    # only cohort observed 2 and 3 years after treatment
    assert result.sample["always_treated_units_dropped"] == 20
    assert result.event_time == (-3, -2, -1, 0, 1)
    assert result.pretrend.terms == ("e-3", "e-2")  # leads start before the anticipation window
    assert result.sample["control_rows"] == 2209 - 191  # one fewer untreated row per treated unit


# ---------------------------------------------------------------------------- (f) invariance
def test_invariant_to_row_order_labels_and_outcome_shift(mpdta):
    base = imputation(Panel(mpdta, **MPDTA))
    shuffled = mpdta.sample(frac=1.0, random_state=7)
    relabelled = mpdta.assign(countyreal=mpdta["countyreal"].map(
        lambda c: f"county-{(c * 7919) % 100003:06d}"))
    shifted = mpdta.assign(lemp=mpdta["lemp"] + 12.5)
    for frame in (shuffled, relabelled, shifted):
        other = imputation(Panel(frame, **MPDTA))
        np.testing.assert_allclose(other.coefficients.estimate, base.coefficients.estimate,
                                   rtol=0, atol=1e-10)
        np.testing.assert_allclose(other.coefficients.vcov, base.coefficients.vcov,
                                   rtol=1e-8, atol=1e-14)
        assert other.pretrend.statistic == pytest.approx(base.pretrend.statistic, rel=1e-8)


def test_weights_are_scale_free():
    frame = _small_panel()
    one = imputation(Panel(frame, **SIM, weights="w"))
    scaled = imputation(Panel(frame.assign(w=frame["w"] * 1000), **SIM, weights="w"))
    np.testing.assert_allclose(scaled.coefficients.estimate, one.coefficients.estimate, atol=1e-10)
    np.testing.assert_allclose(scaled.coefficients.vcov, one.coefficients.vcov, rtol=1e-8)


def test_the_callers_data_is_never_modified(mpdta):
    before = mpdta.copy(deep=True)
    panel = Panel(mpdta, **MPDTA)
    imputation(panel)
    imputation_overall(panel)
    pd.testing.assert_frame_equal(mpdta, before)
    pd.testing.assert_frame_equal(panel.data, Panel(before, **MPDTA).data)


# ---------------------------------------------------------------------------- samples
def test_always_treated_units_are_dropped_with_a_note():
    frame = _small_panel(drop=0)
    extra = frame[frame["unit"] <= 3].assign(unit=lambda f: f["unit"] + 1000, first_treated=1)
    with_extra = Panel(pd.concat([frame, extra], ignore_index=True), **SIM)
    result = imputation(with_extra)
    assert result.sample["always_treated_units_dropped"] == 3
    assert result.sample["units"] == 80
    reference = imputation(Panel(frame, **SIM))
    np.testing.assert_allclose(result.coefficients.estimate, reference.coefficients.estimate,
                               atol=1e-10)
    np.testing.assert_allclose(result.coefficients.vcov, reference.coefficients.vcov, rtol=1e-8)
    assert imputation_overall(with_extra).sample["always_treated_units_dropped"] == 3


def test_treated_rows_in_periods_without_untreated_rows_are_dropped():
    # no never-treated units: nobody is untreated from the last cohort's first period on
    sim = simulate_staggered_panel(90, 6, cohorts=(3, 5), shares=(0.5, 0.5, 0.0), seed=2)
    result = imputation(Panel(sim.data, **SIM))
    assert result.sample["treated_rows_without_untreated_period"] == 90 * 2
    assert result.post_periods == (0, 1)
    # 6 cohort x period cells of untreated rows for 2 cohort + 3 period effects: 1 lead
    assert result.pre_periods == (-1,)


# ---------------------------------------------------------------------------- broken input
def test_invalid_arguments_are_reported_together(mpdta_panel):
    with pytest.raises(InputError) as error:
        imputation(mpdta_panel, horizons="0", pretrend_periods=-1, anticipation=-2,
                   inference=Clustered("state"), alpha=1.5, average_effects_by="cohort")
    text = str(error.value)
    for name in ("horizons=", "pretrend_periods=", "anticipation=", "cluster=", "alpha=",
                 "average_effects_by="):
        assert name in text
    assert len(error.value.problems) == 6
    with pytest.raises(InputError, match="horizons=.*repeat"):
        imputation(mpdta_panel, horizons=[0, 0])
    with pytest.raises(InputError, match="panel: must be an evalkit Panel"):
        imputation(mpdta_panel.data)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="anticipation=5: must be smaller"):
        imputation_overall(mpdta_panel, anticipation=5)


def test_horizons_and_leads_that_do_not_exist(mpdta_panel):
    with pytest.raises(DataError, match=r"horizons=\[0, 4\].*0, 1, 2, 3.*\[4\] have none"):
        imputation(mpdta_panel, horizons=[0, 4])
    with pytest.raises(DataError, match="pretrend_periods=5: must be at most 4"):
        imputation(mpdta_panel, pretrend_periods=5)
    with pytest.raises(DataError, match="pretrend_periods=4: must be at most 3.*collinear"):
        imputation(mpdta_panel, pretrend_periods=4)


def test_no_pre_treatment_period_and_too_few_clusters(mpdta):
    panel = Panel(mpdta, **MPDTA)
    with pytest.raises(DataError, match="anticipation=4: no treated unit is observed"):
        imputation(panel, anticipation=4)
    one_cluster = Panel(mpdta.assign(all_=1), **MPDTA, cluster="all_")
    with pytest.raises(DataError, match="cluster='all_'.*at least 2 clusters.*got 1"):
        imputation_overall(one_cluster)


def test_single_cluster_cohorts_need_pooled_cells():
    frame = _small_panel(drop=0)
    lonely = frame[frame["unit"] == 1].assign(unit=999, first_treated=4)
    panel = Panel(pd.concat([frame, lonely], ignore_index=True), **SIM)
    with pytest.raises(EstimationError, match="first treated in 4 have a single cluster.*"
                                              "average_effects_by='event_time'"):
        imputation(panel)
    pooled = imputation(panel, average_effects_by="event_time")
    assert "leave-out residuals averaged by event time" in pooled.inference_text


def test_covariates_absorbed_by_unit_effects(mpdta):
    panel = Panel(mpdta, **MPDTA, covariates=["lpop"])  # constant within counties
    with pytest.raises(EstimationError, match="'lpop' does not vary within units"):
        imputation(panel)
