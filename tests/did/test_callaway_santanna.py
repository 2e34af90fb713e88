"""callaway_santanna: R ``did`` reference values, independent influence functions, options.

Reference values (R package ``did``, Callaway & Sant'Anna; mpdta, no covariates unless
stated, never-treated comparison units, doubly robust, varying base period)
-----------------------------------------------------------------------------------------
[ATT-GT]  GitHub bcallaway11/did, docs/reference/att_gt.md (commit 3571b74), examples of
          ``att_gt``: ``out1`` (xformla=NULL), ``out2`` (xformla=~lpop) and ``out3``
          (xformla=~lpop, control_group="notyettreated"): every ATT(g,t) to 4 decimals
          and the pre-test p-values 0.16812, 0.23267, 0.23326 (5 decimals); bootstrap
          standard errors of ``out1`` (set.seed(09152024), 1000 draws).
[AGGTE]   GitHub bcallaway11/did, docs/reference/aggte.md (commit 3571b74): ``aggte`` of
          ``out`` (= out1): simple -0.04 (s.e. 0.0119), dynamic -0.0772 (0.0208) with event
          times -3..3, group -0.031 (0.0126) with cohorts 2004, 2006, 2007, calendar
          -0.0417 (0.0175) with periods 2004..2007; all bootstrap standard errors.
[BASICS]  GitHub bcallaway11/did, docs/articles/did-basics.md (commit bad9be2), "An
          example with real data": ``aggte(mw.attgt, type="dynamic", balance_e=1)``: event
          times -2..1 = 0.0065, -0.0028, -0.0066, -0.0510, overall -0.0288 (s.e. 0.0135).
[PR223]   GitHub bcallaway11/did pull request 223 (2025-03-23): with bstrap=FALSE (analytic)
          the group aggregation prints ATT -0.031, std. error 0.0124.

Analytic standard errors have no more digits published; they are checked exactly (1e-10)
against an independent evaluation of the influence functions written out in this file
from the formulas of the paper and of R's ``compute.att_gt`` / ``compute.aggte``.
Bootstrap standard errors are simulated: 999 draws with a fixed seed must be within 10%
of R's (aggregates) or 15% (individual terms: two independent bootstrap estimates, each
with about 4% simulation error, printed to 4 digits).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from evalkit import (
    Clustered,
    DataError,
    EstimationError,
    EvalkitDeprecationWarning,
    InputError,
    Panel,
)
from evalkit.datasets import load_mpdta
from evalkit.did.callaway_santanna import callaway_santanna
from evalkit.inference.multiplier import MultiplierBootstrap
from evalkit.results import DiDResult, EventStudyResult
from evalkit.results.group_time import GroupTimeResult

MPDTA = {"unit": "countyreal", "time": "year", "outcome": "lemp", "first_treated": "first.treat"}
YEARS = [2004, 2005, 2006, 2007]
SEED = 20240915

# [ATT-GT] out1: cohort 2004, 2006, 2007 at 2004..2007
R_ATT = [-0.0105, -0.0704, -0.1373, -0.1008, 0.0065, -0.0028, -0.0046, -0.0412,
         0.0305, -0.0027, -0.0311, -0.0261]
R_ATT_BOOT_SE = [0.0258, 0.0341, 0.0384, 0.0354, 0.0235, 0.0192, 0.0184, 0.0207,
                 0.0161, 0.0157, 0.0184, 0.0176]
# [ATT-GT] out2 (~lpop) and out3 (~lpop, not yet treated)
R_ATT_LPOP = [-0.0145, -0.0764, -0.1404, -0.1069, -0.0005, -0.0062, 0.0010, -0.0413,
              0.0267, -0.0046, -0.0284, -0.0288]
R_ATT_LPOP_NYT = [-0.0212, -0.0816, -0.1382, -0.1069, -0.0075, -0.0046, 0.0087, -0.0413,
                  0.0269, -0.0042, -0.0284, -0.0288]
# [AGGTE]
R_EVENT = {-3: 0.0305, -2: -0.0006, -1: -0.0245, 0: -0.0199, 1: -0.0510, 2: -0.1373,
           3: -0.1008}
R_EVENT_SE = [0.0154, 0.0129, 0.0145, 0.0119, 0.0160, 0.0393, 0.0356]
R_COHORT = {2004: -0.0797, 2006: -0.0229, 2007: -0.0261}
R_COHORT_SE = [0.0300, 0.0163, 0.0167]
R_PERIOD = {2004: -0.0105, 2005: -0.0704, 2006: -0.0488, 2007: -0.0371}
R_PERIOD_SE = [0.0242, 0.0319, 0.0206, 0.0133]


@functools.cache
def _frame() -> pd.DataFrame:
    return load_mpdta()


@functools.cache
def _panel(covariates: tuple[str, ...] = ()) -> Panel:
    return Panel(_frame(), **MPDTA, covariates=list(covariates))


@functools.cache
def _fit(**options) -> GroupTimeResult:
    return callaway_santanna(_panel(), **options)


@functools.cache
def _boot() -> GroupTimeResult:
    return callaway_santanna(_panel(), inference=MultiplierBootstrap(n_draws=999,
                                                                     random_state=SEED))


def _digits(value: float, decimals: int) -> float:
    return 0.5 * 10.0 ** (-decimals) + 1e-12


# =========================================================================== independent IFs
def hand_cells(frame: pd.DataFrame, *, control: str = "never", base: str = "varying",
               anticipation: int = 0, weights: str | None = None, y: str = "lemp"):
    """Every ATT(g,t) and its influence function, written out from the formulas.

    ATT(g,t) = E_w[Y_t - Y_b | G = g] - E_w[Y_t - Y_b | C]; its influence function for unit
    i is n w_i (dY_i - m_1) / W_1 for the cohort, -n w_i (dY_i - m_0) / W_0 for the
    comparison units (W: summed weights), so that se = sqrt(sum_i psi_i^2) / n.
    """
    wide = frame.pivot(index="countyreal", columns="year", values=y)
    units = wide.index
    g = frame.groupby("countyreal")["first.treat"].first().reindex(units).to_numpy(float)
    w = (np.ones(len(units)) if weights is None else
         frame.groupby("countyreal")[weights].first().reindex(units).to_numpy(float))
    years = list(wide.columns)
    n = len(units)
    cells = []
    for cohort in sorted(set(g[g > 0])):
        base_post = max(p for p in years if p + anticipation < cohort)
        current = years[1:] if base == "varying" else years
        for t in current:
            b = base_post if (t >= cohort or base == "universal") else years[years.index(t) - 1]
            if t == b:
                continue
            treated = g == cohort
            if control == "never":
                comparison = g == 0
            else:
                comparison = (g == 0) | ((g > max(t, b) + anticipation) & (g != cohort))
            dy = (wide[t] - wide[b]).to_numpy()
            m1 = np.average(dy[treated], weights=w[treated])
            m0 = np.average(dy[comparison], weights=w[comparison])
            psi = np.zeros(n)
            psi[treated] = n * w[treated] * (dy[treated] - m1) / w[treated].sum()
            psi[comparison] = -n * w[comparison] * (dy[comparison] - m0) / w[comparison].sum()
            cells.append({"g": cohort, "t": t, "att": m1 - m0, "psi": psi})
    return cells, g, w, n


def hand_aggregate(cells, g, w, n, keep):
    """R's ``compute.aggte``: share-weighted ATT of the cells ``keep`` selects, and its
    influence function including the estimation of the weights (``wif``), literally."""
    chosen = [c for c in cells if keep(c)]
    pg = np.array([np.mean(w * (g == c["g"])) for c in chosen])
    att = np.array([c["att"] for c in chosen])
    theta = pg @ att / pg.sum()
    psi = sum(p / pg.sum() * c["psi"] for p, c in zip(pg, chosen, strict=True))
    indicators = np.column_stack([w * (g == c["g"]) - p for p, c in zip(pg, chosen, strict=True)])
    wif = indicators / pg.sum() - np.outer(indicators.sum(axis=1), pg / pg.sum() ** 2)
    return theta, psi + wif @ att


def se_of(psi: np.ndarray, n: int) -> float:
    return float(np.sqrt(np.sum(psi ** 2)) / n)


# =========================================================================== R references
def test_att_gt_match_r_to_the_printed_digits():
    result = _fit()
    assert list(result.cohort) == [2004] * 4 + [2006] * 4 + [2007] * 4
    assert list(result.period) == YEARS * 3
    np.testing.assert_allclose(result.estimate, R_ATT, atol=_digits(0, 4))  # [ATT-GT]


def test_pretest_matches_r_to_five_digits():
    result = _fit()
    assert result.pretrend.df == (5,)  # five pre-treatment cells
    assert result.pretrend.p_value == pytest.approx(0.16812, abs=_digits(0, 5))  # [ATT-GT]
    assert result.pretrend.distribution == "chi2"


@pytest.mark.parametrize(("control_group", "expected", "p_value"), [
    ("never_treated", R_ATT_LPOP, 0.23267), ("not_yet_treated", R_ATT_LPOP_NYT, 0.23326)])
def test_covariate_lpop_matches_r(control_group, expected, p_value):
    """[ATT-GT] out2 and out3: doubly robust with lpop (DRDID::drdid_panel)."""
    result = callaway_santanna(_panel(("lpop",)), control_group=control_group)
    np.testing.assert_allclose(result.estimate, expected, atol=_digits(0, 4))
    assert result.pretrend.p_value == pytest.approx(p_value, abs=_digits(0, 5))


def test_aggregations_match_r():
    result = _fit()
    assert result.overall().estimate == pytest.approx(-0.0400, abs=_digits(0, 4))  # [AGGTE]
    es = result.event_study()
    assert es.event_time == tuple(R_EVENT)
    np.testing.assert_allclose(es.coefficients.estimate, list(R_EVENT.values()),
                               atol=_digits(0, 4))
    assert es.average_effect()["estimate"] == pytest.approx(-0.0772, abs=_digits(0, 4))
    cohorts = result.by_cohort()
    assert cohorts.estimate == pytest.approx(-0.0310, abs=_digits(0, 4))
    np.testing.assert_allclose(cohorts.coefficients.estimate[:3], list(R_COHORT.values()),
                               atol=_digits(0, 4))
    assert cohorts.coefficients.terms == ("cohort 2004", "cohort 2006", "cohort 2007", "ATT")
    periods = result.by_period()
    assert periods.estimate == pytest.approx(-0.0417, abs=_digits(0, 4))
    np.testing.assert_allclose(periods.coefficients.estimate[:4], list(R_PERIOD.values()),
                               atol=_digits(0, 4))


def test_balanced_event_study_matches_r():
    es = _fit().event_study(balance_event_time=1)  # [BASICS]
    assert es.event_time == (-2, -1, 0, 1)
    np.testing.assert_allclose(es.coefficients.estimate, [0.0065, -0.0028, -0.0066, -0.0510],
                               atol=_digits(0, 4))
    assert es.average_effect()["estimate"] == pytest.approx(-0.0288, abs=_digits(0, 4))


def test_analytic_cohort_standard_error_as_printed_in_r_pull_request_223():
    result = _fit().by_cohort()
    assert result.estimate == pytest.approx(-0.031, abs=_digits(0, 3))
    assert result.std_error == pytest.approx(0.0124, abs=_digits(0, 4))  # [PR223]


def test_bootstrap_standard_errors_within_simulation_error_of_r():
    result = _boot()
    np.testing.assert_allclose(result.std_error, R_ATT_BOOT_SE, rtol=0.15)  # [ATT-GT]
    overall = result.overall()
    assert overall.std_error == pytest.approx(0.0119, rel=0.10)  # [AGGTE]
    es = result.event_study()
    np.testing.assert_allclose(es.coefficients.std_error, R_EVENT_SE, rtol=0.15)
    text = es.sample["Average effect, event times >= 0 (bootstrap)"]
    assert float(text.split("error ")[1].rstrip(")")) == pytest.approx(0.0208, rel=0.10)
    cohorts = result.by_cohort()
    assert cohorts.std_error == pytest.approx(0.0126, rel=0.10)
    np.testing.assert_allclose(cohorts.coefficients.std_error[:3], R_COHORT_SE, rtol=0.15)
    periods = result.by_period()
    assert periods.std_error == pytest.approx(0.0175, rel=0.10)
    np.testing.assert_allclose(periods.coefficients.std_error[:4], R_PERIOD_SE, rtol=0.15)
    # R's printed uniform bands imply critical values of about 2.7 (cells) and 2.6 (events)
    assert 2.3 < result.band_critical_value < 3.1
    assert 2.2 < es.band_critical_value < 3.0


# =========================================================================== independent IFs
def test_cell_standard_errors_and_covariance_equal_the_influence_function_formula():
    result = _fit()
    cells, g, w, n = hand_cells(_frame())
    np.testing.assert_allclose(result.estimate, [c["att"] for c in cells], rtol=1e-12)
    psi = np.column_stack([c["psi"] for c in cells])
    np.testing.assert_allclose(result.coefficients.vcov, psi.T @ psi / n ** 2, rtol=1e-10,
                               atol=1e-18)
    np.testing.assert_allclose(result.std_error, [se_of(c["psi"], n) for c in cells],
                               rtol=1e-10)
    pre = [i for i, c in enumerate(cells) if c["g"] > c["t"]]
    b = np.array([cells[i]["att"] for i in pre])
    cov = (psi[:, pre].T @ psi[:, pre]) / n ** 2
    statistic = b @ np.linalg.solve(cov, b)
    assert result.pretrend.statistic == pytest.approx(statistic, rel=1e-10)
    assert result.pretrend.p_value == pytest.approx(stats.chi2.sf(statistic, len(pre)),
                                                    rel=1e-9)


def test_aggregated_standard_errors_include_the_weights_influence_function():
    result = _fit()
    cells, g, w, n = hand_cells(_frame())
    # simple
    theta, psi = hand_aggregate(cells, g, w, n, lambda c: c["t"] >= c["g"])
    overall = result.overall()
    assert overall.estimate == pytest.approx(theta, rel=1e-12)
    assert overall.std_error == pytest.approx(se_of(psi, n), rel=1e-10)
    assert abs(psi.mean()) < 1e-12  # an influence function has mean zero
    # the weights' influence function matters: without it the s.e. is different
    naive = sum(p * c["psi"] for p, c in zip(
        *_shares(cells, g, w, lambda c: c["t"] >= c["g"]), strict=True))
    assert abs(se_of(naive, n) - overall.std_error) > 1e-4
    # dynamic: each event time, then the plain average over e >= 0 (no further weights)
    es = result.event_study()
    event_ifs = {}
    for e in R_EVENT:
        theta_e, psi_e = hand_aggregate(cells, g, w, n, lambda c, e=e: c["t"] - c["g"] == e)
        event_ifs[e] = psi_e
        i = es.event_time.index(e)
        assert es.coefficients.estimate[i] == pytest.approx(theta_e, rel=1e-12)
        assert es.coefficients.std_error[i] == pytest.approx(se_of(psi_e, n), rel=1e-10)
    average = np.mean([event_ifs[e] for e in R_EVENT if e >= 0], axis=0)
    assert es.average_effect()["std_error"] == pytest.approx(se_of(average, n), rel=1e-10)
    # calendar: each period, then the plain average
    periods = result.by_period()
    period_ifs = []
    for k, t in enumerate(YEARS):
        theta_t, psi_t = hand_aggregate(cells, g, w, n,
                                        lambda c, t=t: c["t"] == t and c["t"] >= c["g"])
        period_ifs.append(psi_t)
        assert periods.coefficients.std_error[k] == pytest.approx(se_of(psi_t, n), rel=1e-10)
    assert periods.std_error == pytest.approx(se_of(np.mean(period_ifs, axis=0), n), rel=1e-10)


def _shares(cells, g, w, keep):
    chosen = [c for c in cells if keep(c)]
    pg = np.array([np.mean(w * (g == c["g"])) for c in chosen])
    return pg / pg.sum(), chosen


def test_cohort_aggregation_uses_each_cohorts_own_indicator():
    """The overall cohort effect's weight IF uses 1{G = g} of each cohort (R PR 223)."""
    result = _fit().by_cohort()
    cells, g, w, n = hand_cells(_frame())
    cohorts = sorted(R_COHORT)
    effects, ifs = [], []
    for cohort in cohorts:
        post = [c for c in cells if c["g"] == cohort and c["t"] >= cohort]
        effects.append(np.mean([c["att"] for c in post]))
        ifs.append(np.mean([c["psi"] for c in post], axis=0))
    for k in range(3):
        assert result.coefficients.std_error[k] == pytest.approx(se_of(ifs[k], n), rel=1e-10)
    pg = np.array([np.mean(w * (g == c)) for c in cohorts])
    theta = pg @ effects / pg.sum()
    indicators = np.column_stack([w * (g == c) - p for c, p in zip(cohorts, pg, strict=True)])
    wif = indicators / pg.sum() - np.outer(indicators.sum(axis=1), pg / pg.sum() ** 2)
    psi = sum(p / pg.sum() * f for p, f in zip(pg, ifs, strict=True)) + wif @ effects
    assert abs(psi.mean()) < 1e-12
    assert result.estimate == pytest.approx(theta, rel=1e-12)
    assert result.std_error == pytest.approx(se_of(psi, n), rel=1e-10)


