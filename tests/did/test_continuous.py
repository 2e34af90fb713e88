"""continuous_did: R ``contdid`` reference values, an independent evaluation, identities.

Reference values (R package ``contdid`` 0.1.0, Callaway, Goodman-Bacon & Sant'Anna)
-----------------------------------------------------------------------------------------
[README]  GitHub bcallaway11/contdid, README.md at commit e336928 (2025-06-09, the CRAN
          submission of 0.1.0), on the panel of ``tests/did/data`` (``set.seed(1234);
          simulate_contdid_data(n = 5000, num_time_periods = 4, num_groups = 4,
          dose_linear_effect = 0, dose_quadratic_effect = 0)``):
          Case 1, ``cont_did(yname="Y", tname="time_period", idname="id", dname="D",
          gname="G", target_parameter="slope", aggregation="dose", treatment_type=
          "continuous", control_group="notyettreated", biters=100, cband=TRUE,
          num_knots=1, degree=3)``: overall ATT -0.0265 (std. error 0.0301), overall ACRT
          0.1341 (std. error 0.0485);
          Case 2, the same with ``aggregation="eventstudy"``, ``target_parameter="slope"``:
          overall ACRT 0.1341, event times -2..2 = -0.0701, -0.2212, 0.1592, 0.0551, -0.5405.
R's standard errors are bootstrap ones with 100 draws (about 11% simulation error each); its
ACRT influence function is scaled by all the units of a cell rather than its treated units,
which understates that standard error (R prints 0.0485; that scaling gives 0.061 here, the
correct one 0.135, the value that the Monte Carlo spread of
``test_continuous_simulation.py`` confirms), so only ATT^o's is compared. The level event study
printed in that README (-0.0222, 0.0116, ...) is not the binary one: R passes the dose as the
treatment dummy of ``DRDID::drdid_panel``; ``level_event_study="dose_as_indicator"``
reproduces it (``test_continuous_level_event_study.py``). The default binary level event
study is checked here through the identity with :func:`callaway_santanna`.

[MODERNDID] moderndid 0.4.1 (``/tmp/mdid``), ``cont_did`` with the Case 1 call and
          ``dvals=[0.15, 0.3, 0.5, 0.7, 0.85]``: ``att_d`` and ``acrt_d`` to 6 decimals (a
          cross-check of the curves, which R's README only draws).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evalkit.data.panel import Panel
from evalkit.did._continuous_spline import quantile_knots, spline_basis
from evalkit.did.callaway_santanna import callaway_santanna
from evalkit.did.continuous import continuous_did
from evalkit.did.continuous_spec import ContinuousDiDSpec
from evalkit.results import DiDResult, EventStudyResult
from evalkit.results.contract import TIDY_CORE_COLUMNS, MultiEffectResult, Result
from evalkit.results.dose_response import DoseResponseResult

DATA = Path(__file__).parent / "data" / "contdid_readme_panel.csv.gz"
COLUMNS = {"outcome": "Y", "unit": "id", "time": "time_period", "dose": "D",
           "first_treated": "G"}
CASE = {"num_knots": 1, "degree": 3, "control_group": "not_yet_treated"}
GRID = [0.15, 0.3, 0.5, 0.7, 0.85]
PRINTED = 0.5e-4


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return pd.read_csv(DATA)


@pytest.fixture(scope="module")
def dose_fit(panel) -> DoseResponseResult:
    return continuous_did(panel, **COLUMNS, **CASE, target="slope", dose_grid=GRID,
                          n_draws=499, random_state=7)


@pytest.fixture(scope="module")
def slope_events(panel) -> DoseResponseResult:
    return continuous_did(panel, **COLUMNS, **CASE, target="slope",
                          aggregation="event_time", uniform_band=False)


# ------------------------------------------------------------------ reference values
def test_readme_overall_att_and_acrt(dose_fit):
    assert abs(dose_fit.overall_att - (-0.0265)) <= PRINTED
    assert abs(dose_fit.overall_acrt - 0.1341) <= PRINTED
    headline = dose_fit.overall()
    assert isinstance(headline, DiDResult)
    assert headline.effect_term == "ACRT^o"
    assert abs(headline.estimate - 0.1341) <= PRINTED


def test_readme_att_standard_error_within_bootstrap_error(dose_fit):
    # R: 100 bootstrap draws, interquartile-range standard error: about 11% simulation
    # error (sd of an IQR estimate ~ 1.1/sqrt(B)); three of them bound the difference
    se = dose_fit.overall_coefficients.std_error[0]
    assert abs(se - 0.0301) / 0.0301 < 3 * 1.1 / np.sqrt(100)


def test_readme_slope_event_study(slope_events):
    study = slope_events.event_study()
    assert study.event_time == (-2, -1, 0, 1, 2)
    printed = [-0.0701, -0.2212, 0.1592, 0.0551, -0.5405]
    np.testing.assert_allclose(study.coefficients.estimate, printed, atol=PRINTED)
    # R's overall ACRT of the event study is the dose aggregation's
    assert abs(slope_events.overall().estimate - 0.1341) <= PRINTED


def test_curves_match_moderndid(dose_fit):
    att = [-0.025298, 0.013504, 0.013783, -0.078878, -0.086154]
    acrt = [0.255917, 0.213004, -0.296337, -0.399506, 0.432416]
    np.testing.assert_allclose(dose_fit.att_curve, att, atol=0.5e-6)
    np.testing.assert_allclose(dose_fit.acrt_curve, acrt, atol=0.5e-6)


# ------------------------------------------------------------------ independent evaluation
def _independent(panel: pd.DataFrame, grid: np.ndarray, degree: int = 3, num_knots: int = 1):
    """ATT(d), ACRT(d), ATT^o, ACRT^o and their influence functions, written out cell by
    cell with dense n x grid matrices (not-yet-treated comparisons, varying base)."""
    wide = panel.pivot(index="id", columns="time_period", values="Y").sort_index()
    unit = panel.groupby("id").first().sort_index()
    g = unit["G"].to_numpy(float)
    dose = np.where(g > 0, unit["D"].to_numpy(float), 0.0)
    y = wide.to_numpy()
    periods = wide.columns.to_numpy(float)
    n = y.shape[0]
    knots = quantile_knots(dose[g > 0], num_knots)
    cohorts = np.unique(g[g > 0])
    total = float((g > 0).sum())
    curve_att = np.zeros(grid.size)
    curve_acrt = np.zeros(grid.size)
    psi_att = np.zeros((n, grid.size))
    psi_acrt = np.zeros((n, grid.size))
    over = np.zeros(2)
    psi_over = np.zeros((n, 2))
    by_cohort = []
    for cohort in cohorts:
        treated = g == cohort
        p = treated.sum() / total
        d = dose[treated]
        lo, hi = d.min(), d.max()
        inner = knots[(knots > lo) & (knots < hi)]
        x = np.column_stack([np.ones(d.size), spline_basis(d, inner, lo, hi, degree)])
        dx = np.column_stack([np.zeros(d.size),
                              spline_basis(d, inner, lo, hi, degree, derivative=True)])
        gx = np.column_stack([np.ones(grid.size), spline_basis(grid, inner, lo, hi, degree)])
        gdx = np.column_stack([np.zeros(grid.size),
                               spline_basis(grid, inner, lo, hi, degree, derivative=True)])
        posts = [t for t in range(periods.size) if periods[t] >= cohort]
        base = int(np.searchsorted(periods, cohort)) - 1
        sums = np.zeros(2 + 2 * grid.size)
        for t in posts:
            control = (g == 0) | (g > periods[t])
            dy = y[:, t] - y[:, base]
            m = dy[control].mean()
            beta, *_ = np.linalg.lstsq(x, dy[treated], rcond=None)
            e = dy[treated] - x @ beta
            bread = np.linalg.inv(x.T @ x / d.size)
            w = p / len(posts)
            att_d, acrt_d = gx @ beta - m, gdx @ beta
            att_o, acrt_o = dy[treated].mean() - m, (dx @ beta).mean()
            curve_att += w * att_d
            curve_acrt += w * acrt_d
            over += w * np.array([att_o, acrt_o])
            sums += np.concatenate([[att_o, acrt_o], att_d, acrt_d]) / len(posts)
            scale = n / d.size
            reg = (e[:, None] * (x @ bread))
            psi_att[treated] += w * scale * reg @ gx.T
            psi_acrt[treated] += w * scale * reg @ gdx.T
            ctrl = -(n / control.sum()) * (dy[control] - m)
            psi_att[control] += w * ctrl[:, None]
            psi_over[treated, 0] += w * scale * (dy[treated] - dy[treated].mean())
            psi_over[control, 0] += w * ctrl
            psi_over[treated, 1] += w * scale * (dx @ beta - acrt_o
                                                 + e * (x @ bread @ dx.mean(axis=0)))
        by_cohort.append((treated, sums))
    target = np.concatenate([over, curve_att, curve_acrt])
    for treated, sums in by_cohort:  # estimated cohort shares
        shift = (n / total) * (sums - target)
        psi_over[treated] += shift[:2]
        psi_att[treated] += shift[2:2 + grid.size]
        psi_acrt[treated] += shift[2 + grid.size:]
    se = lambda psi: np.sqrt((psi ** 2).sum(axis=0)) / n  # noqa: E731
    return (over, se(psi_over), curve_att, se(psi_att), curve_acrt, se(psi_acrt),
            psi_acrt / n)


def test_standard_errors_equal_an_independent_evaluation(panel, dose_fit):
    over, over_se, att, att_se, acrt, acrt_se, _ = _independent(panel, np.array(GRID))
    np.testing.assert_allclose(dose_fit.overall_coefficients.estimate, over, rtol=1e-10)
    np.testing.assert_allclose(dose_fit.overall_coefficients.std_error, over_se, rtol=1e-9)
    np.testing.assert_allclose(dose_fit.att_curve, att, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(dose_fit.att_curve_se, att_se, rtol=1e-9)
    np.testing.assert_allclose(dose_fit.acrt_curve, acrt, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(dose_fit.acrt_curve_se, acrt_se, rtol=1e-9)


def test_band_critical_value_is_the_gaussian_sup_t_quantile(panel):
    """The bootstrap cannot be reproduced draw for draw across implementations; what it
    estimates can: the 95% quantile of max_d |Z_d| / se_d for Z ~ N(0, Sigma), Sigma the
    curve's covariance from the influence functions (computed independently above)."""
    grid = np.linspace(0.12, 0.88, 12)
    *_, psi = _independent(panel, grid)
    covariance = psi.T @ psi
    se = np.sqrt(np.diag(covariance))
    rng = np.random.default_rng(11)
    z = rng.multivariate_normal(np.zeros(grid.size), covariance, size=40_000)
    target = np.quantile(np.max(np.abs(z) / se, axis=1), 0.95)
    result = continuous_did(panel, **COLUMNS, **CASE, target="slope", dose_grid=grid,
                            n_draws=4000, random_state=5)
    # the 95% quantile of 4,000 draws: sd about sqrt(.95 * .05 / 4000) / density ~ 0.03
    assert abs(result.acrt_band.critical_value(0.05) - target) < 0.1
    assert result.acrt_band.critical_value(0.05) > 1.96


