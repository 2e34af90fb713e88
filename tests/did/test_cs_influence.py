"""Callaway & Sant'Anna's influence functions, held row by row over spans of units.

A cell's influence function is zero outside its treated cohort and comparison units;
without covariates it is recomputed from the outcomes when read. These tests check:

- the values of a cell without covariates, written out by hand;
- that every way of reading the rows (the whole matrix, sums within clusters, the Gram
  matrix summed over pieces of units of any size) gives the numbers of the dense matrix;
- that a fit keeps, per cell, values for its own units only, and never holds a
  (cells + cohorts) x units matrix for analytic standard errors;
- that standard errors do not depend on the size of the pieces (beyond rounding).
"""

from __future__ import annotations

import functools
import tracemalloc

import numpy as np
import pytest

import evalkit.did._cs_influence as influence
from evalkit import Clustered, Panel
from evalkit.data.simulate import simulate_staggered_panel
from evalkit.datasets import load_mpdta
from evalkit.did._cs_attgt import _panel_means, panel_cells, plan_cells
from evalkit.did._cs_influence import (
    IndicatorRow,
    MeanChangeRow,
    StoredRow,
    influence_gram,
    influence_matrix,
    influence_sums,
)
from evalkit.did.callaway_santanna import callaway_santanna

MPDTA = {"unit": "countyreal", "time": "year", "outcome": "lemp", "first_treated": "first.treat"}


@functools.cache
def _mpdta() -> Panel:
    return Panel(load_mpdta(), **MPDTA, covariates=["lpop"])


def test_a_cell_without_covariates_by_hand():
    # 4 units: 2 treated (span 0..2), 2 comparison (span 2..4); outcome changes
    # dY = y_t - y_b = (1, 3) and (0, 2): mean changes 2 and 1, ATT = 2 - 1 = 1;
    # psi_i = n (dY_i - m_1) / n_1 = 4 (dY_i - 2) / 2 for treated units: -2, 2;
    # -n (dY_i - m_0) / n_0 = -4 (dY_i - 1) / 2 for comparison units: 2, -2
    y_b = np.array([5.0, 5.0, 7.0, 7.0])
    y_t = y_b + [1.0, 3.0, 0.0, 2.0]
    att, row = _panel_means(y_t, y_b, None, [(0, 2), (2, 4)], 4)
    assert att == 1.0
    np.testing.assert_array_equal(influence_matrix([row], 4)[0], [-2.0, 2.0, 2.0, -2.0])
    # weights (1, 3) and (1, 1): treated mean (1 + 9) / 4 = 2.5, comparison mean 1,
    # ATT 1.5; psi_i = n w_i (dY_i - m) / W: 4 (1 - 2.5) / 4 = -1.5, 4 * 3 (3 - 2.5) / 4
    # = 1.5; -4 (0 - 1) / 2 = 2, -4 (2 - 1) / 2 = -2
    att, row = _panel_means(y_t, y_b, np.array([1.0, 3.0, 1.0, 1.0]), [(0, 2), (2, 4)], 4)
    assert att == 1.5
    np.testing.assert_array_equal(influence_matrix([row], 4)[0], [-1.5, 1.5, 2.0, -2.0])