def test_weighted_estimates_and_influence_functions():
    frame = _frame().copy()
    rng = np.random.default_rng(5)
    unit_weight = dict(zip(frame["countyreal"].unique(), rng.uniform(0.5, 2.0, 500),
                           strict=True))
    frame["w"] = frame["countyreal"].map(unit_weight)
    result = callaway_santanna(Panel(frame, **MPDTA, weights="w"))
    cells, g, w, n = hand_cells(frame, weights="w")
    np.testing.assert_allclose(result.estimate, [c["att"] for c in cells], rtol=1e-12)
    np.testing.assert_allclose(result.std_error, [se_of(c["psi"], n) for c in cells],
                               rtol=1e-10)
    theta, psi = hand_aggregate(cells, g, w, n, lambda c: c["t"] >= c["g"])
    assert result.overall().estimate == pytest.approx(theta, rel=1e-12)
    assert result.overall().std_error == pytest.approx(se_of(psi, n), rel=1e-10)
    # constant weights change nothing
    frame["w"] = 3.0
    same = callaway_santanna(Panel(frame, **MPDTA, weights="w"))
    np.testing.assert_allclose(same.estimate, _fit().estimate, rtol=1e-12)
    np.testing.assert_allclose(same.std_error, _fit().std_error, rtol=1e-10)