# ------------------------------------------------------------------ identities
def _one_dose(panel: pd.DataFrame) -> pd.DataFrame:
    frame = panel.copy()
    frame["D"] = np.where(frame["G"] > 0, 2.5, 0.0)
    return frame


@pytest.mark.parametrize(("control_group", "anticipation"),
                         [("not_yet_treated", 0), ("never_treated", 0), ("not_yet_treated", 1)])
def test_single_dose_equals_binary_callaway_santanna(panel, control_group, anticipation):
    frame = _one_dose(panel)
    result = continuous_did(frame, **COLUMNS, control_group=control_group,
                            anticipation=anticipation, aggregation="event_time",
                            uniform_band=False)
    assert np.isnan(result.overall_acrt) and result.dose_grid.size == 0
    binary = callaway_santanna(
        Panel(frame, unit="id", time="time_period", outcome="Y", first_treated="G"),
        control_group=control_group, method="outcome_regression", anticipation=anticipation)
    cohorts = binary.by_cohort()
    overall = result.overall()
    assert abs(overall.estimate - cohorts.estimate) < 1e-10
    assert abs(overall.std_error - cohorts.std_error) < 1e-10
    mine, theirs = result.event_study(), binary.event_study()
    assert mine.event_time == theirs.event_time
    np.testing.assert_allclose(mine.coefficients.estimate, theirs.coefficients.estimate,
                               atol=1e-10)
    np.testing.assert_allclose(mine.coefficients.std_error, theirs.coefficients.std_error,
                               atol=1e-10)


