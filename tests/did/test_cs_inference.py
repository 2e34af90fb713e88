"""callaway_santanna: influence functions, clustering, the multiplier bootstrap, invariance.

- The influence functions of the covariate-adjusted 2x2 estimators (outcome regression,
  normalised IPW, doubly robust; panel and repeated cross-sections) must equal the
  numerical derivative of the estimator with respect to each observation's weight (its
  empirical influence function), to finite-difference precision.
- Clustered analytic standard errors equal sqrt(G/(G-1) sum_c S_c^2) / n with S_c the
  cluster sums of influence functions written out independently.
- The multiplier bootstrap is reproducible, never holds a units x draws matrix, and
  agrees with the analytic standard errors up to simulation error.
- Row order, unit labels and the outcome's location do not matter; scale passes
  through; the caller's data are not modified; results cannot be changed.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import tracemalloc

import numpy as np
import pandas as pd
import pytest

from evalkit import Clustered, Panel
from evalkit.data.simulate import simulate_staggered_panel
from evalkit.datasets import load_mpdta
from evalkit.did._cs_attgt import _panel_2x2, _rc_2x2
from evalkit.did.callaway_santanna import callaway_santanna
from evalkit.inference.multiplier import (
    MultiplierBootstrap,
    bootstrap_standard_errors,
    multiplier_draws,
    sup_t_critical_value,
)

MPDTA = {"unit": "countyreal", "time": "year", "outcome": "lemp", "first_treated": "first.treat"}
METHODS = ("outcome_regression", "inverse_probability", "doubly_robust")


@functools.cache
def _frame() -> pd.DataFrame:
    return load_mpdta()


@functools.cache
def _fit():
    return callaway_santanna(Panel(_frame(), **MPDTA))


# =========================================================================== influence functions
def _two_by_two(seed: int = 0, n: int = 300):
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    x = np.column_stack([np.ones(n), x1, x2])
    d = (rng.random(n) < 1 / (1 + np.exp(-(0.3 * x1 - 0.5 * x2)))).astype(float)
    w = rng.uniform(0.5, 1.5, n)
    return rng, x, d, w


def _numerical_influence(estimate, w: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Derivative of the estimate in the direction of a point mass at each observation,
    scaled by the observation's normalised weight (the weighted empirical IF)."""
    base = estimate(w)
    out = np.empty(w.size)
    mean = w.mean()
    for i in range(w.size):
        bumped = w.copy()
        bumped[i] += h * mean
        eps = h * mean / (w.sum() + h * mean)
        out[i] = (estimate(bumped) - base) / eps * w[i] / mean
    return out


@pytest.mark.parametrize("method", METHODS)
def test_panel_influence_function_is_the_derivative_of_the_estimator(method):
    rng, x, d, w = _two_by_two()
    dy = 1 + 0.5 * x[:, 1] + d * (1 + x[:, 2]) + rng.normal(size=d.size)
    _, psi, _, _ = _panel_2x2(method, dy, d, x, w, "cell", ["x1", "x2"])
    numeric = _numerical_influence(lambda v: _panel_2x2(method, dy, d, x, v, "c", [])[0], w)
    assert np.max(np.abs(numeric - psi)) < 1e-5 * np.max(np.abs(psi))
    assert abs(np.mean(psi)) < 1e-10 * np.max(np.abs(psi))


@pytest.mark.parametrize("method", METHODS)
def test_cross_section_influence_function_is_the_derivative_of_the_estimator(method):
    """For the doubly robust estimator this is where evalkit departs from DRDID::drdid_rc,
    whose pre-period outcome-regression terms enter with the wrong sign."""
    rng, x, d, w = _two_by_two(1)
    post = (rng.random(d.size) < 0.5).astype(float)
    y = (1 + 0.5 * x[:, 1] + post * (0.3 + 0.2 * x[:, 1]) + d * (0.5 + post * (1 + x[:, 2]))
         + rng.normal(size=d.size))
    _, psi, _, _ = _rc_2x2(method, y, post, d, x, w, "cell", ["x1", "x2"])
    numeric = _numerical_influence(lambda v: _rc_2x2(method, y, post, d, x, v, "c", [])[0], w)
    assert np.max(np.abs(numeric - psi)) < 1e-5 * np.max(np.abs(psi))