@pytest.mark.parametrize(("options", "hand"), [
    ({"control_group": "not_yet_treated"}, {"control": "not_yet"}),
    ({"base_period": "universal"}, {"base": "universal"}),
    ({"anticipation": 1}, {"anticipation": 1}),
    ({"anticipation": 1, "control_group": "not_yet_treated", "base_period": "universal"},
     {"anticipation": 1, "control": "not_yet", "base": "universal"}),
])
def test_options_match_their_definitions(options, hand):
    """Comparison units, base periods and anticipation as defined in R's att_gt."""
    result = _fit(**options)
    frame = _frame()
    if options.get("anticipation"):  # cohort 2004 has no period before 2004 - 1
        frame = frame[frame["first.treat"] != 2004]
    cells, g, w, n = hand_cells(frame, **hand)
    assert [(c["g"], c["t"]) for c in cells] == list(zip(result.cohort, result.period,
                                                         strict=True))
    np.testing.assert_allclose(result.estimate, [c["att"] for c in cells], rtol=1e-12)
    np.testing.assert_allclose(result.std_error, [se_of(c["psi"], n) for c in cells],
                               rtol=1e-10)


def test_universal_base_period_reference_cells():
    result = _fit(base_period="universal")
    varying = _fit()
    post = result.period >= result.cohort
    np.testing.assert_allclose(result.estimate[post], varying.estimate[varying.period >=
                                                                       varying.cohort])
    assert result.reference_cells == ((2004.0, 2003.0), (2006.0, 2005.0), (2007.0, 2006.0))
    table = result.tidy()
    ref = table.loc[table["term"] == "ATT(2006,2005)"].iloc[0]
    assert ref["estimate"] == 0 and np.isnan(ref["std_error"]) and ref["event_time"] == -1
    assert len(result.tidy(include_reference=False)) == len(result.coefficients.terms)
    es = result.event_study()
    assert es.reference_period == -1 and -1 not in es.event_time
    assert es.event_time == (-4, -3, -2, 0, 1, 2, 3)
    # the universal pre-cells are cumulated varying ones: the pre-test is the same
    assert result.pretrend.statistic == pytest.approx(varying.pretrend.statistic, rel=1e-9)


