"""synthetic_did: invariances, weights on the simplex, known effects, the caller's data untouched.

What must not change the estimate
---------------------------------
- the order of the rows and the names of the units;
- a constant added to the outcome (every method: weights sum to one);
- a constant per unit (SDID and DiD: the unit weights have an intercept and the double
  difference removes unit levels; not synthetic control, which matches levels);
- a constant per period, for SDID and DiD, once the noise level is held fixed. The
  default noise level (Arkhangelsky et al. 2021, Algorithm 1: the spread of all the
  comparison units' first differences, pooled over periods, as in the reference
  implementation) does change with period effects, and with it the regularisation
  and the estimate: the last test below shows it on Proposition 99.
"""

from __future__ import annotations

import copy
import functools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalkit import NoInference, Panel, Placebo
from evalkit.datasets import load_prop99
from evalkit.synthetic.synthetic_did import synthetic_did

PROP99 = {"unit": "state", "time": "Year", "outcome": "cigsale", "treatment": "treated"}
METHODS = ("sdid", "sc", "did")


@functools.cache
def _prop99() -> pd.DataFrame:
    return load_prop99()


@functools.cache
def _base(method: str) -> float:
    return synthetic_did(Panel(_prop99(), **PROP99), method=method,
                         inference=NoInference()).estimate


def _estimate(frame: pd.DataFrame, method: str, **options) -> float:
    return synthetic_did(Panel(frame, **PROP99), method=method, inference=NoInference(),
                         **options).estimate


def _shifts(seed: int = 3) -> tuple[dict, dict]:
    rng = np.random.default_rng(seed)
    frame = _prop99()
    per_year = dict(zip(sorted(frame["Year"].unique()), rng.normal(0, 20, 31), strict=True))
    per_state = dict(zip(sorted(frame["state"].unique()), rng.normal(0, 50, 39), strict=True))
    return per_year, per_state


# --------------------------------------------------------------------------- Proposition 99
@pytest.mark.parametrize("method", METHODS)
def test_row_order_does_not_matter(method):
    shuffled = _prop99().sample(frac=1.0, random_state=1)
    assert _estimate(shuffled, method) == _base(method)


@pytest.mark.parametrize("method", METHODS)
def test_unit_names_do_not_matter(method):
    frame = _prop99()
    rng = np.random.default_rng(2)
    states = frame["state"].unique()
    names = dict(zip(states, [f"S{i:03d}" for i in rng.permutation(states.size)], strict=True))
    renamed = frame.assign(state=frame["state"].map(names))
    assert _estimate(renamed, method) == pytest.approx(_base(method), abs=1e-8)


@pytest.mark.parametrize("method", METHODS)
def test_a_constant_added_to_the_outcome_does_not_matter(method):
    frame = _prop99()
    shifted = frame.assign(cigsale=frame["cigsale"] + 1000.0)
    assert _estimate(shifted, method) == pytest.approx(_base(method), abs=1e-8)


@pytest.mark.slow
def test_unit_constants_do_not_matter_to_sdid_and_did_but_do_to_sc():
    frame = _prop99()
    _, per_state = _shifts()
    shifted = frame.assign(cigsale=frame["cigsale"] + frame["state"].map(per_state))
    assert _estimate(shifted, "sdid") == pytest.approx(_base("sdid"), abs=1e-8)
    assert _estimate(shifted, "did") == pytest.approx(_base("did"), abs=1e-8)
    assert abs(_estimate(shifted, "sc") - _base("sc")) > 0.1


def test_unit_and_period_constants_do_not_matter_with_the_noise_level_held():
    frame = _prop99()
    per_year, per_state = _shifts()
    shifted = frame.assign(cigsale=frame["cigsale"] + frame["Year"].map(per_year)
                           + frame["state"].map(per_state))
    sigma = synthetic_did(Panel(frame, **PROP99), inference=NoInference()).noise_level
    assert _estimate(shifted, "sdid", noise_level=sigma) == pytest.approx(_base("sdid"),
                                                                         abs=1e-8)
    assert _estimate(shifted, "did") == pytest.approx(_base("did"), abs=1e-8)


def test_period_constants_change_the_default_noise_level_and_so_the_sdid_estimate():
    frame = _prop99()
    per_year, _ = _shifts()
    shifted = frame.assign(cigsale=frame["cigsale"] + frame["Year"].map(per_year))
    base = synthetic_did(Panel(frame, **PROP99), inference=NoInference())
    moved = synthetic_did(Panel(shifted, **PROP99), inference=NoInference())
    assert moved.noise_level != pytest.approx(base.noise_level, rel=1e-3)
    assert abs(moved.estimate - base.estimate) > 0.1


@pytest.mark.parametrize("method", METHODS)
def test_weights_lie_on_the_simplex(method):
    result = synthetic_did(Panel(_prop99(), **PROP99), method=method, inference=NoInference())
    assert (result.omega >= 0).all() and result.omega.sum() == pytest.approx(1.0, abs=1e-12)
    if method == "sc":
        assert (result.lam == 0).all()
    else:
        assert (result.lam >= 0).all() and result.lam.sum() == pytest.approx(1.0, abs=1e-12)


