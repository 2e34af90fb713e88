"""The simultaneous band moves with the confidence level, through every path.

Callaway & Sant'Anna's uniform band is ``estimate +/- c * se`` with ``c`` the ``1 - alpha``
quantile (type 1, as R's ``did``) of the bootstrap draws of ``max_k |t_k|``, or the
pointwise normal value when that is smaller. The level can be set three ways: the
estimator's ``alpha``, ``with_alpha`` on the group-time result before aggregating, and
``with_alpha`` on the event study itself; all three must give the same band.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from evalkit import InputError, Panel
from evalkit.datasets import load_mpdta
from evalkit.did.callaway_santanna import callaway_santanna
from evalkit.inference.multiplier import MultiplierBootstrap
from evalkit.results.band import UniformBand

MPDTA = {"unit": "countyreal", "time": "year", "outcome": "lemp", "first_treated": "first.treat"}
BOOT = MultiplierBootstrap(n_draws=999, random_state=20240101)


@pytest.fixture(scope="module")
def panel() -> Panel:
    return Panel(load_mpdta(), **MPDTA)


@pytest.fixture(scope="module")
def cs(panel):
    return callaway_santanna(panel, inference=BOOT)


def _is_type1_quantile(sup_t: np.ndarray, value: float, level: float) -> bool:
    """``value`` is the smallest draw whose empirical cdf reaches ``level``."""
    return bool(np.mean(sup_t <= value) >= level > np.mean(sup_t < value))


@pytest.mark.parametrize("alpha", [0.2, 0.1, 0.01])
def test_every_path_gives_the_band_at_the_level_asked(panel, cs, alpha):
    by_argument = callaway_santanna(panel, inference=BOOT, alpha=alpha).event_study()
    before = cs.with_alpha(alpha).event_study()
    after = cs.event_study().with_alpha(alpha)
    critical = by_argument.band_critical_value
    assert before.band_critical_value == critical == after.band_critical_value
    at_95 = cs.event_study().band_critical_value
    assert critical < at_95 if alpha > 0.05 else critical > at_95
    assert critical >= stats.norm.ppf(1 - alpha / 2)
    assert _is_type1_quantile(after.band.sup_t, critical, 1 - alpha)
    for result in (by_argument, before, after):
        table = result.tidy(include_reference=False)
        np.testing.assert_allclose(table["band_high"] - table["estimate"],
                                   critical * table["std_error"], rtol=1e-12)
        assert result.alpha == alpha
        assert result.summary().as_text().count(f"{critical:.4f}") == 1


def test_the_95_percent_band_is_the_bootstrap_quantile(cs):
    es = cs.event_study()
    assert _is_type1_quantile(es.band.sup_t, es.band_critical_value, 0.95)
    assert es.band.sup_t.size == 999
    # and back: 95% -> 80% -> 95% is the band we started from
    assert es.with_alpha(0.2).with_alpha(0.05).band_critical_value == es.band_critical_value


def test_a_band_below_the_pointwise_value_falls_back_to_it():
    band = UniformBand(np.full(100, 1.5))
    assert band.falls_back(0.05) and band.critical_value(0.05) == stats.norm.ppf(0.975)
    assert not band.falls_back(0.2) and band.critical_value(0.2) == 1.5
    empty = UniformBand(np.array([np.inf, np.nan]))
    assert empty.sup_t.size == 0 and empty.critical_value(0.1) == stats.norm.ppf(0.95)


def test_a_band_given_without_its_draws_cannot_change_level(cs):
    import dataclasses

    es = cs.event_study()
    bare = dataclasses.replace(es, band=None, band_critical_value=es.band_critical_value)
    assert bare.band_critical_value == es.band_critical_value
    with pytest.raises(InputError, match="critical value alone"):
        bare.with_alpha(0.1)
    analytic = callaway_santanna(Panel(load_mpdta(), **MPDTA)).event_study()
    assert analytic.with_alpha(0.1).band_critical_value is None