def test_anticipation_drops_the_cohort_without_a_clean_base_period_with_a_note():
    result = _fit(anticipation=1)
    assert 2004 not in result.cohort
    assert any("20 units first treated by period 2004" in note for note in result.notes)
    assert "20 units first treated by period 2004" in str(result)
    # post-treatment cells of cohort 2006 compare with 2004 = 2006 - 1 - 1
    frame = _frame()
    wide = frame.pivot(index="countyreal", columns="year", values="lemp")
    g = frame.groupby("countyreal")["first.treat"].first()
    dy = wide[2006] - wide[2004]
    expected = dy[g == 2006].mean() - dy[g == 0].mean()
    k = list(result.coefficients.terms).index("ATT(2006,2006)")
    assert result.estimate[k] == pytest.approx(expected, rel=1e-12)


def test_cohort_treated_in_first_period_is_dropped_with_a_note():
    frame = _frame().copy()
    early = frame["countyreal"].isin(frame["countyreal"].unique()[:7])
    frame.loc[early, "first.treat"] = 2003
    result = callaway_santanna(Panel(frame, **MPDTA))
    assert any(note.startswith("7 units first treated in or before the first period, 2003")
               for note in result.notes)
    assert "Note: 7 units first treated" in result.summary().as_text()
    reference = callaway_santanna(Panel(frame.loc[~early], **MPDTA))
    np.testing.assert_allclose(result.estimate, reference.estimate, rtol=1e-12)
    np.testing.assert_allclose(result.std_error, reference.std_error, rtol=1e-10)
    assert result.overall().std_error == pytest.approx(reference.overall().std_error,
                                                       rel=1e-10)


