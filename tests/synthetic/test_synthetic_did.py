"""synthetic_did: published Proposition 99 estimates and weights, and bad input.

Reference values (California's Proposition 99, 38 comparison states, 1970-1988 / 1989-2000)
-----------------------------------------------------------------------------------------
- Arkhangelsky, Athey, Hirshberg, Imbens & Wager (2021, AER 111(12)), Table 1, estimates
  printed to one decimal: SDID -15.6, SC -19.6, DID -27.3.
- R package synthdid 0.0.9, ``summary(synthdid_estimate(setup$Y, setup$N0, setup$T0))``
  with ``setup = panel.matrices(california_prop99)``, as printed in the package's
  introduction vignette: ``$estimate -15.60383``; ``$controls`` Nevada 0.124, New
  Hampshire 0.105, Connecticut 0.078, Delaware 0.070, Colorado 0.058, Illinois 0.053,
  Nebraska 0.048, Montana 0.045, Utah 0.042, New Mexico 0.041, Minnesota 0.039,
  Wisconsin 0.037, West Virginia 0.034, North Carolina 0.033, Idaho 0.031, Ohio 0.031,
  Maine 0.028, Iowa 0.026; ``$periods`` 1988 0.427, 1986 0.366, 1987 0.206;
  ``N0.effective 16.388``.
- Stata ``sdid`` (Clarke, Pailanir, Athey & Imbens 2023), README of
  github.com/Daniel-Pailanir/sdid: ``sdid packspercapita state year treated,
  vce(placebo) reps(100) seed(1213)`` prints ATT ``-15.60383``; with ``method(sc)`` and
  ``method(did)`` the command prints ``-19.61966`` and ``-27.34911`` (Stata log of
  ``sdid ..., method(sc|did) vce(noinference)``).
- R synthdid ``sc_estimate`` / ``did_estimate`` as printed in M. Nguyen, *A Guide on
  Data Analysis*, synthdid section (``causalverse::panel_estimate``): ``synthdid:
  -19.620 ... Effective N0/N0 = 3.8/38`` and ``summary(...did...)$estimate -27.34911``
  with every control weight 0.026.

The DiD estimate is also the plain 2x2 difference of means (checked from the data).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from evalkit import (
    Bootstrap,
    DataError,
    EvalkitDeprecationWarning,
    InputError,
    Jackknife,
    NoInference,
    Panel,
    Placebo,
)
from evalkit.datasets import load_prop99
from evalkit.synthetic.synthetic_did import synthetic_did, synthetic_did_comparison

PROP99 = {"unit": "state", "time": "Year", "outcome": "cigsale", "treatment": "treated"}

R_SUMMARY_CONTROLS = {
    "Nevada": 0.124, "New Hampshire": 0.105, "Connecticut": 0.078, "Delaware": 0.070,
    "Colorado": 0.058, "Illinois": 0.053, "Nebraska": 0.048, "Montana": 0.045, "Utah": 0.042,
    "New Mexico": 0.041, "Minnesota": 0.039, "Wisconsin": 0.037, "West Virginia": 0.034,
    "North Carolina": 0.033, "Idaho": 0.031, "Ohio": 0.031, "Maine": 0.028, "Iowa": 0.026,
}
R_SUMMARY_PERIODS = {1988: 0.427, 1986: 0.366, 1987: 0.206}




@functools.cache
def _prop99() -> pd.DataFrame:
    return load_prop99()


@pytest.fixture
def prop99() -> pd.DataFrame:
    """Proposition 99 (long: Year, state, cigsale, treated), a fresh copy for each test."""
    return _prop99().copy()


@pytest.fixture(scope="module")
def prop99_panel() -> Panel:
    return Panel(_prop99(), **PROP99)


@pytest.fixture(scope="module")
def prop99_fits(prop99_panel):
    """``synthetic_did(prop99_panel, method=m, inference=NoInference())`` for m in sdid, sc, did."""
    return {m: synthetic_did(prop99_panel, method=m, inference=NoInference())
            for m in ("sdid", "sc", "did")}


# --------------------------------------------------------------------------- references
def test_sdid_matches_the_reference_implementations_to_the_printed_digits(prop99_fits):
    sdid = prop99_fits["sdid"]
    assert round(sdid.estimate, 1) == -15.6  # paper, Table 1
    assert sdid.estimate == pytest.approx(-15.60383, abs=5e-6)  # R synthdid, Stata sdid


def test_sc_matches_the_reference_implementations_to_the_printed_digits(prop99_fits):
    sc = prop99_fits["sc"]
    assert round(sc.estimate, 1) == -19.6  # paper, Table 1
    assert sc.estimate == pytest.approx(-19.61966, abs=5e-6)  # Stata sdid, method(sc)
    assert round(sc.effective_controls, 1) == 3.8  # R print: Effective N0/N0 = 3.8/38
    assert np.all(sc.lam == 0.0)  # no time weights


def test_did_matches_the_references_and_the_two_by_two_difference(prop99_fits, prop99):
    did = prop99_fits["did"]
    assert round(did.estimate, 1) == -27.3  # paper, Table 1
    assert did.estimate == pytest.approx(-27.34911, abs=5e-6)  # R synthdid, Stata sdid
    california = prop99["state"] == "California"
    post = prop99["Year"] >= 1989
    means = prop99.groupby([california, post])["cigsale"].mean()
    two_by_two = (means[True, True] - means[True, False]) - (means[False, True]
                                                            - means[False, False])
    assert did.estimate == pytest.approx(two_by_two, abs=1e-10)
    np.testing.assert_allclose(did.omega, 1 / 38)  # R summary: 0.026 each
    np.testing.assert_allclose(did.lam, 1 / 19)  # R summary: 0.053 each


def test_sdid_weights_match_the_r_summary(prop99_fits):
    sdid = prop99_fits["sdid"]
    weights = sdid.unit_weights
    top = weights.iloc[:len(R_SUMMARY_CONTROLS)]
    assert list(top.index) == list(R_SUMMARY_CONTROLS)  # same order (Idaho/Ohio tie at 3 dp)
    np.testing.assert_allclose(top.round(3).to_numpy(), list(R_SUMMARY_CONTROLS.values()))
    assert weights.sum() == pytest.approx(1.0, abs=1e-12)
    time = sdid.time_weights
    positive = time[time > 0]
    assert set(positive.index) == set(R_SUMMARY_PERIODS)
    for year, value in R_SUMMARY_PERIODS.items():
        assert round(positive[year], 3) == value
    assert round(sdid.effective_controls, 3) == 16.388  # R summary: N0.effective


def test_sdid_regularisation_follows_algorithm_1(prop99_fits, prop99):
    sdid = prop99_fits["sdid"]
    wide = prop99.pivot(index="state", columns="Year", values="cigsale")
    controls = wide.drop(index="California").loc[:, :1988].to_numpy()
    sigma = np.diff(controls, axis=1).std(ddof=1)  # sd of first differences, pre, controls
    assert sdid.noise_level == pytest.approx(sigma, rel=1e-12)
    assert sdid.zeta_omega == pytest.approx((1 * 12) ** 0.25 * sigma, rel=1e-12)
    assert sdid.zeta_lambda == pytest.approx(1e-6 * sigma, rel=1e-12)
    assert prop99_fits["sc"].zeta_omega == pytest.approx(1e-6 * sigma, rel=1e-12)


def test_estimate_is_the_weighted_double_difference(prop99_fits, prop99):
    sdid = prop99_fits["sdid"]
    wide = prop99.pivot(index="state", columns="Year", values="cigsale")
    y_tr = wide.loc["California"].to_numpy()
    y_co = wide.loc[list(sdid.control_units)].to_numpy()
    lam = sdid.lam
    by_hand = ((y_tr[19:].mean() - lam @ y_tr[:19])
               - sdid.omega @ (y_co[:, 19:].mean(axis=1) - y_co[:, :19] @ lam))
    assert sdid.estimate == pytest.approx(by_hand, abs=1e-10)
    assert sdid.omega @ sdid.unit_effects == pytest.approx(sdid.estimate, abs=1e-10)
    np.testing.assert_allclose(sdid.synthetic_path, sdid.omega @ y_co)
    np.testing.assert_allclose(sdid.treated_path, y_tr)


def test_comparison_table_has_the_three_methods_of_table_1(prop99_panel):
    table = synthetic_did_comparison(prop99_panel, inference=NoInference())
    assert list(table.index) == ["did", "sc", "sdid"]
    np.testing.assert_allclose(table["estimate"].round(1), [-27.3, -19.6, -15.6])
    assert table["std_error"].isna().all()
    assert set(table.columns) >= {"estimate", "std_error", "conf_low", "conf_high", "estimator"}


# --------------------------------------------------------------------------- bad input
def test_options_are_validated_together(prop99_panel):
    with pytest.raises(InputError) as info:
        synthetic_did(prop99_panel, method="synth", inference=Placebo(50, random_state=1),
                      alpha=1.5, max_iter=0, noise_level=-2.0)
    problems = info.value.problems
    assert len(problems) == 4
    assert any(p.startswith("method='synth': must be one of 'sdid', 'sc', 'did'") for p in problems)
    assert any(p.startswith("alpha=1.5") for p in problems)
    assert any(p.startswith("max_iter=0") for p in problems)
    assert any(p.startswith("noise_level=-2.0") for p in problems)


def test_deprecated_options_are_validated_together_with_the_others(prop99_panel):
    with pytest.raises(InputError) as info, \
            pytest.warns(EvalkitDeprecationWarning, match=r"se='wild', n_reps=0, "
                                                          r"random_state=-1 is deprecated"):
        synthetic_did(prop99_panel, method="synth", se="wild", n_reps=0, alpha=1.5,
                      random_state=-1, max_iter=0, noise_level=-2.0)
    problems = info.value.problems
    assert len(problems) == 7
    assert any(p.startswith("method='synth': must be one of 'sdid', 'sc', 'did'") for p in problems)
    assert any(p.startswith("se='wild': must be one of 'placebo', 'bootstrap', 'jackknife'")
               for p in problems)
    assert any(p.startswith("n_reps=0: must be a positive integer") and p.endswith("got 0")
               for p in problems)
    assert any(p.startswith("alpha=1.5") for p in problems)
    assert any(p.startswith("random_state=-1") for p in problems)
    assert any(p.startswith("max_iter=0") for p in problems)
    assert any(p.startswith("noise_level=-2.0") for p in problems)


@pytest.mark.parametrize("n_draws", [True, 2.5, "200", None])
def test_n_draws_must_be_a_positive_integer(n_draws):
    with pytest.raises(InputError, match=r"Placebo\(n_draws=.*\): must be a positive integer"):
        Placebo(n_draws=n_draws)


@pytest.mark.parametrize("n_reps", [True, 2.5, "200", None])
def test_deprecated_n_reps_must_be_a_positive_integer(prop99_panel, n_reps):
    with pytest.raises(InputError, match=r"n_reps=.*: must be a positive integer"), \
            pytest.warns(EvalkitDeprecationWarning, match=r"n_reps=.* is deprecated"):
        synthetic_did(prop99_panel, n_reps=n_reps)


def test_panel_must_be_a_panel(prop99):
    with pytest.raises(InputError, match=r"panel: must be an evalkit Panel.*got DataFrame"):
        synthetic_did(prop99)


def test_jackknife_and_bootstrap_need_several_treated_units(prop99_panel):
    with pytest.raises(DataError, match=r"inference=Jackknife\(\) is undefined with a single "
                                        r"treated unit .*; use inference=Placebo\(\)"):
        synthetic_did(prop99_panel, inference=Jackknife())
    with pytest.raises(DataError, match=r"inference=Bootstrap\(\) is undefined with a single "
                                        r"treated unit .*; use inference=Placebo\(\)"):
        synthetic_did(prop99_panel, inference=Bootstrap())


def test_placebo_needs_more_controls_than_treated_units():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame([(u, t, rng.normal(), int(u >= 3 and t >= 5))
                          for u in range(6) for t in range(8)],
                         columns=["unit", "time", "y", "d"])
    panel = Panel(frame, unit="unit", time="time", outcome="y", treatment="d")
    with pytest.raises(DataError, match=r"cannot be used for sdid with inference=Placebo\(\):"
                                        r"\n  - inference=Placebo\(\) needs more comparison "
                                        r"units than treated.*; use inference=Bootstrap\(\) or "
                                        r"inference=Jackknife\(\)\."):
        synthetic_did(panel, inference=Placebo())
    assert np.isfinite(synthetic_did(panel, inference=Jackknife()).std_error)


def test_staggered_adoption_is_refused_with_the_cohorts(prop99):
    frame = prop99.copy()
    frame.loc[(frame["state"] == "Nevada") & (frame["Year"] >= 1995), "treated"] = 1
    panel = Panel(frame, unit="state", time="Year", outcome="cigsale", treatment="treated")
    with pytest.raises(DataError, match=r"block adoption"):
        synthetic_did(panel)


def test_one_pre_period_is_refused_for_sdid_but_not_did():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame([(u, t, rng.normal(), int(u >= 8 and t >= 1))
                          for u in range(10) for t in range(4)],
                         columns=["unit", "time", "y", "d"])
    panel = Panel(frame, unit="unit", time="time", outcome="y", treatment="d")
    with pytest.raises(DataError, match=r"at least 2 pre-treatment periods"):
        synthetic_did(panel, method="sdid", inference=NoInference())
    assert np.isfinite(synthetic_did(panel, method="did", inference=NoInference()).estimate)


def test_comparison_methods_must_be_a_list_of_known_methods(prop99_panel):
    with pytest.raises(InputError, match=r"methods='sdid': must be a list of methods"):
        synthetic_did_comparison(prop99_panel, methods="sdid")
    with pytest.raises(InputError, match=r"methods=\['sdid', 'sdid'\]: must list distinct"):
        synthetic_did_comparison(prop99_panel, methods=["sdid", "sdid"], inference=NoInference())
    with pytest.raises(InputError, match=r"method='mc': must be one of"):
        synthetic_did_comparison(prop99_panel, methods=["sdid", "mc"])
