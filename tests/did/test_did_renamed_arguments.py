"""Old argument names of the DiD estimators: each warns, names its new spelling, gives the
same numbers as the new one, and is refused together with it."""

from __future__ import annotations

import numpy as np
import pytest

from evalkit import (
    Classical,
    Clustered,
    EvalkitDeprecationWarning,
    InputError,
    MultiplierBootstrap,
    Robust,
    callaway_santanna,
    did_2x2,
    event_study,
    honest_did,
    imputation,
    imputation_overall,
    sun_abraham,
    twfe,
)


def _same(old, new) -> None:
    np.testing.assert_array_equal(old.coefficients.estimate, new.coefficients.estimate)
    np.testing.assert_array_equal(old.coefficients.std_error, new.coefficients.std_error)
    assert old.inference == new.inference and old.inference_text == new.inference_text


@pytest.mark.parametrize("vcov, kind, spelling", [
    ("classical", Classical(), "inference=Classical()"),
    ("robust", Robust(), "inference=Robust(hc='HC1')"),
    ("HC3", Robust("HC3"), "inference=Robust(hc='HC3')"),
    ("hc0", Robust("HC0"), "inference=Robust(hc='HC0')"),
    (Clustered("nbh"), Clustered("nbh"), "inference=Clustered(cluster='nbh')"),
])
def test_did_2x2_vcov(kielmc, vcov, kind, spelling):
    options = {"outcome": "rprice", "treated": "nearinc", "post": "y81"}
    with pytest.warns(EvalkitDeprecationWarning) as record:
        old = did_2x2(kielmc, vcov=vcov, **options)
    assert str(record[0].message) == f"vcov={vcov!r} is deprecated: use {spelling}"
    _same(old, did_2x2(kielmc, inference=kind, **options))


@pytest.mark.parametrize("vcov, kind", [("cluster", Clustered()), ("robust", Robust()),
                                        ("classical", Classical())])
@pytest.mark.parametrize("estimator", [twfe, event_study, sun_abraham])
def test_panel_estimators_vcov(mpdta_panel, estimator, vcov, kind):
    with pytest.warns(EvalkitDeprecationWarning, match=rf"vcov='{vcov}' is deprecated: use "
                                                       r"inference="):
        old = estimator(mpdta_panel, vcov=vcov)
    _same(old, estimator(mpdta_panel, inference=kind))


@pytest.mark.parametrize("estimator", [did_2x2, twfe, event_study, sun_abraham])
def test_vcov_and_inference_together_are_refused(kielmc, mpdta_panel, estimator):
    args = ((kielmc,), {"outcome": "rprice", "treated": "nearinc", "post": "y81"}) \
        if estimator is did_2x2 else ((mpdta_panel,), {})
    with pytest.raises(InputError) as info:
        estimator(*args[0], **args[1], vcov="robust", inference=Classical())
    assert ("vcov='robust' and inference=Classical(): must be given once; vcov is the "
            "deprecated spelling of inference, give only inference") in str(info.value)


def test_unknown_keywords_are_still_type_errors(mpdta_panel):
    with pytest.raises(TypeError, match=r"twfe\(\) got an unexpected keyword argument 'vcv'"):
        twfe(mpdta_panel, vcv="robust")


def test_sun_abraham_control_cohort(mpdta_panel):
    with pytest.warns(EvalkitDeprecationWarning, match=r"control_cohort='last_treated' is "
                                                       r"deprecated: use control_group="
                                                       r"'last_treated'"):
        old = sun_abraham(mpdta_panel, control_cohort="last_treated")
    _same(old, sun_abraham(mpdta_panel, control_group="last_treated"))
    with pytest.raises(InputError, match=r"control_cohort='last_treated' and control_group="
                                         r"'last_treated': must be given once"):
        sun_abraham(mpdta_panel, control_cohort="last_treated", control_group="last_treated")