def test_not_yet_treated_without_never_treated_units_drops_late_periods_as_r():
    frame = _frame()
    frame = frame[frame["first.treat"] > 0]
    with pytest.raises(DataError, match="control_group='not_yet_treated'"):
        callaway_santanna(Panel(frame, **MPDTA))
    result = callaway_santanna(Panel(frame, **MPDTA), control_group="not_yet_treated")
    assert set(result.period) <= {2004, 2005, 2006}
    assert set(result.cohort) == {2004, 2006}
    assert any("periods from 2007 on are dropped" in note for note in result.notes)
    # ATT(2004,2005): cohort 2004 against cohorts 2006 and 2007 (not yet treated in 2005)
    wide = frame.pivot(index="countyreal", columns="year", values="lemp")
    g = frame.groupby("countyreal")["first.treat"].first()
    dy = wide[2005] - wide[2003]
    expected = dy[g == 2004].mean() - dy[g > 2005].mean()
    k = list(result.coefficients.terms).index("ATT(2004,2005)")
    assert result.estimate[k] == pytest.approx(expected, rel=1e-12)


def test_methods_coincide_without_covariates():
    base = _fit()
    for method in ("outcome_regression", "inverse_probability"):
        other = _fit(method=method)
        np.testing.assert_allclose(other.estimate, base.estimate, rtol=1e-12)
        np.testing.assert_allclose(other.std_error, base.std_error, rtol=1e-12)