def test_universal_base_event_study_is_binary_and_feeds_honest_did(panel):
    from evalkit.plots import plot_event_study
    from evalkit.robustness.honest import honest_did

    frame = _one_dose(panel)
    result = continuous_did(frame, **COLUMNS, base_period="universal",
                            aggregation="event_time", uniform_band=False)
    study = result.event_study()
    assert isinstance(study, EventStudyResult)
    assert study.reference_period == -1 and -1 not in study.event_time
    binary = callaway_santanna(
        Panel(frame, unit="id", time="time_period", outcome="Y", first_treated="G"),
        control_group="not_yet_treated", method="outcome_regression",
        base_period="universal").event_study()
    np.testing.assert_allclose(study.coefficients.estimate, binary.coefficients.estimate,
                               atol=1e-10)
    assert study.pretrend is not None
    honest = honest_did(study, m_values=[0.5, 1.0])
    assert honest.tidy().shape[0] >= 2
    assert plot_event_study(study) is not None
    assert result.plot() is not None


# ------------------------------------------------------------------ the result's contract
def test_result_contract(dose_fit, panel):
    assert isinstance(dose_fit, Result) and isinstance(dose_fit, MultiEffectResult)
    assert isinstance(dose_fit.specification, ContinuousDiDSpec)
    assert dose_fit.specification.function == "evalkit.did.continuous_did"
    assert tuple(dose_fit.provenance.specification["knots"]) == dose_fit.specification.knots
    tidy = dose_fit.tidy()
    assert tuple(tidy.columns[:7]) == TIDY_CORE_COLUMNS
    assert len(tidy) == 2 + 2 * len(GRID)
    assert list(dose_fit.estimates.index[:2]) == ["ATT^o", "ACRT^o"]
    wider = dose_fit.with_alpha(0.10)
    assert wider.alpha == 0.10 and dose_fit.alpha == 0.05
    assert (wider.curve("att")["band_high"] < dose_fit.curve("att")["band_high"]).all()
    assert (wider.conf_int()["upper"] < dose_fit.conf_int()["upper"]).all()
    assert "ACRT^o" in str(dose_fit) and "<table>" in dose_fit._repr_html_()
    assert dose_fit.summary().as_latex().startswith("\\begin{table}")
    assert dose_fit.plot() is not None and dose_fit.plot(kind="att") is not None
    with pytest.raises(Exception, match="event_time"):
        dose_fit.event_study()


