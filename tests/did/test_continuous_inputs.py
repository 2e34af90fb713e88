"""continuous_did: bad input is an evalkit error naming the rows, units, cohorts or counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit.did.continuous import continuous_did
from evalkit.errors import DataError, InputError

COLUMNS = {"outcome": "y", "unit": "unit", "time": "year", "dose": "dose",
           "first_treated": "first"}


def _panel(n: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    first = rng.choice([0, 2003, 2004], size=n)
    dose = np.where(first > 0, rng.uniform(0.5, 2.0, n), 0.0)
    years = np.arange(2001, 2006)
    frame = pd.DataFrame({"unit": np.repeat(np.arange(n), years.size),
                          "year": np.tile(years, n)})
    frame["first"] = np.repeat(first, years.size)
    frame["dose"] = np.repeat(dose, years.size)
    frame["y"] = rng.normal(size=len(frame)) + frame["dose"] * (frame["year"] >= frame["first"])
    return frame


def _fit(frame: pd.DataFrame, **options):
    options.setdefault("uniform_band", False)
    options.setdefault("degree", 1)
    return continuous_did(frame, **COLUMNS, **options)


def test_a_clean_panel_runs():
    assert np.isfinite(_fit(_panel()).overall_acrt)


def test_options_are_checked_together():
    with pytest.raises(InputError) as error:
        _fit(_panel(), target="slopes", aggregation="event", degree=0, num_knots=-1,
             control_group="nevertreated", alpha=1.5, n_draws=3, random_state=-1,
             dose_grid=[np.nan])
    text = str(error.value)
    for fragment in ("target='slopes'", "aggregation='event'", "degree=0", "num_knots=-1",
                     "control_group='nevertreated'", "alpha=1.5", "n_draws=3",
                     "random_state=-1", "dose_grid="):
        assert fragment in text


def test_unknown_column_lists_the_columns():
    with pytest.raises(InputError, match="dose='intensity'.*'unit'"):
        continuous_did(_panel(), **{**COLUMNS, "dose": "intensity"})


def test_not_a_dataframe():
    with pytest.raises(InputError, match="pandas DataFrame"):
        continuous_did(np.zeros((3, 3)), **COLUMNS)


def test_slope_with_one_dose_level():
    frame = _panel()
    frame["dose"] = np.where(frame["first"] > 0, 1.5, 0.0)
    with pytest.raises(DataError, match=r"target='slope'.*same dose \(1.5\)"):
        _fit(frame, target="slope")
    assert np.isnan(_fit(frame).overall_acrt)  # level: the binary comparison, no slope


def test_dose_varying_within_a_unit_names_the_units():
    frame = _panel()
    treated = frame.index[frame["first"] > 0][:3]
    frame.loc[treated[1], "dose"] += 0.25
    unit = frame.loc[treated[1], "unit"]
    with pytest.raises(DataError, match=rf"dose='dose': must be constant.*1 units \({unit}\)"):
        _fit(frame)


def test_zero_dose_before_treatment_is_accepted():
    frame = _panel()
    before = (frame["first"] > 0) & (frame["year"] < frame["first"])
    zeroed = frame.assign(dose=np.where(before, 0.0, frame["dose"]))
    np.testing.assert_allclose(_fit(zeroed).estimates, _fit(frame).estimates, atol=1e-12)


def test_negative_doses_name_the_rows():
    frame = _panel()
    frame.loc[[4, 9], "dose"] = -1.0
    with pytest.raises(DataError, match=r"must be >= 0.*rows 5 and 10"):
        _fit(frame)


def test_missing_values_name_the_rows():
    frame = _panel()
    frame.loc[[2, 7], "y"] = np.nan
    frame.loc[[11], "dose"] = np.nan
    with pytest.raises(DataError) as error:
        _fit(frame)
    assert "outcome='y': 2 of 300 rows have a missing value (rows 3 and 8" in str(error.value)
    assert "dose='dose': 1 of 300 rows have a missing value (row 12" in str(error.value)


def test_non_numeric_outcome():
    frame = _panel().astype({"y": object})
    frame.loc[5, "y"] = "n/a"
    with pytest.raises(DataError, match="outcome='y'"):
        _fit(frame)


def test_unbalanced_panel_names_the_units():
    frame = _panel().drop(index=[0]).reset_index(drop=True)
    with pytest.raises(DataError, match=r"balanced.*1 units are not \(0\)"):
        _fit(frame)


def test_duplicated_rows():
    frame = _panel()
    frame = pd.concat([frame, frame.iloc[[3]]], ignore_index=True)
    with pytest.raises(DataError, match="several rows in one period.*rows 4 and 301"):
        _fit(frame)


def test_no_never_treated_units_with_never_treated_comparisons():
    frame = _panel()
    frame = frame[frame["first"] > 0]
    with pytest.raises(DataError, match="control_group='never_treated': no unit is never"):
        _fit(frame, control_group="never_treated")


def test_no_comparison_units_at_all():
    frame = _panel()
    frame = frame[frame["first"] == 2003]
    with pytest.raises(DataError, match="No cohort has a post-treatment period with comparison"):
        _fit(frame)


def test_too_few_distinct_doses_names_the_counts():
    frame = _panel()
    levels = {2003: [0.5, 1.0, 2.0], 2004: [0.7, 1.4]}
    units = frame.drop_duplicates("unit").set_index("unit")["first"]
    dose = {u: levels[g][i % len(levels[g])] if g > 0 else 0.0
            for i, (u, g) in enumerate(units.items())}
    frame["dose"] = frame["unit"].map(dose)
    with pytest.raises(DataError, match=r"cohort 2004 has 2 distinct doses for 4 coefficients "
                                        r"\(intercept, degree 3, 0 interior knots\)"):
        _fit(frame, degree=3)


def test_first_treated_not_a_period():
    frame = _panel().astype({"first": float})
    frame.loc[frame["unit"] == 0, "first"] = 2003.5
    with pytest.raises(DataError, match="must be one of the periods"):
        _fit(frame)


def test_input_frame_is_not_modified():
    frame = _panel()
    copy = frame.copy()
    _fit(frame, aggregation="event_time", uniform_band=True, n_draws=50, random_state=1)
    pd.testing.assert_frame_equal(frame, copy)
