"""Triple differences: invariances, the result contract, inference options and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from ddd_fixtures import CAI, STAGGERED, cai2016, staggered_panel

from evalkit.did.triple_differences import triple_differences
from evalkit.did.triple_differences_spec import TripleDifferencesSpec
from evalkit.errors import DataError, EstimationError, InputError
from evalkit.results import DiDResult, EventStudyResult
from evalkit.results.contract import (
    TIDY_CORE_COLUMNS,
    MultiEffectResult,
    Result,
    SingleEffectResult,
)
from evalkit.results.triple_differences import TripleDifferencesResult


@pytest.fixture(scope="module")
def panel():
    return staggered_panel()


@pytest.fixture(scope="module")
def fitted(panel):
    return triple_differences(panel, **STAGGERED, covariates=["x"],
                              control_group="not_yet_treated")


# ---------------------------------------------------------------- invariances
def _fit(data, **options):
    return triple_differences(data, **STAGGERED, covariates=["x"],
                              control_group="not_yet_treated", **options)


def test_row_order_does_not_matter(panel, fitted):
    shuffled = panel.sample(frac=1.0, random_state=3)
    again = _fit(shuffled)
    np.testing.assert_allclose(again.estimates, fitted.estimates, rtol=0, atol=1e-12)
    np.testing.assert_allclose(again.std_errors, fitted.std_errors, rtol=0, atol=1e-12)
    assert again.provenance.data_fingerprint != fitted.provenance.data_fingerprint


def test_unit_labels_and_shifted_periods_do_not_matter(panel, fitted):
    other = panel.copy()
    other["id"] = "household-" + (10_000 - other["id"]).astype(str)
    other["t"] = other["t"] + 2000
    other["g"] = np.where(other["g"] > 0, other["g"] + 2000, 0)
    again = _fit(other)
    assert list(again.estimates.index)[0] == "ATT(2003,2002)"
    np.testing.assert_allclose(again.estimates, fitted.estimates, rtol=0, atol=1e-12)
    np.testing.assert_allclose(again.std_errors, fitted.std_errors, rtol=0, atol=1e-12)


def test_an_outcome_shifted_by_a_constant_has_the_same_effects(panel, fitted):
    other = panel.assign(y=panel["y"] + 1234.5)
    again = _fit(other)
    np.testing.assert_allclose(again.estimates, fitted.estimates, rtol=0, atol=1e-9)
    np.testing.assert_allclose(again.std_errors, fitted.std_errors, rtol=0, atol=1e-9)


def test_weights_scale_does_not_matter_and_unit_weights_change_the_estimate(panel):
    weighted = panel.assign(w=1.0 + (panel["id"] % 3))
    a = _fit(weighted, weights="w")
    b = _fit(weighted.assign(w=weighted["w"] * 7.0), weights="w")
    np.testing.assert_allclose(a.estimates, b.estimates, rtol=0, atol=1e-12)
    assert np.max(np.abs(a.estimates - _fit(panel).estimates)) > 1e-4


def test_the_callers_frame_is_never_modified(panel):
    before = panel.copy(deep=True)
    _fit(panel, base_period="universal", n_draws=19, random_state=1)
    pd.testing.assert_frame_equal(panel, before)


# ---------------------------------------------------------------- the result contract
def test_result_contract(fitted):
    assert isinstance(fitted, TripleDifferencesResult)
    assert isinstance(fitted, Result) and isinstance(fitted, MultiEffectResult)
    assert isinstance(fitted.overall(), SingleEffectResult)
    spec = fitted.specification
    assert isinstance(spec, TripleDifferencesSpec)
    assert spec.function == "evalkit.did.triple_differences"
    assert spec.to_dict()["control_group"] == "not_yet_treated"
    assert fitted.provenance.specification["eligible"] == "q"
    assert spec.cluster == "id" and spec.n_draws == 0
    assert list(fitted.tidy().columns[:len(TIDY_CORE_COLUMNS)]) == list(TIDY_CORE_COLUMNS)
    narrow = fitted.with_alpha(0.1)
    assert narrow.alpha == 0.1 and narrow.specification.alpha == 0.1
    assert (narrow.conf_int()["upper"] < fitted.conf_int()["upper"]).all()
    text = str(fitted)
    assert "Ortiz-Villavicencio & Sant'Anna" in text and "eligible" in text
    assert "Standard errors" in text and "GMM" in text
    assert "<table" in fitted._repr_html_()
    assert fitted.cohort_sizes["3, eligible"] > 0 and "never, ineligible" in fitted.cohort_sizes


def test_aggregations_are_the_usual_result_types(fitted):
    for result in (fitted.overall(), fitted.by_cohort(), fitted.by_period()):
        assert isinstance(result, DiDResult)
        assert result.effect_term == "ATT"
        assert result.conf_int().loc["ATT", "lower"] < result.estimate
        assert result.specification.function == "evalkit.did.triple_differences"
        assert "eligible" in result.estimand
    study = fitted.event_study()
    assert isinstance(study, EventStudyResult)
    assert study.pretrend is not None
    assert set(study.pretrend.terms) == {"e-3", "e-2", "e-1"}
    assert fitted.event_study(balance_event_time=1).event_time


def test_honest_did_and_the_plots_accept_the_event_study(panel):
    from matplotlib.figure import Figure

    from evalkit.plots import plot_event_study
    from evalkit.robustness import honest_did

    universal = triple_differences(panel, **STAGGERED, covariates=["x"],
                                   base_period="universal")
    study = universal.event_study()
    assert study.reference_period == -1
    honest = honest_did(study, m_values=[0, 1])
    assert len(honest.tidy()) >= 2
    assert isinstance(plot_event_study(study), Figure)
    assert isinstance(universal.plot(), Figure)


# ---------------------------------------------------------------- inference options
def test_bootstrap_is_reproducible_and_close_to_the_analytic_errors(panel, fitted):
    a = _fit(panel, n_draws=499, random_state=11)
    b = _fit(panel, n_draws=499, random_state=11)
    np.testing.assert_array_equal(a.std_errors, b.std_errors)
    np.testing.assert_allclose(a.estimates, fitted.estimates, rtol=0, atol=0)
    ratio = a.std_errors / fitted.std_errors
    assert np.all((ratio > 0.8) & (ratio < 1.25))
    assert a.band_critical_value is not None and "bootstrap" in a.inference_text


def test_clustered_standard_errors(panel, fitted):
    clustered = _fit(panel.assign(block=panel["id"] % 40), cluster="block")
    np.testing.assert_allclose(clustered.estimates, fitted.estimates, rtol=0, atol=0)
    assert clustered.sample["clusters"] == 40
    assert "clustered by 'block'" in clustered.inference_text
    assert not np.allclose(clustered.std_errors, fitted.std_errors)


# ---------------------------------------------------------------- bad input
def _error(data, error=DataError, **options):
    with pytest.raises(error) as caught:
        triple_differences(data, **{**STAGGERED, **options})
    return str(caught.value)


def test_one_level_of_eligibility_is_refused(panel):
    message = _error(panel.assign(q=1))
    assert "eligible='q'" in message and "single level (1)" in message


def test_an_enabling_group_without_eligible_units_is_named(panel):
    data = panel.copy()
    data.loc[data["g"] == 4, "q"] = 0
    message = _error(data)
    assert "(first_treated=4, eligible=1)" in message
    assert "group 4 has no eligible units" in message


def test_an_empty_group_by_partition_cell_in_a_period_is_named(panel):
    data = panel.loc[~((panel["g"] == 5) & (panel["q"] == 0) & (panel["t"] == 2))]
    message = _error(data)
    assert "(first_treated=5, eligible=0): no row in period 2" in message


def test_eligibility_varying_within_a_unit_names_the_units(panel):
    data = panel.copy()
    rows = (data["id"].isin([7, 12])) & (data["t"] == 3)
    data.loc[rows, "q"] = 1 - data.loc[rows, "q"]
    message = _error(data)
    assert "eligible='q': must be constant within each unit" in message
    assert "2 units (7, 12)" in message


def test_first_treated_varying_within_a_unit_names_the_unit(panel):
    data = panel.copy()
    data.loc[(data["id"] == 9) & (data["t"] == 2), "g"] = 99.0
    message = _error(data)
    assert "first_treated='g': must be constant within each unit" in message
    assert "1 unit (9)" in message


def test_missing_values_are_named_by_row_or_dropped(panel):
    data = panel.copy()
    data.loc[[5, 17], "y"] = np.nan
    data.loc[8, "x"] = np.nan
    message = _error(data, covariates=["x"])
    assert "outcome='y': 2 of 3600 rows have a missing value (rows 6 and 18" in message
    assert "covariates='x': 1 of 3600 rows have a missing value (row 9" in message
    dropped = triple_differences(data, **STAGGERED, covariates=["x"], missing="drop")
    assert dropped.sample["units"] == 600 - 3
    assert any("3 rows with a missing value were dropped" in n for n in dropped.notes)


def test_weights_varying_within_a_unit_are_refused(panel):
    data = panel.assign(w=1.0)
    data.loc[(data["id"] == 4) & (data["t"] == 6), "w"] = 2.0
    message = _error(data, weights="w")
    assert "weights='w': must be constant within each unit" in message and "(4)" in message
    assert "strictly positive" in _error(panel.assign(w=0.0), weights="w")


def test_a_boolean_eligibility_column_is_read_as_0_1(panel, fitted):
    again = _fit(panel.assign(q=panel["q"].astype(bool)))
    np.testing.assert_allclose(again.estimates, fitted.estimates, rtol=0, atol=0)


def test_other_data_problems(panel):
    assert "must contain only 0 and 1" in _error(panel.assign(q=panel["q"] * 2))
    twice = pd.concat([panel, panel.iloc[[0]]])
    assert "at most one row per period" in _error(twice)
    assert "no group is never enabled" in _error(panel.loc[panel["g"] != 0])
    assert "'x2' is constant or a linear combination" in _error(
        panel.assign(x2=2 * panel["x"]), covariates=["x", "x2"])
    assert "no such column" in _error(panel, covariates=["nope"])


def test_a_comparison_that_cannot_be_estimated_is_named(panel):
    data = panel.assign(z=(panel["g"] == 3).astype(float) + 0.01 * panel["x"])
    message = _error(data, EstimationError, covariates=["z"])
    assert "ATT(3,2)" in message and "never-enabled" in message and "separation" in message


def test_bad_options_are_listed_together(panel):
    message = _error(panel, InputError, method="dr", control_group="never", alpha=2,
                     n_draws=1, covariates=["y"], random_state=-1)
    for part in ("method='dr'", "control_group='never'", "alpha=2", "n_draws=1",
                 "'y' is the outcome column", "random_state"):
        assert part in message
    with pytest.raises(InputError):
        triple_differences(panel.to_numpy(), **STAGGERED)


def test_without_never_enabled_groups_not_yet_treated_works(panel):
    result = triple_differences(panel.loc[panel["g"] != 0], **STAGGERED,
                                control_group="not_yet_treated")
    assert list(result.estimates.index) == ["ATT(3,2)", "ATT(3,3)", "ATT(3,4)", "ATT(4,2)",
                                            "ATT(4,3)", "ATT(4,4)"]
    assert any("group 5 serves only as comparison" in n for n in result.notes)


def test_cai2016_clustered_by_county():
    result = triple_differences(cai2016(), **CAI, covariates=["hhsize", "age"],
                                cluster="county")
    assert result.sample["clusters"] > 2
    assert np.all(np.isfinite(result.std_errors))
