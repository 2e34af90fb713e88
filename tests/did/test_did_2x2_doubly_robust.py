"""did_2x2's covariate-adjusted methods: R DRDID's printed values, identities, invariances.

Reference values
----------------
R package ``DRDID`` (Sant'Anna & Zhao), the examples of its help pages as rendered in the
package's pkgdown site (``docs/reference/*.html`` of github.com/pedrohcgs/DRDID, built
with DRDID 1.0.x; the same examples in ``man/*.Rd``). They run on the LaLonde sample with
the CPS comparison group, ``eval_lalonde_cps <- subset(nsw, nsw$treated == 0 |
nsw$sample == 2)`` (long form: ``subset(nsw_long, ...)``), reduced "to speed the example"
to 5,000 units by ``set.seed(123); sample(1:nrow(eval_lalonde_cps), 5000)``, with
``covX = cbind(1, age, educ, black, married, nodegree, hisp, re74)``. ``_r_sample``
reproduces R's draw; the shipped ``nsw_long.csv`` is in R's row order, so the same 5,000
units are drawn. Printed (ATT, Std. Error):

- ``drdid_imp_panel(y1 = re78, y0 = re75, D = experimental, covariates = covX)``
  (and ``drdid(..., panel = TRUE)``): -615.2344 (683.2211)
- ``drdid_panel(...)`` (``drdid(..., estMethod = "trad")``): -507.6113 (692.9738)
- ``reg_did_panel(...)`` (``ordid(..., panel = TRUE)`` on the same data): -1312.6766 (597.2834)
- ``std_ipw_did_panel(...)`` (``ipwdid(..., panel = TRUE)``): -655.9068 (687.8493)

On the whole sample (16,417 units), ``drdid(yname = "re", tname = "year", idname = "id",
dname = "experimental", xformla = ~ age + educ + black + married + nodegree + hisp + re74,
data = eval_lalonde_cps, panel = TRUE)`` printed -901.2703 (393.6247) (the DRDID README's
example, its output as printed in M. Nguyen, *A Guide on Data Analysis*, section
"Doubly Robust Difference-in-Differences", DRDID 1.0.x).

Repeated cross-sections: the package's simulated ``sim_rc`` (1,000 observations,
``data-raw/sim_rc.R``: Sant'Anna & Zhao's DGP 1, ``set.seed(1234)``, then ``rnorm`` and
``runif`` draws), rebuilt here with R's generator (``_r_sample.RandomStream``). The help
pages print, for ``drdid(yname = "y", tname = "post", idname = "id", dname = "d",
xformla = ~ x1 + x2 + x3 + x4, data = sim_rc, panel = FALSE, estMethod = ...)``
(``docs/reference/drdid.html``; the same in ``drdid_imp_rc.html`` and ``drdid_rc.html``):

- ``estMethod = "imp"`` (``drdid_imp_rc``): -0.2089 (0.2003)
- ``estMethod = "trad"`` (``drdid_rc``): -0.1678 (0.2009)
- ``ordid(..., panel = FALSE, boot = TRUE, nboot = 199)`` (``ordid.html``): ATT -8.791
- ``ipwdid(..., panel = FALSE, boot = TRUE, nboot = 199)`` (``ipwdid.html``): ATT -15.8033

(the last two print bootstrap standard errors, which are not compared).

Two conventions changed in DRDID since those pages were printed; evalkit follows the
current release (1.2.3) and the tests convert exactly:

1. Standard error. DRDID <= 1.2.2 printed ``sd(psi) / sqrt(n)`` (``sd`` divides by
   n - 1); DRDID 1.2.3 (and R ``did``) prints ``sd(psi) * sqrt(n - 1) / n``, the root of
   the influence function's mean square over sqrt(n). The printed values are evalkit's
   times ``sqrt(n / (n - 1))``.
2. The logit's information matrix in the influence function (``drdid_panel`` and
   ``std_ipw_did_panel`` only). The printed pages took it from ``vcov()`` of the
   ``glm`` fit, whose working weights are those of the last IRLS iteration (one step
   before the final coefficients; IRLS stops when the deviance changes by less than
   1e-8 relatively). DRDID 1.2.3 evaluates it at the fitted scores, as evalkit does.
   The two differ in the 7th significant digit; :func:`_glm_information` reproduces the
   printed digits exactly, and evalkit's own value is checked to be within 1.5e-7
   relatively of them (it is 1.2e-7 and 1.0e-7 away).

Every printed value is compared within half a unit of its last printed digit.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from _r_sample import RandomStream, r_sample
from scipy.special import expit, logit

from evalkit import DiDResult, did_2x2
from evalkit.datasets import load_nsw
from evalkit.did import _doubly_robust_2x2 as compute
from evalkit.did.specs import TwoByTwoSpec

COVARIATES = ("age", "educ", "black", "married", "nodegree", "hisp", "re74")
METHODS = ("doubly_robust", "doubly_robust_traditional", "outcome_regression",
           "inverse_probability")
HALF = 0.5e-4  # half a unit of the 4th printed decimal


def _lalonde_cps() -> pd.DataFrame:
    data = load_nsw()
    data = data.loc[(data["treated"] == 0) | (data["sample"] == 2)].copy()
    data["after"] = (data["year"] == 1978).astype(int)
    return data


@pytest.fixture(scope="module")
def lalonde() -> pd.DataFrame:
    return _lalonde_cps()


@pytest.fixture(scope="module")
def lalonde_5000(lalonde) -> pd.DataFrame:
    ids = lalonde["id"].unique()
    chosen = ids[np.array(r_sample(len(ids), 5000, seed=123)) - 1]
    return lalonde.loc[lalonde["id"].isin(chosen)]


def _fit(data, method, unit="id", covariates=COVARIATES, **options) -> DiDResult:
    return did_2x2(data, outcome="re", treated="experimental", post="after",
                   covariates=covariates, method=method, unit=unit, **options)


def _printed_se(result: DiDResult) -> float:
    """evalkit's standard error in the convention of DRDID <= 1.2.2 (sd with n - 1)."""
    n = result.sample["units"]
    return result.std_error * np.sqrt(n / (n - 1))


