"""Panel: a panel description, validated once, immutable, never touching the caller's data."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd
import pytest

from evalkit import DataError, InputError, Panel, twfe
from evalkit.data import PanelSpec, frame_fingerprint

MPDTA = {"unit": "countyreal", "time": "year", "outcome": "lemp", "first_treated": "first.treat"}


def _treatment_column(frame: pd.DataFrame) -> pd.Series:
    g = frame["first.treat"]
    return ((g > 0) & (frame["year"] >= g)).astype(int)


def _first_unit_of_cohort(frame: pd.DataFrame, cohort: int):
    return frame.loc[frame["first.treat"] == cohort, "countyreal"].iloc[0]


# --------------------------------------------------------------------------- what a panel knows
def test_mpdta_panel_facts(mpdta_panel):
    assert (mpdta_panel.n_obs, mpdta_panel.n_units, mpdta_panel.n_periods) == (2500, 500, 5)
    assert mpdta_panel.is_balanced
    assert mpdta_panel.is_staggered
    assert mpdta_panel.n_treated_units == 191
    assert mpdta_panel.n_never_treated_units == 309
    np.testing.assert_array_equal(mpdta_panel.periods, [2003, 2004, 2005, 2006, 2007])
    assert mpdta_panel.cohort_sizes.to_dict() == {2004: 20, 2006: 40, 2007: 131, "never": 309}
    assert mpdta_panel.cluster_column == "countyreal"
    assert mpdta_panel.columns == ("countyreal", "year", "lemp", "first.treat")
    assert mpdta_panel.dropped_rows == 0
    description = mpdta_panel.describe()
    assert description["cohorts"] == {"2004": 20, "2006": 40, "2007": 131, "never": 309}
    assert (description["first_period"], description["last_period"]) == (2003, 2007)
    assert "500 units x 5 periods, 2500 rows, 191 treated" in repr(mpdta_panel)


def test_panel_data_is_sorted_by_unit_and_period(mpdta, mpdta_panel):
    data = mpdta_panel.data
    assert list(data.columns) == ["countyreal", "year", "lemp", "first.treat"]
    expected = mpdta.sort_values(["countyreal", "year"]).reset_index(drop=True)[list(data.columns)]
    pd.testing.assert_frame_equal(data, expected)
    assert mpdta_panel.fingerprint == frame_fingerprint(expected)


def test_treated_indicator_event_time_and_cohort(mpdta_panel):
    data = mpdta_panel.data
    g = data["first.treat"].to_numpy()
    np.testing.assert_array_equal(mpdta_panel.treated.to_numpy(),
                                  ((g > 0) & (data["year"].to_numpy() >= g)).astype(int))
    expected_rel = np.where(g > 0, data["year"].to_numpy() - g, np.nan)
    np.testing.assert_array_equal(mpdta_panel.event_time(), expected_rel)
    np.testing.assert_array_equal(mpdta_panel.cohort.to_numpy(), np.where(g > 0, g, np.nan))
    assert mpdta_panel.unit_cohorts.index.name == "countyreal"
    np.testing.assert_array_equal(mpdta_panel.units[mpdta_panel.unit_index],
                                  data["countyreal"].to_numpy())
    np.testing.assert_array_equal(mpdta_panel.periods[mpdta_panel.period_index],
                                  data["year"].to_numpy())


@pytest.mark.parametrize("never", [0, np.nan, np.inf])
def test_never_treated_codes(mpdta, never):
    """0, missing and infinite first-treatment periods all mean never treated."""
    mpdta["first.treat"] = mpdta["first.treat"].where(mpdta["first.treat"] > 0, never)
    panel = Panel(mpdta, **MPDTA)
    assert panel.cohort_sizes.to_dict() == {2004: 20, 2006: 40, 2007: 131, "never": 309}


def test_treatment_column_is_equivalent_to_first_treated(mpdta, mpdta_panel, mpdta_twfe):
    mpdta["D"] = _treatment_column(mpdta)
    panel = Panel(mpdta, unit="countyreal", time="year", outcome="lemp", treatment="D")
    pd.testing.assert_series_equal(panel.unit_cohorts, mpdta_panel.unit_cohorts)
    pd.testing.assert_series_equal(panel.treated, mpdta_panel.treated)
    np.testing.assert_array_equal(panel.event_time(), mpdta_panel.event_time())
    assert panel.cohort_sizes.to_dict() == mpdta_panel.cohort_sizes.to_dict()
    result = twfe(panel)
    assert result.estimate == pytest.approx(mpdta_twfe.estimate, rel=1e-12)
    assert result.std_error == pytest.approx(mpdta_twfe.std_error, rel=1e-12)
    bool_panel = Panel(mpdta.assign(D=mpdta["D"].astype(bool)), unit="countyreal",
                       time="year", outcome="lemp", treatment="D")
    pd.testing.assert_series_equal(bool_panel.unit_cohorts, mpdta_panel.unit_cohorts)


def test_irregular_periods_count_event_time_in_positions(mpdta):
    panel = Panel(mpdta.loc[mpdta["year"] != 2005], **MPDTA)
    data = panel.data
    unit = _first_unit_of_cohort(mpdta, 2007)
    rel = panel.event_time()[(data["countyreal"] == unit).to_numpy()]
    np.testing.assert_array_equal(rel, [-3, -2, -1, 0])  # 2003, 2004, 2006, 2007


def test_unbalanced_panel(mpdta):
    panel = Panel(mpdta.drop(index=[0, 7, 12]), **MPDTA)
    assert panel.n_obs == 2497
    assert not panel.is_balanced
    assert panel.n_units == 500


def test_missing_drop_drops_rows_and_counts_them(mpdta):
    mpdta.loc[[1, 5, 9], "lemp"] = np.nan
    mpdta.loc[[9, 20], "year"] = np.nan
    panel = Panel(mpdta, **MPDTA, missing="drop")
    assert panel.dropped_rows == 4
    assert panel.n_obs == 2496
    assert panel.describe()["dropped_rows"] == 4


def test_missing_drop_keeps_never_treated_units_coded_as_missing(mpdta):
    mpdta["first.treat"] = mpdta["first.treat"].where(mpdta["first.treat"] > 0, np.nan)
    mpdta.loc[0, "lemp"] = np.nan
    panel = Panel(mpdta, **MPDTA, missing="drop")
    assert panel.dropped_rows == 1
    assert panel.n_never_treated_units == 309


def test_event_time_of_units_treated_before_the_first_period(mpdta):
    unit = _first_unit_of_cohort(mpdta, 2004)
    mpdta.loc[mpdta["countyreal"] == unit, "first.treat"] = 2001
    panel = Panel(mpdta, **MPDTA)
    rel = panel.event_time()[(panel.data["countyreal"] == unit).to_numpy()]
    assert rel[0] >= 1  # 2003 is at least one period after a 2001 treatment, never e0


# --------------------------------------------------------------------------- immutability
def test_panel_attributes_cannot_be_set(mpdta_panel):
    for name in ("outcome", "unit", "n_obs", "new_attribute", "_frame"):
        with pytest.raises(AttributeError, match="Panel is immutable"):
            setattr(mpdta_panel, name, "lemp")


def test_panel_arrays_are_read_only(mpdta_panel):
    for array in (mpdta_panel.unit_index, mpdta_panel.period_index):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 3


def test_panel_hands_out_copies(mpdta_panel):
    data = mpdta_panel.data
    data.loc[0, "lemp"] = 1e6
    mpdta_panel.periods[0] = -1
    mpdta_panel.units[0] = -1
    assert mpdta_panel.data.loc[0, "lemp"] != 1e6
    assert mpdta_panel.periods[0] == 2003
    assert mpdta_panel.units[0] == 8001


def test_caller_data_is_never_mutated_and_later_changes_do_not_reach_the_panel(mpdta):
    mpdta = mpdta.sample(frac=1.0, random_state=3)  # unsorted input
    before = copy.deepcopy(mpdta)
    panel = Panel(mpdta, **MPDTA)
    pd.testing.assert_frame_equal(mpdta, before)
    fingerprint = panel.fingerprint
    mpdta["lemp"] = 0.0
    assert panel.fingerprint == fingerprint
    assert panel.data["lemp"].ne(0.0).all()


def test_spec_round_trips(mpdta_panel, mpdta):
    spec = mpdta_panel.spec()
    assert spec["unit"] == "countyreal" and spec["covariates"] == []
    assert Panel(mpdta, **{k: v for k, v in spec.items()}).fingerprint == mpdta_panel.fingerprint


def test_specification_is_the_typed_description(mpdta_panel, mpdta):
    spec = mpdta_panel.specification
    assert isinstance(spec, PanelSpec)
    assert spec.unit == "countyreal" and spec.covariates == () and spec.cluster is None
    assert spec.to_dict() == mpdta_panel.spec()
    assert spec.columns == mpdta_panel.columns
    assert Panel(mpdta, **spec.to_dict()).specification == spec
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.unit = "other"  # type: ignore[misc]


# --------------------------------------------------------------------------- bad input
def test_missing_column_lists_the_existing_columns(mpdta):
    with pytest.raises(DataError) as info:
        Panel(mpdta, **{**MPDTA, "outcome": "emp"}, covariates=["pop"])
    message = str(info.value)
    assert "outcome='emp': no such column in the data" in message
    assert "covariates='pop': no such column in the data" in message
    assert "the columns are: 'year', 'countyreal', 'lpop', 'lemp', 'first.treat', 'treat'" \
        in message
    assert len(info.value.problems) == 2


def test_non_numeric_outcome(mpdta):
    mpdta["lemp"] = mpdta["lemp"].astype(str)
    with pytest.raises(DataError) as info:
        Panel(mpdta, **MPDTA)
    assert "outcome='lemp': must be a numeric column; got dtype" in str(info.value)
    assert "values such as" in str(info.value)


def test_non_numeric_time(mpdta):
    mpdta["year"] = "Y" + mpdta["year"].astype(str)
    with pytest.raises(DataError, match=r"time='year': must be a numeric column"):
        Panel(mpdta, **MPDTA)


def test_missing_values_are_counted(mpdta):
    mpdta.loc[[1, 5, 9], "lemp"] = np.nan
    with pytest.raises(DataError) as info:
        Panel(mpdta, **MPDTA)
    assert "outcome='lemp': 3 of 2500 rows have a missing value" in str(info.value)
    assert "missing='drop'" in str(info.value)


def test_missing_unit_identifier(mpdta):
    mpdta["countyreal"] = mpdta["countyreal"].astype(float)
    mpdta.loc[4, "countyreal"] = np.nan
    with pytest.raises(DataError, match=r"unit='countyreal': 1 of 2500 rows have a missing"):
        Panel(mpdta, **MPDTA)


def test_duplicate_unit_period_rows_name_a_pair(mpdta):
    with pytest.raises(DataError) as info:
        Panel(pd.concat([mpdta, mpdta.iloc[[0]]]), **MPDTA)
    message = str(info.value)
    assert "unit='countyreal', time='year': 1 unit-period pairs appear on more than one row " \
           "(2 rows)" in message
    assert "8001" in message and "2003" in message
    assert "one row per unit and period" in message


def test_duplicate_message_shows_plain_values(mpdta):
    with pytest.raises(DataError) as info:
        Panel(pd.concat([mpdta, mpdta.iloc[[0]]]), **MPDTA)
    assert "(8001, 2003)" in str(info.value)


def test_treatment_that_switches_off_names_the_unit(mpdta):
    mpdta["D"] = _treatment_column(mpdta)
    unit = _first_unit_of_cohort(mpdta, 2004)
    mpdta.loc[(mpdta["countyreal"] == unit) & (mpdta["year"] == 2006), "D"] = 0
    with pytest.raises(DataError) as info:
        Panel(mpdta, unit="countyreal", time="year", outcome="lemp", treatment="D")
    message = str(info.value)
    assert "treatment='D': must be absorbing" in message
    assert "switches back to 0 in 1 units" in message
    assert str(unit) in message


def test_treatment_must_be_binary(mpdta):
    mpdta["D"] = _treatment_column(mpdta) * 2
    with pytest.raises(DataError, match=r"treatment='D': must contain only 0 and 1"):
        Panel(mpdta, unit="countyreal", time="year", outcome="lemp", treatment="D")


def test_first_treated_varying_within_a_unit_names_it(mpdta):
    unit = _first_unit_of_cohort(mpdta, 2004)
    mpdta.loc[(mpdta["countyreal"] == unit) & (mpdta["year"] == 2007), "first.treat"] = 2006
    with pytest.raises(DataError) as info:
        Panel(mpdta, **MPDTA)
    message = str(info.value)
    assert "first_treated='first.treat': must be the same on every row of a unit" in message
    assert "changes within 1 units" in message
    assert str(unit) in message


def test_no_treated_unit(mpdta):
    mpdta["first.treat"] = 0
    with pytest.raises(DataError, match=r"first_treated='first.treat': no unit is treated "
                                        r"during the observed periods"):
        Panel(mpdta, **MPDTA)


def test_no_treated_unit_with_a_treatment_column(mpdta):
    mpdta["D"] = 0
    with pytest.raises(DataError,
                       match=r"treatment='D': no unit is treated during the observed periods"):
        Panel(mpdta, unit="countyreal", time="year", outcome="lemp", treatment="D")


def test_every_unit_treated_at_the_same_time(mpdta):
    mpdta["first.treat"] = 2005
    with pytest.raises(DataError) as info:
        Panel(mpdta, **MPDTA)
    assert "no untreated comparison units: every unit is treated from the same period (2005)" \
        in str(info.value)


def test_later_treated_units_are_a_valid_comparison(mpdta):
    panel = Panel(mpdta.loc[mpdta["first.treat"] > 0], **MPDTA)
    assert panel.n_never_treated_units == 0
    assert panel.n_treated_units == 191


def test_no_pre_treatment_period(mpdta):
    mpdta["first.treat"] = np.where(mpdta["first.treat"] > 0, 2003, 0)
    with pytest.raises(DataError) as info:
        Panel(mpdta, **MPDTA)
    message = str(info.value)
    assert "no pre-treatment period: every treated unit (" in message
    assert "and 186 more) is already treated in the first period it is observed" in message


@pytest.mark.parametrize(("treatment", "first_treated"), [("treat", "first.treat"), (None, None)])
def test_exactly_one_of_treatment_and_first_treated(mpdta, treatment, first_treated):
    with pytest.raises(InputError) as info:
        Panel(mpdta, unit="countyreal", time="year", outcome="lemp", treatment=treatment,
              first_treated=first_treated)
    assert "treatment / first_treated: exactly one must be given" in str(info.value)
    assert f"got treatment={treatment!r}, first_treated={first_treated!r}" in str(info.value)


def test_several_problems_are_reported_together(mpdta):
    # a duplicated row whose copy also changes the unit's first-treatment period
    data = pd.concat([mpdta, mpdta.iloc[[0]].assign(**{"first.treat": 2006})])
    with pytest.raises(DataError) as info:
        Panel(data, **MPDTA)
    problems = info.value.problems
    assert len(problems) == 2
    assert any("unit-period pairs appear on more than one row" in p for p in problems)
    assert any("must be the same on every row of a unit" in p for p in problems)
    # missing values and a non-numeric column are collected in one error too
    mpdta["lemp"] = mpdta["lemp"].astype(str)
    mpdta["year"] = mpdta["year"].astype(float)
    mpdta.loc[0, "year"] = np.nan
    with pytest.raises(DataError) as info:
        Panel(mpdta, **MPDTA)
    message = str(info.value)
    assert "time='year': 1 of 2500 rows have a missing value" in message
    assert "outcome='lemp': must be a numeric column" in message
    # and invalid arguments are all listed
    with pytest.raises(InputError) as info:
        Panel(mpdta, unit="", time="year", outcome="lemp", missing="skip")
    problems = info.value.problems
    assert len(problems) == 3
    assert problems[0] == "unit='': must be a column name; got ''"
    assert problems[1].startswith("treatment / first_treated: exactly one must be given")
    assert problems[2] == "missing='skip': must be 'error' or 'drop'; got 'skip'"


def test_bad_missing_option(mpdta):
    with pytest.raises(InputError, match=r"missing='skip': must be 'error' or 'drop'"):
        Panel(mpdta, **MPDTA, missing="skip")


def test_non_positive_weights(mpdta):
    mpdta["w"] = 1.0
    mpdta.loc[[0, 1], "w"] = -1.0
    with pytest.raises(DataError, match=r"weights='w': must be strictly positive; 2 rows"):
        Panel(mpdta, **MPDTA, weights="w")


def test_data_must_be_a_data_frame(mpdta):
    with pytest.raises(InputError, match=r"data: must be a pandas DataFrame; got dict"):
        Panel(mpdta.to_dict(), **MPDTA)
