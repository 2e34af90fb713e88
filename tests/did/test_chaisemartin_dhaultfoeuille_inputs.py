"""Bad input to chaisemartin_dhaultfoeuille: every problem is an evalkit error naming what is
wrong (rows, units, periods, baselines), never a silent NaN or a library traceback."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit.did.chaisemartin_dhaultfoeuille import chaisemartin_dhaultfoeuille
from evalkit.errors import DataError, EstimationError, InputError

COLUMNS = dict(outcome="y", unit="unit", time="time", treatment="d")


def _panel(paths: dict[str, list[float]], seed: int = 0) -> pd.DataFrame:
    """One row per unit and period from each unit's treatment path."""
    rng = np.random.default_rng(seed)
    rows = []
    for unit, path in paths.items():
        for t, d in enumerate(path):
            rows.append({"unit": unit, "time": 2001 + t, "d": d, "y": rng.normal(),
                         "state": unit[0]})
    return pd.DataFrame(rows)


def _staggered() -> pd.DataFrame:
    paths = {f"a{i}": [0, 0, 0, 0, 0] for i in range(4)}
    paths.update({f"b{i}": [0, 0, 1, 1, 1] for i in range(4)})
    paths.update({f"c{i}": [0, 0, 0, 1, 1] for i in range(4)})
    return _panel(paths)


def test_treatment_that_never_changes():
    frame = _panel({f"u{i}": [i % 2] * 4 for i in range(6)})
    with pytest.raises(DataError, match=r"treatment='d': never changes within a unit"):
        chaisemartin_dhaultfoeuille(frame, **COLUMNS)


def test_more_effects_or_placebos_than_the_data_allow_says_the_maximum():
    frame = _staggered()
    with pytest.raises(InputError) as caught:
        chaisemartin_dhaultfoeuille(frame, **COLUMNS, effects=4, placebos=3)
    message = str(caught.value)
    assert "effects=4: must be at most 3" in message
    assert "placebos=3: must be at most 2" in message
    result = chaisemartin_dhaultfoeuille(frame, **COLUMNS, effects=3, placebos=2)
    assert result.n_effects == 3 and result.n_placebos == 2


def test_options_are_checked_together():
    with pytest.raises(InputError) as caught:
        chaisemartin_dhaultfoeuille(_staggered(), **COLUMNS, effects=0, placebos=-1,
                                    alpha=2, missing="ignore", normalized="yes")
    message = str(caught.value)
    for text in ("effects=0: must be an integer >= 1", "placebos=-1: must be an integer >= 0",
                 "alpha=2", "missing='ignore'", "normalized='yes': must be True or False"):
        assert text in message
    with pytest.raises(InputError, match="placebos=3: must be at most effects=2"):
        chaisemartin_dhaultfoeuille(_staggered(), **COLUMNS, effects=2, placebos=3)
    with pytest.raises(InputError, match="data: must be a pandas DataFrame"):
        chaisemartin_dhaultfoeuille(_staggered().to_dict(), **COLUMNS)


def test_missing_columns_are_named():
    with pytest.raises(DataError, match=r"treatment='D': no such column.*'unit'"):
        chaisemartin_dhaultfoeuille(_staggered(), **{**COLUMNS, "treatment": "D"})


def test_duplicate_unit_periods_are_named_with_their_rows():
    frame = _staggered()
    frame = pd.concat([frame, frame.iloc[[7]]], ignore_index=True)
    with pytest.raises(DataError) as caught:
        chaisemartin_dhaultfoeuille(frame, **COLUMNS)
    message = str(caught.value)
    assert "at most one row per period" in message
    assert "('a1', 2003)" in message and "rows 8 and 61" in message


def test_non_numeric_and_missing_values_are_named_by_rows():
    frame = _staggered()
    frame["y"] = frame["y"].astype(object)
    frame.loc[5, "y"] = "n/a"
    with pytest.raises(DataError, match=r"outcome='y': must be a numeric column.*'n/a' \(row 6\)"):
        chaisemartin_dhaultfoeuille(frame, **COLUMNS)
    frame = _staggered()
    frame.loc[[3, 9], "y"] = np.nan
    frame.loc[4, "d"] = np.nan
    with pytest.raises(DataError) as caught:
        chaisemartin_dhaultfoeuille(frame, **COLUMNS)
    message = str(caught.value)
    assert "outcome='y': 2 of 60 rows have a missing value (rows 4 and 10" in message
    assert "treatment='d': 1 of 60 rows have a missing value (row 5" in message
    dropped = chaisemartin_dhaultfoeuille(frame, **COLUMNS, missing="drop")
    gaps = chaisemartin_dhaultfoeuille(frame, **COLUMNS, missing="outcome_gaps")
    assert dropped.sample["rows"] == 57 and gaps.sample["rows"] == 59
    assert np.isfinite(gaps.estimates).all()


