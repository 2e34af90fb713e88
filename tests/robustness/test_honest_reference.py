"""honest_did reproduces the HonestDiD R package's documented Medicaid example.

Reference: the README of the R package HonestDiD (Rambachan & Roth,
github.com/asheshrambachan/HonestDiD, section "Example usage - Medicaid expansions"),
which prints, for the TWFE event study

    twfe_results <- fixest::feols(dins ~ i(year, D, ref = 2013) | stfips + year,
                                  cluster = "stfips", data = df_nonstaggered)
    betahat <- summary(twfe_results)$coefficients
    sigma <- summary(twfe_results)$cov.scaled

on ehec_data (years < 2016, the 2015 cohort dropped), the outputs of

    createSensitivityResults_relativeMagnitudes(betahat = betahat, sigma = sigma,
        numPrePeriods = 5, numPostPeriods = 2, Mbarvec = seq(0.5, 2, by = 0.5))
    createSensitivityResults(betahat = betahat, sigma = sigma,
        numPrePeriods = 5, numPostPeriods = 2, Mvec = seq(from = 0, to = 0.05, by = 0.01))

to three significant digits. The README does not print betahat and sigma. Below they are
the same regression computed by evalkit.did.event_study on the Mixtape-Sessions
Advanced-DID ehec_data.csv (Exercises/Data, the file the README loads as .dta), with the
default cluster-robust covariance by state; they agree with the reghdfe output printed
in the same course's solutions (Exercises/Exercise-2/Solutions/
medicaid-analysis-pt-violations-solutions-stata.md: coefficients and standard errors to
7 digits, checked below) and, as the robust intervals show, with fixest's cov.scaled.

Two features of the package decide its last printed digits, and both are reproduced:

- The C-LF hybrid test simulates its least-favourable critical value from 1,000 draws
  after ``set.seed(0)``; evalkit generates R's very stream (see
  evalkit.robustness._honest_rng), so its tests are the package's tests.
- The package reports the smallest and largest accepted points of a 1,000-point grid
  over [-20 sd, 20 sd] (sd the standard error of the parameter), while evalkit
  reports the exact ends of the accepted set. Moving evalkit's exact ends inward to
  that grid gives the package's numbers to every printed digit; the exact ends lie
  within one grid step (0.04 sd) outside them.
- The FLCI's critical value is the 95% quantile of |N(b/h, 1)|; evalkit computes it
  exactly, the package from 10^6 draws of ``rnorm`` after ``set.seed(0)``. With the
  exact quantile the intervals lie at most 3.5e-5 (0.004 sd) beyond the values that
  round to the printed ones. Recomputing the half-length at evalkit's optimum with the
  package's simulated quantile gives every printed digit but one: the lower end at M =
  0, 0.0259513 by this route against a printed 0.0259 - 1.3e-6 above the rounding
  boundary, i.e. a relative difference of 7e-5 in the half-length, within the tolerance
  of the conic solver (CVXR) the package finds the minimum-variance estimator with.
"""

from __future__ import annotations

import numpy as np
import pytest

from evalkit.robustness._honest_rng import r_normal_draws
from evalkit.robustness.honest import honest_did_from_estimates

# evalkit.did.event_study on ehec_data.csv as described above (event times -6..-2, 0, 1)
BETAHAT = np.array([-0.005285354532720751, -0.011297324648151183, -0.0026759918117936193,
                    -0.001419312252110753, 0.00033966351897166743, 0.046446854159945525,
                    0.06920617547902193])
