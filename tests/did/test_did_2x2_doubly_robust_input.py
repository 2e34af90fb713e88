"""did_2x2's covariate-adjusted methods refuse bad input with messages naming what is wrong.

Each case is an evalkit error (never a silent NaN or a numpy traceback) whose message names
the argument, the column and the units, cells or counts concerned.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit import Classical, Clustered, DataError, EstimationError, InputError, did_2x2

METHODS = ("doubly_robust", "doubly_robust_traditional", "outcome_regression",
           "inverse_probability")


@pytest.fixture
def panel() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 300
    x = rng.normal(size=n)
    d = (rng.uniform(size=n) < 0.4).astype(int)
    return pd.DataFrame({"id": np.repeat(np.arange(n), 2), "d": np.repeat(d, 2),
                         "x": np.repeat(x, 2), "after": np.tile([0, 1], n),
                         "y": rng.normal(size=2 * n)})


def _fit(data, *, method="doubly_robust", unit="id", covariates=("x",), **options):
    return did_2x2(data, outcome="y", treated="d", post="after", covariates=covariates,
                   method=method, unit=unit, **options)


def test_unknown_method_is_named():
    data = pd.DataFrame({"y": [1.0, 2, 3, 4], "d": [0, 0, 1, 1], "after": [0, 1, 0, 1]})
    with pytest.raises(InputError, match=r"method='dr': must be one of 'regression', "
                                         r"'doubly_robust'.*got 'dr'"):
        did_2x2(data, outcome="y", treated="d", post="after", method="dr")


@pytest.mark.parametrize("inference", [Classical(), Clustered("id")])
@pytest.mark.parametrize("method", METHODS)
def test_adjusted_methods_take_their_standard_errors_from_the_influence_function(
        panel, method, inference):
    with pytest.raises(InputError, match=r"inference=.*must be Robust\(\) with "
                                         rf"method='{method}'.*influence function"):
        _fit(panel, method=method, inference=inference)


def test_missing_unit_column_is_named(panel):
    with pytest.raises(DataError, match=r"unit='person': no such column"):
        _fit(panel, unit="person")


@pytest.mark.parametrize("method", [*METHODS, "regression"])
def test_unit_not_observed_in_both_periods_is_named(panel, method):
    with pytest.raises(DataError, match=r"unit='id': each unit must have exactly one row "
                                        r"before and one row after.*2 units do not \(2, 3\)"):
        _fit(panel.drop(index=[5, 7]), method=method)


def test_unit_left_unbalanced_by_dropping_missing_rows_is_named(panel):
    panel.loc[3, "y"] = np.nan
    with pytest.raises(DataError, match=r"1 unit does not \(1\)"):
        _fit(panel, missing="drop")


def test_unit_with_a_duplicated_period_is_named(panel):
    doubled = pd.concat([panel, panel.iloc[[8]]], ignore_index=True)
    with pytest.raises(DataError, match=r"1 unit does not \(4\)"):
        _fit(doubled)


def test_group_changing_within_a_unit_is_named(panel):
    panel.loc[1, "d"] = 1 - panel.loc[1, "d"]
    with pytest.raises(DataError, match=r"treated='d': must not change within a unit.*"
                                        r"1 unit has two values \(0\)"):
        _fit(panel)


def test_covariate_changing_within_a_unit_is_named(panel):
    # R DRDID 1.2.3 stops ("covariates should be time invariant"); evalkit names the units.
    panel.loc[[1, 3], "x"] = 9.0
    with pytest.raises(DataError, match=r"covariates='x': must not change within a unit.*"
                                        r"2 units have two values \(0, 1\)"):
        _fit(panel)


def test_weight_changing_within_a_unit_is_named(panel):
    panel["w"] = 1.0
    panel.loc[5, "w"] = 2.0
    with pytest.raises(DataError, match=r"weights='w': must not change within a unit.*\(2\)"):
        _fit(panel, weights="w")


@pytest.mark.parametrize("unit", ["id", None])
@pytest.mark.parametrize("method", METHODS)
def test_collinear_covariates_are_named(panel, method, unit):
    with pytest.raises(EstimationError, match=r"collinear with each other: x2 adds nothing"):
        _fit(panel.assign(x2=2 * panel["x"] + 1), method=method, unit=unit,
             covariates=("x", "x2"))


def test_covariate_constant_in_a_regression_cell_is_named(panel):
    constant_for_treated = panel.assign(c=np.where(panel["d"] == 1, 1.0, panel["x"]))
    with pytest.raises(EstimationError, match=r"collinear among the treated group's "
                                              r"observations before the change: c adds"):
        _fit(constant_for_treated, method="doubly_robust_traditional", unit=None,
             covariates=("c",))


@pytest.mark.parametrize("method", ["doubly_robust", "doubly_robust_traditional",
                                    "inverse_probability"])
def test_separated_groups_are_an_overlap_failure(panel, method):
    separating = panel.assign(s=10.0 * panel["d"] + 0.01 * panel["x"])
    with pytest.raises(EstimationError, match=r"did not converge: the covariates \(nearly\) "
                                              r"separate.*300 units with a fitted score "
                                              r"within 1e-6 of 0 or 1.*no overlap"):
        _fit(separating, method=method, covariates=("s",))


def test_thin_overlap_is_trimmed_as_drdid_does_and_counted(panel):
    data = panel.copy()
    data.loc[data.index[data["d"] == 0][:6], "x"] = 8.0  # three comparison units far out
    data["z"] = np.where(data["d"] == 1, data["x"] + 1.5, data["x"])
    with pytest.warns(UserWarning, match=r"3 comparison units have a propensity score of "
                                         r"at least 0.995 and get weight zero"):
        result = _fit(data, method="inverse_probability", covariates=("z",))
    assert result.sample["comparison_trimmed"] == 3
    assert "Comparison trimmed (propensity >= 0.995)" in str(result)
    assert np.isfinite(result.estimate) and np.isfinite(result.std_error)


@pytest.mark.parametrize("value,message", [(0, "no treated group"),
                                           (1, "no untreated comparison group")])
@pytest.mark.parametrize("method", METHODS)
def test_no_treated_or_no_comparison_unit(panel, method, value, message):
    with pytest.raises(DataError, match=message):
        _fit(panel.assign(d=value), method=method)