# ------------------------------------------------------------------ DRDID's printed examples
PRINTED_5000 = [
    # (method, DRDID function, printed ATT, printed Std. Error)
    ("doubly_robust", "drdid_imp_panel", -615.2344, 683.2211),
    ("doubly_robust_traditional", "drdid_panel", -507.6113, 692.9738),
    ("outcome_regression", "reg_did_panel", -1312.6766, 597.2834),
    ("inverse_probability", "std_ipw_did_panel", -655.9068, 687.8493),
]


@pytest.mark.parametrize(("method", "function", "att", "se"), PRINTED_5000)
def test_drdid_help_page_estimates(lalonde_5000, method, function, att, se):
    result = _fit(lalonde_5000, method)
    assert result.sample["units"] == 5000
    assert result.estimate == pytest.approx(att, abs=HALF), function
    if method in ("doubly_robust", "outcome_regression"):
        assert _printed_se(result) == pytest.approx(se, abs=HALF), function
    else:  # the logit's information as glm's vcov() had it (see the module docstring)
        assert _printed_se(result) == pytest.approx(se, rel=1.5e-7), function


def _glm_information(x: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R glm's logit fit (IRLS from glm's starting values, stopping when the deviance
    changes by less than 1e-8 relatively) and the working weights of its last iteration,
    which ``vcov()`` uses."""
    mu = (d + 0.5) / 2
    eta = logit(mu)
    previous = np.inf
    for _ in range(100):
        weight = mu * (1 - mu)
        z = eta + (d - mu) / weight
        beta = np.linalg.solve((x * weight[:, None]).T @ x, (x * weight[:, None]).T @ z)
        eta = x @ beta
        mu = expit(eta)
        deviance = -2 * np.sum(d * np.log(mu) + (1 - d) * np.log(1 - mu))
        if abs(deviance - previous) / (0.1 + abs(deviance)) < 1e-8:
            return beta, weight
        previous = deviance
    raise AssertionError("the IRLS emulation did not converge")


@pytest.mark.parametrize(("method", "function", "att", "se"),
                         [row for row in PRINTED_5000 if row[0] in
                          ("doubly_robust_traditional", "inverse_probability")])
def test_drdid_help_page_standard_errors_with_glm_information(lalonde_5000, method,
                                                              function, att, se):
    frame = lalonde_5000.sort_values(["id", "year"])
    before, after = frame[frame["after"] == 0], frame[frame["after"] == 1]
    d = before["experimental"].to_numpy(float)
    x = np.column_stack([np.ones(len(before)),
                         *(before[c].to_numpy(float) for c in COVARIATES)])
    beta, weight = _glm_information(x, d)
    score = np.minimum(expit(x @ beta), compute.PS_CAP)
    ps = compute.Propensity(score, np.where(d == 1, 1.0, (score < 0.995) * 1.0), True,
                            beta, weight)
    estimate, influence = compute.estimate_panel(
        method, after["re"].to_numpy() - before["re"].to_numpy(), d, x, np.ones(len(d)), ps)
    n = len(d)
    assert estimate == pytest.approx(att, abs=HALF), function
    assert compute.standard_error(influence) * np.sqrt(n / (n - 1)) == pytest.approx(
        se, abs=HALF), function


def test_drdid_readme_whole_sample(lalonde):
    result = _fit(lalonde, "doubly_robust")
    assert result.sample["units"] == 16417
    assert result.sample["treated_units"] == 425  # LaLonde's NSW treated men
    assert result.estimate == pytest.approx(-901.2703, abs=HALF)
    assert _printed_se(result) == pytest.approx(393.6247, abs=HALF)


@pytest.mark.parametrize("method", METHODS)
def test_cross_sections_of_a_balanced_panel_give_the_panel_estimate(lalonde, method):
    # With time-invariant covariates and every unit in both periods, the cross-section
    # estimators' cell regressions and weights reduce to the panel ones: same ATT (not
    # the same standard error, which ignores the pairing).
    panel = _fit(lalonde, method)
    repeated = _fit(lalonde, method, unit=None)
    assert repeated.estimate == pytest.approx(panel.estimate, rel=1e-9)
    assert repeated.sample["rows"] == 2 * panel.sample["units"]
    assert repeated.std_error > 0


def _sim_rc() -> pd.DataFrame:
    """DRDID's ``sim_rc`` data, drawn as ``data-raw/sim_rc.R`` draws it."""
    stream = RandomStream(1234)
    n = 1000
    x1, x2, x3, x4 = (np.array(stream.rnorm(n)) for _ in range(4))
    z1 = (np.exp(x1 / 2) - np.exp(0.25 / 2)) / np.sqrt((np.exp(0.25) - 1) * np.exp(0.25))
    z2 = (x2 / (1 + np.exp(x1)) + 10 - 10) / 0.54164
    z3 = ((x1 * x3 / 25 + 0.6) ** 3 - 0.21887) / 0.04453
    z4 = ((x1 + x4 + 20) ** 2 - 402) / 56.63891
    share = expit(0.75 * (-z1 + 0.5 * z2 - 0.25 * z3 - 0.1 * z4))
    d = (np.array(stream.runif(n)) <= share).astype(float)
    index = 210 + 27.4 * z1 + 13.7 * (z2 + z3 + z4)
    v = d * index + np.array(stream.rnorm(n))
    y0 = index + v + np.array(stream.rnorm(n))
    y10 = index + v + np.array(stream.rnorm(n)) + index
    y11 = index + v + np.array(stream.rnorm(n)) + index  # the effect is zero
    post = (np.array(stream.runif(n)) <= 0.5).astype(float)
    y = post * (d * y11 + (1 - d) * y10) + (1 - post) * y0
    return pd.DataFrame({"id": np.arange(1, n + 1), "post": post, "y": y, "d": d,
                         "x1": z1, "x2": z2, "x3": z3, "x4": z4})


