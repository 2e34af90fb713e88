"""honest_did: properties, evalkit event studies as input, the result object and bad input.

The reference values (the R package's Medicaid example) are in test_honest_reference.py.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from evalkit import InputError, Panel, event_study
from evalkit.did.callaway_santanna import callaway_santanna
from evalkit.results.honest import TIDY_COLUMNS, HonestDiDResult
from evalkit.robustness.honest import honest_did, honest_did_from_estimates
from tests.robustness.test_honest_reference import BETAHAT, SIGMA

MPDTA = {"unit": "countyreal", "time": "year", "outcome": "lemp", "first_treated": "first.treat"}


def _run(**options) -> HonestDiDResult:
    return honest_did_from_estimates(BETAHAT, SIGMA, num_pre_periods=5, num_post_periods=2,
                                     **options)


# ---------------------------------------------------------------- properties
@pytest.mark.parametrize("method", ["hybrid", "conditional"])
def test_relative_magnitude_sets_grow_with_mbar(method):
    result = _run(m_values=np.linspace(0, 2, 6), method=method)
    assert np.all(np.diff(result.conf_low) <= 1e-12)
    assert np.all(np.diff(result.conf_high) >= -1e-12)
    assert np.all(result.conf_low < result.estimate) and np.all(result.conf_high > result.estimate)


def test_flci_length_grows_with_m():
    result = _run(restriction="smoothness", m_values=np.linspace(0, 0.05, 6))
    width = result.conf_high - result.conf_low
    assert np.all(np.diff(width) > 0)


@pytest.mark.parametrize("restriction", ["relative_magnitude", "smoothness"])
def test_scaling_the_estimates_scales_the_intervals(restriction):
    # beta -> c beta, sigma -> c^2 sigma: intervals scale by c; Mbar is scale free, M scales
    c = 7.5
    m = [0.5, 1.5] if restriction == "relative_magnitude" else [0.0, 0.02]
    scaled_m = m if restriction == "relative_magnitude" else [c * v for v in m]
    base = _run(restriction=restriction, m_values=m)
    scaled = honest_did_from_estimates(c * BETAHAT, c**2 * SIGMA, num_pre_periods=5,
                                       num_post_periods=2, restriction=restriction,
                                       m_values=scaled_m)
    np.testing.assert_allclose(scaled.conf_low, c * base.conf_low, rtol=1e-6)
    np.testing.assert_allclose(scaled.conf_high, c * base.conf_high, rtol=1e-6)
    assert scaled.breakdown_value == pytest.approx(
        base.breakdown_value * (1 if restriction == "relative_magnitude" else c), rel=1e-3)


def test_sign_flip_mirrors_the_intervals():
    # exact for the conditional test; the hybrid's simulated critical value uses the same
    # draws for the mirrored pieces, so it is mirrored in distribution only
    base = _run(m_values=[1.0], method="conditional")
    flipped = honest_did_from_estimates(-BETAHAT, SIGMA, num_pre_periods=5, num_post_periods=2,
                                        m_values=[1.0], method="conditional")
    np.testing.assert_allclose(flipped.conf_low, -base.conf_high, rtol=1e-7)
    np.testing.assert_allclose(flipped.conf_high, -base.conf_low, rtol=1e-7)


def test_weights_select_the_parameter():
    second = _run(parameter=[0.0, 1.0], m_values=[0.0])
    assert second.estimate == pytest.approx(BETAHAT[6])
    assert second.parameter == "weighted effect 1 x e+1"
    average = _run(parameter="average", m_values=[0.0])
    explicit = _run(parameter=[0.5, 0.5], m_values=[0.0])
    np.testing.assert_allclose(average.conf_low, explicit.conf_low)


def test_one_post_period_and_one_pre_period():
    rm = honest_did_from_estimates(BETAHAT[[4, 5]], SIGMA[np.ix_([4, 5], [4, 5])],
                                   num_pre_periods=1, num_post_periods=1, m_values=[0, 1, 2])
    assert np.all(np.diff(rm.conf_high - rm.conf_low) >= 0)
    sd = honest_did_from_estimates(BETAHAT[[4, 5]], SIGMA[np.ix_([4, 5], [4, 5])],
                                   num_pre_periods=1, num_post_periods=1,
                                   restriction="smoothness")
    assert sd.m_values[-1] == pytest.approx(np.sqrt(SIGMA[4, 4]))  # the package's default


def test_inputs_are_not_modified():
    beta, sigma = BETAHAT.copy(), SIGMA.copy()
    honest_did_from_estimates(beta, sigma, num_pre_periods=5, num_post_periods=2, m_values=[1])
    np.testing.assert_array_equal(beta, BETAHAT)
    np.testing.assert_array_equal(sigma, SIGMA)


def test_default_grids_follow_the_package():
    rm = _run()
    np.testing.assert_allclose(rm.m_values, np.linspace(0, 2, 10))
    sd = _run(restriction="smoothness")
    assert sd.m_values.size == 10 and sd.m_values[0] == 0


@pytest.mark.slow
def test_ten_pre_and_ten_post_periods_with_both_restrictions():
    """Yearly data over twenty years: the dual polytopes have comb(20, 10) = 184,756
    candidate bases per piece but a dozen vertices (their speed: benchmarks/
    bench_sensitivity.py)."""
    k = np.arange(20)
    sigma = 1e-4 * (0.5 ** np.abs(k[:, None] - k[None, :]) + np.eye(20))
    beta = np.r_[0.002 * np.sin(k[:10]), 0.05 + 0.002 * k[:10]]
    for restriction in ("relative_magnitude", "smoothness"):
        result = honest_did_from_estimates(beta, sigma, num_pre_periods=10,
                                           num_post_periods=10, restriction=restriction,
                                           parameter="average")
        assert result.m_values.size == 10
        assert np.all(result.conf_low <= result.estimate)
        assert np.all(result.conf_high >= result.estimate)
        if restriction == "smoothness":  # the FLCI's half-length grows with M
            assert np.all(np.diff(result.conf_high - result.conf_low) > 0)
        assert result.breakdown_value is not None and result.breakdown_value > 0


# ---------------------------------------------------------------- event studies
@pytest.fixture(scope="module")
def mpdta_panel():
    from evalkit.datasets import load_mpdta
    return Panel(load_mpdta(), **MPDTA)


def test_runs_on_the_twfe_event_study(mpdta_panel):
    es = event_study(mpdta_panel)
    result = honest_did(es, m_values=[0, 1])
    assert result.pre_event_times == (-4, -3, -2) and result.post_event_times == (0, 1, 2, 3)
    assert result.estimate == pytest.approx(es.coefficients.estimate[es.event_time.index(0)])
    assert result.alpha == es.alpha
    assert result.provenance.data_fingerprint == es.provenance.data_fingerprint
    spec = result.provenance.specification
    assert spec["source"]["function"] == "evalkit.did.event_study"
    # same numbers as from the raw coefficients
    direct = honest_did_from_estimates(es.coefficients.estimate, es.coefficients.vcov,
                                       num_pre_periods=3, num_post_periods=4, m_values=[0, 1])
    np.testing.assert_allclose(result.conf_low, direct.conf_low)


def test_coefficient_order_does_not_matter(mpdta_panel):
    es = event_study(mpdta_panel)
    order = np.array([3, 0, 6, 1, 5, 2, 4])
    shuffled = dataclasses.replace(
        es, event_time=tuple(es.event_time[i] for i in order),
        coefficients=dataclasses.replace(
            es.coefficients, terms=tuple(es.coefficients.terms[i] for i in order),
            estimate=es.coefficients.estimate[order],
            vcov=es.coefficients.vcov[np.ix_(order, order)]))
    a = honest_did(es, restriction="smoothness", m_values=[0.01])
    b = honest_did(shuffled, restriction="smoothness", m_values=[0.01])
    np.testing.assert_allclose(a.conf_low, b.conf_low)


def test_runs_on_callaway_santanna_with_a_universal_base(mpdta_panel):
    es = callaway_santanna(mpdta_panel, base_period="universal").event_study()
    result = honest_did(es, restriction="smoothness", m_values=[0.0, 0.02], parameter="average")
    assert result.post_event_times == (0, 1, 2, 3)
    assert np.all(np.isfinite(result.conf_low))


def test_refuses_an_event_study_without_reference_period(mpdta_panel):
    es = callaway_santanna(mpdta_panel).event_study()  # varying base period
    with pytest.raises(InputError, match="base_period='universal'"):
        honest_did(es)


def test_refuses_an_event_study_without_pre_periods(mpdta_panel):
    es = event_study(mpdta_panel, window=(-1, 3))
    with pytest.raises(InputError, match="at least one estimated pre-period coefficient"):
        honest_did(es)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(("options", "message"), [
    ({"m_values": [-0.5, 1]}, "m_values"),
    ({"m_values": []}, "m_values"),
    ({"restriction": "linear"}, "restriction='linear'"),
    ({"method": "flci"}, "smoothness restriction only"),
    ({"parameter": [1.0]}, "parameter"),
    ({"parameter": "last"}, "parameter='last'"),
    ({"alpha": 1.5}, "alpha=1.5"),
    ({"n_draws": 10}, "n_draws=10"),
])
def test_bad_options_are_named(options, message):
    with pytest.raises(InputError, match=message):
        _run(**options)


def test_all_problems_are_reported_at_once():
    with pytest.raises(InputError) as info:
        _run(m_values=[-1], alpha=2, restriction="x")
    assert len(info.value.problems) == 3


def test_bad_estimates_are_named():
    with pytest.raises(InputError, match="num_pre_periods=0: HonestDiD needs at least one"):
        honest_did_from_estimates(BETAHAT[5:], SIGMA[5:, 5:], num_pre_periods=0,
                                  num_post_periods=2)
    with pytest.raises(InputError, match="sigma: must be a 7 x 7"):
        honest_did_from_estimates(BETAHAT, SIGMA[:6, :6], num_pre_periods=5, num_post_periods=2)
    with pytest.raises(InputError, match="betahat: must be a vector of 8"):
        honest_did_from_estimates(BETAHAT, SIGMA, num_pre_periods=6, num_post_periods=2)
    bad = SIGMA.copy()
    bad[0, 0] = -1e-3
    with pytest.raises(InputError, match="positive semidefinite"):
        honest_did_from_estimates(BETAHAT, bad, num_pre_periods=5, num_post_periods=2)
    asym = SIGMA.copy()
    asym[0, 1] += 1e-5
    with pytest.raises(InputError, match="symmetric"):
        honest_did_from_estimates(BETAHAT, asym, num_pre_periods=5, num_post_periods=2)
    with pytest.raises(InputError, match="result: must be an EventStudyResult"):
        honest_did(BETAHAT)


# ---------------------------------------------------------------- the result
@pytest.fixture(scope="module")
def result():
    return _run(m_values=[0.5, 1.0, 2.0])


def test_result_is_immutable(result):
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.alpha = 0.1
    with pytest.raises(ValueError):
        result.conf_low[0] = 0.0


def test_tidy(result):
    table = result.tidy()
    assert tuple(table.columns) == TIDY_COLUMNS
    assert table["method"].tolist() == ["Original", "C-LF", "C-LF", "C-LF"]
    assert np.isnan(table.loc[0, "m"])
    assert table["includes_zero"].tolist() == [False, False, False, True]
    assert len(result.tidy(include_original=False)) == 3
    table.loc[1, "conf_low"] = 99.0
    assert result.conf_low[0] != 99.0


def test_summary_renderings(result):
    text = str(result)
    assert "Breakdown value of Mbar" in text and "Mbar = 0.5" in text and "Original" in text
    assert result._repr_html_().startswith("<div class='evalkit-summary'>")
    assert r"\begin{tabular}" in result.summary().as_latex()
    sd = _run(restriction="smoothness", m_values=[0.0, 0.01])
    assert "Breakdown value of M:" in str(sd) and "FLCI" in str(sd)


def test_plot(result):
    fig = result.plot(title="Sensitivity", labels={"original": "Sous tendances paralleles"})
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Mbar"
    assert "Sous tendances paralleles" in [t.get_text() for t in ax.get_xticklabels()]
    with pytest.raises(InputError, match="labels="):
        result.plot(labels={"colour": "red"})


def test_tidy_is_a_dataframe_with_the_original_first(result):
    assert isinstance(result.tidy(), pd.DataFrame)
    assert result.tidy().iloc[0]["conf_low"] == result.original_conf_low