def test_uniform_band_is_wider_than_pointwise_and_reproducible(panel, dose_fit):
    curve = dose_fit.curve("acrt")
    assert (curve["band_high"] > curve["conf_high"]).all()
    again = continuous_did(panel, **COLUMNS, **CASE, target="slope", dose_grid=GRID,
                           n_draws=499, random_state=7)
    assert again.acrt_band.critical_value(0.05) == dose_fit.acrt_band.critical_value(0.05)


# ------------------------------------------------------------------ invariances
def _fit(frame: pd.DataFrame, **options) -> DoseResponseResult:
    return continuous_did(frame, **COLUMNS, **CASE, target="slope", dose_grid=GRID,
                          uniform_band=False, **options)


def test_invariant_to_row_order_unit_labels_period_shift_and_outcome_shift(panel, dose_fit):
    before = panel.copy()
    reference = _fit(panel)
    assert panel.equals(before)
    shuffled = panel.sample(frac=1.0, random_state=3).reset_index(drop=True)
    relabelled = panel.assign(id="unit-" + panel["id"].astype(str))
    shifted = panel.assign(time_period=panel["time_period"] + 2000,
                           G=np.where(panel["G"] > 0, panel["G"] + 2000, 0))
    moved = panel.assign(Y=panel["Y"] + 1234.5)
    for frame in (shuffled, relabelled, shifted, moved):
        other = _fit(frame)
        np.testing.assert_allclose(other.estimates, reference.estimates, atol=1e-9)
        np.testing.assert_allclose(other.std_errors, reference.std_errors, rtol=1e-8)
    np.testing.assert_allclose(reference.estimates, dose_fit.estimates, atol=1e-12)


