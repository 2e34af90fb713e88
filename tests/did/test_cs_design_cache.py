"""Callaway & Sant'Anna with covariates fits each distinct design once.

A cell's propensity score and outcome-regression design depend on its treated cohort,
its comparison units and their covariates in its base period, not on its outcome period.
Cells that share them reuse one fit. These tests check that the reuse changes nothing: the
estimates, standard errors and influence functions are identical, to the last bit, to
those of fitting every cell on its own (``panel_cells(..., cache=False)``).
"""

from __future__ import annotations

import functools
import importlib

import numpy as np
import pytest

from evalkit import Panel
from evalkit.data.simulate import simulate_staggered_panel
from evalkit.did._cs_attgt import panel_cells
from evalkit.did.callaway_santanna import callaway_santanna

cs_module = importlib.import_module("evalkit.did.callaway_santanna")
attgt = importlib.import_module("evalkit.did._cs_attgt")


def _panel(time_varying: bool) -> Panel:
    sim = simulate_staggered_panel(400, 8, cohorts=(4, 6), covariate_trend=0.3, seed=3)
    data = sim.data.copy()
    rng = np.random.default_rng(5)
    data["z"] = rng.normal(size=data["unit"].nunique())[data["unit"].to_numpy() % 400]
    if time_varying:
        data["z"] = data["z"] + 0.1 * rng.normal(size=len(data))
    return Panel(data, unit="unit", time="period", outcome="y",
                 first_treated="first_treated", covariates=["x", "z"])


def _fit(panel: Panel, monkeypatch, cache: bool, **options):
    with monkeypatch.context() as m:
        m.setattr(cs_module, "panel_cells", functools.partial(panel_cells, cache=cache))
        return callaway_santanna(panel, covariates=["x", "z"], **options)


@pytest.mark.parametrize("time_varying", [False, True])
@pytest.mark.parametrize("options", [
    {"method": "doubly_robust"},
    {"method": "inverse_probability"},
    {"method": "outcome_regression"},
    {"method": "doubly_robust", "control_group": "not_yet_treated"},
    {"method": "doubly_robust", "base_period": "universal"},
])
def test_cached_designs_give_the_numbers_of_fitting_every_cell(monkeypatch, time_varying,
                                                               options):
    panel = _panel(time_varying)
    cached = _fit(panel, monkeypatch, True, **options)
    each = _fit(panel, monkeypatch, False, **options)
    assert np.array_equal(cached.estimates.to_numpy(), each.estimates.to_numpy())
    assert np.array_equal(cached.std_errors.to_numpy(), each.std_errors.to_numpy())
    a, b = cached.overall(), each.overall()
    assert (a.estimate, a.std_error) == (b.estimate, b.std_error)
    a, b = cached.event_study(), each.event_study()
    assert np.array_equal(a.estimates.to_numpy(), b.estimates.to_numpy())
    assert np.array_equal(a.std_errors.to_numpy(), b.std_errors.to_numpy())


def test_cells_sharing_a_design_fit_it_once(monkeypatch):
    # time-invariant covariates, never-treated comparisons: one design per cohort
    panel = _panel(False)
    calls = []
    original = attgt._panel_design

    def counted(*args, **kwargs):
        calls.append(args[4])  # the cell's label
        return original(*args, **kwargs)

    monkeypatch.setattr(attgt, "_panel_design", counted)
    result = callaway_santanna(panel, covariates=["x", "z"])
    assert len(result.estimates) == 2 * 7  # two cohorts, periods 2-8
    assert len(calls) == 2


def test_constant_and_collinear_covariates_are_named():
    from evalkit.errors import DataError

    sim = simulate_staggered_panel(200, 6, cohorts=(3, 5), seed=1)
    data = sim.data.assign(one=1.0, twice=lambda f: 2 * f["x"] + 1)
    for extra, named in ((["one"], "'one' is constant"), (["twice"], "'twice' is constant")):
        panel = Panel(data, unit="unit", time="period", outcome="y",
                      first_treated="first_treated", covariates=["x", *extra])
        with pytest.raises(DataError, match=rf"design is singular: {named} or a linear "
                                            "combination of the intercept"):
            callaway_santanna(panel, covariates=["x", *extra])
    panel = Panel(data.assign(z=np.random.default_rng(0).normal(size=len(data))), unit="unit",
                  time="period", outcome="y", first_treated="first_treated",
                  covariates=["x", "z"])
    callaway_santanna(panel, covariates=["x", "z"])  # a full-rank design is accepted