def test_covariate_estimators_agree_with_statsmodels_fits():
    """ATT(2004,2005) with lpop, by regression and weighting fitted with statsmodels."""
    sm = pytest.importorskip("statsmodels.api")
    frame = _frame()
    wide = frame.pivot(index="countyreal", columns="year", values="lemp")
    lpop = frame[frame["year"] == 2003].set_index("countyreal")["lpop"].reindex(wide.index)
    g = frame.groupby("countyreal")["first.treat"].first().reindex(wide.index)
    keep = (g == 2004) | (g == 0)
    d = (g[keep] == 2004).to_numpy(float)
    dy = (wide[2005] - wide[2003])[keep].to_numpy()  # base period g - 1 = 2003
    x = sm.add_constant(lpop[keep].to_numpy())
    beta = sm.OLS(dy[d == 0], x[d == 0]).fit().params
    reg = dy[d == 1].mean() - (x[d == 1] @ beta).mean()
    ps = sm.Logit(d, x).fit(disp=0, tol=1e-12).predict(x)
    odds = ps * (1 - d) / (1 - ps)
    ipw = dy[d == 1].mean() - odds @ dy / odds.sum()
    dr = (dy - x @ beta)[d == 1].mean() - odds @ (dy - x @ beta) / odds.sum()
    k = 1  # ATT(2004,2005)
    results = {m: callaway_santanna(_panel(("lpop",)), method=m).estimate[k]
               for m in ("outcome_regression", "inverse_probability", "doubly_robust")}
    assert results["outcome_regression"] == pytest.approx(reg, rel=1e-9)
    assert results["inverse_probability"] == pytest.approx(ipw, rel=1e-6)
    assert results["doubly_robust"] == pytest.approx(dr, rel=1e-6)