PRINTED_SIM_RC = [
    # (method, DRDID function, printed ATT, printed analytic Std. Error or None)
    ("doubly_robust", "drdid_imp_rc", -0.2089, 0.2003),
    ("doubly_robust_traditional", "drdid_rc", -0.1678, 0.2009),
    ("outcome_regression", "reg_did_rc", -8.791, None),
    ("inverse_probability", "std_ipw_did_rc", -15.8033, None),
]


@pytest.mark.parametrize(("method", "function", "att", "se"), PRINTED_SIM_RC)
def test_drdid_help_page_repeated_cross_sections(method, function, att, se):
    data = _sim_rc()
    result = did_2x2(data, outcome="y", treated="d", post="post",
                     covariates=("x1", "x2", "x3", "x4"), method=method)
    assert result.sample["rows"] == 1000
    assert result.estimate == pytest.approx(att, abs=HALF), function
    if se is not None:
        n = result.sample["rows"]
        assert result.std_error * np.sqrt(n / (n - 1)) == pytest.approx(se, abs=HALF), function


# --------------------------------------------------------------------------- identities
def _simulated(n: int, seed: int, *, effect: float = 2.0, selection: float = 0.0,
               panel: bool = True) -> pd.DataFrame:
    """Two periods; X shifts the trend and (``selection``) the chance of treatment."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    d = (rng.uniform(size=n) < expit(-0.5 + selection * (x1 - 0.5 * x2))).astype(int)
    level = 1 + x1 + 0.5 * x2 + d + rng.normal(size=n)
    y0 = level + rng.normal(size=n)
    y1 = level + 1 + 0.8 * x1 - 0.4 * x2 + effect * d + rng.normal(size=n)
    if not panel:  # a different draw of people after the change
        keep_after = rng.uniform(size=n) < 0.5
        rows = pd.DataFrame({"id": np.arange(n), "d": d, "x1": x1, "x2": x2,
                             "after": keep_after.astype(int),
                             "y": np.where(keep_after, y1, y0)})
        return rows
    return pd.DataFrame({"id": np.repeat(np.arange(n), 2), "d": np.repeat(d, 2),
                         "x1": np.repeat(x1, 2), "x2": np.repeat(x2, 2),
                         "after": np.tile([0, 1], n),
                         "y": np.column_stack([y0, y1]).ravel()})


def _sim_fit(data, method, unit="id", covariates=("x1", "x2"), **options):
    return did_2x2(data, outcome="y", treated="d", post="after", covariates=covariates,
                   method=method, unit=unit, **options)


@pytest.mark.parametrize("unit", ["id", None])
@pytest.mark.parametrize("method", METHODS)
def test_without_covariates_every_method_is_the_2x2_difference(method, unit):
    data = _simulated(400, 3, panel=unit is not None)
    ols = _sim_fit(data, "regression", unit=None, covariates=())
    adjusted = _sim_fit(data, method, unit=unit, covariates=())
    assert adjusted.estimate == pytest.approx(ols.estimate, rel=1e-10, abs=1e-10)
    means = ols.group_means
    assert adjusted.estimate == pytest.approx(
        means.loc["treated", "change"] - means.loc["comparison", "change"], rel=1e-10)


@pytest.mark.parametrize("unit", ["id", None])
@pytest.mark.parametrize("method", METHODS)
def test_known_truth_is_recovered(method, unit):
    # Treatment depends on X and X shifts the trend: the unadjusted 2x2 is biased,
    # every adjusted method is right (the propensity score is a correct logit and the
    # trend linear in X), within 4 standard errors.
    data = _simulated(6000, 11, selection=1.0, panel=unit is not None)
    naive = _sim_fit(data, "regression", unit=None, covariates=())
    result = _sim_fit(data, method, unit=unit)
    assert abs(naive.estimate - 2.0) > 5 * naive.std_error
    assert abs(result.estimate - 2.0) < 4 * result.std_error


@pytest.mark.parametrize("unit", ["id", None])
def test_improved_and_traditional_agree_at_large_n(unit):
    # Both are locally efficient: with correct models they share the semiparametric
    # bound, so estimates and standard errors agree to first order.
    data = _simulated(200_000, 5, selection=1.0, panel=unit is not None)
    improved = _sim_fit(data, "doubly_robust", unit=unit)
    traditional = _sim_fit(data, "doubly_robust_traditional", unit=unit)
    assert abs(improved.estimate - traditional.estimate) < 0.05 * improved.std_error
    assert traditional.std_error == pytest.approx(improved.std_error, rel=0.01)
    assert abs(improved.estimate - 2.0) < 4 * improved.std_error


@pytest.mark.parametrize("method", METHODS)
def test_frequency_weights_equal_repeated_units(method):
    data = _simulated(300, 8, selection=0.5)
    copies = np.random.default_rng(1).integers(1, 4, size=300)
    weighted = data.assign(w=np.repeat(copies, 2))
    repeated = data.loc[data.index.repeat(np.repeat(copies, 2))].copy()
    repeated["id"] = repeated["id"].astype(str) + "-" + repeated.groupby(
        ["id", "after"]).cumcount().astype(str)
    by_weight = _sim_fit(weighted, method, weights="w")
    by_rows = _sim_fit(repeated, method)
    assert by_weight.estimate == pytest.approx(by_rows.estimate, rel=1e-8)


# --------------------------------------------------------------------------- invariances
@pytest.mark.parametrize("unit", ["id", None])
@pytest.mark.parametrize("method", METHODS)
def test_invariances(method, unit):
    data = _simulated(500, 21, selection=0.7, panel=unit is not None)
    before = copy.deepcopy(data)
    base = _sim_fit(data, method, unit=unit)
    pd.testing.assert_frame_equal(data, before)  # the caller's data untouched
    shuffled = data.sample(frac=1.0, random_state=4)
    relabelled = data.assign(id="unit-" + (data["id"] * 7 + 3).astype(str))
    shifted = data.assign(y=data["y"] + 1000.0)
    scaled_weights = data.assign(w=5.0)
    unscaled = data.assign(w=1.0)
    for other in (_sim_fit(shuffled, method, unit=unit), _sim_fit(relabelled, method, unit=unit),
                  _sim_fit(shifted, method, unit=unit)):
        assert other.estimate == pytest.approx(base.estimate, rel=1e-9, abs=1e-9)
        assert other.std_error == pytest.approx(base.std_error, rel=1e-8)
    assert _sim_fit(scaled_weights, method, unit=unit, weights="w").estimate == pytest.approx(
        _sim_fit(unscaled, method, unit=unit, weights="w").estimate, rel=1e-10)


# --------------------------------------------------------------------------- the result
def test_result_states_method_and_records_specification(lalonde_5000):
    result = _fit(lalonde_5000, "doubly_robust", alpha=0.1)
    assert isinstance(result, DiDResult)
    assert result.effect_term == "experimental:after"
    assert result.coefficients.terms == ("experimental:after",)
    spec = result.specification
    assert isinstance(spec, TwoByTwoSpec)
    assert (spec.method, spec.unit, spec.covariates) == ("doubly_robust", "id", COVARIATES)
    assert result.provenance.specification["method"] == "doubly_robust"
    assert result.provenance.specification["unit"] == "id"
    text = str(result)
    assert "improved doubly robust" in text and "drdid_imp_panel" in text
    assert "influence function" in text
    low, high = result.conf_int().loc[result.effect_term]
    z = 1.6448536269514722
    assert low == pytest.approx(result.estimate - z * result.std_error)
    assert high == pytest.approx(result.estimate + z * result.std_error)
    wider = result.with_alpha(0.05)
    assert wider.specification.alpha == 0.05 and wider.estimate == result.estimate
    assert result.tidy()["term"].tolist() == ["experimental:after"]
    assert result.group_means.shape == (2, 3)
    assert "Comparison trimmed" in text


def test_regression_default_is_unchanged(lalonde_5000):
    ols = did_2x2(lalonde_5000, outcome="re", treated="experimental", post="after")
    same = did_2x2(lalonde_5000, outcome="re", treated="experimental", post="after",
                   method="regression")
    assert ols.estimate == same.estimate and ols.std_error == same.std_error
    assert ols.specification.method == "regression" and ols.specification.unit is None
    paired = did_2x2(lalonde_5000, outcome="re", treated="experimental", post="after",
                     unit="id")
    assert paired.estimate == ols.estimate and paired.specification.unit == "id"


def test_plot_draws_the_effect(lalonde_5000):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    result = _fit(lalonde_5000, "doubly_robust")
    figure = result.plot()
    try:
        assert figure.axes and figure.axes[0].has_data()
    finally:
        plt.close(figure)
