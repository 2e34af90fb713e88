"""Result objects: immutable, re-inferable with another alpha, tidy, and rendered three ways."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import evalkit
from evalkit import DiDResult, EventStudyResult, InputError
from evalkit.results import Coefficients, Provenance, Summary, WaldTest
from evalkit.results.summary import format_number

TIDY = ["term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"]


@pytest.fixture(params=["did_2x2", "twfe", "event_study"])
def result(request, kielmc_did, mpdta_twfe, mpdta_event_study):
    return {"did_2x2": kielmc_did, "twfe": mpdta_twfe,
            "event_study": mpdta_event_study}[request.param]


# --------------------------------------------------------------------------- immutability
def test_result_attributes_cannot_be_set(result):
    for name in ("estimator", "coefficients", "sample", "provenance"):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(result, name, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.coefficients.alpha = 0.5


def test_result_arrays_are_read_only(result):
    with pytest.raises(ValueError, match="read-only"):
        result.coefficients.estimate[0] = 0.0
    with pytest.raises(ValueError, match="read-only"):
        result.coefficients.vcov[0, 0] = 0.0


def test_result_mappings_are_read_only(result):
    with pytest.raises(TypeError):
        result.sample["rows"] = 1
    with pytest.raises(TypeError):
        result.provenance.specification["alpha"] = 0.5


def test_coefficients_copy_their_inputs():
    estimate = np.array([1.0, 2.0])
    vcov = np.eye(2)
    coefficients = Coefficients(["a", "b"], estimate, vcov, df=10)
    estimate[0] = 99.0
    vcov[0, 0] = 99.0
    assert coefficients.estimate[0] == 1.0
    assert coefficients.vcov[0, 0] == 1.0


def test_group_means_cannot_be_changed_through_the_attribute(kielmc_did):
    before = kielmc_did.group_means.loc["treated", "after"]
    means = kielmc_did.group_means
    means.loc["treated", "after"] = 0.0
    assert kielmc_did.group_means.loc["treated", "after"] == before


# --------------------------------------------------------------------------- alpha
def test_with_alpha_changes_the_intervals_not_the_estimate(result):
    other = result.with_alpha(0.1)
    assert type(other) is type(result)
    assert other.alpha == 0.1 and result.alpha == 0.05
    np.testing.assert_array_equal(other.coefficients.estimate, result.coefficients.estimate)
    np.testing.assert_array_equal(other.coefficients.std_error, result.coefficients.std_error)
    np.testing.assert_array_equal(other.coefficients.p_value, result.coefficients.p_value)
    narrower = other.coefficients.conf_high - other.coefficients.conf_low
    wider = result.coefficients.conf_high - result.coefficients.conf_low
    assert np.all(narrower < wider)
    assert "90%" in other.summary().as_text()


@pytest.mark.parametrize("alpha", [0, 1, -0.5, 2])
def test_with_alpha_rejects_levels_outside_zero_one(result, alpha):
    with pytest.raises(InputError,
                       match=rf"alpha={alpha!r}: must be a number strictly between 0 and 1"):
        result.with_alpha(alpha)


def test_with_alpha_rejects_non_numbers(kielmc_did):
    with pytest.raises(InputError):
        kielmc_did.with_alpha("0.1")


def test_intervals_and_p_values_use_the_t_distribution(kielmc_did):
    # Example 13.3 column (1): n = 321, 4 coefficients, so 317 residual degrees of freedom
    c = kielmc_did.coefficients
    assert c.df == 317
    t = stats.t.ppf(0.975, 317)
    low, high = kielmc_did.conf_int().loc[kielmc_did.effect_term]
    assert low == pytest.approx(kielmc_did.estimate - t * kielmc_did.std_error, rel=1e-12)
    assert high == pytest.approx(kielmc_did.estimate + t * kielmc_did.std_error, rel=1e-12)
    np.testing.assert_allclose(c.p_value, 2 * stats.t.sf(np.abs(c.estimate / c.std_error), 317),
                               rtol=1e-12)
    # p < alpha exactly when the interval excludes zero
    np.testing.assert_array_equal(c.p_value < 0.05, (c.conf_low > 0) | (c.conf_high < 0))


def test_normal_reference_distribution_without_df():
    c = Coefficients(["a"], [1.96], [[1.0]], df=None)
    assert c.critical_value == pytest.approx(stats.norm.ppf(0.975), rel=1e-12)
    assert c.p_value[0] == pytest.approx(2 * stats.norm.sf(1.96), rel=1e-12)


# --------------------------------------------------------------------------- tidy
def test_did_tidy_columns(kielmc_did, mpdta_twfe):
    for r in (kielmc_did, mpdta_twfe):
        table = r.tidy()
        assert list(table.columns) == TIDY
        assert table["term"].tolist() == list(r.coefficients.terms)
        effect = r.tidy("effect")
        assert effect["term"].tolist() == [r.effect_term]
        assert effect.loc[0, "estimate"] == r.estimate
        assert effect.loc[0, "std_error"] == r.std_error
        assert effect.loc[0, "p_value"] == r.p_value
        assert ((effect.loc[0, "conf_low"], effect.loc[0, "conf_high"])
                == tuple(r.conf_int().loc[r.effect_term]))
    with pytest.raises(InputError, match=r"terms='treated': must be 'all' or 'effect'"):
        mpdta_twfe.tidy("treated")


def test_event_study_tidy_columns(mpdta_event_study):
    table = mpdta_event_study.tidy()
    assert list(table.columns) == ["event_time", *TIDY]
    assert table["event_time"].tolist() == [-4, -3, -2, -1, 0, 1, 2, 3]
    reference = table.loc[table["event_time"] == -1].iloc[0]
    assert reference["term"] == "e-1" and reference["estimate"] == 0.0
    assert reference[["std_error", "statistic", "p_value", "conf_low", "conf_high"]].isna().all()
    without = mpdta_event_study.tidy(include_reference=False)
    assert list(without.columns) == ["event_time", *TIDY]
    assert without["event_time"].tolist() == [-4, -3, -2, 0, 1, 2, 3]


def test_tidy_frames_are_copies(result):
    table = result.tidy()
    table.loc[:, "estimate"] = 0.0
    assert not np.all(result.tidy()["estimate"] == 0.0)


# --------------------------------------------------------------------------- rendering
def test_summary_text_html_latex(result):
    summary = result.summary()
    assert isinstance(summary, Summary)
    text = summary.as_text()
    assert str(summary) == text == str(result)
    assert result.estimator in text
    assert "Standard errors" in text and result.inference_text in text
    assert "evalkit " + evalkit.__version__ in text
    html = summary.as_html()
    assert html.startswith("<div class='evalkit-summary'>") and html.endswith("</div>")
    assert result._repr_html_() == html == summary._repr_html_()
    latex = summary.as_latex()
    assert latex.startswith(r"\begin{table}") and latex.rstrip().endswith(r"\end{table}")
    assert r"\begin{tabular}" in latex and r"\%" in latex  # "95% CI", escaped


def test_str_contains_the_estimate(kielmc_did, mpdta_twfe, mpdta_event_study):
    assert "Effect: -11863.9033" in str(kielmc_did)
    assert "-11,863.9033" in str(kielmc_did)  # the table row
    assert "Effect: -0.0365" in str(mpdta_twfe)
    text = str(mpdta_event_study)
    for estimate in mpdta_event_study.coefficients.estimate:
        assert f"{estimate:,.4f}" in text
    assert "Pre-trend test (all leads = 0): All pre-treatment coefficients are zero: " \
           "F(3, 499) = 1.6316" in text


def test_summary_states_the_sample_and_inference(mpdta_twfe):
    text = mpdta_twfe.summary().as_text()
    assert "Observations:" in text and "2,500" in text
    assert "Clusters:" in text
    assert "cluster-robust by 'countyreal', 500 clusters" in text
    assert "Confidence level:" in text and "95%" in text


@pytest.mark.parametrize(("text", "escaped"), [("a\\b", r"a\textbackslash{}b"),
                                               ("age^2", r"age\textasciicircum{}2"),
                                               ("x~y", r"x\textasciitilde{}y")])
def test_latex_escapes_special_characters(text, escaped):
    table = pd.DataFrame({"Estimate": [1.0]}, index=pd.Index([text], name="Term"))
    latex = Summary(title="t", facts=(), table=table).as_latex()
    assert escaped + " & 1.0000" in latex


def test_format_number():
    assert format_number(None) == "."
    assert format_number(float("nan")) == "."
    assert format_number(2500) == "2,500"
    assert format_number(-11863.90334) == "-11,863.9033"
    assert format_number(1.234e-7) == "1.234e-07"
    assert format_number(True) == "yes"
    assert format_number("text") == "text"


# --------------------------------------------------------------------------- provenance
def test_provenance(result, mpdta_panel):
    record = result.provenance.to_dict()
    json.dumps(record)  # plain, serialisable
    assert record["evalkit_version"] == evalkit.__version__
    assert record["n_obs"] == result.n_obs
    assert len(record["data_fingerprint"]) == 64
    assert record["function"].startswith("evalkit.did.")
    if isinstance(result, EventStudyResult) or result.estimator.startswith("Two-way"):
        assert record["data_fingerprint"] == mpdta_panel.fingerprint
        assert record["specification"]["panel"] == mpdta_panel.spec()


def test_provenance_freezes_nested_specifications():
    spec = {"covariates": ["a", "b"], "inference": {"kind": "cluster", "cluster": "id"}}
    provenance = Provenance("f", spec, "0" * 64, 3)
    spec["covariates"].append("c")
    assert provenance.specification["covariates"] == ("a", "b")
    assert provenance.to_dict()["specification"] == {
        "covariates": ["a", "b"], "inference": {"kind": "cluster", "cluster": "id"}}


# --------------------------------------------------------------------------- coefficients
def test_coefficients_validate_their_shapes():
    with pytest.raises(InputError, match=r"terms, estimate and vcov disagree: 2 terms"):
        Coefficients(["a", "b"], [1.0], [[1.0]], df=3)
    with pytest.raises(InputError, match=r"expected a 2-dimensional array"):
        Coefficients(["a"], [1.0], [1.0], df=3)
    with pytest.raises(InputError, match=r"term='c': must be one of 'a', 'b'"):
        Coefficients(["a", "b"], [1.0, 2.0], np.eye(2), df=3).index("c")


def test_wald_test_of_one_coefficient_is_the_squared_t(mpdta_twfe):
    test = mpdta_twfe.coefficients.wald_test(["treated"])
    t = mpdta_twfe.estimate / mpdta_twfe.std_error
    assert isinstance(test, WaldTest)
    assert test.statistic == pytest.approx(t**2, rel=1e-12)
    assert test.df == (1, 499)
    assert test.p_value == pytest.approx(mpdta_twfe.p_value, rel=1e-9)
    with pytest.raises(InputError, match=r"terms: must name at least one coefficient"):
        mpdta_twfe.coefficients.wald_test([])


def test_wald_test_without_df_is_chi_squared():
    c = Coefficients(["a", "b"], [1.0, 2.0], np.diag([1.0, 4.0]), df=None)
    test = c.wald_test(["a", "b"])
    assert test.distribution == "chi2" and test.df == (2,)
    assert test.statistic == pytest.approx(2.0, rel=1e-12)  # 1/1 + 4/4
    assert test.p_value == pytest.approx(stats.chi2.sf(2.0, 2), rel=1e-12)
    assert str(test) == "Joint test: chi2(2) = 2.0000, p-value = 0.3679"


def test_results_are_the_documented_types(kielmc_did, mpdta_twfe, mpdta_event_study):
    assert isinstance(kielmc_did, DiDResult) and isinstance(mpdta_twfe, DiDResult)
    assert isinstance(mpdta_event_study, EventStudyResult)
    assert kielmc_did.group_means is not None and mpdta_twfe.group_means is None


@pytest.mark.parametrize(("text", "escaped"), [("a_b", r"a\_b"), ("R&D", r"R\&D"),
                                               ("5%", r"5\%"), ("$x", r"\$x"), ("#1", r"\#1")])
def test_latex_escapes_the_common_special_characters(text, escaped):
    table = pd.DataFrame({"Estimate": [1.0]}, index=pd.Index([text], name="Term"))
    latex = Summary(title="t", facts=(), table=table).as_latex()
    assert escaped + " & 1.0000" in latex
