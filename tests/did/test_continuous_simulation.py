"""continuous_did on simulated panels with a known dose response.

Every treated unit's effect of dose d from its first treated period on is
tau(d) = d + 0.5 d^2 (ACRT(d) = 1 + d), doses uniform on [0.5, 2]: ATT^o = E[tau(D)] =
2.125 and ACRT^o = E[1 + D] = 2.25. A quadratic spline (degree 2, no interior knot)
holds the true curve exactly, so the estimates are unbiased and their analytic standard
errors, and the bootstrap uniform band, can be checked against the Monte Carlo spread.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit.did.continuous import continuous_did

COLUMNS = {"outcome": "y", "unit": "unit", "time": "t", "dose": "d", "first_treated": "g"}
TRUE_ATT, TRUE_ACRT = 2.125, 2.25
GRID = np.linspace(0.6, 1.9, 14)
REPLICATIONS = 60


def _tau(d: np.ndarray) -> np.ndarray:
    return d + 0.5 * d ** 2


def simulate(n: int, seed: int, periods: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.choice([0, 3, 4, 5], size=n, p=[0.3, 0.25, 0.25, 0.2])
    dose = np.where(g > 0, rng.uniform(0.5, 2.0, n), 0.0)
    t = np.arange(1, periods + 1)
    unit_effect = rng.normal(size=n) + 0.5 * dose  # dose correlates with levels only
    trend = 0.3 * t  # common trends
    y = (unit_effect[:, None] + trend + (t >= g[:, None]) * (g[:, None] > 0)
         * _tau(dose)[:, None] + rng.normal(size=(n, periods)))
    return pd.DataFrame({"unit": np.repeat(np.arange(n), periods), "t": np.tile(t, n),
                         "g": np.repeat(g, periods), "d": np.repeat(dose, periods),
                         "y": y.reshape(-1)})


@pytest.fixture(scope="module")
def replications():
    out = []
    for seed in range(REPLICATIONS):
        result = continuous_did(simulate(1500, seed), **COLUMNS, degree=2, target="slope",
                                dose_grid=GRID, n_draws=199, random_state=seed)
        out.append(result)
    return out


def test_large_sample_recovers_the_truth():
    result = continuous_did(simulate(20000, 99), **COLUMNS, degree=2, dose_grid=GRID,
                            aggregation="event_time", uniform_band=False)
    coefficients = result.overall_coefficients
    assert abs(coefficients.estimate[0] - TRUE_ATT) < 4 * coefficients.std_error[0]
    assert abs(coefficients.estimate[1] - TRUE_ACRT) < 4 * coefficients.std_error[1]
    assert np.all(np.abs(result.att_curve - _tau(GRID)) < 4 * result.att_curve_se)
    assert np.all(np.abs(result.acrt_curve - (1 + GRID)) < 4 * result.acrt_curve_se)
    study = result.event_study()
    pre = np.array(study.event_time) < 0
    estimate, se = study.coefficients.estimate, study.coefficients.std_error
    assert np.all(np.abs(estimate[pre]) < 4 * se[pre])
    # post-treatment: the ATT of the treated units' doses in each cell
    assert np.all(np.abs(estimate[~pre] - TRUE_ATT) < 4 * se[~pre] + 0.05)


def test_analytic_standard_errors_match_the_monte_carlo_spread(replications):
    # the sd of 60 estimates has about 1/sqrt(2 * 60) = 9% relative error: 3 of them
    tolerance = 3 / np.sqrt(2 * REPLICATIONS)
    for i in range(2):
        estimates = np.array([r.overall_coefficients.estimate[i] for r in replications])
        se = np.array([r.overall_coefficients.std_error[i] for r in replications])
        assert abs(estimates.std(ddof=1) / se.mean() - 1) < tolerance
    for curve, truth in (("att_curve", _tau(GRID)), ("acrt_curve", 1 + GRID)):
        values = np.array([getattr(r, curve) for r in replications])
        se = np.array([getattr(r, f"{curve}_se") for r in replications])
        ratio = values.std(axis=0, ddof=1) / se.mean(axis=0)
        assert np.all(np.abs(ratio - 1) < tolerance)
        # unbiased: the mean within 4 Monte Carlo standard errors of the truth
        assert np.all(np.abs(values.mean(axis=0) - truth)
                      < 4 * values.std(axis=0, ddof=1) / np.sqrt(REPLICATIONS))


def test_uniform_band_covers_the_whole_curve_at_its_level(replications):
    covered = 0
    for result in replications:
        table = result.curve("acrt")
        truth = 1 + table["dose"].to_numpy()
        covered += bool(np.all((table["band_low"] <= truth) & (truth <= table["band_high"])))
        pointwise = result.curve("acrt")["conf_high"] - result.curve("acrt")["estimate"]
        assert np.all(table["band_high"] - table["estimate"] >= pointwise - 1e-12)
    # 95% nominal: 57 of 60 expected; binomial sd 1.7, so at least 50 (four sd below)
    assert covered >= 50