def test_callaway_santanna_analytic_and_cluster(mpdta_panel):
    with pytest.warns(EvalkitDeprecationWarning, match=r"inference='analytic' is deprecated: "
                                                       r"use inference=Clustered\(\)"):
        old = callaway_santanna(mpdta_panel, inference="analytic")
    _same(old, callaway_santanna(mpdta_panel))
    with pytest.warns(EvalkitDeprecationWarning, match=r"cluster='countyreal' is deprecated: "
                                                       r"use inference=Clustered\('countyreal'\)"):
        old = callaway_santanna(mpdta_panel, cluster="countyreal")
    _same(old, callaway_santanna(mpdta_panel, inference=Clustered("countyreal")))
    boot = {"n_draws": 99, "random_state": 1}
    with pytest.warns(EvalkitDeprecationWarning,
                      match=r"use inference=MultiplierBootstrap\(\.\.\., cluster='countyreal'\)"):
        old = callaway_santanna(mpdta_panel, cluster="countyreal",
                                inference=MultiplierBootstrap(**boot))
    _same(old, callaway_santanna(mpdta_panel,
                                 inference=MultiplierBootstrap(**boot, cluster="countyreal")))
    assert old.inference == MultiplierBootstrap(**boot, cluster="countyreal")


@pytest.mark.parametrize("estimator", [imputation, imputation_overall])
def test_imputation_cluster(mpdta_panel, estimator):
    name = estimator.__name__
    with pytest.warns(EvalkitDeprecationWarning, match=r"cluster='countyreal' is deprecated: "
                                                       r"use inference=Clustered\(cluster="
                                                       r"'countyreal'\)"):
        old = estimator(mpdta_panel, cluster="countyreal")
    _same(old, estimator(mpdta_panel, inference=Clustered("countyreal")))
    assert old.inference == Clustered("countyreal")
    with pytest.raises(InputError, match=rf"Invalid arguments to {name}"):
        estimator(mpdta_panel, cluster="countyreal", inference=Clustered("countyreal"))


def test_honest_did_lf_draws(mpdta_event_study):
    options = {"m_values": [0.5], "random_state": 0}
    with pytest.warns(EvalkitDeprecationWarning, match=r"lf_draws=200 is deprecated: use "
                                                       r"n_draws=200"):
        old = honest_did(mpdta_event_study, lf_draws=200, **options)
    new = honest_did(mpdta_event_study, n_draws=200, **options)
    assert old.tidy().equals(new.tidy())
    with pytest.raises(InputError, match=r"lf_draws=200 and n_draws=300: must be given once"):
        honest_did(mpdta_event_study, lf_draws=200, n_draws=300)


# ------------------------------------------------- imputation: window, as every event study
@pytest.mark.parametrize("window, horizons, pretrend_periods", [
    ((-3, 2), [0, 1, 2], 3), ((-2, 1), [0, 1], 2), ((0, 3), [0, 1, 2, 3], 0),
    ((-9, 9), None, None)])
def test_imputation_window_is_horizons_and_pretrend_periods(mpdta_panel, window, horizons,
                                                            pretrend_periods):
    by_window = imputation(mpdta_panel, window=window)
    finer = imputation(mpdta_panel, horizons=horizons, pretrend_periods=pretrend_periods)
    assert by_window.event_time == finer.event_time
    _same(by_window, finer)


def test_imputation_window_with_anticipation(mpdta_panel):
    by_window = imputation(mpdta_panel, window=(-3, 1), anticipation=1)
    finer = imputation(mpdta_panel, horizons=[-1, 0, 1], pretrend_periods=2, anticipation=1)
    assert by_window.event_time == finer.event_time == (-3, -2, -1, 0, 1)
    _same(by_window, finer)


def test_imputation_window_problems_are_named(mpdta_panel):
    with pytest.raises(InputError) as info:
        imputation(mpdta_panel, window=(2, -1), horizons=[0])
    assert info.value.problems == (
        "window=(2, -1): must be two integers (first, last) with first <= last, e.g. (-4, 3); "
        "got (2, -1)",
        "window=(2, -1): give either window or horizons/pretrend_periods (the finer "
        "spelling), not both; got horizons=[0], pretrend_periods=None")
    with pytest.raises(InputError, match=r"window=\(7, 9\): must contain an event time with "
                                         r"imputed treated observations"):
        imputation(mpdta_panel, window=(7, 9))
