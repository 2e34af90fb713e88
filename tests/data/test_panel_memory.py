"""What a Panel holds and allocates: 4-byte codes, integer columns checked as integers.

A panel keeps each row's unit and period position. Below 2**31 unit-period pairs they are
4-byte integers, so that ``unit_index * n_periods + period_index`` (the cell of a row on
the units x periods grid, as estimators compute it) cannot overflow; above, 8 bytes. The
checks read integer and double-precision columns where they are, without float copies:
integers cannot be missing or infinite, and are too large only if their extremes are.
Each change must leave the panel exactly as it was built before: same codes, periods,
cohorts and messages.
"""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pandas as pd
import pytest

import evalkit.data.panel as panel_module
from evalkit import Panel
from evalkit.data import checks
from evalkit.data.simulate import simulate_staggered_panel
from evalkit.datasets import load_mpdta
from evalkit.errors import DataError

MPDTA = {"unit": "countyreal", "time": "year", "outcome": "lemp", "first_treated": "first.treat"}


def _derived(panel: Panel) -> dict[str, np.ndarray]:
    return {"units": panel.units, "periods": panel.periods, "unit_index": panel.unit_index,
            "period_index": panel.period_index, "cohorts": panel.unit_cohorts.to_numpy(),
            "event_time": panel.event_time(), "outcome": panel.values(panel.outcome)}


def test_codes_are_four_bytes_and_index_the_units_by_periods_grid():
    panel = Panel(load_mpdta(), **MPDTA)
    assert panel.unit_index.dtype == np.int32 and panel.period_index.dtype == np.int32
    # mpdta is balanced, 500 counties x 5 years, rows sorted by county then year: row r
    # is county r // 5 in year r % 5, so the grid cell of every row is the row itself
    cell = panel.unit_index * panel.n_periods + panel.period_index
    np.testing.assert_array_equal(cell, np.arange(2500))
    assert panel.periods.dtype == np.float64  # periods stay floats: 2003.0 ... 2007.0
    np.testing.assert_array_equal(panel.periods, [2003.0, 2004.0, 2005.0, 2006.0, 2007.0])


def test_the_code_width_changes_at_two_to_the_31_cells():
    # a 4-byte signed integer holds at most 2**31 - 1: the largest cell number of a grid
    # of 2**31 - 1 cells is 2**31 - 2, of 2**31 cells 2**31 - 1 (8 bytes from there on,
    # as no sum or product of two cells' numbers is taken)
    assert panel_module._code_type(2**31 - 1) is np.int32
    assert panel_module._code_type(2**31) is np.intp


def test_eight_byte_codes_give_the_same_panel(monkeypatch):
    frame = load_mpdta()
    four = _derived(Panel(frame, **MPDTA))
    monkeypatch.setattr(panel_module, "_code_type", lambda size: np.intp)
    eight_panel = Panel(frame, **MPDTA)
    assert eight_panel.unit_index.dtype == np.intp
    for key, value in _derived(eight_panel).items():
        np.testing.assert_array_equal(value, four[key], err_msg=key)


def test_integer_columns_give_the_panel_of_the_same_columns_as_floats():
    sim = simulate_staggered_panel(300, 6, cohorts=(3, 5), seed=2).data
    frame = sim[["unit", "period", "y", "first_treated", "weight"]]
    as_floats = frame.astype({"unit": float, "period": float, "first_treated": float})
    as_floats = as_floats.sample(frac=1.0, random_state=1)  # and taking the general path
    options = {"unit": "unit", "time": "period", "outcome": "y",
               "first_treated": "first_treated", "weights": "weight"}
    ints, floats = _derived(Panel(frame, **options)), _derived(Panel(as_floats, **options))
    for key, value in ints.items():
        if key == "units":
            np.testing.assert_array_equal(value.astype(float), floats[key])
        else:
            np.testing.assert_array_equal(value, floats[key], err_msg=key)


def test_integer_and_double_columns_are_checked_where_they_are():
    frame = pd.DataFrame({"y": np.arange(4, dtype=np.int64), "z": np.linspace(0, 1, 4),
                          "s": np.arange(4, dtype=np.float32)})
    for column in ("y", "z"):
        assert np.shares_memory(panel_module._numbers(frame[column]), frame[column].to_numpy())
    single = panel_module._numbers(frame["s"])  # other floats are read as double precision
    assert single.dtype == np.float64
    np.testing.assert_array_equal(single, [0.0, 1.0, 2.0, 3.0])
    assert panel_module._missing(frame["y"]) is None  # integers cannot be missing


def test_integers_are_too_large_only_through_their_extremes(monkeypatch):
    extremes = np.array([np.iinfo(np.int64).min, np.iinfo(np.int64).max])
    # the limit for 2 rows is sqrt(1.8e308 / 2) = 9.5e153: no 8-byte integer comes near
    assert checks.too_large_problem("outcome='y'", extremes, np.arange(2)) is None
    monkeypatch.setattr(checks, "too_large_limit", lambda n_rows: 10.0)
    values = np.array([3, -20, 50])
    message = checks.too_large_problem("outcome='y'", values, np.arange(3))
    # |-20| and 50 exceed 10: rows 2 and 3 (counted from 1), the largest 50; the message
    # is the one the same values as floats get
    assert "must be at most 10 in absolute value; got values up to 50 in 2 of 3 rows " \
           "(rows 2 and 3;" in message
    assert message == checks.too_large_problem("outcome='y'", values.astype(float),
                                               np.arange(3))


def test_missing_values_of_nullable_integers_are_still_found():
    frame = load_mpdta()
    frame["lemp"] = pd.array(np.round(frame["lemp"] * 100).astype(int), dtype="Int64")
    frame.loc[[3, 7], "lemp"] = pd.NA
    with pytest.raises(DataError, match=r"outcome='lemp': 2 of 2500 rows have a missing "
                                        r"value \(rows 4 and 8;"):
        Panel(frame, **MPDTA)
    dropped = Panel(frame, **MPDTA, missing="drop")
    assert dropped.dropped_rows == 2 and dropped.n_obs == 2498


def test_a_first_treatment_period_changing_within_a_unit_is_found_in_integers():
    frame = load_mpdta()
    assert frame["first.treat"].dtype.kind == "i"
    unit = frame["countyreal"].iloc[12]
    frame.loc[frame.index[12], "first.treat"] = 2099  # one row of one county
    with pytest.raises(DataError, match=rf"it changes within 1 units, e.g. {unit}"):
        Panel(frame, **MPDTA)


def test_building_a_panel_makes_no_float_copy_of_its_columns():
    sim = simulate_staggered_panel(200_000, 5, cohorts=(3, 5), seed=1).data
    frame = sim[["unit", "period", "y", "first_treated"]].copy()  # 3 integer columns
    size = int(frame.memory_usage(deep=True).sum())  # 1M rows x 4 columns x 8 bytes
    gc.collect()
    tracemalloc.start()
    try:
        panel = Panel(frame, unit="unit", time="period", outcome="y",
                      first_treated="first_treated")
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # the panel keeps two 4-byte codes per row (a quarter of the data's 16 bytes per row
    # for two columns) and a few per-unit arrays; while building it also holds the rows'
    # 4-byte sort key and a few 1-byte masks. A float copy of the three integer columns
    # alone would be 3/4 of the data.
    assert kept < 0.4 * size
    assert peak < 0.8 * size
    assert panel.n_obs == 1_000_000
