"""Identities that tie the estimators for staggered adoption together."""

from __future__ import annotations

import numpy as np
import pytest

from evalkit.data import Panel
from evalkit.data.simulate import simulate_staggered_panel
from evalkit.datasets import load_mpdta
from evalkit.did import callaway_santanna, imputation, sun_abraham, twfe

MPDTA = {"unit": "countyreal", "time": "year", "outcome": "lemp", "first_treated": "first.treat"}


def panels():
    yield Panel(load_mpdta(), **MPDTA)
    for seed in (1, 2):
        sim = simulate_staggered_panel(300, 7, cohorts=(3, 5, 6), seed=seed)
        yield Panel(sim.data, unit="unit", time="period", outcome="y",
                    first_treated="first_treated")


@pytest.mark.parametrize("panel", list(panels()), ids=["mpdta", "sim1", "sim2"])
def test_sun_abraham_equals_callaway_santanna_with_a_universal_base_period(panel):
    # Sun & Abraham (2021) and Callaway & Sant'Anna (2021): with no covariates and
    # never-treated controls, the interaction-weighted estimator equals the event-time
    # aggregation of ATT(g,t) computed against the universal base period g - 1.
    sa = sun_abraham(panel)
    cs = callaway_santanna(panel, base_period="universal").event_study()
    common = [e for e in cs.event_time if e in sa.event_time]
    assert len(common) == len(sa.event_time) >= 3
    take = lambda res: np.array([res.coefficients.estimate[res.event_time.index(e)]  # noqa: E731
                                 for e in common])
    np.testing.assert_allclose(take(sa), take(cs), rtol=0, atol=1e-10)


def test_modern_estimators_recover_heterogeneous_effects_where_twfe_fails():
    sim = simulate_staggered_panel(6000, 8, cohorts=(3, 5, 7), shares=(0.3, 0.3, 0.3, 0.1),
                                   dynamic_slope=1.0, noise_sd=0.5, seed=11)
    panel = Panel(sim.data, unit="unit", time="period", outcome="y",
                  first_treated="first_treated")
    truth_event = sim.true_event_effects()
    for result in (callaway_santanna(panel).event_study(), sun_abraham(panel), imputation(panel)):
        for e in result.post_periods:
            i = result.event_time.index(e)
            est, se = result.coefficients.estimate[i], result.coefficients.std_error[i]
            assert abs(est - truth_event[e]) < 4 * se, (result.estimator, e)
    overall = callaway_santanna(panel).overall()
    assert abs(overall.estimate - sim.true_overall_effect()) < 4 * overall.std_error
    static = twfe(panel)
    assert abs(static.estimate - sim.true_overall_effect()) > 10 * static.std_error
