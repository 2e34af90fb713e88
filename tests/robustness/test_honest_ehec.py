"""The HonestDiD Medicaid example end to end: from the raw data to the robust intervals.

Source: the README of the R package HonestDiD (github.com/asheshrambachan/HonestDiD,
"Example usage - Medicaid expansions"). From ``ehec_data`` (``load_ehec()``) it keeps the
years before 2016 and drops the states first treated in 2015 (``filter(year < 2016 &
(is.na(yexp2) | yexp2 != 2015))``: the never-expanding states and those expanding in 2016
or later stay, as comparison units), sets ``D = 1{yexp2 == 2014}`` and runs

    twfe_results <- fixest::feols(dins ~ i(year, D, ref = 2013) | stfips + year,
                                  cluster = "stfips", data = df_nonstaggered)
    betahat <- summary(twfe_results)$coefficients
    sigma <- summary(twfe_results)$cov.scaled

then ``createSensitivityResults_relativeMagnitudes(betahat, sigma, numPrePeriods = 5,
numPostPeriods = 2, Mbarvec = seq(0.5, 2, by = 0.5))`` and ``createSensitivityResults(...,
Mvec = seq(from = 0, to = 0.05, by = 0.01))``. Here the same steps are evalkit calls: a
Panel with ``first_treated="yexp2"`` (states expanding after 2015 are never treated within
the sample), :func:`evalkit.did.event_study` (reference period -1, i.e. 2013) and
:func:`evalkit.robustness.honest_did` on its result.

Printed references:

- betahat and the standard errors: the README does not print them; the same regression in
  Stata, ``reghdfe dins b2013.Dyear, absorb(stfips year) cluster(stfips)``, is printed to 7
  digits in Mixtape-Sessions Advanced-DID, Exercises/Exercise-2/Solutions/
  medicaid-analysis-pt-violations-solutions-stata.md (43 states, 8 years). The whole of
  sigma (off-diagonal terms too) is checked against an explicit dummy regression
  (statsmodels) with fixest's / reghdfe's small-sample factor.
- The relative-magnitudes intervals as the README printed them from its unified example
  (commit fa4ce02, 2022-09-14) until 2024-03-28: 0.0240/0.0672, 0.0170/0.0720,
  0.00824/0.0797, -0.000916/0.0881. The package reports the ends of the accepted points of
  a 1,000-point grid over +/- 20 sd, evalkit the exact ends: moved inward onto that grid
  they give every printed digit (the C-LF critical value from R's own draws after
  ``set.seed(0)``, see evalkit.robustness._honest_rng). The README regenerated on
  2024-03-28 (commit 99e05c7, a later version of the package, whose test of each grid
  point was rewritten) prints 0.0241/0.0673, 0.0171/0.0720, 0.00859/0.0796,
  -0.00107/0.0883: not reproduced here (up to 3.5e-4 apart, about 0.04 sd).
- The smoothness (FLCI) intervals, the same in both READMEs: 0.0259/0.0607,
  0.0132/0.0787, 0.00286/0.0907, -0.00714/0.101, -0.0171/0.111, -0.0271/0.121. The
  package takes the folded-normal quantile from 10^6 draws; evalkit computes it exactly,
  which moves the ends by at most 3.5e-5 beyond the printed values. With the package's
  simulated quantile every printed digit is reproduced but one (the lower end at M = 0,
  0.0259513, 1.3e-6 above the rounding boundary: see test_honest_reference.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from evalkit import Panel
from evalkit.datasets import load_ehec
from evalkit.did import event_study
from evalkit.robustness import honest_did
from evalkit.robustness._honest_flci import optimal_flci
from evalkit.robustness._honest_rng import r_normal_draws

# reghdfe (Mixtape solutions, above): coefficient, std. error, 95% interval, 2008..2015
REGHDFE = [(-.0052854, .0086536, -.022749, .0121783), (-.0112973, .0085244, -.0285002, .0059056),
           (-.002676, .0071078, -.0170201, .0116681), (-.0014193, .0063271, -.0141879, .0113493),
           (.0003397, .007391, -.0145759, .0152553), (.0464469, .0091519, .0279776, .0649161),
           (.0692062, .01035, .0483189, .0900934)]
README_RM = [(0.5, "0.0240", "0.0672"), (1.0, "0.0170", "0.0720"),
             (1.5, "0.00824", "0.0797"), (2.0, "-0.000916", "0.0881")]
README_SD = [(0.00, "0.0259", "0.0607"), (0.01, "0.0132", "0.0787"), (0.02, "0.00286", "0.0907"),
             (0.03, "-0.00714", "0.101"), (0.04, "-0.0171", "0.111"), (0.05, "-0.0271", "0.121")]


def _shows_as(value: float, printed: str) -> bool:
    decimals = len(printed.split(".")[1])
    return abs(round(value, decimals) - float(printed)) < 10 ** -(decimals + 3)


def _beyond_printed(value: float, printed: str) -> float:
    half_unit = 0.5 * 10 ** -len(printed.split(".")[1])
    return max(0.0, abs(value - float(printed)) - half_unit)


def _readme_sample() -> pd.DataFrame:
    data = load_ehec()
    return data[(data["year"] < 2016) & (data["yexp2"].isna() | (data["yexp2"] != 2015))]


@pytest.fixture(scope="module")
def study():
    panel = Panel(_readme_sample(), unit="stfips", time="year", outcome="dins",
                  first_treated="yexp2")
    return event_study(panel)


def test_event_study_from_the_raw_data_is_the_printed_regression(study):
    assert study.event_time == (-6, -5, -4, -3, -2, 0, 1) and study.reference_period == -1
    assert study.sample["units"] == 43 and study.sample["periods"] == 8
    table = study.tidy(include_reference=False)
    for row, (coef, se, low, high) in zip(table.itertuples(), REGHDFE, strict=True):
        assert row.estimate == pytest.approx(coef, abs=5e-8)
        assert row.std_error == pytest.approx(se, abs=5e-8)
        assert row.conf_low == pytest.approx(low, abs=5e-7)  # t with 42 degrees of freedom
        assert row.conf_high == pytest.approx(high, abs=5e-7)


def test_sigma_is_the_clustered_covariance_of_the_dummy_regression(study):
    data = _readme_sample().reset_index(drop=True)
    d = (data["yexp2"] == 2014).astype(float)
    x = pd.get_dummies(data[["stfips", "year"]].astype(str), drop_first=True, dtype=float)
    years = [y for y in range(2008, 2016) if y != 2013]
    for year in years:
        x[f"D:{year}"] = d * (data["year"] == year)
    x.insert(0, "const", 1.0)
    fit = sm.OLS(data["dins"], x).fit(cov_type="cluster", cov_kwds={
        "groups": data["stfips"].to_numpy(), "use_correction": False})
    n, g = len(data), data["stfips"].nunique()
    k = 7 + 8  # the event-time slopes and the year effects; state effects nested in clusters
    sigma = fit.cov_params().to_numpy()[-7:, -7:] * g / (g - 1) * (n - 1) / (n - k)
    np.testing.assert_allclose(study.coefficients.vcov, sigma, rtol=1e-9, atol=0)
    np.testing.assert_allclose(study.coefficients.estimate, fit.params.to_numpy()[-7:],
                               rtol=0, atol=1e-12)


def test_relative_magnitudes_give_the_readme_intervals(study):
    result = honest_did(study, restriction="relative_magnitude", m_values=[0.5, 1.0, 1.5, 2.0])
    assert result.method_label == "C-LF"
    sd = float(np.sqrt(study.coefficients.vcov[5, 5]))
    grid = np.linspace(-20 * sd, 20 * sd, 1000)  # the package's theta grid
    step = grid[1] - grid[0]
    for (mbar, lb, ub), low, high in zip(README_RM, result.conf_low, result.conf_high,
                                         strict=True):
        package_low, package_high = grid[grid >= low].min(), grid[grid <= high].max()
        assert _shows_as(package_low, lb), (mbar, package_low, lb)
        assert _shows_as(package_high, ub), (mbar, package_high, ub)
        assert 0 <= package_low - low < step and 0 <= high - package_high < step
    # README: "the breakdown value for a significant effect is Mbar = 2"
    assert 1.5 < result.breakdown_value <= 2.0


def test_smoothness_gives_the_readme_intervals(study):
    result = honest_did(study, restriction="smoothness",
                        m_values=[0.0, 0.01, 0.02, 0.03, 0.04, 0.05])
    assert result.method_label == "FLCI"
    for (m, lb, ub), low, high in zip(README_SD, result.conf_low, result.conf_high,
                                      strict=True):
        assert _beyond_printed(low, lb) < 3.5e-5, (m, low, lb)
        assert _beyond_printed(high, ub) < 3.5e-5, (m, high, ub)
    # with the package's simulated folded-normal quantile: the printed digits
    draws = r_normal_draws(10**6, 0)
    betahat, sigma = study.coefficients.estimate, study.coefficients.vcov
    for m, lb, ub in README_SD:
        flci = optimal_flci(betahat, sigma, 5, np.array([1.0, 0.0]), m, 0.05)
        half = flci.std_error * np.quantile(np.abs(draws + flci.max_bias / flci.std_error),
                                            0.95)
        assert _shows_as(flci.center + half, ub), (m, flci.center + half, ub)
        if m == 0.0:  # 0.0259513: 1.3e-6 above the rounding boundary of the printed 0.0259
            assert abs((flci.center - half) - 0.02595) < 2e-6
        else:
            assert _shows_as(flci.center - half, lb), (m, flci.center - half, lb)
    # README: "the breakdown value for a significant effect is M ~ 0.03"
    assert 0.02 < result.breakdown_value <= 0.03
