"""How a Panel codes its units, periods and cohorts, whatever form the columns take.

Integer identifiers already in order and integer periods over a modest range are coded
in one pass; other columns are factorised and sorted. Both must give the same panel, so
each test builds the panel from one form and from another that takes the general path
(identifiers as text, periods as floats, rows shuffled) and compares what was derived.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit import Panel
from evalkit.errors import DataError


def _frame(n_units: int = 60, periods=(2001, 2002, 2003, 2004, 2005), seed: int = 0):
    rng = np.random.default_rng(seed)
    units = np.repeat(np.arange(10, 10 + 3 * n_units, 3), len(periods))
    time = np.tile(np.asarray(periods), n_units)
    first = rng.choice([periods[2], periods[3], 0], size=n_units)
    return pd.DataFrame({"unit": units, "time": time,
                         "first": np.repeat(first, len(periods)),
                         "y": rng.normal(size=units.size)})


def _derived(panel: Panel) -> dict[str, object]:
    data = panel.data
    return {"units": [str(u) for u in panel.units], "periods": panel.periods.tolist(),
            "unit_index": panel.unit_index.tolist(),
            "period_index": panel.period_index.tolist(),
            "cohorts": panel.unit_cohorts.to_numpy().tolist(),
            "cohort": panel.cohort.to_numpy().tolist(), "treated": panel.treated.tolist(),
            "y": data["y"].tolist()}


def _panel(frame: pd.DataFrame) -> Panel:
    return Panel(frame, unit="unit", time="time", outcome="y", first_treated="first")


def _same(a: dict, b: dict) -> None:
    for key in a:
        left, right = a[key], b[key]
        if key == "cohorts" or key == "cohort":
            assert np.array_equal(np.asarray(left), np.asarray(right), equal_nan=True), key
        else:
            assert left == right, key


def test_sorted_integer_units_give_the_panel_of_text_units_and_shuffled_rows():
    frame = _frame()
    fast = _derived(_panel(frame))
    # text identifiers padded so that their order is the numbers' order
    as_text = frame.assign(unit=frame["unit"].map(lambda u: f"{u:05d}"))
    shuffled = frame.sample(frac=1.0, random_state=3)
    general = _derived(_panel(as_text))
    general["units"] = [str(int(u)) for u in general["units"]]
    _same(fast, general)
    _same(fast, _derived(_panel(shuffled)))


def test_unsorted_integer_units_are_factorised():
    frame = _frame().iloc[::-1]
    assert not frame["unit"].is_monotonic_increasing
    panel = _panel(frame)
    assert panel.units.tolist() == sorted(frame["unit"].unique().tolist())
    _same(_derived(panel), _derived(_panel(frame.iloc[::-1])))


@pytest.mark.parametrize("periods, dtype", [
    ((2001, 2002, 2003, 2004, 2005), "int64"),
    ((1, 2, 3, 5, 8), "int8"),  # gaps: positions among the observed periods
    ((3, 4, 5, 6, 7), "uint16"),
    ((-2, -1, 0, 1, 2), "int32"),  # relative periods, below zero
    ((20200101, 20200201, 20200301, 20200401, 20200501), "int64"),
    ((0, 10**9, 2 * 10**9, 3 * 10**9, 4 * 10**9), "int64"),  # beyond a tally's range
])
def test_integer_periods_give_the_panel_of_the_same_periods_as_floats(periods, dtype):
    frame = _frame(periods=periods)
    # cohorts from the periods themselves; 0 means never treated only when 0 is not a period
    if 0 in periods:
        frame["first"] = frame["first"].replace(0, np.nan)
    frame = frame.astype({"time": dtype})
    fast = _panel(frame)
    assert fast.periods.tolist() == [float(p) for p in periods]
    _same(_derived(fast), _derived(_panel(frame.astype({"time": float}))))


def test_never_treated_written_differently_on_a_units_rows_is_one_cohort():
    frame = _frame().astype({"first": float})
    unit = frame.loc[frame["first"] == 0, "unit"].iloc[0]
    rows = frame.index[frame["unit"] == unit]
    frame.loc[rows, "first"] = [0.0, np.nan, np.inf, 0.0, np.nan]
    panel = _panel(frame)
    assert np.isnan(panel.unit_cohorts.loc[unit])


def test_a_cohort_changing_within_units_names_each_unit_once():
    frame = _frame()
    treated = frame.loc[frame["first"] > 0, "unit"].unique()[:2]
    for unit in treated:
        frame.loc[(frame["unit"] == unit) & (frame["time"] >= 2004), "first"] = 2005
        frame.loc[(frame["unit"] == unit) & (frame["time"] == 2005), "first"] = 0
    with pytest.raises(DataError) as info:
        _panel(frame)
    message = str(info.value)
    assert "changes within 2 units" in message
    for unit in treated:
        assert repr(int(unit)) in message


def test_a_large_panels_fingerprint_computed_aside_is_the_fingerprint_of_its_data(monkeypatch):
    import copy
    import pickle

    from evalkit.data import panel as panel_module

    frame = _frame()
    small = _panel(frame)
    assert small._fingerprint is None  # small data: hashed when first asked for
    monkeypatch.setattr(panel_module, "_BACKGROUND_BYTES", 0)
    large = _panel(frame)
    assert isinstance(large._fingerprint, panel_module._PendingFingerprint)
    expected = panel_module.frame_fingerprint(large.data)
    assert large.fingerprint == expected == small.fingerprint
    other = _panel(frame)  # copied or pickled before the value was asked for
    assert copy.deepcopy(other).fingerprint == expected
    assert pickle.loads(pickle.dumps(_panel(frame))).fingerprint == expected
    changed = _panel(frame.assign(y=frame["y"] + 1))
    assert changed.fingerprint != expected


def test_a_pickled_panel_is_the_same_panel_and_stays_read_only():
    import pickle

    panel = _panel(_frame())
    again = pickle.loads(pickle.dumps(panel))
    _same(_derived(panel), _derived(again))
    assert not again.unit_index.flags.writeable
    with pytest.raises(AttributeError, match="immutable"):
        again.foo = 1
