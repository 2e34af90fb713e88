"""The numpy two-way fixed-effects regression against linearmodels and dummy regressions.

evalkit computes TWFE regressions with its own within transformation
(:mod:`evalkit.did.within`) because linearmodels' ``PanelOLS`` needs about a minute
and 17 GB for 10 million rows. The reference here is ``PanelOLS`` itself, called as
evalkit called it before (``entity_effects=True, time_effects=True``, covariance
without small-sample adjustment, then rescaled with the fixest / reghdfe factors):
slopes and covariances must agree to 1e-10 (relative) on balanced, unbalanced,
weighted, shuffled and clustered panels, for every standard-error choice and every
computational path (indicator regressors kept implicit or given as columns; clusters
equal to the units, in contiguous runs, or in any order).

The projection itself is checked against a least-squares fit on explicit unit and
period dummies for each method (closed form, direct solve, conjugate gradients), on
disconnected panels, on panels with more periods than units, and with weights.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from linearmodels import PanelOLS

from evalkit.did._panel_regression import Indicators, fit_twoway
from evalkit.did.within import TwoWayWithin, is_nested
from evalkit.errors import EstimationError, InputError
from evalkit.inference.covariance import VcovChoice, cluster_correction


# --------------------------------------------------------------------------- references
def _linearmodels_fit(y, x: pd.DataFrame, units, periods, kind, clusters=None, weights=None):
    """PanelOLS with unit and period effects, rescaled as evalkit documents."""
    index = pd.MultiIndex.from_arrays([units, periods], names=["unit", "time"])
    exog = pd.DataFrame(x.to_numpy(float), index=index, columns=list(x.columns))
    dep = pd.Series(np.asarray(y, float), index=index, name="y")
    w = None if weights is None else pd.Series(np.asarray(weights, float), index=index)
    model = PanelOLS(dep, exog, entity_effects=True, time_effects=True, weights=w,
                     drop_absorbed=False, check_rank=True)
    options: dict[str, object] = {"debiased": False, "auto_df": False, "count_effects": False}
    if kind == "cluster":
        options.update(cov_type="clustered", clusters=pd.DataFrame({"c": clusters}, index=index))
    elif kind == "classical":
        options.update(cov_type="unadjusted")
    else:
        options.update(cov_type="robust")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = model.fit(**options)
    n = len(dep)
    n_units, n_periods = np.unique(units).size, np.unique(periods).size
    cov = result.cov.to_numpy()
    slopes = x.shape[1]
    if kind == "cluster":
        counted = [c for c, codes in ((n_units, units), (n_periods, periods))
                   if not (pd.DataFrame({"e": codes, "c": clusters}).groupby("e")["c"]
                           .nunique() == 1).all()]
        k = slopes + sum(counted) - (1 if len(counted) == 2 else 0)
        cov = cov * cluster_correction(n, k, np.unique(clusters).size)
    else:
        k = slopes + n_units + n_periods - 1
        if kind in ("classical", "HC1"):
            cov = cov * n / (n - k)
    return result.params.to_numpy(), cov


def _dummy_residuals(x, units, periods, weights=None):
    """Residuals of x on explicit unit and period dummies (weighted least squares)."""
    dummies = np.column_stack([pd.get_dummies(units, dtype=float).to_numpy(),
                               pd.get_dummies(periods, dtype=float).to_numpy()])
    root = np.sqrt(np.ones(len(units)) if weights is None else weights)
    coef = np.linalg.lstsq(dummies * root[:, None], x * root[:, None], rcond=None)[0]
    return x - dummies @ coef


# --------------------------------------------------------------------------- panels
def _panel(seed: int, *, balanced: bool, weighted: bool, shuffled: bool,
           n_units: int = 48, n_periods: int = 7) -> pd.DataFrame:
    """A staggered panel with event-time codes, a covariate, weights and cluster columns."""
    rng = np.random.default_rng(seed)
    cohort = rng.choice([0, 3, 4, 6], size=n_units)
    frame = pd.DataFrame({"unit": np.repeat(np.arange(n_units), n_periods),
                          "period": np.tile(np.arange(1, n_periods + 1), n_units)})
    g = np.repeat(cohort, n_periods)
    frame["event"] = np.where(g > 0, frame["period"] - g, -99)
    frame["x"] = rng.normal(size=len(frame)) + 0.1 * frame["period"]
    frame["w"] = (np.repeat(rng.uniform(0.5, 2.0, n_units), n_periods)
                  * rng.uniform(0.8, 1.2, len(frame))) if weighted else 1.0
    frame["y"] = (np.repeat(rng.normal(size=n_units), n_periods) + 0.3 * frame["period"]
                  + (frame["event"] >= 0) * (1 + 0.2 * frame["event"]) + 0.5 * frame["x"]
                  + rng.normal(size=len(frame)))
    frame["block"] = frame["unit"] // 6  # contiguous runs of units
    frame["region"] = rng.integers(0, 9, n_units)[frame["unit"]]  # any order, units nested
    if not balanced:
        frame = frame.loc[rng.random(len(frame)) > 0.2]
    if shuffled:
        frame = frame.sample(frac=1.0, random_state=seed)
    return frame.reset_index(drop=True)


def _event_indicators(frame: pd.DataFrame, event_times=(-5, -4, -3, -2, 0, 1, 2, 3)):
    event = frame["event"].to_numpy()
    codes = np.full(len(frame), -1)
    for j, e in enumerate(event_times):
        codes[event == e] = j
    names = tuple(f"e{e}" for e in event_times)
    dense = pd.DataFrame({n: (codes == j).astype(float) for j, n in enumerate(names)})
    return Indicators(codes, names), dense


CASES = [
    pytest.param(dict(balanced=True, weighted=False, shuffled=False), id="balanced"),
    pytest.param(dict(balanced=False, weighted=False, shuffled=False), id="unbalanced"),
    pytest.param(dict(balanced=True, weighted=True, shuffled=False), id="balanced-weighted"),
    pytest.param(dict(balanced=False, weighted=True, shuffled=True), id="unbalanced-weighted"
                 "-shuffled"),
    pytest.param(dict(balanced=True, weighted=False, shuffled=True), id="balanced-shuffled"),
    pytest.param(dict(balanced=False, weighted=True, shuffled=False, n_units=12, n_periods=30),
                 id="more-periods-than-units"),
]
VCOVS = [("cluster", "unit"), ("cluster", "block"), ("cluster", "region"),
         ("cluster", "period"), ("classical", None), ("HC0", None), ("HC1", None)]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize(("kind", "cluster"), VCOVS)
def test_fit_agrees_with_linearmodels_panelols(case, kind, cluster):
    frame = _panel(11, **case)
    indicators, dense = _event_indicators(frame)
    x = pd.concat([dense, frame[["x"]]], axis=1)
    units = frame["unit"].to_numpy()
    periods = frame["period"].to_numpy()
    clusters = pd.factorize(frame[cluster])[0] if cluster else None
    weights = frame["w"].to_numpy() if case["weighted"] else None
    params, cov = _linearmodels_fit(frame["y"], x, units, periods, kind, clusters, weights)
    choice = VcovChoice(kind, cluster)
    implicit = fit_twoway(frame["y"].to_numpy(), frame[["x"]].to_numpy(), units, periods,
                          vcov=choice, clusters=clusters, weights=weights, names=["x"],
                          indicators=indicators)
    explicit = fit_twoway(frame["y"].to_numpy(), x, units, periods, vcov=choice,
                          clusters=clusters, weights=weights)
    for fit in (implicit, explicit):
        np.testing.assert_allclose(fit.params, params, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(fit.vcov, cov, rtol=1e-10, atol=1e-14 * np.abs(cov).max())


def test_static_treatment_dummy_matches_linearmodels_on_mpdta(mpdta):
    """The static TWFE regression of the fixest reference, through both paths."""
    units = mpdta["countyreal"].to_numpy()
    periods = mpdta["year"].to_numpy()
    g = mpdta["first.treat"].to_numpy()
    treated = ((g > 0) & (mpdta["year"].to_numpy() >= g)).astype(float)
    params, cov = _linearmodels_fit(mpdta["lemp"], pd.DataFrame({"treated": treated}), units,
                                    periods, "cluster", units)
    fit = fit_twoway(mpdta["lemp"].to_numpy(), None, units, periods,
                     vcov=VcovChoice("cluster", "countyreal"), clusters=units,
                     indicators=Indicators(np.where(treated == 1, 0, -1), ("treated",)))
    np.testing.assert_allclose(fit.params, params, rtol=1e-10)
    np.testing.assert_allclose(fit.vcov, cov, rtol=1e-10)
    assert fit.params[0] == pytest.approx(-0.036549, abs=5e-7)  # fixest, as printed
    assert np.sqrt(fit.vcov[0, 0]) == pytest.approx(0.013265, abs=5e-7)


# --------------------------------------------------------------------------- the projection
@pytest.mark.parametrize("method", ["closed_form", "direct", "iterative"])
@pytest.mark.parametrize("weights", ["none", "by_unit", "by_period"])
def test_balanced_projection_equals_dummy_regression(method, weights):
    rng = np.random.default_rng(3)
    n_units, n_periods = 30, 6
    units = np.repeat(np.arange(n_units), n_periods)
    periods = np.tile(np.arange(n_periods), n_units)
    w = {"none": None,
         "by_unit": np.repeat(rng.uniform(0.5, 2, n_units), n_periods),
         "by_period": np.tile(rng.uniform(0.5, 2, n_periods), n_units)}[weights]
    x = rng.normal(size=(units.size, 3)) + 100.0
    within = TwoWayWithin(units, periods, w, method=method)
    assert within.method == method
    np.testing.assert_allclose(within.transform(x), _dummy_residuals(x, units, periods, w),
                               rtol=0, atol=1e-10)


@pytest.mark.parametrize("method", ["auto", "direct", "iterative"])
@pytest.mark.parametrize("shape", ["unbalanced", "weighted", "wide", "disconnected"])
def test_unbalanced_projection_equals_dummy_regression(method, shape):
    rng = np.random.default_rng(5)
    n_units, n_periods = (6, 40) if shape == "wide" else (40, 8)
    units = np.repeat(np.arange(n_units), n_periods)
    periods = np.tile(np.arange(n_periods), n_units)
    keep = rng.random(units.size) > 0.25
    if shape == "disconnected":  # units 0-19 only in periods 0-3, the others in 4-7
        keep = (units < 20) == (periods < 4)
    units, periods = units[keep], periods[keep]
    order = rng.permutation(units.size)
    units, periods = units[order], periods[order]
    w = rng.uniform(0.5, 2.0, units.size) if shape == "weighted" else None
    x = rng.normal(size=(units.size, 2))
    within = TwoWayWithin(units, periods, w, method=method)
    assert within.method == ("direct" if method == "auto" else method)
    np.testing.assert_allclose(within.transform(x), _dummy_residuals(x, units, periods, w),
                               rtol=0, atol=1e-10)
    assert within.n_units == np.unique(units).size


def test_indicator_effects_reproduce_the_transformed_columns():
    frame = _panel(2, balanced=False, weighted=True, shuffled=True)
    indicators, dense = _event_indicators(frame)
    units, periods = frame["unit"].to_numpy(), frame["period"].to_numpy()
    within = TwoWayWithin(units, periods, frame["w"].to_numpy())
    alpha, beta, _, _ = within.indicator_effects(indicators.codes + 1, len(indicators.names))
    (a, _), (b, _) = within.factors
    implicit = dense.to_numpy() - alpha[a] - beta[b]
    np.testing.assert_allclose(implicit, within.transform(dense.to_numpy()), atol=1e-12)


def test_transform_in_place_and_one_column():
    units = np.repeat(np.arange(5), 4)
    periods = np.tile(np.arange(4), 5)
    x = np.arange(20, dtype=float).reshape(-1, 1) ** 1.5
    expected = _dummy_residuals(x, units, periods)
    within = TwoWayWithin(units, periods)
    np.testing.assert_allclose(within.transform(x[:, 0]), expected[:, 0], atol=1e-12)
    copy = x.copy()
    out = within.transform(copy, overwrite=True)
    assert out is copy
    np.testing.assert_allclose(out, expected, atol=1e-12)


def test_is_nested():
    assert is_nested(np.array([0, 0, 1, 1, 2]), np.array([5, 5, 5, 5, 7]))
    assert not is_nested(np.array([0, 0, 1, 1]), np.array([5, 6, 5, 5]))


# --------------------------------------------------------------------------- failures
def test_closed_form_needs_a_balanced_panel():
    with pytest.raises(InputError, match="method='closed_form': needs a balanced panel"):
        TwoWayWithin(np.array([0, 0, 1]), np.array([0, 1, 0]), method="closed_form")


def test_absorbed_and_collinear_regressors_are_named():
    frame = _panel(4, balanced=True, weighted=False, shuffled=False)
    units, periods = frame["unit"].to_numpy(), frame["period"].to_numpy()
    choice = VcovChoice("cluster", "unit")
    x = frame[["x"]].assign(size=frame["unit"] % 7, x2=2 * frame["x"] + 1,
                            trend=frame["period"] ** 2)
    with pytest.raises(EstimationError) as info:
        fit_twoway(frame["y"].to_numpy(), x, units, periods, vcov=choice, clusters=units)
    message = str(info.value)
    assert "size (constant within each unit)" in message
    assert "trend (constant within each period)" in message
    assert "collinear with the regressors before them (in the order x, size, x2, trend): x2" \
        in message


def test_iterative_method_reports_non_convergence():
    rng = np.random.default_rng(0)
    units = rng.integers(0, 50, 400)
    periods = rng.integers(0, 50, 400)
    within = TwoWayWithin(units, periods, method="iterative", max_iter=1)
    with pytest.raises(EstimationError, match="did not converge in 1 iterations"):
        within.transform(rng.normal(size=400))