def test_stored_rows_are_placed_span_by_span():
    # values 1, 2 belong to units 3 and 4, values 3, 4 to units 0 and 1 (the treated
    # cohort comes first in a cell's spans even when its units come later)
    row = StoredRow([(3, 5), (0, 2)], np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(influence_matrix([row], 6)[0], [3, 4, 0, 1, 2, 0])
    weighted = IndicatorRow([(2, 4)], np.array([9.0, 9.0, 0.5, 2.0, 9.0, 9.0]))
    np.testing.assert_array_equal(influence_matrix([weighted], 6)[0], [0, 0, 0.5, 2.0, 0, 0])
    np.testing.assert_array_equal(influence_matrix([IndicatorRow([(2, 4)], None)], 6)[0],
                                  [0, 0, 1, 1, 0, 0])
    with pytest.raises(ValueError, match="one value per unit"):
        StoredRow([(0, 3)], np.zeros(2))


def _random_rows(n: int, seed: int):
    rng = np.random.default_rng(seed)
    y_t, y_b, w = rng.normal(size=n), rng.normal(size=n), rng.uniform(0.5, 2.0, size=n)
    rows = [MeanChangeRow([(30, 50), (0, 12), (12, 20)], y_t, y_b, w, [0.3, -0.1, -0.1],
                          [2.0, -1.5, -1.5]),
            MeanChangeRow([(20, 30), (50, 61)], y_t, y_b, None, [0.0, 0.2], [1.0, -1.0]),
            StoredRow([(41, 61), (0, 5)], rng.normal(size=25)),
            StoredRow([(0, n)], rng.normal(size=n)),
            IndicatorRow([(30, 50)], w), IndicatorRow([(0, 12)], None)]
    return rows


@pytest.mark.parametrize("piece", [1, 3, 7, 64, None])
def test_every_reading_gives_the_numbers_of_the_dense_matrix(piece):
    n = 61
    rows = _random_rows(n, 0)
    dense = influence_matrix(rows, n)
    assert np.count_nonzero(dense[0, 20:30]) == 0 and np.count_nonzero(dense[2, 5:41]) == 0
    np.testing.assert_allclose(influence_gram(rows, n, piece=piece), dense @ dense.T,
                               rtol=1e-13, atol=1e-13 * np.abs(dense).max() ** 2 * n)
    clusters = np.random.default_rng(1).integers(0, 9, size=n)
    expected = np.stack([np.bincount(clusters, weights=r, minlength=9) for r in dense])
    np.testing.assert_array_equal(influence_sums(rows, n, clusters, 9), expected)


def test_a_fit_keeps_values_for_each_cells_units_only():
    sim = simulate_staggered_panel(900, 6, cohorts=(3, 5), covariate_trend=0.3, seed=2).data
    panel = Panel(sim, unit="unit", time="period", outcome="y",
                  first_treated="first_treated", covariates=["x"])
    # three groups of 300 units (cohorts 3 and 5, never treated), sorted by cohort
    codes = np.repeat([0, 1, 2], 300)
    order = np.argsort(panel.unit_cohorts.fillna(np.inf).to_numpy(), kind="stable")
    outcome = panel.values("y").reshape(900, 6)[order].T.copy()  # periods x units
    x = panel.values("x").reshape(900, 6)[order, 0][None, None, :]
    plan = plan_cells(panel.periods, np.array([3.0, 5.0, np.inf]), np.array([3.0, 5.0]),
                      anticipation=0, base_period="varying", control_group="never_treated")
    plain = panel_cells(outcome, codes, None, plan, method="doubly_robust")
    assert all(isinstance(row, MeanChangeRow) for row in plain.influence)
    adjusted = panel_cells(outcome, codes, None, plan, method="doubly_robust", covariates=x,
                           covariate_names=["x"])
    assert all(isinstance(row, StoredRow) for row in adjusted.influence)
    # every cell compares a cohort (300 units) with the never-treated units (300): 600
    # values per cell, not 900
    assert [row.values.size for row in adjusted.influence] == [600] * plan.n_cells
    assert all(sorted(row.spans) in ([(0, 300), (600, 900)], [(300, 600), (600, 900)])
               for row in adjusted.influence)


@pytest.mark.parametrize("options", [
    {},
    {"covariates": ["lpop"], "control_group": "not_yet_treated"},
    {"inference": Clustered("countyreal")},
])
def test_standard_errors_do_not_depend_on_the_pieces(monkeypatch, options):
    panel = _mpdta()
    fits = []
    for piece in (7, 100, 1 << 15):
        monkeypatch.setattr(influence, "PIECE", piece)
        fits.append(callaway_santanna(panel, **options))
    for fit in fits[:2]:
        np.testing.assert_array_equal(fit.estimates.to_numpy(), fits[-1].estimates.to_numpy())
        np.testing.assert_allclose(fit.std_errors.to_numpy(), fits[-1].std_errors.to_numpy(),
                                   rtol=1e-12)
        np.testing.assert_allclose(fit.event_study().std_errors.to_numpy(),
                                   fits[-1].event_study().std_errors.to_numpy(), rtol=1e-12)


def test_analytic_standard_errors_never_hold_a_cells_by_units_matrix(monkeypatch):
    n_units, n_periods = 100_000, 10
    sim = simulate_staggered_panel(n_units, n_periods, seed=1).data
    panel = Panel(sim, unit="unit", time="period", outcome="y", first_treated="first_treated")
    monkeypatch.setattr(influence, "PIECE", 4096)
    callaway_santanna(panel)  # warm-up: imports and caches are not counted
    tracemalloc.start()
    try:
        result = callaway_santanna(panel)
        result.overall(), result.event_study()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rows = len(result.estimates) + 3  # 27 cells (3 cohorts x 9 periods) and 3 cohorts
    assert rows == 30
    # the T x n outcomes sorted by cohort, at most 8 arrays of one number per unit (the
    # cohorts, their codes, the sort order ...), one piece of rows (30 x 4096 numbers)
    # and one block of units gathered by cohort (16384 x T): under 3 MB for these two;
    # the (cells + cohorts) x n matrix alone would be 30 x n numbers
    bound = (n_periods + 8) * n_units * 8 + 3 * 2**20
    assert peak < bound < rows * n_units * 8
