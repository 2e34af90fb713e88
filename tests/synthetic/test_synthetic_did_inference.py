"""Standard errors of synthetic_did: the paper's placebo SEs; the three algorithms by hand.

Reference values
----------------
Arkhangelsky et al. (2021, AER), Table 1, California column: placebo standard errors
SDID 8.4, SC 9.9, DID 17.7 (200 placebo replications, R synthdid, ``set.seed(12345)``
before each method as in the package's paper-results vignette).

Tolerance
---------
With one treated unit, a placebo replication re-estimates the method with one of the
38 comparison states as the treated unit: the placebo estimates are draws, with
replacement, from 38 values, which the tests enumerate. The placebo SE with B draws
then has sampling standard deviation about ``SE * sqrt((kurtosis - 1) / (4 B))``
(delta method for a standard deviation): 7-8% of the SE here for B = 200, because the
38 values are heavy-tailed (kurtosis 4.8-6.3), more than the 5% of a normal
approximation. A published 200-replication SE can therefore only be compared with the
exact (all-38) SE within a few such standard deviations: the tests use 3.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from evalkit import Bootstrap, DataError, Jackknife, NoInference, Panel, Placebo
from evalkit.datasets import load_prop99
from evalkit.synthetic import _sdid_inference as inference
from evalkit.synthetic import _sdid_weights as weights
from evalkit.synthetic.matrix import outcome_matrix
from evalkit.synthetic.synthetic_did import synthetic_did

PAPER_PLACEBO_SE = {"sdid": 8.4, "sc": 9.9, "did": 17.7}


@functools.cache
def _panel() -> Panel:
    return Panel(load_prop99(), unit="state", time="Year", outcome="cigsale",
                 treatment="treated")


@functools.cache
def _fit(method: str, se: str | None = None, n_draws: int = 200, seed: int = 12345):
    """The fit with ``se`` standard errors: None, "placebo", "bootstrap" or "jackknife"."""
    kind = {None: NoInference(), "placebo": Placebo(n_draws, seed),
            "bootstrap": Bootstrap(n_draws, seed), "jackknife": Jackknife()}[se]
    return synthetic_did(_panel(), method=method, inference=kind)


@functools.cache
def _every_placebo(method: str) -> np.ndarray:
    """The placebo estimate with each of the 38 comparison states as the treated one."""
    matrix = outcome_matrix(_panel(), method=method)
    y = np.asarray(matrix.y)
    n0, n_pre, n = matrix.n_control, matrix.n_pre, y.shape[0]
    fit = _fit(method)
    reg = weights.regularisation(method, y, n0, n_pre, max_iter=10_000)
    mask = np.zeros((n0, n), dtype=bool)
    mask[:, :n0] = True
    mask[np.arange(n0), np.arange(n0)] = False
    treated = np.zeros((n0, n))
    treated[np.arange(n0), np.arange(n0)] = 1.0
    designs = weights.Designs(np.broadcast_to(np.arange(n), (n0, n)), mask, treated)
    omega_units = np.zeros(n)
    omega_units[:n0] = fit.omega
    return inference._estimate_designs(method, weights.prepare(method, y, n_pre), designs, reg,
                                       omega_units, fit.lam)


def _kurtosis(values: np.ndarray) -> float:
    centred = values - values.mean()
    return float(np.mean(centred ** 4) / np.mean(centred ** 2) ** 2)


# --------------------------------------------------------------------------- the paper
@pytest.mark.slow
@pytest.mark.parametrize("method", ["sdid", "sc", "did"])
def test_placebo_standard_error_agrees_with_table_1_within_simulation_error(method):
    values = _every_placebo(method)
    exact = values.std()  # the placebo SE with infinitely many replications
    spread = exact * np.sqrt((_kurtosis(values) - 1) / (4 * 200))
    assert abs(PAPER_PLACEBO_SE[method] - exact) < 3 * spread
    ours = _fit(method, "placebo")
    assert ours.n_draws == 200
    assert abs(ours.std_error - exact) < 3 * spread
    # every replicate is one of the 38 placebo estimates, computed the same way
    assert np.isin(np.round(ours.replicates, 8), np.round(values, 8)).all()
    assert ours.std_error == pytest.approx(np.std(ours.replicates), rel=1e-12)


def test_did_placebo_estimates_are_two_by_two_differences():
    frame = load_prop99()
    wide = frame.pivot(index="state", columns="Year", values="cigsale").drop(index="California")
    change = wide.loc[:, 1989:].mean(axis=1) - wide.loc[:, :1988].mean(axis=1)
    by_hand = [change[s] - change.drop(index=s).mean() for s in wide.index]
    np.testing.assert_allclose(np.sort(_every_placebo("did")), np.sort(by_hand), atol=1e-10)


def test_sdid_confidence_interval_is_the_normal_one():
    result = _fit("sdid", "placebo")
    low, high = result.conf_int().loc["treated"]
    assert (high - low) / 2 == pytest.approx(1.959963984540054 * result.std_error, rel=1e-12)
    assert (low + high) / 2 == pytest.approx(result.estimate, abs=1e-12)
    assert result.with_alpha(0.1).conf_int().loc["treated", "lower"] > low


# --------------------------------------------------------------------------- reproducibility
def test_placebo_draws_are_reproducible_from_the_seed():
    a = synthetic_did(_panel(), method="did", inference=Placebo(50, 7))
    b = synthetic_did(_panel(), method="did", inference=Placebo(50, 7))
    c = synthetic_did(_panel(), method="did", inference=Placebo(50, 8))
    np.testing.assert_array_equal(a.replicates, b.replicates)
    assert not np.array_equal(a.replicates, c.replicates)
    d = synthetic_did(_panel(), method="did",
                      inference=Placebo(50, np.random.default_rng(7)))
    np.testing.assert_array_equal(a.replicates, d.replicates)


def test_batched_placebo_equals_one_design_at_a_time():
    values = _every_placebo("sdid")
    matrix = outcome_matrix(_panel(), method="sdid")
    y = np.asarray(matrix.y)
    n0, n_pre, n = matrix.n_control, matrix.n_pre, y.shape[0]
    fit = _fit("sdid")
    reg = weights.regularisation("sdid", y, n0, n_pre, max_iter=10_000)
    prepared = weights.prepare("sdid", y, n_pre)
    for j in (0, 17, 37):  # Alabama, Nevada (largest weight), Wyoming
        controls = np.array([[i for i in range(n0) if i != j]])
        treated = np.zeros((1, n))
        treated[0, j] = 1.0
        design = weights.Designs(controls, np.ones_like(controls, dtype=bool), treated)
        start = fit.omega[controls[0]] / fit.omega[controls[0]].sum()
        single = weights.fit_weights("sdid", prepared, design, reg, omega_start=start[None],
                                     lambda_start=fit.lam[None])
        estimate = weights.effects(y, n_pre, design, single.omega, single.lam)[0]
        assert estimate == pytest.approx(values[j], abs=1e-8)


# --------------------------------------------------------------------------- jackknife, bootstrap
def _simulated(n_units: int = 30, n_treated: int = 5, n_periods: int = 12, n_pre: int = 8,
               effect: float = 2.0, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    loadings = rng.normal(size=(n_units, 2))
    factors = rng.normal(size=(n_periods, 2)).cumsum(axis=0)
    y = (rng.normal(0, 2, (n_units, 1)) + np.linspace(0, 3, n_periods) + loadings @ factors.T
         + rng.normal(0, 0.5, (n_units, n_periods)))
    treated = np.arange(n_units) >= n_units - n_treated
    d = treated[:, None] & (np.arange(n_periods) >= n_pre)[None, :]
    y = y + effect * d
    return pd.DataFrame({"unit": np.repeat([f"u{i:02d}" for i in range(n_units)], n_periods),
                         "time": np.tile(np.arange(2000, 2000 + n_periods), n_units),
                         "y": y.ravel(), "d": d.ravel().astype(int)})


@pytest.mark.parametrize("method", ["sdid", "did"])
def test_jackknife_is_algorithm_3_by_hand(method):
    frame = _simulated()
    panel = Panel(frame, unit="unit", time="time", outcome="y", treatment="d")
    result = synthetic_did(panel, method=method, inference=Jackknife())
    wide = frame.pivot(index="unit", columns="time", values="y")
    lam = result.lam
    contrast = wide.iloc[:, 8:].mean(axis=1) - wide.iloc[:, :8].to_numpy() @ lam
    omega = pd.Series(result.omega, index=result.control_units)
    treated = list(result.treated_units)
    leave_out = []
    for unit in wide.index:  # leave one unit out, weights fixed, omega renormalised
        kept_treated = [u for u in treated if u != unit]
        kept_omega = omega.drop(index=unit, errors="ignore")
        kept_omega = kept_omega / kept_omega.sum()
        leave_out.append(contrast[kept_treated].mean()
                         - (kept_omega * contrast[kept_omega.index]).sum())
    leave_out = np.array(leave_out)
    n = leave_out.size
    by_hand = np.sqrt((n - 1) / n * np.sum((leave_out - leave_out.mean()) ** 2))
    assert result.std_error == pytest.approx(by_hand, rel=1e-10)
    assert result.n_draws == n


def test_bootstrap_redraws_samples_without_treated_or_controls():
    frame = _simulated(n_units=6, n_treated=2, n_periods=8, n_pre=5)
    panel = Panel(frame, unit="unit", time="time", outcome="y", treatment="d")
    result = synthetic_did(panel, method="did", inference=Bootstrap(300, 5))
    assert result.n_draws == 300 and np.isfinite(result.replicates).all()
    # P(no treated among 6 draws) = (4/6)^6 = 8.8%, P(no control) = (2/6)^6 = 0.1%
    assert 0 < result.discarded_draws < 300 * 0.2
    assert result.std_error == pytest.approx(np.std(result.replicates), rel=1e-12)


def test_bootstrap_replicate_is_the_estimator_on_the_resampled_panel():
    frame = _simulated()
    panel = Panel(frame, unit="unit", time="time", outcome="y", treatment="d")
    # DiD weights need no solver: each replicate is the 2x2 difference on the draw
    result = synthetic_did(panel, method="did", inference=Bootstrap(20, 11))
    rng = np.random.default_rng(11)
    wide = frame.pivot(index="unit", columns="time", values="y").to_numpy()
    change = wide[:, 8:].mean(axis=1) - wide[:, :8].mean(axis=1)
    expected = []
    while len(expected) < 20:
        draws = np.sort(rng.integers(0, 30, size=(20 - len(expected), 30)), axis=1)
        for row in draws:
            treated, controls = row[row >= 25], row[row < 25]
            if treated.size and controls.size:
                expected.append(change[treated].mean() - change[controls].mean())
    np.testing.assert_allclose(result.replicates, expected, atol=1e-10)


@pytest.mark.slow
def test_bootstrap_sdid_is_reproducible_and_sensible():
    frame = _simulated()
    panel = Panel(frame, unit="unit", time="time", outcome="y", treatment="d")
    a = synthetic_did(panel, inference=Bootstrap(40, 2))
    b = synthetic_did(panel, inference=Bootstrap(40, 2))
    np.testing.assert_array_equal(a.replicates, b.replicates)
    assert 0 < a.std_error < 2.0


def test_jackknife_is_missing_when_one_control_carries_all_the_weight():
    frame = _simulated(n_units=8, n_treated=2)
    # the treated units lie beyond the highest control in every period: synthetic control
    # puts all the weight on it, and leaving it out leaves no comparison
    frame.loc[frame["unit"] == "u00", "y"] += 50.0
    frame.loc[frame["unit"].isin(["u06", "u07"]), "y"] += 100.0
    panel = Panel(frame, unit="unit", time="time", outcome="y", treatment="d")
    result = synthetic_did(panel, method="sc", inference=Jackknife())
    np.testing.assert_array_equal(result.omega, [1.0, 0, 0, 0, 0, 0])
    assert np.isnan(result.std_error) and np.isnan(result.conf_int().loc["treated", "lower"])
    assert "undefined" in result.se_note
    assert "undefined" in str(result)


def test_placebo_is_refused_when_controls_do_not_outnumber_treated():
    frame = _simulated(n_units=8, n_treated=4)
    panel = Panel(frame, unit="unit", time="time", outcome="y", treatment="d")
    with pytest.raises(DataError, match=r"inference=Placebo\(\) needs more comparison units"):
        synthetic_did(panel, inference=Placebo())


@pytest.mark.slow
def test_large_panels_compute_gram_columns_on_the_fly_with_the_same_result(monkeypatch):
    # above weights._GRAM_LIMIT units the unit-weight solver does not store the N x N Gram
    stored = synthetic_did(_panel(), inference=Placebo(4, 3))
    monkeypatch.setattr(weights, "_GRAM_LIMIT", 0)
    on_the_fly = synthetic_did(_panel(), inference=Placebo(4, 3))
    assert on_the_fly.estimate == pytest.approx(stored.estimate, abs=1e-9)
    np.testing.assert_allclose(on_the_fly.replicates, stored.replicates, atol=1e-8)
