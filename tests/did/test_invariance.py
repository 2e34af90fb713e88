"""Invariance and property tests (Hypothesis) for did_2x2, twfe and event_study.

Small random panels and cross-sections are drawn; each property must hold exactly (up to
floating-point rounding) for every draw:

- shuffling the rows changes nothing;
- relabelling the units (permuted integers, or text labels) changes nothing;
- adding a constant to the outcome leaves effects and standard errors unchanged;
- multiplying the outcome by c multiplies effects by c and standard errors by |c|;
- the caller's DataFrame is never modified;
- the estimators agree with the difference-of-means identities that hold for them.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit import Classical, Clustered, Panel, Robust, did_2x2, event_study, twfe

PROPERTY = settings(max_examples=25, deadline=None, derandomize=True)
SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
DESCRIPTION = {"unit": "unit", "time": "time", "outcome": "y", "first_treated": "g"}


@st.composite
def panels(draw, *, single_cohort: bool = False, balanced: bool = True) -> pd.DataFrame:
    """A small panel with never-treated units and one or more treatment cohorts."""
    n_units = draw(st.integers(6, 12))
    n_periods = draw(st.integers(3, 5))
    n_never = draw(st.integers(2, n_units - 2))
    first_year = draw(st.integers(1990, 2020))
    years = first_year + np.arange(n_periods)
    positions = st.integers(1, n_periods - 1)  # every cohort has a pre-treatment period
    if single_cohort:
        cohort_positions = [draw(positions)] * (n_units - n_never)
    else:
        cohort_positions = draw(st.lists(positions, min_size=n_units - n_never,
                                         max_size=n_units - n_never))
    rng = np.random.default_rng(draw(SEEDS))
    ids = rng.choice(np.arange(100, 1000), size=n_units, replace=False)
    g = np.concatenate([np.zeros(n_never), years[cohort_positions]])
    frame = pd.DataFrame({"unit": np.repeat(ids, n_periods), "time": np.tile(years, n_units),
                          "g": np.repeat(g, n_periods)})
    treated = (frame["g"] > 0) & (frame["time"] >= frame["g"])
    frame["y"] = (np.repeat(rng.normal(size=n_units), n_periods)
                  + np.tile(rng.normal(size=n_periods), n_units)
                  + treated * rng.normal(1.0, 0.5, size=len(frame))
                  + rng.normal(size=len(frame)))
    frame["x"] = rng.normal(size=len(frame))
    if not balanced:
        # drop one post-treatment row of a treated unit whose cohort keeps a pre-period
        droppable = frame.index[treated & (frame["time"] > frame["g"])]
        if len(droppable):
            frame = frame.drop(index=droppable[0])
    return frame.reset_index(drop=True)


@st.composite
def cross_sections(draw) -> pd.DataFrame:
    """Repeated cross-sections for a 2x2 design, every cell with at least two rows."""
    counts = [draw(st.integers(2, 8)) for _ in range(4)]
    rng = np.random.default_rng(draw(SEEDS))
    cells = [(g, p) for g in (0, 1) for p in (0, 1)]
    frame = pd.DataFrame(
        [(g, p) for (g, p), n in zip(cells, counts, strict=True) for _ in range(n)],
        columns=["treated", "post"])
    n = len(frame)
    frame["x"] = rng.normal(size=n)
    frame["cluster"] = rng.integers(0, 4, size=n)
    frame["y"] = (1 + frame["treated"] + 0.5 * frame["post"] + frame["treated"] * frame["post"]
                  + 0.3 * frame["x"] + rng.normal(size=n))
    return frame


INFERENCE_PANEL = st.sampled_from([Clustered(), Classical(), Robust(), Robust("HC0")])
INFERENCE_2X2 = st.sampled_from([Classical(), Robust(), Robust("HC0"), Robust("HC2"), Robust("HC3"),
                                 Clustered("cluster")])


def _fits(frame: pd.DataFrame, inference, covariates=()):
    panel = Panel(frame, **DESCRIPTION, covariates=covariates)
    return twfe(panel, inference=inference), event_study(panel, inference=inference)


def _assert_same(a, b, rtol=1e-10, atol=1e-12, scale=1.0):
    np.testing.assert_allclose(a.coefficients.estimate, scale * b.coefficients.estimate,
                               rtol=rtol, atol=atol)
    np.testing.assert_allclose(a.coefficients.std_error, abs(scale) * b.coefficients.std_error,
                               rtol=rtol, atol=atol)


# --------------------------------------------------------------------------- panel estimators
@PROPERTY
@given(frame=panels(balanced=False), inference=INFERENCE_PANEL, seed=SEEDS, as_text=st.booleans())
def test_row_order_and_unit_labels_do_not_matter(frame, inference, seed, as_text):
    reference = _fits(frame, inference)
    shuffled = frame.sample(frac=1.0, random_state=seed % 2**31)
    for a, b in zip(_fits(shuffled, inference), reference, strict=True):
        _assert_same(a, b)
    assert Panel(shuffled, **DESCRIPTION).fingerprint == Panel(frame, **DESCRIPTION).fingerprint
    # relabel the units with permuted integers, or with text labels
    ids = frame["unit"].unique()
    new = np.random.default_rng(seed).permutation(np.arange(5000, 5000 + ids.size))
    mapping = dict(zip(ids, [f"county {n}" for n in new] if as_text else new, strict=True))
    relabelled = frame.assign(unit=frame["unit"].map(mapping))
    for a, b in zip(_fits(relabelled, inference), reference, strict=True):
        _assert_same(a, b)


@PROPERTY
@given(frame=panels(), inference=INFERENCE_PANEL, shift=st.floats(-1e3, 1e3, allow_nan=False),
       factor=st.floats(-1e3, 1e3, allow_nan=False).filter(lambda c: abs(c) > 1e-3))
def test_affine_transformations_of_the_outcome(frame, inference, shift, factor):
    """y + shift: effects and standard errors unchanged; y * factor: scaled by factor, |factor|."""
    ref_twfe, ref_es = _fits(frame, inference, ["x"])
    moved_twfe, moved_es = _fits(frame.assign(y=frame["y"] + shift), inference, ["x"])
    _assert_same(moved_twfe, ref_twfe, rtol=1e-7, atol=1e-9)
    _assert_same(moved_es, ref_es, rtol=1e-7, atol=1e-9)
    scaled_twfe, scaled_es = _fits(frame.assign(y=frame["y"] * factor), inference, ["x"])
    _assert_same(scaled_twfe, ref_twfe, rtol=1e-8, atol=1e-10, scale=factor)
    _assert_same(scaled_es, ref_es, rtol=1e-8, atol=1e-10, scale=factor)
    assert scaled_es.pretrend is None or scaled_es.pretrend.statistic == pytest.approx(
        ref_es.pretrend.statistic, rel=1e-7)


@PROPERTY
@given(frame=panels(balanced=False), inference=INFERENCE_PANEL)
def test_caller_frame_is_not_mutated(frame, inference):
    before = copy.deepcopy(frame)
    panel = Panel(frame, **DESCRIPTION, covariates=["x"])
    pd.testing.assert_frame_equal(frame, before)
    twfe(panel, inference=inference)
    pd.testing.assert_frame_equal(frame, before)
    event_study(panel, inference=inference)
    pd.testing.assert_frame_equal(frame, before)


@PROPERTY
@given(frame=panels(single_cohort=True))
def test_single_cohort_twfe_and_event_study_are_differences_of_means(frame):
    panel = Panel(frame, **DESCRIPTION)
    cohort = frame.loc[frame["g"] > 0, "g"].iloc[0]
    treated = frame["g"] > 0
    means = frame.groupby([treated, frame["time"]])["y"].mean()
    gap = means.loc[True] - means.loc[False]  # treated minus comparison, by period
    expected = gap.loc[gap.index >= cohort].mean() - gap.loc[gap.index < cohort].mean()
    assert twfe(panel).estimate == pytest.approx(expected, rel=1e-9, abs=1e-12)
    result = event_study(panel)
    for k, estimate in zip(result.event_time, result.coefficients.estimate, strict=True):
        assert estimate == pytest.approx(gap.loc[cohort + k] - gap.loc[cohort - 1],
                                         rel=1e-9, abs=1e-12)


@PROPERTY
@given(frame=panels(single_cohort=True))
def test_two_period_twfe_equals_did_2x2(frame):
    cohort = frame.loc[frame["g"] > 0, "g"].iloc[0]
    two = frame.loc[frame["time"].isin([cohort - 1, cohort])]
    result = twfe(Panel(two, **DESCRIPTION))
    two_by_two = did_2x2(two.assign(d=(two["g"] > 0).astype(int),
                                    p=(two["time"] == cohort).astype(int)),
                         outcome="y", treated="d", post="p", inference=Clustered("unit"))
    assert result.estimate == pytest.approx(two_by_two.estimate, rel=1e-9, abs=1e-12)


@PROPERTY
@given(frame=cross_sections(), inference=INFERENCE_2X2, alpha=st.floats(0.01, 0.5))
def test_with_alpha_changes_intervals_only(frame, inference, alpha):
    """(The panel estimators' results share this code; see tests/results for them.)"""
    result = did_2x2(frame, outcome="y", treated="treated", post="post", inference=inference)
    other = result.with_alpha(alpha)
    np.testing.assert_array_equal(other.coefficients.estimate, result.coefficients.estimate)
    np.testing.assert_array_equal(other.coefficients.std_error, result.coefficients.std_error)
    high, low = other.coefficients.conf_high, other.coefficients.conf_low
    width = high - low
    # The width is a difference of the two bounds: when they are large beside it (a
    # standard error of 1e-8 on a coefficient near 1), that subtraction alone loses the
    # digits below a few ulps of the bounds, so the tolerance adds that rounding.
    rounding = 4 * np.finfo(float).eps * (np.abs(high) + np.abs(low))
    np.testing.assert_array_less(
        np.abs(width - 2 * other.coefficients.critical_value * result.coefficients.std_error),
        1e-12 * np.abs(width) + rounding + np.finfo(float).tiny)
    if alpha < 0.05:
        assert np.all(width > result.coefficients.conf_high - result.coefficients.conf_low)


# --------------------------------------------------------------------------- did_2x2
def _did(frame, inference, covariates=("x",), outcome="y"):
    return did_2x2(frame, outcome=outcome, treated="treated", post="post",
                   covariates=covariates, inference=inference)


@PROPERTY
@given(frame=cross_sections(), inference=INFERENCE_2X2, seed=SEEDS)
def test_did_2x2_row_order_and_cluster_labels_do_not_matter(frame, inference, seed):
    reference = _did(frame, inference)
    shuffled = frame.sample(frac=1.0, random_state=seed % 2**31)
    _assert_same(_did(shuffled, inference), reference)
    relabelled = frame.assign(cluster=frame["cluster"].map(lambda c: f"town-{(7 * c) % 5}"))
    _assert_same(_did(relabelled, inference), reference)


@PROPERTY
@given(frame=cross_sections(), inference=INFERENCE_2X2, shift=st.floats(-1e3, 1e3, allow_nan=False),
       factor=st.floats(-1e3, 1e3, allow_nan=False).filter(lambda c: abs(c) > 1e-3))
def test_did_2x2_affine_transformations_of_the_outcome(frame, inference, shift, factor):
    reference = _did(frame, inference)
    moved = _did(frame.assign(y=frame["y"] + shift), inference)
    assert moved.estimate == pytest.approx(reference.estimate, rel=1e-7, abs=1e-9)
    # every slope and standard error is unchanged, the intercept moves by the constant
    np.testing.assert_allclose(moved.coefficients.estimate[1:],
                               reference.coefficients.estimate[1:], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(moved.coefficients.std_error, reference.coefficients.std_error,
                               rtol=1e-7, atol=1e-9)
    assert moved.coefficients.estimate[0] == pytest.approx(
        reference.coefficients.estimate[0] + shift, rel=1e-9, abs=1e-9)
    scaled = _did(frame.assign(y=frame["y"] * factor), inference)
    _assert_same(scaled, reference, rtol=1e-8, atol=1e-10, scale=factor)


@PROPERTY
@given(frame=cross_sections())
def test_did_2x2_without_covariates_is_the_difference_of_differences(frame):
    result = _did(frame, Classical(), covariates=())
    mean = frame.groupby(["treated", "post"])["y"].mean()
    expected = (mean[1, 1] - mean[1, 0]) - (mean[0, 1] - mean[0, 0])
    assert result.estimate == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert result.group_means.loc["treated", "change"] == pytest.approx(
        mean[1, 1] - mean[1, 0], rel=1e-12, abs=1e-12)


@PROPERTY
@given(frame=cross_sections(), inference=INFERENCE_2X2)
def test_did_2x2_does_not_mutate_the_callers_frame(frame, inference):
    before = copy.deepcopy(frame)
    _did(frame, inference)
    pd.testing.assert_frame_equal(frame, before)
