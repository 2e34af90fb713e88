"""callaway_santanna recovers known effects in simulated staggered panels.

``simulate_staggered_panel`` builds effects that differ by cohort and grow with time
since treatment. Callaway & Sant'Anna's aggregations must be within 4 standard errors of
the truth (the overall effect and every post-treatment event time), where two-way fixed
effects is far off. With covariate-dependent trends, the estimators with the covariate
recover the truth where the unconditional one does not; repeated cross-sections and
unbalanced panels work too.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from evalkit import Panel
from evalkit.data.simulate import simulate_staggered_panel
from evalkit.did.callaway_santanna import callaway_santanna
from evalkit.did.twfe import twfe

DESCRIPTION = {"unit": "unit", "time": "period", "outcome": "y", "first_treated": "first_treated"}
METHODS = ("doubly_robust", "outcome_regression", "inverse_probability")


@functools.cache
def _simulation(covariate_trend: float = 0.0):
    return simulate_staggered_panel(20_000, 8, cohorts=(3, 5, 7), covariate_trend=covariate_trend,
                                    seed=11)


def _z(estimate: float, truth: float, se: float) -> float:
    return (estimate - truth) / se


def _assert_recovers(result, sim) -> None:
    overall = result.overall()
    assert abs(_z(overall.estimate, sim.true_overall_effect(), overall.std_error)) < 4
    es = result.event_study()
    truth = sim.true_event_effects()
    for k, e in enumerate(es.event_time):
        if e >= 0:
            z = _z(es.coefficients.estimate[k], truth[e], es.coefficients.std_error[k])
            assert abs(z) < 4, (e, z)
        else:
            assert abs(es.coefficients.statistic[k]) < 4, e  # no effect before treatment


def test_recovers_heterogeneous_dynamic_effects_where_twfe_does_not():
    sim = _simulation()
    panel = Panel(sim.data, **DESCRIPTION)
    for control_group in ("never_treated", "not_yet_treated"):
        _assert_recovers(callaway_santanna(panel, control_group=control_group), sim)
    static = twfe(panel)
    assert abs(_z(static.estimate, sim.true_overall_effect(), static.std_error)) > 10
    cohorts = callaway_santanna(panel).by_cohort()
    for g in (3, 5, 7):
        effects = sim.effects[sim.effects["cohort"] == g]["effect"].mean()
        k = cohorts.coefficients.index(f"cohort {g}")
        assert abs(_z(cohorts.coefficients.estimate[k], effects,
                      cohorts.coefficients.std_error[k])) < 4


def test_covariates_recover_the_truth_under_conditional_parallel_trends():
    sim = _simulation(covariate_trend=0.5)
    truth = sim.true_overall_effect()
    unconditional = callaway_santanna(Panel(sim.data, **DESCRIPTION)).overall()
    assert abs(_z(unconditional.estimate, truth, unconditional.std_error)) > 10
    panel = Panel(sim.data, **DESCRIPTION, covariates=["x"])
    for method in METHODS:
        _assert_recovers(callaway_santanna(panel, method=method), sim)


def _cross_sections(sim, seed: int = 0) -> pd.DataFrame:
    """Each simulated unit observed in one random period only: a repeated cross-section."""
    data = sim.data
    units = data["unit"].to_numpy()
    period = np.random.default_rng(seed).integers(1, 9, size=units.max())
    return data.loc[data["period"].to_numpy() == period[units - 1]]


@pytest.mark.parametrize("method", METHODS)
def test_repeated_cross_sections(method):
    sim = _simulation(covariate_trend=0.5)
    frame = _cross_sections(sim)
    result = callaway_santanna(Panel(frame, **DESCRIPTION, covariates=["x"]), method=method,
                               data_type="repeated_cross_section")
    assert result.sample["units"] == len(frame) and "observation level" in result.inference_text
    overall = result.overall()
    assert abs(_z(overall.estimate, sim.true_overall_effect(), overall.std_error)) < 4


def test_repeated_cross_sections_without_covariates_are_the_four_means():
    sim = _simulation()
    frame = _cross_sections(sim, seed=1)
    result = callaway_santanna(Panel(frame, **DESCRIPTION), data_type="repeated_cross_section")
    overall = result.overall()
    assert abs(_z(overall.estimate, sim.true_overall_effect(), overall.std_error)) < 4
    # ATT(5,6): (treated after - before) - (never treated after - before), base period 4
    cell = frame[frame["period"].isin([4, 6])]
    mean = cell.groupby([cell["first_treated"], cell["period"]])["y"].mean()
    expected = (mean[(5, 6)] - mean[(5, 4)]) - (mean[(0, 6)] - mean[(0, 4)])
    k = result.coefficients.index("ATT(5,6)")
    assert result.estimate[k] == pytest.approx(expected, rel=1e-10)
    # its influence function: the four centred group means, one row per observation
    n = len(frame)
    psi = np.zeros(n)
    d = frame["first_treated"].to_numpy()
    t = frame["period"].to_numpy()
    y = frame["y"].to_numpy()
    for group, period, sign in ((5, 6, 1), (5, 4, -1), (0, 6, -1), (0, 4, 1)):
        rows = (d == group) & (t == period)
        psi[rows] = sign * n * (y[rows] - y[rows].mean()) / rows.sum()
    assert result.std_error[k] == pytest.approx(np.sqrt(np.sum(psi ** 2)) / n, rel=1e-10)


@functools.cache
def _unbalanced() -> pd.DataFrame:
    data = _simulation(covariate_trend=0.5).data
    return data.drop(data.sample(frac=0.1, random_state=2).index)


@pytest.mark.parametrize("unbalanced", ["drop_units", "keep"])
def test_unbalanced_panels(unbalanced):
    sim = _simulation(covariate_trend=0.5)
    panel = Panel(_unbalanced(), **DESCRIPTION, covariates=["x"], weights="weight")
    result = callaway_santanna(panel, unbalanced=unbalanced)
    overall = result.overall()
    assert abs(_z(overall.estimate, sim.true_overall_effect(), overall.std_error)) < 4
    if unbalanced == "drop_units":
        complete = panel.data.groupby("unit")["period"].transform("size").eq(8)
        assert result.sample["units"] == panel.data.loc[complete, "unit"].nunique()
        assert any("not observed in every period were dropped" in n for n in result.notes)
    else:
        assert result.sample["units"] == panel.n_units and result.sample["rows"] == panel.n_obs
        assert any("influence functions summed by unit" in n for n in result.notes)


def test_unbalanced_keep_without_covariates_sums_influence_functions_by_unit():
    frame = _unbalanced()
    panel = Panel(frame, **DESCRIPTION)
    result = callaway_santanna(panel, unbalanced="keep")
    k = result.coefficients.index("ATT(3,4)")  # base period 2
    cell = frame[frame["period"].isin([2, 4]) & frame["first_treated"].isin([0, 3])]
    mean = cell.groupby(["first_treated", "period"])["y"].mean()
    expected = (mean[(3, 4)] - mean[(3, 2)]) - (mean[(0, 4)] - mean[(0, 2)])
    assert result.estimate[k] == pytest.approx(expected, rel=1e-10)
    n, rows = panel.n_units, len(cell)
    psi = np.zeros(rows)
    for group, period, sign in ((3, 4, 1), (3, 2, -1), (0, 4, -1), (0, 2, 1)):
        sel = ((cell["first_treated"] == group) & (cell["period"] == period)).to_numpy()
        values = cell["y"].to_numpy()[sel]
        psi[sel] = sign * rows * (values - values.mean()) / sel.sum()
    by_unit = pd.Series(psi * n / rows).groupby(cell["unit"].to_numpy()).sum()
    assert result.std_error[k] == pytest.approx(np.sqrt(np.sum(by_unit ** 2)) / n, rel=1e-10)
