"""extended_twfe: R etwfe's numbers on mpdta, identities, invariances, known truth, bad input.

Reference values
----------------
All from R etwfe 0.6.2 (fixest for the regression, marginaleffects for ``emfx``), on
``data("mpdta", package = "did")``, as recorded at full precision (``dput``) in the
package's own tests, ``inst/tinytest/test_etwfe.R`` and ``inst/tinytest/test_emfx.R``
(github.com/grantmcdermott/etwfe, release 0.6.2); the README prints the same to 4
digits (``emfx(mod, type = "event")``: 0 -0.0332 (0.0134), 1 -0.0573 (0.0171),
2 -0.1379 (0.0308), 3 -0.1095 (0.0323)) and the ``lpop`` slope 1.065461 (0.021824):

- m1 = etwfe(lemp ~ 0, tvar = year, gvar = first.treat, data = mpdta, vcov = ~countyreal)
  then ``fixest::coeftable(m1)``;
- m2 = the same with ``cgroup = "never"``;
- m3 = etwfe(lemp ~ lpop, tvar = year, gvar = first.treat, data = mpdta,
  vcov = ~countyreal), ``coeftable(m3)`` and ``emfx(m3, type = "simple" | "calendar" |
  "group" | "event")``;
- m3n = m3 with ``cgroup = "never"``, ``emfx(m3n, type = "event", window = c(2, 3))``.

The regression coefficients and their clustered standard errors are exact (fixest solves
the same least squares): compared at 1e-9. ``emfx`` differentiates numerically, which
moves its standard errors in the 8th digit (its calendar-2004 standard error,
0.0217240110, is the 2004x2004 coefficient's, 0.0217240176): compared at 1e-7.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from evalkit import DataError, InputError, Panel
from evalkit.data.simulate import simulate_staggered_panel
from evalkit.did.extended_twfe import extended_twfe
from evalkit.did.imputation import imputation, imputation_overall
from evalkit.did.sun_abraham import fit_interactions
from evalkit.errors import EstimationError
from evalkit.inference import Classical, Clustered, Robust
from evalkit.results import DiDResult, EventStudyResult
from evalkit.results.contract import TIDY_CORE_COLUMNS, MultiEffectResult, Result
from evalkit.results.extended_twfe import ExtendedTWFEResult

MPDTA = {"unit": "countyreal", "time": "year", "outcome": "lemp", "first_treated": "first.treat"}
CELLS = ["ATT(2004,2004)", "ATT(2004,2005)", "ATT(2004,2006)", "ATT(2004,2007)",
         "ATT(2006,2006)", "ATT(2006,2007)", "ATT(2007,2007)"]

# test_etwfe.R, m1_known (coeftable: estimate, std. error)
M1 = [(-0.0193723636759116, 0.0223952764912568), (-0.0783190990620529, 0.030506236091693),
      (-0.136078114440309, 0.0354768817979489), (-0.104707471576594, 0.0338947465597152),
      (0.00251386194191313, 0.0199448451562706), (-0.0391927355917248, 0.0240232361043774),
      (-0.0431060328087001, 0.0184422693090335)]
# test_etwfe.R, m2_known (cgroup = "never"): cells 2004x2004..2007, 2006x2003, 2006x2004,
# 2006x2006, 2006x2007, 2007x2003, 2007x2004, 2007x2005, 2007x2007
M2_CELLS = ["ATT(2004,2004)", "ATT(2004,2005)", "ATT(2004,2006)", "ATT(2004,2007)",
            "ATT(2006,2003)", "ATT(2006,2004)", "ATT(2006,2006)", "ATT(2006,2007)",
            "ATT(2007,2003)", "ATT(2007,2004)", "ATT(2007,2005)", "ATT(2007,2007)"]
M2 = [(-0.0105032462209509, 0.0233633078987137), (-0.0704231581031381, 0.0311343819027016),
      (-0.137258738889396, 0.0366116000064794), (-0.100811363085397, 0.0345251351219756),
      (-0.00376929367371485, 0.0314933678411734), (0.00275081875051886, 0.0196530028296998),
      (-0.00459460695286396, 0.0178409306056071), (-0.041224471546218, 0.0203268606975245),
      (0.00330635669251332, 0.0245699429153858), (0.033813012275807, 0.0212312006908406),
      (0.0310871193896906, 0.0179638358765074), (-0.0260544107191967, 0.0167358589135634)]
# test_etwfe.R, m3_known: the .Dtreat cell coefficients (lpop_dm has cohort mean 0 in
# every cell of mpdta, lpop being time-invariant, so they are the cells' average effects)
M3 = [(-0.0212480022225509, 0.0217240175852948), (-0.0818499992698647, 0.0273693782016555),
      (-0.137870386660852, 0.0307883605600032), (-0.10953945536511, 0.0323152812535003),
      (0.00253680638189265, 0.0188790276715869), (-0.04509347225369, 0.0219826417092899),
      (-0.0459545277368072, 0.017971446660356)]
# test_etwfe.R, m3_known: the covariate's coefficients (fixest's lpop, first.treat::g:lpop,
# year::t:lpop, .Dtreat:first.treat::g:year::t:lpop_dm)
M3_LPOP = {"lpop": (1.06546108405747, 0.0218237817228486),
           "cohort 2004:lpop": (0.0509823826985821, 0.0377557671485909),
           "cohort 2006:lpop": (-0.041095431207238, 0.047389569045131),
           "cohort 2007:lpop": (0.0555183938817427, 0.0392123848205692),
           "period 2004:lpop": (0.011013688481133, 0.00755374493475534),
           "period 2005:lpop": (0.0207333310655632, 0.0081044417942881),
           "period 2006:lpop": (0.0105353915454823, 0.0108156893383766),
           "period 2007:lpop": (0.0209209626492697, 0.0118083552383958),
           "ATT(2004,2004):lpop": (0.00462780039742067, 0.0175803616035178),
           "ATT(2004,2005):lpop": (0.0251130755098969, 0.0179002505276808),
           "ATT(2004,2006):lpop": (0.0507345526392162, 0.0210659128405859),
           "ATT(2004,2007):lpop": (0.0112496795427671, 0.0266117743663025),
           "ATT(2006,2006):lpop": (0.0389351822929353, 0.0164685801973129),
           "ATT(2006,2007):lpop": (0.0380597297024231, 0.0224724271460086),
           "ATT(2007,2007):lpop": (-0.0198351447054503, 0.0161949112478703)}
# test_emfx.R: simple_known, calendar_known, group_known, event_known (estimate, std.error)
SIMPLE = (-0.0506270331228907, 0.0124972546529842)
SIMPLE_CI = (-0.0751212021483654, -0.026132864097416)
CALENDAR = {"period 2004": (-0.0212480022225509, 0.0217240109737018),
            "period 2005": (-0.0818499992698648, 0.0273693827216135),
            "period 2006": (-0.0442655912990223, 0.0173733625406716),
            "period 2007": (-0.0524323095862384, 0.015015825012757)}
GROUP = {"cohort 2004": (-0.0876269608795944, 0.0230474099815232),
         "cohort 2006": (-0.0212783329358987, 0.0185912208081438),
         "cohort 2007": (-0.0459545277368072, 0.0179714452432232)}
EVENT = {"e0": (-0.0332122037837542, 0.0133659635774059),
         "e+1": (-0.0573456479257483, 0.0171496442892364),
         "e+2": (-0.137870386660852, 0.0307883597041053),
         "e+3": (-0.10953945536511, 0.0323152785480507)}
# test_emfx.R: event_never_window_known, emfx(m3n, type = "event", window = c(2, 3))
EVENT_NEVER = {"e-2": (0.0234649547538384, 0.0145314904277398),
               "e0": (-0.0211467366918433, 0.0113935648352396),
               "e+1": (-0.0533558653415615, 0.0157744281621729),
               "e+2": (-0.141080104628566, 0.0322891808795742),
               "e+3": (-0.107544274673025, 0.0329231688783015)}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    from evalkit.datasets import load_mpdta

    return load_mpdta()


@pytest.fixture(scope="module")
def with_lpop(frame):
    return extended_twfe(Panel(frame, **MPDTA, covariates=["lpop"]))


@pytest.fixture(scope="module")
def never_lpop(frame):
    return extended_twfe(Panel(frame, **MPDTA, covariates=["lpop"]),
                         control_group="never_treated")


def _check(coefficients, terms, expected, atol_se):
    for term, (estimate, se) in zip(terms, expected, strict=True):
        i = coefficients.index(term)
        assert coefficients.estimate[i] == pytest.approx(estimate, abs=1e-9), term
        assert coefficients.std_error[i] == pytest.approx(se, abs=atol_se), term


# --------------------------------------------------------------------------- references
def test_not_yet_treated_without_covariates_is_etwfe_m1(frame):
    result = extended_twfe(Panel(frame, **MPDTA))
    assert result.coefficients.terms == tuple(CELLS)
    _check(result.coefficients, CELLS, M1, 1e-9)
    assert result.coefficients.df == 499  # fixest: t with G - 1 degrees of freedom


def test_never_treated_without_covariates_is_etwfe_m2(frame):
    result = extended_twfe(Panel(frame, **MPDTA), control_group="never_treated")
    assert sorted(result.coefficients.terms) == sorted(M2_CELLS)
    _check(result.coefficients, M2_CELLS, M2, 1e-9)


def test_covariate_cells_are_etwfe_m3(with_lpop):
    _check(with_lpop.coefficients, CELLS, M3, 1e-9)
    assert "K = 30" in with_lpop.inference_text  # 22 coefficients + 4 cohorts + 5 years - 1
    slopes = with_lpop.covariate_coefficients
    assert slopes is not None and slopes.terms == tuple(M3_LPOP)
    _check(slopes, list(M3_LPOP), list(M3_LPOP.values()), 1e-9)


def test_emfx_simple_calendar_group_event(with_lpop):
    overall = with_lpop.overall()
    assert isinstance(overall, DiDResult) and overall.effect_term == "ATT"
    assert overall.estimate == pytest.approx(SIMPLE[0], abs=1e-9)
    assert overall.std_error == pytest.approx(SIMPLE[1], abs=1e-7)
    low, high = overall.conf_int().loc["ATT"]
    assert (low, high) == pytest.approx(SIMPLE_CI, abs=1e-7)  # normal intervals, as emfx
    for kind, expected in (("period", CALENDAR), ("cohort", GROUP), ("event", EVENT)):
        aggregated = with_lpop.aggregate(kind)
        assert aggregated.coefficients.terms == (*expected, "ATT")
        _check(aggregated.coefficients, list(expected), list(expected.values()), 1e-7)
        assert aggregated.estimate == pytest.approx(SIMPLE[0], abs=1e-12)


def test_never_treated_event_study_is_emfx_with_leads(never_lpop):
    study = never_lpop.event_study()
    assert isinstance(study, EventStudyResult)
    assert study.event_time == (-4, -3, -2, 0, 1, 2, 3) and study.reference_period == -1
    _check(study.coefficients, list(EVENT_NEVER), list(EVENT_NEVER.values()), 1e-7)
    assert study.pretrend is not None and study.pretrend.terms == ("e-4", "e-3", "e-2")
    table = study.tidy()
    assert table.loc[table["event_time"] == -1, "estimate"].item() == 0.0


def test_not_yet_treated_event_study_has_no_leads(with_lpop):
    study = with_lpop.event_study()
    assert study.event_time == (0, 1, 2, 3) and study.pretrend is None
    _check(study.coefficients, list(EVENT), list(EVENT.values()), 1e-7)


# --------------------------------------------------------------------------- identities
def _small_panel(seed: int = 3, n_units: int = 240) -> pd.DataFrame:
    data = simulate_staggered_panel(n_units, 7, cohorts=(3, 5, 6), seed=seed).data
    return data


SIMULATED = {"unit": "unit", "time": "period", "outcome": "y", "first_treated": "first_treated"}


def test_not_yet_treated_cells_equal_the_imputation_estimator():
    data = _small_panel()
    result = extended_twfe(Panel(data, **SIMULATED))
    # the imputation estimator computed independently: unit and period effects fitted on
    # the untreated rows (statsmodels), the imputed effects averaged in each cell
    untreated = data[(data["first_treated"] == 0) | (data["period"] < data["first_treated"])]
    design = pd.get_dummies(untreated[["unit", "period"]].astype(str), drop_first=True,
                            dtype=float)
    model = sm.OLS(untreated["y"], sm.add_constant(design)).fit()
    treated = data[(data["first_treated"] > 0) & (data["period"] >= data["first_treated"])]
    x_treated = pd.get_dummies(treated[["unit", "period"]].astype(str), dtype=float)
    x_treated = sm.add_constant(x_treated.reindex(columns=design.columns, fill_value=0.0),
                                has_constant="add")
    imputed = treated["y"] - model.predict(x_treated)
    cells = imputed.groupby([treated["first_treated"], treated["period"]]).mean()
    expected = [cells.loc[(g, t)] for g, t in zip(result.cohorts, result.periods, strict=True)]
    np.testing.assert_allclose(result.coefficients.estimate, expected, rtol=0, atol=1e-10)
    # and evalkit's imputation estimator: the same event-time and overall averages
    panel = Panel(data, **SIMULATED)
    borusyak = imputation(panel)
    study = result.event_study()
    for k in study.event_time:
        assert study.estimates[f"e{k:+d}" if k else "e0"] == pytest.approx(
            borusyak.estimates[f"e{k:+d}" if k else "e0"], abs=1e-10)
    assert result.overall().estimate == pytest.approx(imputation_overall(panel).estimate,
                                                      abs=1e-10)


def test_never_treated_cells_equal_sun_abraham_interactions():
    panel = Panel(_small_panel(), **SIMULATED)
    result = extended_twfe(panel, control_group="never_treated")
    interactions = fit_interactions(panel)
    m = interactions.n_interactions
    theirs = {(float(g), int(e)): b for g, e, b in zip(
        interactions.cohorts, interactions.event_times, interactions.fit.params[:m],
        strict=True)}
    ours = {(float(g), int(e)): b for g, e, b in zip(
        result.cohorts, result.event_times, result.coefficients.estimate, strict=True)}
    assert ours.keys() == theirs.keys()
    for key, value in ours.items():
        assert value == pytest.approx(theirs[key], abs=1e-10)
    # same residuals; only the small-sample factor differs (cohort effects vs unit
    # effects nested in the unit clusters): K = cells + cohorts + periods - 1 vs
    # cells + periods
    n, g = panel.n_obs, panel.n_units
    k_ours = m + 4 + panel.n_periods - 1
    k_theirs = m + panel.n_periods
    ratio = np.sqrt((n - k_theirs) / (n - k_ours))
    order = [list(ours).index(key) for key in theirs]
    np.testing.assert_allclose(result.coefficients.std_error[order],
                               np.sqrt(np.diag(interactions.fit.vcov))[:m] * ratio, rtol=1e-9)
    assert g == 240


def test_against_explicit_dummy_regression_with_weights_covariates_unbalanced():
    rng = np.random.default_rng(7)
    data = _small_panel(seed=11, n_units=150)
    data["z"] = rng.normal(size=len(data)) + 0.1 * data["period"]
    data = data.drop(index=rng.choice(data.index, 60, replace=False))  # unbalanced
    panel = Panel(data, **SIMULATED, covariates=["x", "z"], weights="weight")
    result = extended_twfe(panel)
    # the saturated regression written out (etwfe's fe = "none"), WLS, cluster by unit
    g, t = data["first_treated"], data["period"]
    cells = (g > 0) & (t >= g)
    columns = {"const": np.ones(len(data))}
    for c in sorted(g.unique())[1:]:
        columns[f"g{c}"] = (g == c).astype(float)
    for s in sorted(t.unique())[1:]:
        columns[f"t{s}"] = (t == s).astype(float)
    terms = []
    for c, s in sorted(set(zip(g[cells], t[cells], strict=True))):
        d = ((g == c) & (t == s)).astype(float)
        columns[f"d{c}_{s}"] = d
        terms.append(f"d{c}_{s}")
    for v in ("x", "z"):
        dm = data[v] - data.groupby("first_treated")[v].transform("mean")
        columns[v] = data[v]
        for c in sorted(g.unique())[1:]:
            columns[f"g{c}:{v}"] = (g == c) * data[v]
        for s in sorted(t.unique())[1:]:
            columns[f"t{s}:{v}"] = (t == s) * data[v]
        for c, s in sorted(set(zip(g[cells], t[cells], strict=True))):
            columns[f"d{c}_{s}:{v}"] = ((g == c) & (t == s)) * dm
    x = pd.DataFrame(columns)
    fit = sm.WLS(data["y"], x, weights=data["weight"]).fit(
        cov_type="cluster", cov_kwds={"groups": data["unit"].to_numpy()})
    # cell effects at the cells' weighted covariate means
    mapping = np.zeros((len(terms), x.shape[1]))
    w = data["weight"]
    for i, term in enumerate(terms):
        mapping[i, x.columns.get_loc(term)] = 1.0
        inside = x[term] == 1
        for v in ("x", "z"):
            dm = data[v] - data.groupby("first_treated")[v].transform("mean")
            mapping[i, x.columns.get_loc(f"{term}:{v}")] = np.average(dm[inside], weights=w[inside])
    np.testing.assert_allclose(result.coefficients.estimate, mapping @ fit.params.to_numpy(),
                               rtol=0, atol=1e-9)
    vcov = mapping @ fit.cov_params().to_numpy() @ mapping.T
    np.testing.assert_allclose(result.coefficients.vcov, vcov, rtol=1e-7, atol=1e-14)
    # statsmodels' correction G/(G-1) (N-1)/(N-K) with K its columns: fixest's count here
    # the overall ATT weighs the cells by their sums of sampling weights
    sums = data[cells].groupby([g[cells], t[cells]])["weight"].sum()
    assert sums.to_numpy() == pytest.approx(result.cell_weights, rel=1e-12)
    share = result.cell_weights / result.cell_weights.sum()
    assert result.overall().estimate == pytest.approx(share @ result.coefficients.estimate,
                                                      abs=1e-12)
    assert result.overall().std_error == pytest.approx(np.sqrt(share @ vcov @ share), rel=1e-7)


def test_robust_and_classical_against_statsmodels():
    data = _small_panel(seed=5, n_units=120)
    panel = Panel(data, **SIMULATED)
    g, t = data["first_treated"], data["period"]
    x = pd.get_dummies(pd.DataFrame({"g": g.astype(str), "t": t.astype(str)}),
                       drop_first=True, dtype=float)
    x.insert(0, "const", 1.0)
    result = extended_twfe(panel, inference=Robust())
    for c, s in zip(result.cohorts, result.periods, strict=True):
        x[f"d{c:g}_{s:g}"] = ((g == c) & (t == s)).astype(float)
    m = len(result.cohorts)
    hc1 = sm.OLS(data["y"], x).fit(cov_type="HC1")
    np.testing.assert_allclose(result.coefficients.estimate, hc1.params.to_numpy()[-m:],
                               atol=1e-10)
    np.testing.assert_allclose(result.coefficients.vcov, hc1.cov_params().to_numpy()[-m:, -m:],
                               rtol=1e-8)
    # clusters that cut across cohorts (the general path of the cluster scores)
    data = data.assign(region=data["unit"] % 7)
    regional = extended_twfe(Panel(data, **SIMULATED, cluster="region"))
    by_region = sm.OLS(data["y"], x).fit(cov_type="cluster", cov_kwds={
        "groups": data["region"].to_numpy(), "use_correction": False})
    n, g, k = len(data), 7, x.shape[1]  # no fixed effect nested in the regions
    np.testing.assert_allclose(regional.coefficients.vcov, by_region.cov_params().to_numpy()[
        -m:, -m:] * g / (g - 1) * (n - 1) / (n - k), rtol=1e-8, atol=1e-14)
    classical = extended_twfe(panel, inference=Classical())
    ols = sm.OLS(data["y"], x).fit()
    np.testing.assert_allclose(classical.coefficients.vcov,
                               ols.cov_params().to_numpy()[-m:, -m:], rtol=1e-8,
                               atol=1e-14)


# --------------------------------------------------------------------------- invariances
def test_invariances(frame, with_lpop):
    original = frame.copy()
    rng = np.random.default_rng(0)
    shuffled = frame.sample(frac=1.0, random_state=1)
    shuffled["countyreal"] = shuffled["countyreal"].map(
        dict(zip(frame["countyreal"].unique(), rng.permutation(100_000)[:500] + 7, strict=True)))
    shuffled["lemp"] = shuffled["lemp"] + 3.0
    shuffled["year"] = shuffled["year"] + 100
    shuffled["first.treat"] = np.where(shuffled["first.treat"] > 0,
                                       shuffled["first.treat"] + 100, 0)
    other = extended_twfe(Panel(shuffled, **MPDTA, covariates=["lpop"]))
    np.testing.assert_allclose(other.coefficients.estimate, with_lpop.coefficients.estimate,
                               atol=1e-10)
    np.testing.assert_allclose(other.coefficients.vcov, with_lpop.coefficients.vcov,
                               rtol=1e-8, atol=1e-15)
    assert other.coefficients.terms[0] == "ATT(2104,2104)"
    pd.testing.assert_frame_equal(frame, original)  # the caller's data untouched


def test_panel_and_result_not_mutated(frame):
    panel = Panel(frame, **MPDTA)
    before = copy.deepcopy(panel.data)
    result = extended_twfe(panel)
    pd.testing.assert_frame_equal(panel.data, before)
    with pytest.raises(ValueError):
        result.coefficients.estimate[0] = 1.0


# --------------------------------------------------------------------------- known truth
def test_recovers_known_effects():
    simulated = simulate_staggered_panel(3000, 8, cohorts=(3, 5, 7), seed=21, noise_sd=1.0)
    panel = Panel(simulated.data, **SIMULATED)
    truth = simulated.effects.set_index(["cohort", "period"])["effect"]
    for control_group in ("not_yet_treated", "never_treated"):
        result = extended_twfe(panel, control_group=control_group)
        tidy = result.tidy()
        post = tidy[tidy["event_time"] >= 0]
        expected = truth.loc[list(zip(post["cohort"], post["period"], strict=True))].to_numpy()
        z = (post["estimate"].to_numpy() - expected) / post["std_error"].to_numpy()
        assert np.all(np.abs(z) < 4), z
        placebo = tidy[tidy["event_time"] < 0]
        assert np.all(np.abs(placebo["estimate"] / placebo["std_error"]) < 4)
        n = post["weight"].to_numpy()
        overall = result.overall()
        assert abs(overall.estimate - expected @ n / n.sum()) < 4 * overall.std_error
    # the event-study view of the simulated truth
    study = extended_twfe(panel).event_study()
    true_event = simulated.true_event_effects()
    for k in study.post_periods:
        assert abs(study.estimates[f"e{k:+d}" if k else "e0"] - true_event.loc[k]) < \
            4 * study.std_errors[f"e{k:+d}" if k else "e0"]


# --------------------------------------------------------------------------- contract
def test_result_contract_and_downstream_tools(never_lpop, with_lpop):
    from evalkit.plots.event_study import plot_event_study
    from evalkit.robustness import honest_did

    assert isinstance(with_lpop, ExtendedTWFEResult)
    assert isinstance(with_lpop, Result) and isinstance(with_lpop, MultiEffectResult)
    assert tuple(with_lpop.tidy().columns[:7]) == TIDY_CORE_COLUMNS
    assert "Extended two-way fixed effects" in str(with_lpop)
    assert "<table" in with_lpop._repr_html_()
    assert with_lpop.specification.function == "evalkit.did.extended_twfe"
    assert with_lpop.provenance.specification["control_group"] == "not_yet_treated"
    wider = with_lpop.with_alpha(0.10)
    assert wider.alpha == 0.10 and wider.specification.alpha == 0.10
    assert wider.conf_int().iloc[0]["lower"] > with_lpop.conf_int().iloc[0]["lower"]
    study = never_lpop.event_study()
    sensitivity = honest_did(study, m_values=[0.5, 1.0])
    assert sensitivity is not None
    figure = plot_event_study(study)
    assert figure.axes
    assert with_lpop.plot().axes and never_lpop.plot().axes
    overall = with_lpop.overall()
    assert overall.provenance.specification["aggregation"] == "simple"
    assert overall.specification.with_alpha(0.1).alpha == 0.1
    assert overall.p_value < 0.001


def test_not_yet_treated_without_never_treated_uses_last_cohort(frame):
    treated_only = frame[frame["first.treat"] > 0]
    result = extended_twfe(Panel(treated_only, **MPDTA))
    assert result.specification.control_cohort == 2007.0
    assert set(result.cohorts) == {2004.0, 2006.0}
    assert result.periods.max() == 2006.0  # the periods from 2007 on are left out


def test_other_cluster_column(frame):
    data = frame.assign(state=frame["countyreal"] // 1000)
    panel = Panel(data, **MPDTA, cluster="state")
    result = extended_twfe(panel, inference=Clustered("state"))
    assert result.sample["clusters"] == data["state"].nunique()
    assert np.all(np.isfinite(result.coefficients.std_error))


# --------------------------------------------------------------------------- bad input
def test_no_never_treated_with_never_treated_control(frame):
    treated_only = frame[frame["first.treat"] > 0]
    with pytest.raises(DataError, match="no never-treated unit"):
        extended_twfe(Panel(treated_only, **MPDTA), control_group="never_treated")


def test_all_treated_at_once_without_controls(frame):
    data = frame.assign(**{"first.treat": 2005})
    with pytest.raises(DataError, match=r"every unit is treated from the same period \(2005\)"):
        extended_twfe(Panel(data, **MPDTA))  # the panel itself refuses such data


def test_cell_without_observation_is_named(frame):
    data = frame[~((frame["first.treat"] == 2006) & (frame["year"] == 2007))]
    with pytest.raises(DataError, match=r"\(cohort 2006, period 2007\)"):
        extended_twfe(Panel(data, **MPDTA))
    before = frame[~((frame["first.treat"] == 2004) & (frame["year"] == 2003))]
    with pytest.raises(DataError, match="cohort 2004 has no observation before treatment"):
        extended_twfe(Panel(before, **MPDTA))
    reference = frame[~((frame["first.treat"] == 2007) & (frame["year"] == 2006))]
    with pytest.raises(DataError, match="cohort 2007 has no observation in its reference"):
        extended_twfe(Panel(reference, **MPDTA), control_group="never_treated")


@pytest.mark.parametrize("values, where", [
    (lambda d: d["year"] * 0.5, "constant within each period"),
    (lambda d: d["first.treat"] * 2.0, "constant within each cohort"),
    (lambda d: d["year"] * 0 + 1.0, "constant"),
])
def test_covariate_collinear_with_fixed_effects_is_named(frame, values, where):
    data = frame.assign(national=values(frame))
    with pytest.raises(EstimationError, match=f"'national' \\({where}"):
        extended_twfe(Panel(data, **MPDTA, covariates=["lpop", "national"]))


def test_bad_arguments_reported_together(frame):
    panel = Panel(frame, **MPDTA)
    with pytest.raises(InputError) as caught:
        extended_twfe(panel, control_group="never", alpha=1.5,  # type: ignore[arg-type]
                      inference="cluster")
    message = str(caught.value)
    assert "control_group='never'" in message and "alpha=1.5" in message
    assert "\n  - inference='cluster': must be one of" in message
    with pytest.raises(InputError, match="HC3"):
        extended_twfe(panel, inference=Robust("HC3"))
    with pytest.raises(InputError, match="panel: must be an evalkit.Panel"):
        extended_twfe(frame)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="kind='dynamic'"):
        extended_twfe(panel).aggregate("dynamic")  # type: ignore[arg-type]