# =========================================================================== results
def test_result_types_and_descriptions():
    result = _fit()
    assert isinstance(result.overall(), DiDResult)
    assert isinstance(result.by_cohort(), DiDResult)
    assert isinstance(result.by_period(), DiDResult)
    assert isinstance(result.event_study(), EventStudyResult)
    assert isinstance(result.event_study(balance_event_time=1), EventStudyResult)
    assert _boot().band_critical_value is not None and result.band_critical_value is None
    assert "analytic" in result.inference_text and "bstrap=FALSE" in result.inference_text
    assert "multiplier bootstrap (999 draws" in _boot().inference_text
    assert "interquartile range" in _boot().overall().inference_text
    assert "cohort-share weights" in result.overall().inference_text
    assert result.sample["units"] == 500 and result.sample["rows"] == 2500
    assert result.sample["treated_units"] == 191 and result.sample["control_units"] == 309
    assert dict(result.cohort_sizes) == {"2004": 20, "2006": 40, "2007": 131, "never": 309}
    assert result.provenance.function == "evalkit.did.callaway_santanna"
    assert result.provenance.data_fingerprint == _panel().fingerprint
    assert result.overall().provenance.specification["aggregation"] == "simple"
    table = _boot().tidy()
    assert list(table.columns) == ["term", "cohort", "period", "event_time", "estimate",
                                   "std_error", "statistic", "p_value", "conf_low",
                                   "conf_high", "band_low", "band_high"]
    assert list(table["event_time"]) == [0, 1, 2, 3, -2, -1, 0, 1, -3, -2, -1, 0]
    for render in (str(result), result._repr_html_(), result.summary().as_latex()):
        assert "ATT(2004,2005)" in render
    assert "Pre-test of parallel trends" in str(result)
    assert "Uniform band critical value" in str(_boot())


def test_event_study_window_and_bad_windows():
    result = _fit()
    es = result.event_study(min_event_time=-1, max_event_time=2)
    assert es.event_time == (-1, 0, 1, 2)
    assert es.average_effect()["estimate"] == pytest.approx(
        np.mean([R_EVENT[0], R_EVENT[1], R_EVENT[2]]), abs=2e-4)
    with pytest.raises(InputError, match="no event time is left"):
        result.event_study(min_event_time=5)
    with pytest.raises(InputError, match="balance_event_time=-1"):
        result.event_study(balance_event_time=-1)
    with pytest.raises(InputError, match="min_event_time=1.5"):
        result.event_study(min_event_time=1.5)


def test_with_alpha_changes_intervals_and_band_only():
    result = _boot()
    wider = result.with_alpha(0.01)
    np.testing.assert_array_equal(wider.estimate, result.estimate)
    np.testing.assert_array_equal(wider.std_error, result.std_error)
    assert wider.band_critical_value > result.band_critical_value
    assert (wider.overall().conf_int().loc["ATT", "lower"]
            < result.overall().conf_int().loc["ATT", "lower"])
    with pytest.raises(InputError, match="alpha=2"):
        result.with_alpha(2)


# =========================================================================== bad input
def test_unknown_options_list_the_allowed_ones():
    with pytest.raises(InputError) as info:
        callaway_santanna(_panel(), method="dr", control_group="nevertreated",
                          base_period="fixed", data_type="wide", unbalanced="fill",
                          inference="bootstrap", anticipation=-1, alpha=1.5)
    text = str(info.value)
    for expected in ("method='dr': must be one of 'doubly_robust', 'outcome_regression', "
                     "'inverse_probability'", "control_group='nevertreated'",
                     "base_period='fixed'", "data_type='wide'", "unbalanced='fill'",
                     "inference='bootstrap'", "anticipation=-1", "alpha=1.5"):
        assert expected in text
    with pytest.raises(InputError, match="must be an evalkit.Panel"):
        callaway_santanna(_frame())