def test_comparison_units_with_extreme_propensity_scores_are_trimmed_and_reported():
    rng = np.random.default_rng(0)
    nt, nc = 300, 600
    x = np.r_[rng.uniform(0, 3, nt), rng.normal(-1.0, 1.0, nc)]
    x[nt:nt + 6] = 3.0  # comparison units deep in the treated units' region
    g = np.r_[np.full(nt, 3), np.zeros(nc)]
    frames = [pd.DataFrame({"id": np.arange(nt + nc), "t": t, "g": g, "x": x,
                            "y": 0.3 * t * x + (g == 3) * (t >= 3) + rng.normal(size=nt + nc)})
              for t in (1, 2, 3, 4)]
    panel = Panel(pd.concat(frames), unit="id", time="t", outcome="y", first_treated="g",
                  covariates=["x"])
    for method in ("doubly_robust", "inverse_probability"):
        result = callaway_santanna(panel, method=method)
        assert np.all(np.isfinite(result.estimate)) and np.all(np.isfinite(result.std_error))
        assert any(note.startswith("18 comparison observations (over 3 cells) had a propensity "
                                   "score of at least 0.995") for note in result.notes)
    assert callaway_santanna(panel, method="outcome_regression").notes == ()


# =========================================================================== clustering
def _cluster_frame() -> pd.DataFrame:
    frame = _frame().copy()
    frame["state"] = frame["countyreal"] // 1000  # the county code's state part
    return frame


def test_clustered_analytic_standard_errors_are_cluster_sums_with_the_small_sample_factor():
    frame = _cluster_frame()
    result = callaway_santanna(Panel(frame, **MPDTA, cluster="state"),
                               inference=Clustered("state"))
    assert result.sample["clusters"] == frame["state"].nunique()
    wide = frame.pivot(index="countyreal", columns="year", values="lemp")
    g = frame.groupby("countyreal")["first.treat"].first().reindex(wide.index).to_numpy()
    state = frame.groupby("countyreal")["state"].first().reindex(wide.index).to_numpy()
    n, n_clusters = len(g), len(np.unique(state))
    expected = []
    for cohort in (2004, 2006, 2007):
        for t in (2004, 2005, 2006, 2007):
            b = cohort - 1 if t >= cohort else t - 1
            dy = (wide[t] - wide[b]).to_numpy()
            psi = np.zeros(n)
            for members, sign in ((g == cohort, 1), (g == 0, -1)):
                psi[members] = sign * n * (dy[members] - dy[members].mean()) / members.sum()
            sums = pd.Series(psi).groupby(state).sum().to_numpy()
            expected.append(np.sqrt(n_clusters / (n_clusters - 1) * np.sum(sums ** 2)) / n)
    np.testing.assert_allclose(result.std_error, expected, rtol=1e-10)
    assert "clustered by 'state'" in result.inference_text and "G/(G-1)" in result.inference_text
    # clustering on the unit itself is R's unit-level variance (no factor)
    same = callaway_santanna(Panel(frame, **MPDTA, cluster="state"),
                             inference=Clustered("countyreal"))
    np.testing.assert_allclose(same.std_error, _fit().std_error, rtol=1e-12)


def test_panel_cluster_column_is_the_default():
    panel = Panel(_cluster_frame(), **MPDTA, cluster="state")
    declared = callaway_santanna(panel)
    explicit = callaway_santanna(panel, inference=Clustered("state"))
    np.testing.assert_allclose(declared.std_error, explicit.std_error, rtol=1e-12)
    assert declared.overall().std_error == pytest.approx(explicit.overall().std_error,
                                                         rel=1e-12)


def test_clustered_bootstrap_agrees_with_clustered_analytic_errors():
    panel = Panel(_cluster_frame(), **MPDTA, cluster="state")
    analytic = callaway_santanna(panel)
    boot = callaway_santanna(panel, inference=MultiplierBootstrap(
        n_draws=2000, random_state=3, cluster="state"))
    assert "one multiplier per cluster" in boot.inference_text
    assert boot.overall().std_error == pytest.approx(analytic.overall().std_error, rel=0.2)
    np.testing.assert_allclose(boot.std_error, analytic.std_error, rtol=0.3)


# =========================================================================== the bootstrap
def test_bootstrap_is_reproducible_and_results_are_stable():
    panel = Panel(_frame(), **MPDTA)
    first = callaway_santanna(panel, inference=MultiplierBootstrap(n_draws=199, random_state=7))
    second = callaway_santanna(panel, inference=MultiplierBootstrap(n_draws=199, random_state=7))
    np.testing.assert_array_equal(first.std_error, second.std_error)
    assert first.overall().std_error == second.overall().std_error
    assert first.overall().std_error == first.overall().std_error  # methods do not redraw
    other = callaway_santanna(panel, inference=MultiplierBootstrap(n_draws=199, random_state=8))
    assert not np.array_equal(first.std_error, other.std_error)
    gen = callaway_santanna(panel, inference=MultiplierBootstrap(
        n_draws=199, random_state=np.random.default_rng(7)))
    assert gen.event_study().band_critical_value == gen.event_study().band_critical_value
    mammen = callaway_santanna(panel, inference=MultiplierBootstrap(n_draws=199, random_state=7,
                                                                    distribution="mammen"))
    assert "Mammen" in mammen.inference_text