def test_infinite_values_and_negative_weights():
    frame = _staggered().assign(w=1.0)
    frame.loc[2, "y"] = np.inf
    frame.loc[6, "w"] = -1.0
    with pytest.raises(DataError) as caught:
        chaisemartin_dhaultfoeuille(frame, **COLUMNS, weights="w")
    message = str(caught.value)
    assert "outcome='y': must hold finite numbers" in message and "row 3" in message
    assert "weights='w': must be >= 0; 1 rows are negative (row 7" in message


def test_a_unit_in_two_clusters_is_named():
    frame = _staggered()
    frame.loc[frame["unit"] == "b2", "state"] = ["b", "b", "x", "x", "x"]
    with pytest.raises(DataError, match=r"cluster='state': each unit must belong to one "
                                        r"cluster; 1 units are in several \('b2'\)"):
        chaisemartin_dhaultfoeuille(frame, **COLUMNS, cluster="state")


def test_no_comparison_unit_at_all_is_an_estimation_error_naming_the_baseline():
    frame = _panel({f"u{i}": [0, 0, 1, 1] for i in range(5)})
    with pytest.raises(EstimationError) as caught:
        chaisemartin_dhaultfoeuille(frame, **COLUMNS)
    assert "baseline d=0" in str(caught.value)
    assert "all change treatment in the same period" in str(caught.value)


def test_baselines_and_periods_without_comparison_units_are_stated_exclusions():
    paths = {f"a{i}": [0, 0, 0, 0, 0] for i in range(3)}
    paths.update({f"b{i}": [0, 0, 1, 1, 1] for i in range(3)})
    # baseline 1: no unit keeps it, so from 2004 on no comparison is left for it
    paths.update({f"c{i}": [1, 1, 2, 2, 2] for i in range(2)})
    paths.update({f"e{i}": [1, 1, 1, 2, 2] for i in range(2)})
    result = chaisemartin_dhaultfoeuille(_panel(paths), **COLUMNS, effects=2)
    text = " | ".join(result.exclusions)
    assert "baseline d=1 in periods 2004, 2005" in text
    assert "2 switchers whose baseline has no unit left" in text
    assert "baseline 1, first change in 2004" in text
    assert "Left out: baseline d=1 in periods 2004, 2005" in str(result)
    # the baseline-1 switchers of 2003 are compared with those of 2004 at effect 1 only
    assert result.switchers[:2] == (5, 3)


def test_controls_are_checked_like_the_other_columns():
    frame = _staggered().assign(x=1.0)
    frame["x"] = frame["x"].astype(object)
    frame.loc[11, "x"] = "high"
    with pytest.raises(DataError, match=r"controls='x': must be a numeric column.*'high' "
                                        r"\(row 12\)"):
        chaisemartin_dhaultfoeuille(frame, **COLUMNS, controls=["x"])
    with pytest.raises(DataError, match=r"controls='z': no such column"):
        chaisemartin_dhaultfoeuille(frame, **COLUMNS, controls=["z"])
    with pytest.raises(InputError, match=r"controls=3: must be a column name or a list"):
        chaisemartin_dhaultfoeuille(frame, **COLUMNS, controls=3)


def test_units_without_any_outcome_are_left_out_and_said():
    frame = _staggered()
    frame.loc[frame["unit"] == "a3", "y"] = np.nan
    result = chaisemartin_dhaultfoeuille(frame, **COLUMNS, missing="outcome_gaps")
    assert result.sample["units"] == 11
    assert "1 units whose outcome is never observed" in result.exclusions


def test_switchers_in_a_direction_that_no_unit_takes():
    with pytest.raises(EstimationError, match=r"No switcher whose treatment first moves down "
                                              r"\(switchers='out'\)"):
        chaisemartin_dhaultfoeuille(_staggered(), **COLUMNS, switchers="out")
    with pytest.raises(InputError, match=r"switchers='up': must be one of 'both', 'in', 'out'"):
        chaisemartin_dhaultfoeuille(_staggered(), **COLUMNS, switchers="up")