# ------------------------------------------------------------------ the fracking application
def test_fracking_matches_moderndid():
    """[MODERNDID] on ``load_fracking()`` (402 counties, 1990-2014): ``cont_did(yname="y",
    tname="t", idname="i", dname="d", gname="G", control_group="notyettreated",
    degree=3, num_knots=0, ...)`` with ``target_parameter="slope", aggregation="dose",
    dvals=[1, 2, 4, 6, 8]``: overall ATT 0.042445, ACRT 0.044173 and the curves; with
    ``aggregation="eventstudy"``: the level and slope event studies at event times -21,
    -20, 0, 12, 13 (6 decimals). No printed contdid output on these data was found."""
    from evalkit.datasets import load_fracking

    frame = load_fracking()
    columns = {"outcome": "y", "unit": "i", "time": "t", "dose": "d", "first_treated": "G"}
    result = continuous_did(frame, **columns, target="slope", degree=3, num_knots=0,
                            dose_grid=[1, 2, 4, 6, 8], uniform_band=False)
    np.testing.assert_allclose(result.overall_coefficients.estimate, [0.042445, 0.044173],
                               atol=0.5e-6)
    np.testing.assert_allclose(result.att_curve,
                               [-0.270674, -0.036151, 0.036097, 0.30744, 1.651671], atol=0.5e-6)
    np.testing.assert_allclose(result.acrt_curve,
                               [0.355268, 0.131982, 0.013082, 0.331077, 1.085969], atol=0.5e-6)
    # moderndid's bootstrap standard errors (100 draws): 0.009784, 0.010011
    np.testing.assert_allclose(result.overall_coefficients.std_error, [0.009784, 0.010011],
                               rtol=3 * 1.1 / np.sqrt(100))
    printed = {"level": [-0.002872, -0.001137, 0.000438, 0.142252, 0.157044],
               "slope": [0.019508, 0.008649, 0.005464, 0.131396, 0.1377]}
    for target, values in printed.items():
        study = continuous_did(frame, **columns, target=target, aggregation="event_time",
                               uniform_band=False).event_study()
        assert study.event_time[0] == -21 and study.event_time[-1] == 13
        at = [study.event_time.index(e) for e in (-21, -20, 0, 12, 13)]
        np.testing.assert_allclose(study.coefficients.estimate[at], values, atol=0.5e-6)