def test_bad_covariates_and_clusters_are_named():
    with pytest.raises(InputError, match="'population' is not a column of the panel"):
        callaway_santanna(_panel(), covariates=["population"])
    with pytest.raises(InputError, match="'lemp' is the panel's outcome column"):
        callaway_santanna(_panel(), covariates=["lemp"])
    with pytest.raises(InputError, match="cluster='state'"):
        callaway_santanna(_panel(), inference=Clustered("state"))
    # the deprecated cluster= and the kind's cluster must agree
    with pytest.raises(InputError, match="name the clustering column once"), \
            pytest.warns(EvalkitDeprecationWarning, match="cluster='countyreal' is deprecated"):
        callaway_santanna(_panel(("lpop",)), cluster="countyreal",
                          inference=MultiplierBootstrap(cluster="lpop"))
    with pytest.raises(InputError, match=r"n_draws=5"):
        callaway_santanna(_panel(), inference=MultiplierBootstrap(n_draws=5))
    with pytest.raises(InputError, match=r"distribution='normal'"):
        callaway_santanna(_panel(), inference=MultiplierBootstrap(distribution="normal"))


def test_singular_covariates_are_named():
    frame = _frame().copy()
    frame["lpop2"] = 2 * frame["lpop"] + 1
    frame["one"] = 1.0
    panel = Panel(frame, **MPDTA, covariates=["lpop", "lpop2", "one"])
    with pytest.raises(DataError, match=r"'lpop2', 'one' are constant or a linear combination"):
        callaway_santanna(panel)


def test_cluster_problems():
    frame = _frame().copy()
    frame["state"] = 1
    with pytest.raises(DataError, match="at least 2 clusters"):
        callaway_santanna(Panel(frame, **MPDTA, cluster="state"))
    frame["state"] = frame["year"]  # varies within units
    with pytest.raises(DataError, match="must be constant within each unit"):
        callaway_santanna(Panel(frame, **MPDTA, cluster="state"))


def test_cell_without_overlap_is_an_error_naming_the_cell():
    frame = _frame().copy()
    # a covariate that separates cohort 2004 from the never-treated units perfectly
    frame["x"] = np.where(frame["first.treat"] == 2004, 1.0, 0.0) + 1e-3 * frame["lpop"]
    with pytest.raises(EstimationError, match=r"ATT\(2004,2004\)"):
        callaway_santanna(Panel(frame, **MPDTA, covariates=["x"]))


def test_irregular_periods_and_treatment_indicator_panels():
    """Periods relabelled by an increasing map (irregular spacing) change nothing: base
    periods and event times are positions on the period grid. A 0/1 treatment column
    describes the same cohorts."""
    frame = _frame().copy()
    relabel = {2003: 1, 2004: 2, 2005: 4, 2006: 7, 2007: 8, 0: 0}
    frame["year"] = frame["year"].map(relabel)
    frame["first.treat"] = frame["first.treat"].map(relabel)
    result = callaway_santanna(Panel(frame, **MPDTA))
    base = _fit()
    np.testing.assert_allclose(result.estimate, base.estimate, rtol=1e-12)
    np.testing.assert_allclose(result.std_error, base.std_error, rtol=1e-10)
    np.testing.assert_array_equal(result.event_time, base.event_time)
    es, es0 = result.event_study(), base.event_study()
    assert es.event_time == es0.event_time
    np.testing.assert_allclose(es.coefficients.estimate, es0.coefficients.estimate, rtol=1e-12)
    by_treatment = _frame().assign(d=lambda f: ((f["first.treat"] > 0)
                                                & (f["year"] >= f["first.treat"])).astype(int))
    panel = Panel(by_treatment, unit="countyreal", time="year", outcome="lemp", treatment="d")
    np.testing.assert_allclose(callaway_santanna(panel).estimate, base.estimate, rtol=1e-12)