def test_bootstrap_standard_errors_approach_the_analytic_ones():
    sim = simulate_staggered_panel(3000, 6, cohorts=(3, 5), seed=4)
    panel = Panel(sim.data, unit="unit", time="period", outcome="y", first_treated="first_treated")
    analytic = callaway_santanna(panel)
    boot = callaway_santanna(panel, inference=MultiplierBootstrap(n_draws=999, random_state=1))
    np.testing.assert_allclose(boot.std_error, analytic.std_error, rtol=0.15)
    assert boot.overall().std_error == pytest.approx(analytic.overall().std_error, rel=0.1)


def test_multiplier_draws_are_chunked_and_match_their_definition():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(3, 200_000))
    tracemalloc.start()
    try:
        draws = multiplier_draws(scores, n_draws=400, rng=np.random.default_rng(1),
                                 scale=200_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert draws.shape == (400, 3)
    assert peak < 100 * 2 ** 20  # a units x draws matrix of float64 would be 640 MB
    # the draws are (1/n) sum_i V_i psi_i: their spread is sqrt(sum psi^2) / n
    expected = np.sqrt(np.sum(scores ** 2, axis=1)) / 200_000
    np.testing.assert_allclose(draws.std(axis=0), expected, rtol=0.12)
    small = multiplier_draws(np.eye(2), n_draws=5000, rng=np.random.default_rng(2), scale=1.0)
    assert set(np.unique(small)) == {-1.0, 1.0}  # Rademacher
    mammen = multiplier_draws(np.ones((1, 1)), n_draws=20000, rng=np.random.default_rng(3),
                              distribution="mammen", scale=1.0)[:, 0]
    assert abs(mammen.mean()) < 0.03 and abs(mammen.var() - 1) < 0.05
    assert abs(np.mean(mammen ** 3) - 1) < 0.1  # Mammen's third moment is one


def test_iqr_standard_errors_and_sup_t_critical_values():
    rng = np.random.default_rng(0)
    draws = rng.normal(scale=[1.0, 2.0, 0.0], size=(20000, 3))
    se = bootstrap_standard_errors(draws)
    assert se[0] == pytest.approx(1.0, rel=0.03) and se[1] == pytest.approx(2.0, rel=0.03)
    assert np.isnan(se[2])  # a degenerate column has no standard error
    critical = sup_t_critical_value(draws, se, 0.05)
    # the max of two independent |N(0,1)|: P(max <= c) = (2 Phi(c) - 1)^2 = 0.95
    assert critical == pytest.approx(2.236, abs=0.05)


# =========================================================================== invariance
def test_row_order_and_unit_labels_do_not_matter():
    frame = _frame().sample(frac=1.0, random_state=3).copy()
    frame["countyreal"] = "county-" + frame["countyreal"].astype(str)
    result = callaway_santanna(Panel(frame, **MPDTA))
    base = _fit()
    np.testing.assert_allclose(result.estimate, base.estimate, rtol=1e-10)
    np.testing.assert_allclose(result.std_error, base.std_error, rtol=1e-10)
    assert result.overall().std_error == pytest.approx(base.overall().std_error, rel=1e-10)


def test_location_and_scale_of_the_outcome():
    frame = _frame().copy()
    frame["lemp"] = -3.0 * frame["lemp"] + 1000.0
    result = callaway_santanna(Panel(frame, **MPDTA))
    base = _fit()
    np.testing.assert_allclose(result.estimate, -3.0 * base.estimate, rtol=1e-8)
    np.testing.assert_allclose(result.std_error, 3.0 * base.std_error, rtol=1e-8)
    es, es0 = result.event_study(), base.event_study()
    np.testing.assert_allclose(es.coefficients.std_error, 3 * es0.coefficients.std_error,
                               rtol=1e-8)


def test_the_callers_data_are_not_modified():
    frame = _frame().copy()
    frame["w"] = np.linspace(0.5, 1.5, len(frame))
    before = copy.deepcopy(frame)
    panel = Panel(frame, **MPDTA, covariates=["lpop"], weights="w")
    for options in ({}, {"data_type": "repeated_cross_section"},
                    {"inference": MultiplierBootstrap(n_draws=50, random_state=1)}):
        callaway_santanna(panel, **options)
    pd.testing.assert_frame_equal(frame, before)


def test_results_are_immutable():
    result = _fit()
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.estimator = "x"
    for array in (result.cohort, result.period, result.event_time,
                  result.coefficients.estimate, result.coefficients.vcov, result.basis.gram,
                  result.basis.att):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 1
    with pytest.raises(TypeError):
        result.sample["rows"] = 1
    estimate = result.estimate
    estimate[0] = 99.0
    assert result.estimate[0] != 99.0
