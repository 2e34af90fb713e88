"""Blocks of whole units (evalkit.data.unit_blocks): the reference the engines are held to.

A ``SplitPanel`` must hold exactly its panel's data: its blocks, put back together, give
every row of the panel, and its facts are the panel's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit.data.panel import Panel
from evalkit.data.unit_blocks import SplitPanel, UnitBlock, sum_blocks
from evalkit.datasets import load_mpdta
from evalkit.errors import InputError


def _random_panel(seed: int, *, balanced: bool) -> tuple[pd.DataFrame, Panel]:
    rng = np.random.default_rng(seed)
    units, periods = 60, 6
    unit = np.repeat(rng.permutation(np.arange(1000, 1000 + units)), periods)
    year = np.tile(np.arange(2010, 2010 + periods), units)
    cohort_of = dict(zip(np.unique(unit), rng.choice([0, 2012, 2013, 2015], units), strict=True))
    frame = pd.DataFrame({"id": unit, "year": year,
                          "g": [cohort_of[u] for u in unit],
                          "y": rng.normal(size=unit.size),
                          "x": rng.normal(size=unit.size),
                          "w": rng.uniform(0.5, 2, size=unit.size),
                          "state": [f"s{u % 7}" for u in unit]})
    if not balanced:
        frame = frame.drop(index=rng.choice(frame.index, 40, replace=False))
    frame = frame.sample(frac=1, random_state=seed).reset_index(drop=True)
    panel = Panel(frame, unit="id", time="year", outcome="y", first_treated="g",
                  covariates=["x"], weights="w", cluster="state")
    return frame, panel


def _rows(blocks: list[UnitBlock], periods: np.ndarray) -> pd.DataFrame:
    """The long rows the blocks hold, sorted by unit and period."""
    parts = []
    for b in blocks:
        t, i = np.nonzero(b.observed)
        parts.append(pd.DataFrame({
            "id": b.units[i], "year": periods[t], "y": b.outcome[t, i],
            "x": b.covariates[0][t, i], "w": b.weights[t, i],
            "cohort": b.cohort[i], "cluster": b.cluster[i]}))
    return pd.concat(parts).sort_values(["id", "year"]).reset_index(drop=True)


@pytest.mark.parametrize("balanced", [True, False])
@pytest.mark.parametrize("n_blocks, order", [(1, None), (4, [3, 1, 0, 2]), (60, None)])
def test_blocks_hold_every_row_of_the_panel(balanced, n_blocks, order):
    frame, panel = _random_panel(3, balanced=balanced)
    before = frame.copy()
    split = SplitPanel(panel, n_blocks, order=order)
    blocks = split.map_blocks(lambda block: block)
    assert sum(b.n for b in blocks) == panel.n_units
    for b in blocks:  # units sorted within a block; unobserved cells are NaN
        assert np.all(np.diff(b.units) > 0)
        assert np.isnan(b.outcome[~b.observed]).all() and np.isfinite(b.outcome[b.observed]).all()
    rows = _rows(blocks, split.periods)
    expected = panel.data.sort_values(["id", "year"]).reset_index(drop=True)
    np.testing.assert_array_equal(rows["id"], expected["id"])
    np.testing.assert_array_equal(rows["year"], expected["year"])
    for column in ("y", "x", "w"):
        np.testing.assert_array_equal(rows[column], expected[column])
    cohorts = panel.unit_cohorts.reindex(rows["id"]).to_numpy()
    np.testing.assert_array_equal(rows["cohort"], cohorts)
    labels = split.cluster_labels
    np.testing.assert_array_equal(labels[rows["cluster"]], expected["state"])
    pd.testing.assert_frame_equal(frame, before)  # the caller's data are untouched


def test_facts_are_the_panel_facts():
    panel = Panel(load_mpdta(), unit="countyreal", time="year", outcome="lemp",
                  first_treated="first.treat")
    split = SplitPanel(panel, 3)
    assert split.describe() == panel.describe()
    pd.testing.assert_series_equal(split.cohort_sizes, panel.cohort_sizes,
                                   check_index_type=False)
    assert split.fingerprint == panel.fingerprint
    # mpdta's cohorts (R did's documentation: first treated in 2004, 2006 or 2007)
    np.testing.assert_array_equal(panel.cohorts, [2004.0, 2006.0, 2007.0])
    np.testing.assert_array_equal(split.cohorts, panel.cohorts)
    assert (split.n_units, split.n_obs, split.is_balanced, split.is_staggered) == (
        500, 2500, True, True)
    assert split.specification == panel.specification
    assert "engine memory" in repr(split)


def test_reduce_adds_in_the_given_order():
    panel = Panel(load_mpdta(), unit="countyreal", time="year", outcome="lemp",
                  first_treated="first.treat")
    totals = SplitPanel(panel, 7, order=[6, 5, 4, 3, 2, 1, 0]).reduce(
        lambda b: {"units": np.array(b.n), "sum": np.nansum(b.outcome, axis=1)})
    # the yearly totals of lemp over the 500 counties, from the DataFrame itself
    expected = load_mpdta().groupby("year")["lemp"].sum().to_numpy()
    np.testing.assert_allclose(totals["sum"], expected, rtol=1e-13)
    assert totals["units"] == 500


def test_bad_arguments_are_named():
    panel = Panel(load_mpdta(), unit="countyreal", time="year", outcome="lemp",
                  first_treated="first.treat")
    with pytest.raises(InputError, match="permutation of range"):
        SplitPanel(panel, 3, order=[0, 0, 1])
    with pytest.raises(InputError, match="must be an evalkit.Panel"):
        SplitPanel(load_mpdta())
    with pytest.raises(InputError, match="no block"):
        sum_blocks([])
    frame = load_mpdta()
    frame["cl"] = np.arange(len(frame)) % 3  # varies within counties
    varying = Panel(frame, unit="countyreal", time="year", outcome="lemp",
                    first_treated="first.treat", cluster="cl")
    with pytest.raises(InputError, match="constant within each unit"):
        SplitPanel(varying)