def test_the_callers_frame_is_not_modified():
    frame = _prop99().copy()
    before = copy.deepcopy(frame)
    panel = Panel(frame, **PROP99)
    synthetic_did(panel, inference=Placebo(5, random_state=0))
    pd.testing.assert_frame_equal(frame, before)


# --------------------------------------------------------------------------- simulated
def _factor_panel(seed: int, n_units: int = 40, n_treated: int = 4, n_periods: int = 20,
                  n_pre: int = 14, effect: float = 3.0) -> pd.DataFrame:
    """Unit and period effects plus two factors; the treated units load like the controls
    that load most on the first factor (inside their convex hull, far from their mean)."""
    rng = np.random.default_rng(seed)
    n_control = n_units - n_treated
    loadings = rng.normal(size=(n_units, 2))
    top = np.argsort(loadings[:n_control, 0])[-5:]
    loadings[n_control:] = loadings[top].mean(axis=0) + rng.normal(0, 0.1, (n_treated, 2))
    factors = np.column_stack([np.linspace(-2, 2, n_periods),
                               np.sin(np.arange(n_periods) / 2)]) * 2
    y = (rng.normal(0, 3, (n_units, 1)) + np.linspace(0, 3, n_periods)[None, :]
         + loadings @ factors.T + rng.normal(0, 0.3, (n_units, n_periods)))
    d = (np.arange(n_units) >= n_control)[:, None] & (np.arange(n_periods) >= n_pre)
    y = y + effect * d
    return pd.DataFrame({"unit": np.repeat(np.arange(n_units), n_periods),
                         "time": np.tile(np.arange(n_periods), n_units),
                         "y": y.ravel(), "d": d.ravel().astype(int)})


@pytest.mark.slow
def test_a_known_effect_is_recovered_under_parallel_trends():
    for seed in range(3):
        frame = _factor_panel(seed)
        rng = np.random.default_rng(seed)  # outcome = unit + period effects + noise (sd 0.3)
        d = frame["d"].to_numpy()
        frame["y"] = (rng.normal(0, 3, 40)[frame["unit"]] + np.linspace(0, 3, 20)[frame["time"]]
                      + rng.normal(0, 0.3, len(frame)) + 3.0 * d)
        panel = Panel(frame, unit="unit", time="time", outcome="y", treatment="d")
        for method in METHODS:  # standard error about 0.1 here: allow 3.5 of them
            fit = synthetic_did(panel, method=method, inference=NoInference())
            assert fit.estimate == pytest.approx(3.0, abs=0.35)


@pytest.mark.slow
def test_sdid_removes_most_of_the_bias_of_did_under_a_factor_model():
    errors = {"sdid": [], "did": []}
    for seed in range(4):
        panel = Panel(_factor_panel(seed), unit="unit", time="time", outcome="y", treatment="d")
        for method in errors:
            fit = synthetic_did(panel, method=method, inference=NoInference())
            errors[method].append(fit.estimate - 3.0)
    sdid = np.sqrt(np.mean(np.square(errors["sdid"])))
    did = np.sqrt(np.mean(np.square(errors["did"])))
    assert did > 5.0  # the treated units load on the factors unlike the average control
    assert sdid < did / 5


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), shift=st.floats(-1e3, 1e3, allow_nan=False),
       scale=st.floats(0.5, 3.0))
@pytest.mark.slow
def test_invariances_on_random_panels(seed, shift, scale):
    frame = _factor_panel(seed, n_units=12, n_treated=2, n_periods=8, n_pre=5)
    options = {"inference": NoInference(), "max_iter": 300}

    def estimate(data, method, **extra):
        panel = Panel(data, unit="unit", time="time", outcome="y", treatment="d")
        return synthetic_did(panel, method=method, **options, **extra)

    base = {m: estimate(frame, m) for m in METHODS}
    units = frame["unit"].unique()
    levels = dict(zip(units, np.random.default_rng(seed).normal(0, 10, units.size),
                      strict=True))
    for method in METHODS:
        moved = frame.assign(y=frame["y"] + shift)
        assert estimate(moved, method).estimate == pytest.approx(base[method].estimate,
                                                                 abs=1e-7)
        relabelled = frame.assign(unit=frame["unit"].map(lambda u: f"x{(7 * u) % 12:02d}"))
        assert estimate(relabelled, method).estimate == pytest.approx(
            base[method].estimate, abs=1e-7)
    by_unit = frame.assign(y=frame["y"] + frame["unit"].map(levels))
    for method in ("sdid", "did"):
        assert estimate(by_unit, method).estimate == pytest.approx(base[method].estimate,
                                                                   abs=1e-7)
    # scaling the outcome scales the estimate (the noise level scales with it)
    scaled = frame.assign(y=frame["y"] * scale)
    assert estimate(scaled, "sdid").estimate == pytest.approx(scale * base["sdid"].estimate,
                                                              rel=1e-6, abs=1e-7)