SIGMA = np.array([
    [7.488483635897694e-05, 6.0398740956443994e-05, 4.4446198184611653e-05,
     3.3857647060892e-05, 4.3280112547435787e-05, 4.765880478777967e-05,
     2.425128699754126e-05],
    [6.0398740956443994e-05, 7.266500616997002e-05, 3.789330221288122e-05,
     2.866578025148481e-05, 4.5433206284037713e-05, 4.4288501193180836e-05,
     2.8246550429846044e-05],
    [4.4446198184611653e-05, 3.789330221288122e-05, 5.0520519401629255e-05,
     2.6736794324839038e-05, 2.77819356767406e-05, 3.0606441089055395e-05,
     9.637533882668718e-06],
    [3.3857647060892e-05, 2.866578025148481e-05, 2.6736794324839038e-05,
     4.003222026337789e-05, 2.4128599757163994e-05, 2.380868209073601e-05,
     2.9238781433635903e-06],
    [4.3280112547435787e-05, 4.5433206284037713e-05, 2.77819356767406e-05,
     2.4128599757163994e-05, 5.4626622070542994e-05, 3.6825310517431674e-05,
     9.722947502418053e-06],
    [4.765880478777967e-05, 4.4288501193180836e-05, 3.0606441089055395e-05,
     2.380868209073601e-05, 3.6825310517431674e-05, 8.375668824677527e-05,
     6.321397962533756e-05],
    [2.425128699754126e-05, 2.8246550429846044e-05, 9.637533882668718e-06,
     2.9238781433635903e-06, 9.722947502418053e-06, 6.321397962533756e-05,
     0.00010712352303004398],
])

# reghdfe dins b2013.Dyear, absorb(stfips year) cluster(stfips) (Mixtape solutions, above)
REGHDFE_COEF = [-.0052854, -.0112973, -.002676, -.0014193, .0003397, .0464469, .0692062]
REGHDFE_SE = [.0086536, .0085244, .0071078, .0063271, .007391, .0091519, .01035]

# HonestDiD README, delta_rm_results (Mbar, lb, ub) as printed
README_RM = [(0.5, "0.0240", "0.0672"), (1.0, "0.0170", "0.0720"),
             (1.5, "0.00824", "0.0797"), (2.0, "-0.000916", "0.0881")]
# HonestDiD README, delta_sd_results (M, lb, ub) as printed
README_SD = [(0.00, "0.0259", "0.0607"), (0.01, "0.0132", "0.0787"), (0.02, "0.00286", "0.0907"),
             (0.03, "-0.00714", "0.101"), (0.04, "-0.0171", "0.111"), (0.05, "-0.0271", "0.121")]


def _shows_as(value: float, printed: str) -> bool:
    """Whether ``value`` rounds to ``printed`` at the number of decimals printed."""
    decimals = len(printed.split(".")[1])
    return abs(round(value, decimals) - float(printed)) < 10 ** -(decimals + 3)


def _distance_to_printed(value: float, printed: str) -> float:
    """How far ``value`` lies outside the values that round to ``printed``."""
    half_unit = 0.5 * 10 ** -len(printed.split(".")[1])
    return max(0.0, abs(value - float(printed)) - half_unit)


def _package_grid(l_vec: np.ndarray) -> np.ndarray:
    """The package's default theta grid for Delta^RM: 1,000 points over +/- 20 sd."""
    sd = float(np.sqrt(l_vec @ SIGMA[5:, 5:] @ l_vec))
    return np.linspace(-20 * sd, 20 * sd, 1000)


def test_inputs_are_the_printed_regression():
    np.testing.assert_allclose(BETAHAT, REGHDFE_COEF, atol=5e-8)
    np.testing.assert_allclose(np.sqrt(np.diag(SIGMA)), REGHDFE_SE, atol=5e-8)


@pytest.fixture(scope="module")
def rm_result():
    return honest_did_from_estimates(BETAHAT, SIGMA, num_pre_periods=5, num_post_periods=2,
                                     m_values=[0.5, 1.0, 1.5, 2.0])


