"""twfe: a published fixest reference, independent least-squares-dummy-variable checks, bad input.

Reference value
---------------
Brantly Callaway's R package ``twfeweights`` (GitHub bcallaway11/twfeweights,
README.md) prints, for

    fixest::feols(lemp ~ post | countyreal + year, cluster = "countyreal", data = mpdta)

the line ``post  -0.036549  0.013265  -2.75526  0.006079`` (estimate, std. error,
t value, Pr(>|t|)). evalkit's default (clustered by unit, fixest small-sample factor,
t with G - 1 degrees of freedom) must reproduce all four to the printed digits.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.linalg import solve_triangular

from evalkit import Clustered, EstimationError, EvalkitError, InputError, Panel, did_2x2, twfe
from evalkit.inference import Classical, Robust

MPDTA = {"unit": "countyreal", "time": "year", "outcome": "lemp", "first_treated": "first.treat"}


# --------------------------------------------------------------------------- fixest reference
def test_mpdta_static_twfe_matches_fixest_as_printed_in_twfeweights_readme(mpdta_twfe):
    assert mpdta_twfe.estimate == pytest.approx(-0.036549, abs=5e-7)  # printed 6 decimals
    assert mpdta_twfe.std_error == pytest.approx(0.013265, abs=5e-7)  # printed 6 decimals
    statistic = mpdta_twfe.tidy().set_index("term").loc["treated", "statistic"]
    assert statistic == pytest.approx(-2.75526, abs=5e-6)  # printed 5 decimals
    assert mpdta_twfe.p_value == pytest.approx(0.006079, abs=5e-7)  # printed 6 decimals


def test_mpdta_static_twfe_describes_its_inference(mpdta_twfe):
    assert mpdta_twfe.effect_term == "treated"
    assert mpdta_twfe.coefficients.df == 499  # G - 1
    assert mpdta_twfe.sample["clusters"] == 500
    assert mpdta_twfe.sample["rows"] == 2500
    assert mpdta_twfe.sample["treated_units"] == 191
    assert mpdta_twfe.sample["control_units"] == 309
    assert "cluster-robust by 'countyreal'" in mpdta_twfe.inference_text
    assert mpdta_twfe.provenance.function == "evalkit.did.twfe"


def test_mpdta_reference_survives_shuffling_and_relabelling(mpdta, mpdta_twfe):
    """Rows in random order and counties renamed to text give the same numbers."""
    shuffled = mpdta.sample(frac=1.0, random_state=11)
    shuffled["countyreal"] = "FIPS-" + shuffled["countyreal"].astype(str).str.zfill(5)
    result = twfe(Panel(shuffled, **MPDTA))
    assert result.estimate == pytest.approx(mpdta_twfe.estimate, rel=1e-10)
    assert result.std_error == pytest.approx(mpdta_twfe.std_error, rel=1e-10)
    assert result.p_value == pytest.approx(0.006079, abs=5e-7)


# --------------------------------------------------------------------------- independent LSDV
def _lsdv(frame: pd.DataFrame, regressors: list[str], outcome="lemp"):
    """OLS of the outcome on the regressors, a constant and county and year dummies.

    Solved through a QR decomposition of the dummy design, which is backward stable: the
    normal equations with an explicit inverse of X'X (condition number ~1e5 here) lose
    five digits, and their last ones then depend on the BLAS kernel (the estimate moved
    by 1e-10 relative between OpenBLAS's SkylakeX and Haswell kernels).
    """
    units = pd.get_dummies(frame["countyreal"], drop_first=True, dtype=float).to_numpy()
    years = pd.get_dummies(frame["year"], drop_first=True, dtype=float).to_numpy()
    x = np.column_stack([frame[regressors].to_numpy(float), np.ones(len(frame)), units, years])
    y = frame[outcome].to_numpy(float)
    q, r = np.linalg.qr(x)
    beta = solve_triangular(r, q.T @ y)
    r_inv = solve_triangular(r, np.eye(r.shape[0]))
    bread = r_inv @ r_inv.T  # (X'X)^-1 = R^-1 R^-T
    return x, y - x @ beta, bread, beta


def _with_treatment(frame: pd.DataFrame) -> pd.DataFrame:
    g = frame["first.treat"]
    return frame.assign(D=((g > 0) & (frame["year"] >= g)).astype(float))


@pytest.fixture
def two_period(mpdta):
    """Cohort-2004 counties and never-treated counties, years 2003 and 2004."""
    keep = mpdta["first.treat"].isin([0, 2004]) & mpdta["year"].isin([2003, 2004])
    return _with_treatment(mpdta.loc[keep]).reset_index(drop=True)


def test_single_treatment_date_twfe_equals_did_2x2(two_period):
    panel = Panel(two_period, **MPDTA)
    assert not panel.is_staggered
    result = twfe(panel)
    two_by_two = did_2x2(two_period.assign(g=(two_period["first.treat"] > 0).astype(int),
                                           p=(two_period["year"] == 2004).astype(int)),
                         outcome="lemp", treated="g", post="p", inference=Clustered("countyreal"))
    assert result.estimate == pytest.approx(two_by_two.estimate, rel=1e-10, abs=1e-13)


@pytest.mark.parametrize(("inference", "kind"), [(Classical(), "classical"), (Robust(), "HC1"),
                                                 (Robust("HC1"), "HC1"), (Robust("HC0"), "HC0")])
def test_twfe_matches_lsdv_dummy_regression(two_period, inference, kind):
    x, e, bread, beta = _lsdv(two_period, ["D"])
    n, k = x.shape
    if kind == "classical":
        cov = bread * (e @ e) / (n - k)
    else:
        cov = bread @ (x.T * e**2) @ x @ bread * (n / (n - k) if kind == "HC1" else 1.0)
    result = twfe(Panel(two_period, **MPDTA), inference=inference)
    assert result.estimate == pytest.approx(beta[0], rel=1e-10)
    assert result.std_error == pytest.approx(np.sqrt(cov[0, 0]), rel=1e-10)
    assert result.coefficients.df == n - k
    # and the same through statsmodels' OLS on the dummy-variable design
    fit = sm.OLS(two_period["lemp"].to_numpy(float), x).fit(
        cov_type={"classical": "nonrobust", "HC1": "HC1", "HC0": "HC0"}[kind])
    assert result.estimate == pytest.approx(fit.params[0], rel=1e-10)
    assert result.std_error == pytest.approx(fit.bse[0], rel=1e-10)


def test_twfe_classical_matches_lsdv_on_the_whole_mpdta_panel(mpdta, mpdta_panel):
    frame = _with_treatment(mpdta)
    x, e, bread, beta = _lsdv(frame, ["D"])
    n, k = x.shape
    result = twfe(mpdta_panel, inference=Classical())
    assert result.estimate == pytest.approx(beta[0], rel=1e-9)
    assert result.std_error == pytest.approx(np.sqrt(bread[0, 0] * (e @ e) / (n - k)), rel=1e-9)


def test_cluster_by_a_coarser_column_counts_only_non_nested_effects(mpdta):
    """Cluster by state (county FIPS // 1000): county effects are nested in states and not
    counted, year effects are: K = 1 slope + 5 years; factor G/(G-1) (N-1)/(N-K)."""
    mpdta["state"] = mpdta["countyreal"] // 1000
    frame = _with_treatment(mpdta)
    x, e, bread, beta = _lsdv(frame, ["D"])
    groups = frame["state"].to_numpy()
    scores = np.vstack([(x[groups == s] * e[groups == s, None]).sum(axis=0)
                        for s in np.unique(groups)])
    n, g, k = len(e), np.unique(groups).size, 1 + 5
    cov = g / (g - 1) * (n - 1) / (n - k) * bread @ scores.T @ scores @ bread
    panel = Panel(mpdta, **MPDTA, cluster="state")
    by_default = twfe(panel)  # the panel's cluster column is the default
    named = twfe(panel, inference=Clustered("state"))
    for result in (by_default, named):
        assert result.estimate == pytest.approx(beta[0], rel=1e-9)
        assert result.std_error == pytest.approx(np.sqrt(cov[0, 0]), rel=1e-9)
        assert result.coefficients.df == g - 1 == 28
        assert result.sample["clusters"] == 29


def test_balanced_single_date_twfe_is_the_difference_of_period_means(mpdta):
    """With one treatment date in a balanced panel, TWFE = DiD of before/after averages."""
    data = mpdta.loc[mpdta["first.treat"].isin([0, 2006])]
    result = twfe(Panel(data, **MPDTA))
    treated = data["first.treat"] == 2006
    after = data["year"] >= 2006
    mean = lambda mask: data.loc[mask, "lemp"].mean()  # noqa: E731
    expected = (mean(treated & after) - mean(treated & ~after)) - (
        mean(~treated & after) - mean(~treated & ~after))
    assert result.estimate == pytest.approx(expected, rel=1e-10)


def test_covariates_enter_the_regression(mpdta):
    rng = np.random.default_rng(20240501)
    mpdta["x"] = rng.normal(size=len(mpdta))
    frame = _with_treatment(mpdta)
    x, e, bread, beta = _lsdv(frame, ["D", "x"])
    n, k = x.shape
    result = twfe(Panel(mpdta, **MPDTA, covariates=["x"]), inference=Classical())
    assert result.coefficients.terms == ("treated", "x")
    np.testing.assert_allclose(result.coefficients.estimate, beta[:2], rtol=1e-9)
    np.testing.assert_allclose(result.coefficients.vcov, (bread * (e @ e) / (n - k))[:2, :2],
                               rtol=1e-9)


@pytest.mark.slow
def test_weights_give_weighted_least_squares(two_period):
    two_period["w"] = 1.0 + (two_period["countyreal"] % 3)
    frame = two_period
    units = pd.get_dummies(frame["countyreal"], drop_first=True, dtype=float).to_numpy()
    years = pd.get_dummies(frame["year"], drop_first=True, dtype=float).to_numpy()
    x = np.column_stack([frame["D"], np.ones(len(frame)), units, years])
    sw = np.sqrt(frame["w"].to_numpy())
    beta = np.linalg.lstsq(x * sw[:, None], frame["lemp"].to_numpy() * sw, rcond=None)[0]
    result = twfe(Panel(frame, **MPDTA, weights="w"))
    assert result.estimate == pytest.approx(beta[0], rel=1e-9)


def test_caller_data_is_not_mutated(mpdta):
    before = copy.deepcopy(mpdta)
    panel = Panel(mpdta, **MPDTA)
    pd.testing.assert_frame_equal(mpdta, before)
    twfe(panel)
    twfe(panel, inference=Classical())
    pd.testing.assert_frame_equal(mpdta, before)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("hc", ["HC2", "HC3"])
def test_hc2_hc3_with_fixed_effects_are_refused(mpdta_panel, hc):
    with pytest.raises(InputError) as info:
        twfe(mpdta_panel, inference=Robust(hc))
    assert f"inference=Robust(hc={hc!r}): with fixed effects, must be Classical(), Robust() " \
           f"(HC1), Robust(hc='HC0') or Clustered(); got Robust(hc={hc!r})" in str(info.value)


def test_unknown_vcov_lists_the_options(mpdta_panel):
    with pytest.raises(InputError, match=r"vcov='jackknife': must be one of 'classical'"):
        twfe(mpdta_panel, vcov="jackknife")


def test_cluster_column_must_be_declared_in_the_panel(mpdta_panel):
    with pytest.raises(InputError) as info:
        twfe(mpdta_panel, inference=Clustered("lpop"))
    assert "inference=Clustered('lpop')" in str(info.value)
    assert "Panel(..., cluster='lpop')" in str(info.value)


def test_panel_argument_must_be_a_panel(mpdta):
    with pytest.raises(InputError, match=r"panel: must be an evalkit.Panel .*got DataFrame"):
        twfe(mpdta)


@pytest.mark.parametrize("alpha", [0, 1, 2.0, True])
def test_alpha_out_of_range(mpdta_panel, alpha):
    with pytest.raises(InputError, match=rf"alpha={alpha!r}: must be a number strictly between"):
        twfe(mpdta_panel, alpha=alpha)


@pytest.mark.parametrize("case", ["collinear", "time_invariant"])
def test_collinear_covariates_raise_estimation_error(mpdta, case):
    rng = np.random.default_rng(7)
    mpdta["x"] = rng.normal(size=len(mpdta))
    mpdta["x_twice"] = 2 * mpdta["x"]
    covariates = ["x", "x_twice"] if case == "collinear" else ["lpop"]
    panel = Panel(mpdta, **MPDTA, covariates=covariates)
    with pytest.raises(EstimationError, match=covariates[-1]):
        twfe(panel)


def test_no_unit_treated_within_the_observed_periods(mpdta):
    mpdta["first.treat"] = np.where(mpdta["first.treat"] > 0, 2010, 0)
    with pytest.raises(EvalkitError):
        twfe(Panel(mpdta, **MPDTA))