def test_relative_magnitudes_match_the_readme_on_the_package_grid(rm_result):
    assert rm_result.method_label == "C-LF"
    grid = _package_grid(np.array([1.0, 0.0]))
    step = grid[1] - grid[0]
    for (mbar, lb, ub), low, high in zip(README_RM, rm_result.conf_low, rm_result.conf_high,
                                         strict=True):
        package_low = grid[grid >= low].min()
        package_high = grid[grid <= high].max()
        assert _shows_as(package_low, lb), (mbar, package_low, lb)
        assert _shows_as(package_high, ub), (mbar, package_high, ub)
        # the exact ends lie less than one grid step outside the package's
        assert 0 <= package_low - low < step and 0 <= high - package_high < step


def test_relative_magnitudes_breakdown_value(rm_result):
    # README: "the breakdown value for a significant effect is Mbar = 2" (on its grid)
    assert 1.5 < rm_result.breakdown_value <= 2.0
    assert rm_result.breakdown_value == pytest.approx(1.9402, abs=2e-4)


def test_original_interval_is_construct_original_cs(rm_result):
    # constructOriginalCS: betahat[6] -/+ qnorm(0.975) * sqrt(sigma[6, 6]); the Stata port
    # prints (0.029, 0.064) for it in the Mixtape solutions
    half = 1.959963984540054 * np.sqrt(SIGMA[5, 5])
    assert rm_result.original_conf_low == pytest.approx(BETAHAT[5] - half, abs=1e-15)
    assert rm_result.original_conf_high == pytest.approx(BETAHAT[5] + half, abs=1e-15)
    assert _shows_as(rm_result.original_conf_low, "0.029")
    assert _shows_as(rm_result.original_conf_high, "0.064")


@pytest.fixture(scope="module")
def sd_result():
    return honest_did_from_estimates(BETAHAT, SIGMA, num_pre_periods=5, num_post_periods=2,
                                     restriction="smoothness",
                                     m_values=[0.0, 0.01, 0.02, 0.03, 0.04, 0.05])


def test_smoothness_flci_within_the_simulation_noise_of_the_readme(sd_result):
    assert sd_result.method_label == "FLCI"
    for (m, lb, ub), low, high in zip(README_SD, sd_result.conf_low, sd_result.conf_high,
                                      strict=True):
        assert _distance_to_printed(low, lb) < 3.5e-5, (m, low, lb)
        assert _distance_to_printed(high, ub) < 3.5e-5, (m, high, ub)


def test_smoothness_with_the_package_quantile_gives_the_printed_digits():
    from evalkit.robustness._honest_flci import optimal_flci

    draws = r_normal_draws(10**6, 0)  # .qfoldednormal: set.seed(0); rnorm(10^6)
    l_vec = np.array([1.0, 0.0])
    for m, lb, ub in README_SD:
        flci = optimal_flci(BETAHAT, SIGMA, 5, l_vec, m, 0.05)
        t = flci.max_bias / flci.std_error
        half = flci.std_error * np.quantile(np.abs(draws + t), 0.95)
        assert _shows_as(flci.center + half, ub), (m, flci.center + half, ub)
        if m == 0.0:  # see the module docstring: 1.3e-6 from the rounding boundary
            assert abs((flci.center - half) - 0.02595) < 2e-6
        else:
            assert _shows_as(flci.center - half, lb), (m, flci.center - half, lb)


def test_smoothness_breakdown_value(sd_result):
    # README: "the breakdown value for a significant effect is M ~ 0.03" (on its grid)
    assert 0.02 < sd_result.breakdown_value <= 0.03
    lows = sd_result.conf_low
    assert lows[2] > 0 > lows[3]


def test_average_effect_original_interval_matches_the_stata_port():
    # Mixtape solutions, honestdid with l_vec = (0.5, 0.5): "(Original)" row 0.040, 0.075
    result = honest_did_from_estimates(BETAHAT, SIGMA, num_pre_periods=5, num_post_periods=2,
                                       parameter="average", m_values=[0.0])
    assert _shows_as(result.original_conf_low, "0.040")
    assert _shows_as(result.original_conf_high, "0.075")
    assert result.estimate == pytest.approx(BETAHAT[5:].mean(), abs=1e-15)
